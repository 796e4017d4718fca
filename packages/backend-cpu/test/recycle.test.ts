/**
 * Storage recycling: large freed storages come back from `allocate`, never twice, zeroed when
 * asked; and a training loop on a backend whose `free` recycles computes exactly what it
 * computes without recycling.
 */
import {
  type Backend,
  conv2d,
  crossEntropy,
  initBackend,
  linear,
  maxPool2d,
  registerBackend,
  relu,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
} from '@stride/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpu } from '../src/index.js';
import { allocate, allocateZeroed, recycle, recycledBytes } from '../src/storage.js';

// Storages in ordinary typed arrays, as without SharedArrayBuffer (a page that is not
// cross-origin isolated): with it, the backends below would keep them in their kernels' memory.
vi.stubGlobal('SharedArrayBuffer', undefined);

const LARGE = 64 * 1024; // float32 elements: 256 KB, above the pooling threshold

describe('allocate and recycle', () => {
  it('hands a recycled storage out once, for the same dtype and size only', () => {
    const a = allocate('float32', LARGE);
    a.fill(7);
    const before = recycledBytes();
    recycle(a);
    recycle(a); // a second free of the same storage must not make it come back twice
    expect(recycledBytes()).toBe(before + a.byteLength);
    expect(allocate('int32', LARGE)).not.toBe(a);
    expect(allocate('float32', LARGE + 1)).not.toBe(a);
    const again = allocate('float32', LARGE);
    expect(again).toBe(a);
    expect(allocate('float32', LARGE)).not.toBe(a);
    expect(recycledBytes()).toBe(before);
  });

  it('zeroes a recycled storage when asked', () => {
    const a = allocate('float64', LARGE);
    a.fill(3);
    recycle(a);
    const z = allocateZeroed('float64', LARGE);
    expect(z).toBe(a);
    expect(z.every((v) => v === 0)).toBe(true);
  });

  it('keeps neither small arrays nor views into a larger buffer', () => {
    const small = new Float32Array(16);
    const before = recycledBytes();
    recycle(small);
    const big = new Float32Array(2 * LARGE);
    recycle(big.subarray(0, LARGE));
    recycle(big.subarray(LARGE));
    expect(recycledBytes()).toBe(before);
    expect(allocate('float32', 16)).not.toBe(small);
  });

  it('holds a bounded amount', () => {
    const many: TypedArray[] = [];
    for (let i = 0; i < 40; i++) many.push(new Float32Array(1 << 20)); // 4 MB each
    for (const a of many) recycle(a);
    expect(recycledBytes()).toBeLessThanOrEqual(64 * 1024 * 1024);
    // Take back what this test put in.
    while (many.includes(allocate('float32', 1 << 20))) {}
  });
});

describe('a training loop with recycled storage', () => {
  const plain = cpu({ threads: 1 });
  const pooled = cpu({ threads: 1 });
  beforeAll(async () => {
    registerBackend({ ...plain, name: 'cpu-plain' } as Backend);
    registerBackend({ ...pooled, name: 'cpu-pooled', free: recycle } as Backend);
    await initBackend('cpu-plain');
    await initBackend('cpu-pooled');
  });
  afterAll(() => {
    plain.destroy();
    pooled.destroy();
  });

  /** Ten steps of a small CNN at batch 32 (outputs of 100-600 KB), returning every loss. */
  function train(device: string): { losses: number[]; weights: number[][]; recycled: number } {
    let seed = 12345;
    const rnd = (n: number, scale: number) =>
      Float32Array.from({ length: n }, () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return ((seed >>> 8) / 16777216 - 0.5) * scale;
      });
    const param = (shape: number[], scale: number): Tensor => {
      const t = tensor(
        rnd(
          shape.reduce((a, b) => a * b),
          scale,
        ),
        { shape, device },
      );
      t.requiresGrad = true;
      return t;
    };
    const w1 = param([8, 1, 5, 5], 0.4);
    const b1 = param([8], 0.1);
    const w2 = param([10, 8 * 14 * 14], 0.02);
    const x = tensor(rnd(32 * 28 * 28, 2), { shape: [32, 1, 28, 28], device });
    const y = tensor(
      Int32Array.from({ length: 32 }, (_, i) => i % 10),
      { device },
    );
    const losses: number[] = [];
    let recycled = 0;
    for (let step = 0; step < 10; step++) {
      tidy(() => {
        const h = maxPool2d(relu(conv2d(x, w1, { bias: b1, padding: 2 })), 2);
        const loss = crossEntropy(linear(h.flatten(1), w2), y);
        loss.backward();
        for (const p of [w1, b1, w2]) {
          p.assign(p.detach().sub((p.grad as Tensor).mul(0.05)));
          p.grad = null;
        }
        losses.push(loss.itemSync());
      });
      recycled = Math.max(recycled, recycledBytes());
    }
    const weights = [w1, b1, w2].map((p) => Array.from(p.dataSync()));
    for (const t of [w1, b1, w2, x, y]) t.dispose();
    return { losses, weights, recycled };
  }

  it('gives bit-identical losses and weights', () => {
    const a = train('cpu-plain');
    const b = train('cpu-pooled');
    expect(b.recycled).toBeGreaterThan(0);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
    expect(a.losses[9]).toBeLessThan(a.losses[0] as number);
  });
});
