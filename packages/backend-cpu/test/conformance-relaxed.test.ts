import { setFlagsFromString } from 'node:v8';
import { expectSupportFile, runConformance } from '@stride/backend-test-kit';
import { describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// Node 20 validates relaxed SIMD only behind this flag (Chromium and Node 22+ have it on).
setFlagsFromString('--experimental-wasm-relaxed-simd');
const backend = cpu({ threads: 2 });

describe('the relaxed-SIMD path', () => {
  it('runs fused multiply-add kernels on two threads', () => {
    expect(backend.kernels).toBe('wasm-relaxed-simd');
    expect(backend.threads).toBe(2);
  });
});

runConformance({ backend: () => backend, name: 'wasm-relaxed-simd, 2 threads' });
// The support table of the docs (docs/reference/data/support/cpu.json) must say what this run
// found: `pnpm --filter @stride/docs support` rewrites it.
expectSupportFile('../../../docs/reference/data/support/cpu.json');
