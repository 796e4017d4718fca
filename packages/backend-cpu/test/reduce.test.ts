import { cpu } from '@stride/backend-cpu';
import type { Shape } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  expectClose,
  expectExact,
  randomTensor,
  size,
  stridesOf,
  tensor,
  unravel,
} from './helpers.js';

const b = cpu();

/** Reference reduction: groups the elements by their index with the reduced axes zeroed. */
function naiveReduce(
  x: ArrayLike<number>,
  shape: Shape,
  axes: number[],
  init: number,
  f: (acc: number, v: number) => number,
): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const os = stridesOf(outShape);
  const out = new Array<number>(size(outShape)).fill(init);
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) o += idx[d] * os[d];
    out[o] = f(out[o], x[i]);
  }
  return out;
}

describe('reduce', () => {
  const shape: Shape = [3, 4, 1, 5, 2];
  const axisSets = [[0], [1], [4], [0, 1], [1, 3], [0, 2, 4], [3, 4], [0, 1, 2, 3, 4], [2], []];
  for (const axes of axisSets) {
    it(`sum, prod, max, min over [${axes}] of [${shape}]`, () => {
      const x = randomTensor(shape, 'float64', 11);
      expectClose(
        b.reduce('sum', x, axes),
        naiveReduce(x.storage, shape, axes, 0, (a, v) => a + v),
        1e-12,
      );
      expectClose(
        b.reduce('prod', x, axes),
        naiveReduce(x.storage, shape, axes, 1, (a, v) => a * v),
        1e-12,
      );
      expectExact(
        b.reduce('max', x, axes),
        naiveReduce(x.storage, shape, axes, -Infinity, Math.max),
      );
      expectExact(
        b.reduce('min', x, axes),
        naiveReduce(x.storage, shape, axes, Infinity, Math.min),
      );
    });
  }

  it('sums float32 in double before rounding once', () => {
    // 1 + 2^-24 * 2^24 ones: float32 running sums would stall at 1 + ... ; double gets it right.
    const n = 1 << 12;
    const values = new Array<number>(n).fill(2 ** -13);
    values[0] = 1;
    const out = b.reduce('sum', tensor(values, [n]), [0]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out[0]).toBe(Math.fround(1 + (n - 1) * 2 ** -13));
  });

  it('wraps int32 sums and products', () => {
    const x = tensor([2147483647, 1, 65536, 65536], [2, 2], 'int32');
    expectExact(b.reduce('sum', x, [1]), [-2147483648, 131072]);
    expectExact(b.reduce('prod', x, [1]), [2147483647, 0]);
    expectExact(b.reduce('max', x, [0]), [2147483647, 65536]);
    expectExact(b.reduce('min', x, [0, 1]), [1]);
    expect(b.reduce('sum', x, [0])).toBeInstanceOf(Int32Array);
  });

  it('propagates NaN in max and min', () => {
    const x = tensor([1, Number.NaN, 3, 4, 5, 6], [2, 3]);
    const mx = b.reduce('max', x, [1]);
    expect(Number.isNaN(mx[0])).toBe(true);
    expect(mx[1]).toBe(6);
    const mn = b.reduce('min', x, [0]);
    expect(mn[0]).toBe(1);
    expect(Number.isNaN(mn[1])).toBe(true);
  });

  it('reduces bool max/min as any/all', () => {
    const x = tensor([0, 0, 0, 1, 0, 1], [2, 3], 'bool');
    expectExact(b.reduce('max', x, [1]), [0, 1]);
    expectExact(b.reduce('max', x, [0]), [1, 0, 1]);
    const y = tensor([1, 1, 1, 1, 0, 1], [2, 3], 'bool');
    expectExact(b.reduce('min', y, [1]), [1, 0]);
    expectExact(b.reduce('min', y, [0]), [1, 0, 1]);
  });

  it('gives the identity for an empty reduced axis', () => {
    const x = tensor([], [2, 0, 3], 'float32');
    expectExact(b.reduce('sum', x, [1]), [0, 0, 0, 0, 0, 0]);
    expectExact(b.reduce('prod', x, [1]), [1, 1, 1, 1, 1, 1]);
    expect(b.reduce('sum', tensor([], [0, 3]), [1]).length).toBe(0);
  });

  it('argmax/argmin return the first extreme along the axis', () => {
    const x = tensor([1, 3, 3, 0, 2, 0, 0, 2, 5, 1, 5, 1], [2, 3, 2], 'float32');
    // axis 1: for each (i, k) the column x[i, :, k]
    expectExact(b.reduce('argmax', x, [1]), [1, 0, 1, 0]);
    expectExact(b.reduce('argmin', x, [1]), [0, 1, 0, 1]);
    expectExact(b.reduce('argmax', x, [2]), [1, 0, 0, 1, 0, 0]);
    expectExact(b.reduce('argmin', x, [0]), [1, 1, 0, 0, 0, 0]);
    expect(b.reduce('argmax', x, [0])).toBeInstanceOf(Int32Array);
  });

  it('argmax/argmin treat the first NaN as the extreme', () => {
    const x = tensor([1, Number.NaN, 9, Number.NaN, -9, 2], [6]);
    expectExact(b.reduce('argmax', x, [0]), [1]);
    expectExact(b.reduce('argmin', x, [0]), [1]);
    const y = tensor([1, 5, Number.NaN, 0, 7, 3], [3, 2]);
    expectExact(b.reduce('argmax', y, [0]), [1, 0]);
    expectExact(b.reduce('argmin', y, [0]), [1, 1]);
  });

  it('argmax over int32 on a large axis', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i * 37) % 1000);
    expectExact(b.reduce('argmax', tensor(values, [1000], 'int32'), [0]), [values.indexOf(999)]);
  });
});

