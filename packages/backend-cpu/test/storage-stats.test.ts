import type { Backend, KernelTensor, TypedArray } from '@stride/core';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

const backends = [cpu({ threads: 1 }), cpu({ kernels: 'js' })];
afterAll(() => {
  for (const b of backends) b.destroy();
});

const pool = {
  kernel: [2, 2],
  stride: [2, 2],
  padding: [0, 0],
  dilation: [1, 1],
  outSize: [2, 2],
  countIncludePad: true,
};

describe.each(backends.map((b) => [b.kernels, b] as const))('storageStats (%s)', (_, backend) => {
  it('counts every storage a kernel returns, with its bytes, until it is freed', () => {
    const start = backend.storageStats();
    const x = backend.upload(new Float32Array(64).fill(1.5), 'float32');
    const t: KernelTensor<TypedArray> = { storage: x, shape: [1, 1, 8, 8], dtype: 'float32' };
    const y = backend.unary('neg', t);
    const { values, indices } = backend.maxPool(
      { ...t, shape: [1, 4, 4, 4] },
      { ...pool, outSize: [2, 2] },
    );
    expect(backend.storageStats()).toEqual({
      count: start.count + 4,
      bytes: start.bytes + 256 + 256 + 64 + 64,
    });
    for (const s of [x, y, values, indices]) backend.free(s);
    expect(backend.storageStats()).toEqual(start);
  });

  it('frees a storage it did not make without counting it', () => {
    const start = backend.storageStats();
    backend.free(new Float32Array(100));
    expect(backend.storageStats()).toEqual(start);
  });
});

describe('composing with a spread', () => {
  const base = backends[0] as (typeof backends)[0];

  it('keeps the kernels, the getters and one count shared with the base', () => {
    let mine = 0;
    const composed: Backend<TypedArray> = {
      ...base,
      name: 'composed',
      // A kernel of its own that hands its result over through the base's upload.
      unary: (op, x) => {
        mine++;
        return op === 'neg'
          ? base.upload(
              Float32Array.from(x.storage, (v) => -v),
              x.dtype,
            )
          : base.unary(op, x);
      },
    };
    expect({ ...base }.kernels).toBe(base.kernels);
    expect({ ...base }.threads).toBe(1);
    const start = composed.storageStats();
    const x = composed.upload(Float32Array.from([1, -2, 3]), 'float32');
    const y = composed.unary('neg', { storage: x, shape: [3], dtype: 'float32' });
    const z = composed.binary(
      'add',
      { storage: x, shape: [3], dtype: 'float32' },
      { storage: y, shape: [3], dtype: 'float32' },
      [3],
    );
    expect(Array.from(composed.readSync?.(y, 'float32', 3) ?? [])).toEqual([-1, 2, -3]);
    expect(Array.from(composed.readSync?.(z, 'float32', 3) ?? [])).toEqual([0, 0, 0]);
    expect(mine).toBe(1);
    expect(composed.storageStats().count).toBe(start.count + 3);
    expect(base.storageStats()).toEqual(composed.storageStats());
    for (const s of [x, y, z]) composed.free(s);
    expect(composed.storageStats()).toEqual(start);
  });
});
