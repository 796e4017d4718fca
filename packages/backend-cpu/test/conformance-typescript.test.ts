import { expectSupportFile, runConformance } from '@stride/backend-test-kit';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// The fallback where WebAssembly SIMD is unavailable.
const backend = cpu({ kernels: 'js' });

describe('the TypeScript path', () => {
  it('runs the TypeScript kernels', () => {
    expect(backend.kernels).toBe('js');
    expect(backend.threads).toBe(1);
  });
});

runConformance({ backend: () => backend, name: 'typescript' });
// The support table of the docs (docs/reference/data/support/cpu.json) must say what this run
// found: `pnpm --filter @stride/docs support` rewrites it.
expectSupportFile('../../../docs/reference/data/support/cpu.json');