describe('softmax', () => {
  const naive = (x: ArrayLike<number>, shape: Shape, axis: number, log: boolean): number[] => {
    const out = new Array<number>(size(shape));
    const st = stridesOf(shape);
    for (let i = 0; i < size(shape); i++) {
      const idx = unravel(i, shape);
      const base = i - idx[axis] * st[axis];
      let m = -Infinity;
      for (let k = 0; k < shape[axis]; k++) m = Math.max(m, x[base + k * st[axis]]);
      let s = 0;
      for (let k = 0; k < shape[axis]; k++) s += Math.exp(x[base + k * st[axis]] - m);
      out[i] = log ? x[i] - m - Math.log(s) : Math.exp(x[i] - m) / s;
    }
    return out;
  };

  for (const axis of [0, 1, 2]) {
    for (const log of [false, true]) {
      it(`${log ? 'log-' : ''}softmax along axis ${axis}`, () => {
        const shape: Shape = [3, 5, 4];
        const x = randomTensor(shape, 'float64', 21 + axis);
        for (let i = 0; i < x.storage.length; i++) x.storage[i] *= 30;
        expectClose(b.softmax(x, axis, log), naive(x.storage, shape, axis, log), 1e-13, 1e-15);
      });
    }
  }

  it('is stable for large inputs and propagates NaN', () => {
    const x = tensor([1000, 1000, Number.NEGATIVE_INFINITY, 1, Number.NaN, 1000], [2, 3]);
    const s = b.softmax(x, 1, false);
    expectClose(s, [0.5, 0.5, 0, Number.NaN, Number.NaN, Number.NaN]);
    const ls = b.softmax(x, 1, true);
    expectClose(ls.subarray(0, 3), [-Math.log(2), -Math.log(2), Number.NEGATIVE_INFINITY]);
    const y = tensor([1000, 1000, 1000], [1, 3]);
    expectClose(b.softmax(y, 1, true), [-Math.log(3), -Math.log(3), -Math.log(3)]);
    expectClose(b.softmax(y, 1, false), [1 / 3, 1 / 3, 1 / 3]);
    expect(b.softmax(x, 1, false)).toBeInstanceOf(Float32Array);
  });
});
