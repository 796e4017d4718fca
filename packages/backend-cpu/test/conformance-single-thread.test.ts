import { expectSupportFile, runConformance } from '@stride/backend-test-kit';
import { describe, expect, it, vi } from 'vitest';
import { cpu } from '../src/index.js';

// One thread on a private (unshared) memory, no workers, as in a page without cross-origin
// isolation: without SharedArrayBuffer, every operand is copied into the kernels' memory.
vi.stubGlobal('SharedArrayBuffer', undefined);
const backend = cpu({ threads: 1, relaxedSimd: false, tile: '4x8' });

describe('the single-threaded path', () => {
  it('runs plain WebAssembly SIMD on the calling thread, with nothing to warn about', () => {
    expect(backend.kernels).toBe('wasm-simd');
    expect(backend.threads).toBe(1);
    expect(backend.fallbacks).toEqual([]);
  });
});

runConformance({ backend: () => backend, name: 'wasm-simd, 1 thread' });
// The support table of the docs (docs/reference/data/support/cpu.json) must say what this run
// found: `pnpm --filter @stride/docs support` rewrites it.
expectSupportFile('../../../docs/reference/data/support/cpu.json');
