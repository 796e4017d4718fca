import { runConformance } from '@stride/backend-test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';
import { randomTensor } from './helpers.js';

// In a cross-origin-isolated page: WebAssembly threads are Web Workers over shared memory, and
// Chromium validates relaxed SIMD without flags.
const backend = cpu({ threads: 2 });
const single = cpu({ threads: 1 });
const exact = cpu({ kernels: 'js' });
afterAll(() => {
  backend.destroy();
});

describe('the CPU backend in Chromium', () => {
  it('runs relaxed-SIMD kernels on two threads in a cross-origin-isolated page', () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    expect(backend.kernels).toBe('wasm-relaxed-simd');
    expect(backend.threads).toBe(2);
    expect(single.threads).toBe(1);
  });

  it('gives the same bits on one thread and on two (Web Workers)', () => {
    const a = randomTensor([2, 150, 300], 'float32', 1);
    const b = randomTensor([2, 300, 170], 'float32', 2);
    const two = backend.matmul(a, b, false, false);
    expect(single.matmul(a, b, false, false)).toEqual(two);
    const want = exact.matmul(a, b, false, false);
    let worst = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs((two[i] as number) - (want[i] as number)));
    }
    // Sums of 300 products of numbers below 1 in float32.
    expect(worst).toBeLessThan(3e-5);
  });
});

runConformance({ backend: () => backend, name: 'wasm-relaxed-simd, 2 Web Workers' });
