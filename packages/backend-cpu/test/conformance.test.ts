import { expectSupportFile, runConformance } from '@stride/backend-test-kit';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// The default: WebAssembly SIMD kernels over worker threads.
const backend = cpu({ threads: 2, relaxedSimd: false, tile: '6x8' });

describe('the default path', () => {
  it('runs plain WebAssembly SIMD on two threads', () => {
    expect(backend.kernels).toBe('wasm-simd');
    expect(backend.threads).toBe(2);
  });
});

runConformance({ backend: () => backend, name: 'wasm-simd, 2 threads' });
// The support table of the docs (docs/reference/data/support/cpu.json) must say what this run
// found: `pnpm --filter @stride/docs support` rewrites it.
expectSupportFile('../../../docs/reference/data/support/cpu.json');
