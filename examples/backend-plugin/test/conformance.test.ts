import { runConformance } from '@stride/backend-test-kit';
import { matmul, neg, registerBackend, setBackend, tensor, tidy } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { trace } from '../src/trace.js';

// The whole conformance suite: direct checks of every kernel (trace's own and the CPU's it
// delegates to), the PyTorch fixtures, float64 gradchecks, the error table, and storageStats
// after every case and over a short training loop. One thread and plain SIMD keep the CPU
// backend underneath quick to start and quiet on any Node.
const options = { threads: 1, relaxedSimd: false } as const;
runConformance({ backend: () => trace(options), name: 'trace' });

describe('trace', () => {
  it('runs its own matmul and unary, and the CPU backend for the rest', async () => {
    const backend = trace(options);
    registerBackend(backend);
    await setBackend('trace');
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float32' },
    );
    const y = tidy(() => matmul(a, neg(a)));
    expect(await y.array()).toEqual([
      [-7, -10],
      [-15, -22],
    ]);
    expect(backend.calls).toEqual({ matmul: 1, unary: 1 });
    for (const t of [a, y]) t.dispose();
    expect(backend.storageStats().count).toBe(0);
  });
});
