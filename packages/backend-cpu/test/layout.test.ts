import { cpu } from '@stride/backend-cpu';
import type { Shape } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { expectExact, randomTensor, size, stridesOf, tensor, unravel } from './helpers.js';

const b = cpu();
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

function naiveStrided(x: ArrayLike<number>, outShape: Shape, strides: number[], offset: number) {
  const out: number[] = [];
  for (let i = 0; i < size(outShape); i++) {
    const idx = unravel(i, outShape);
    out.push(x[offset + idx.reduce((s, v, d) => s + v * strides[d], 0)]);
  }
  return out;
}

describe('strided', () => {
  const x = tensor(iota(24), [2, 3, 4], 'int32');

  it('transposes', () => {
    // permute (2, 0, 1): out[k][i][j] = x[i][j][k]
    const out = b.strided(x, [4, 2, 3], [1, 12, 4], 0);
    expectExact(out, naiveStrided(x.storage, [4, 2, 3], [1, 12, 4], 0));
    expectExact(out.subarray(0, 6), [0, 4, 8, 12, 16, 20]);
  });

  it('expands with stride 0', () => {
    const row = tensor([1, 2, 3], [3], 'float32');
    expectExact(b.strided(row, [2, 3], [0, 1], 0), [1, 2, 3, 1, 2, 3]);
    expectExact(b.strided(row, [3, 2], [1, 0], 0), [1, 1, 2, 2, 3, 3]);
  });

  it('slices with steps and an offset', () => {
    // x[1, 0:3:2, 1:4:2]
    expectExact(b.strided(x, [2, 2], [8, 2], 13), [13, 15, 21, 23]);
  });

  it('flips with negative strides', () => {
    // x[:, ::-1, ::-1]
    const out = b.strided(x, [2, 3, 4], [12, -4, -1], 11);
    expectExact(out, naiveStrided(x.storage, [2, 3, 4], [12, -4, -1], 11));
    expectExact(out.subarray(0, 4), [11, 10, 9, 8]);
  });

  it('copies long contiguous rows and keeps the dtype', () => {
    const big = randomTensor([3, 50, 40], 'float64', 2);
    const out = b.strided(big, [3, 20, 40], [2000, 80, 1], 40);
    expect(out).toBeInstanceOf(Float64Array);
    expectExact(out, naiveStrided(big.storage, [3, 20, 40], [2000, 80, 1], 40));
  });

  it('reads overlapping windows (unfold-like strides)', () => {
    const v = tensor(iota(6), [6], 'float32');
    expectExact(b.strided(v, [4, 3], [1, 1], 0), [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5]);
    expectExact(b.strided(v, [2, 2, 2], [2, 1, 1], 0), [0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('handles scalars and empty shapes', () => {
    expectExact(b.strided(x, [], [], 7), [7]);
    expect(b.strided(x, [0, 4], [4, 1], 0).length).toBe(0);
  });
});

describe('stridedWrite', () => {
  it('writes a view back into a copy of the base', () => {
    const base = tensor(iota(12), [3, 4], 'float32');
    const src = tensor([-1, -2, -3, -4], [2, 2], 'float32');
    // base[0:3:2, 3:0:-2] = src
    const out = b.stridedWrite(base, src, [8, -2], 3);
    expectExact(out, [0, -2, 2, -1, 4, 5, 6, 7, 8, -4, 10, -3]);
    expectExact(base.storage, iota(12));
  });

  it('is the adjoint of strided on a transposed block', () => {
    const base = tensor(new Array(60).fill(0), [3, 4, 5], 'float64');
    const src = randomTensor([5, 2, 3], 'float64', 8);
    const strides = [1, 5, 20];
    const out = b.stridedWrite(base, src, strides, 5);
    expectExact(b.strided({ ...base, storage: out }, [5, 2, 3], strides, 5), src.storage);
    let nonzero = 0;
    for (const v of out) if (v !== 0) nonzero++;
    expect(nonzero).toBe(30);
  });
});

describe('concat', () => {
  it('joins along every axis', () => {
    const a = tensor(iota(6), [2, 3], 'int32');
    const c = tensor([10, 11, 12], [1, 3], 'int32');
    expectExact(b.concat([a, c], 0), [0, 1, 2, 3, 4, 5, 10, 11, 12]);
    const d = tensor([7, 8, 9, 10], [2, 2], 'int32');
    expectExact(b.concat([a, d, a], 1), [0, 1, 2, 7, 8, 0, 1, 2, 3, 4, 5, 9, 10, 3, 4, 5]);
  });

  it('matches a naive gather of the inputs for long rows and empty parts', () => {
    const parts = [
      randomTensor([2, 40, 3], 'float32', 1),
      tensor([], [2, 0, 3]),
      randomTensor([2, 5, 3], 'float32', 2),
    ];
    const out = b.concat(parts, 1);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (const p of parts) {
        const len = p.shape[1] * 3;
        expected.push(...Array.from(p.storage.subarray(i * len, (i + 1) * len)));
      }
    }
    expectExact(out, expected);
  });
});

describe('gather and scatterAdd', () => {
  it('gathers along an axis (torch.gather)', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float32');
    const idx1 = tensor([2, 0, 1, 1, 0, 0], [2, 3], 'int32');
    expectExact(b.gather(x, 1, idx1), [3, 1, 2, 5, 4, 4]);
    const idx0 = tensor([1, 0, 1], [1, 3], 'int32');
    expectExact(b.gather(x, 0, idx0), [4, 2, 6]);
  });

  it('gathers with an index smaller than the input in other axes', () => {
    const shape: Shape = [3, 4, 5];
    const x = randomTensor(shape, 'float64', 4);
    const ishape: Shape = [2, 6, 3];
    const index = tensor(
      iota(36).map((i) => (i * 7) % 4),
      ishape,
      'int32',
    );
    const xs = stridesOf(shape);
    const expected = iota(36).map((p) => {
      const idx = unravel(p, ishape);
      idx[1] = index.storage[p];
      return x.storage[idx.reduce((s, v, d) => s + v * xs[d], 0)];
    });
    expectExact(b.gather(x, 1, index), expected);
  });

  it('scatter-adds with repeated indices (torch.scatter_add)', () => {
    const base = tensor(new Array(6).fill(1), [2, 3], 'float32');
    const index = tensor([0, 0, 2, 1], [2, 2], 'int32');
    const src = tensor([10, 20, 30, 40], [2, 2], 'float32');
    expectExact(b.scatterAdd(base, 1, index, src), [31, 1, 1, 1, 41, 31]);
    const index0 = tensor([1, 0, 1], [1, 3], 'int32');
    const src0 = tensor([5, 6, 7], [1, 3], 'float32');
    expectExact(b.scatterAdd(base, 0, index0, src0), [1, 7, 1, 6, 1, 8]);
    expectExact(base.storage, [1, 1, 1, 1, 1, 1]);
  });

  it('scatter-add is the adjoint of gather', () => {
    const shape: Shape = [3, 4, 5];
    const ishape: Shape = [3, 7, 5];
    const index = tensor(
      iota(105).map((i) => (i * 5 + 3) % 4),
      ishape,
      'int32',
    );
    const x = randomTensor(shape, 'float64', 12);
    const dy = randomTensor(ishape, 'float64', 13);
    const g = b.gather(x, 1, index);
    const zero = tensor(new Array(60).fill(0), shape, 'float64');
    const dx = b.scatterAdd(zero, 1, index, dy);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < g.length; i++) lhs += g[i] * dy.storage[i];
    for (let i = 0; i < dx.length; i++) rhs += dx[i] * x.storage[i];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12);
  });

  it('wraps int32 scatter sums', () => {
    const base = tensor([2147483647, 0], [2], 'int32');
    const out = b.scatterAdd(base, 0, tensor([0, 0], [2], 'int32'), tensor([1, 1], [2], 'int32'));
    expectExact(out, [-2147483647, 0]);
  });
});
