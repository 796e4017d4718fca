import { cpu } from '@stride/backend-cpu';
import type { BinaryOp, DType, Shape } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { erf } from '../src/scalar.js';
import {
  broadcastFlat,
  expectClose,
  expectExact,
  randomTensor,
  size,
  tensor,
  unravel,
} from './helpers.js';

const b = cpu();

describe('unary', () => {
  const xs = [-2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 3.7, -3.7];

  it('computes the float functions', () => {
    const x = tensor(xs, [xs.length], 'float64');
    const check = (op: Parameters<typeof b.unary>[0], f: (v: number) => number) =>
      expectClose(b.unary(op, x), xs.map(f), 1e-15, 0);
    check('neg', (v) => -v);
    check('abs', Math.abs);
    check('square', (v) => v * v);
    check('exp', Math.exp);
    check('expm1', Math.expm1);
    check('sin', Math.sin);
    check('cos', Math.cos);
    check('tan', Math.tan);
    check('tanh', Math.tanh);
    check('sigmoid', (v) => 1 / (1 + Math.exp(-v)));
    check('reciprocal', (v) => 1 / v);
    check('floor', Math.floor);
    check('ceil', Math.ceil);
    check('trunc', Math.trunc);
    check('relu', (v) => Math.max(v, 0));
    const pos = tensor([0.25, 1, 4, 9], [4], 'float64');
    expectClose(b.unary('sqrt', pos), [0.5, 1, 2, 3], 0, 0);
    expectClose(b.unary('rsqrt', pos), [2, 1, 0.5, 1 / 3], 1e-15, 0);
    expectClose(b.unary('log', pos), [Math.log(0.25), 0, Math.log(4), Math.log(9)], 1e-15, 0);
    expectClose(b.unary('log1p', pos), [Math.log(1.25), Math.log(2), Math.log(5), Math.log(10)]);
  });

  it('rounds half to even', () => {
    const x = tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997, 2.6, -2.6], [10]);
    expectExact(b.unary('round', x), [-2, -2, -0, 0, 2, 2, 4, 0, 3, -3]);
  });

  it('relu on float32 is exact at the extremes', () => {
    const big = 3.4028234663852886e38;
    const x = tensor(
      [big, -big, 1e-45, -1e-45, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      [7],
    );
    expectExact(b.unary('relu', x), [
      big,
      0,
      Math.fround(1e-45),
      0,
      0,
      Number.POSITIVE_INFINITY,
      0,
    ]);
    expectExact(b.unary('relu', tensor([1.7e308, -1.7e308], [2], 'float64')), [1.7e308, 0]);
  });

  it('gives sign 0 for zero and NaN (PyTorch), and passes NaN through relu', () => {
    const x = tensor([-3, 0, 2, Number.NaN], [4]);
    expectExact(b.unary('sign', x), [-1, 0, 1, 0]);
    const r = b.unary('relu', x);
    expect(Array.from(r.subarray(0, 3))).toEqual([0, 0, 2]);
    expect(Number.isNaN(r[3])).toBe(true);
  });

  it('stores float32 results rounded to float32', () => {
    const x = tensor([0.1, 1 / 3], [2], 'float32');
    const out = b.unary('exp', x);
    expect(out).toBeInstanceOf(Float32Array);
    expectExact(out, [
      Math.fround(Math.exp(Math.fround(0.1))),
      Math.fround(Math.exp(Math.fround(1 / 3))),
    ]);
  });

  it('wraps int32 like C', () => {
    const x = tensor([-2147483648, -5, 0, 7, 65536], [5], 'int32');
    expectExact(b.unary('neg', x), [-2147483648, 5, 0, -7, -65536]);
    expectExact(b.unary('abs', x), [-2147483648, 5, 0, 7, 65536]);
    expectExact(b.unary('square', x), [0, 25, 0, 49, 0]);
    expectExact(b.unary('sign', x), [-1, -1, 0, 1, 1]);
    expectExact(b.unary('relu', x), [0, 0, 0, 7, 65536]);
    expect(b.unary('neg', x)).toBeInstanceOf(Int32Array);
  });

  it('handles not and isnan', () => {
    expectExact(b.unary('not', tensor([0, 1, 1, 0], [4], 'bool')), [1, 0, 0, 1]);
    const out = b.unary('isnan', tensor([Number.NaN, 0, Number.POSITIVE_INFINITY], [3], 'float64'));
    expect(out).toBeInstanceOf(Uint8Array);
    expectExact(out, [1, 0, 0]);
  });

  it('computes erf to better than 1e-7 (checked against numerical integration)', () => {
    // Independent reference: composite Simpson rule on 2/sqrt(pi) exp(-t^2), 4000 panels.
    const simpson = (x: number): number => {
      const n = 4000;
      const h = x / n;
      let s = 1 + Math.exp(-x * x);
      for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
      return ((s * h) / 3) * (2 / Math.sqrt(Math.PI));
    };
    for (let x = -6.5; x <= 6.5; x += 0.0625) {
      const e = simpson(x);
      expect(Math.abs(erf(x) - e)).toBeLessThan(1e-13);
    }
    // Tabulated values.
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 15);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(erf(2)).toBeCloseTo(0.9953222650189527, 15);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 15);
    expect(erf(-1e-10)).toBeCloseTo(-1.1283791670955126e-10, 20);
    expect(Number.isNaN(erf(Number.NaN))).toBe(true);
    expect(erf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(erf(Number.NEGATIVE_INFINITY)).toBe(-1);
    const x = tensor([-1, 0, 0.5, 2], [4], 'float32');
    expectClose(
      b.unary('erf', x),
      [-0.8427007929497149, 0, 0.5204998778130465, 0.9953222650189527],
    );
  });

  it('returns empty storage for empty tensors', () => {
    expect(b.unary('exp', tensor([], [0, 3])).length).toBe(0);
  });
});

/** Reference broadcasting: each output index reads its inputs through broadcastFlat. */
function naiveBinary(
  f: (x: number, y: number) => number,
  a: ArrayLike<number>,
  aShape: Shape,
  c: ArrayLike<number>,
  cShape: Shape,
  outShape: Shape,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < size(outShape); i++) {
    const idx = unravel(i, outShape);
    out.push(f(a[broadcastFlat(idx, aShape)], c[broadcastFlat(idx, cShape)]));
  }
  return out;
}

describe('binary', () => {
  const cases: [Shape, Shape, Shape][] = [
    [
      [2, 3],
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3], [2, 3]],
    [
      [2, 1, 4],
      [3, 1],
      [2, 3, 4],
    ],
    [[1], [5], [5]],
    [
      [4, 1, 3, 1],
      [1, 5, 1, 2],
      [4, 5, 3, 2],
    ],
    [[], [2, 2], [2, 2]],
    [
      [3, 1, 1, 2],
      [1, 2, 2, 1],
      [3, 2, 2, 2],
    ],
  ];
  const ops: [BinaryOp, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y],
    ['sub', (x, y) => x - y],
    ['mul', (x, y) => x * y],
    ['div', (x, y) => x / y],
    ['maximum', Math.max],
    ['minimum', Math.min],
    ['lt', (x, y) => +(x < y)],
    ['ge', (x, y) => +(x >= y)],
    ['eq', (x, y) => +(x === y)],
  ];

  for (const [as, bs, os] of cases) {
    it(`broadcasts [${as}] with [${bs}]`, () => {
      const a = randomTensor(as, 'float64', 3);
      const c = randomTensor(bs, 'float64', 4);
      for (const [op, f] of ops) {
        const out = b.binary(op, a, c, os);
        expectClose(out, naiveBinary(f, a.storage, as, c.storage, bs, os), 0, 0);
      }
    });
  }

  it('gives bool output for comparisons and logic', () => {
    const x = tensor([1, 2, 3], [3]);
    const y = tensor([2], [1]);
    const out = b.binary('le', x, y, [3]);
    expect(out).toBeInstanceOf(Uint8Array);
    expectExact(out, [1, 1, 0]);
    const p = tensor([0, 0, 1, 1], [4], 'bool');
    const q = tensor([0, 1, 0, 1], [4], 'bool');
    expectExact(b.binary('and', p, q, [4]), [0, 0, 0, 1]);
    expectExact(b.binary('or', p, q, [4]), [0, 1, 1, 1]);
    expectExact(b.binary('xor', p, q, [4]), [0, 1, 1, 0]);
    expectExact(b.binary('ne', p, q, [4]), [0, 1, 1, 0]);
  });

  it('takes the sign of the divisor in mod (torch.remainder)', () => {
    const x = tensor([5, -5, 5, -5, 4.5, -0.5, 6], [7], 'float64');
    const y = tensor([3, 3, -3, -3, 2, 2, 3], [7], 'float64');
    expectExact(b.binary('mod', x, y, [7]), [2, 1, -1, -2, 0.5, 1.5, 0]);
    const xi = tensor([5, -5, 5, -5, 6, -2147483648], [6], 'int32');
    const yi = tensor([3, 3, -3, -3, 3, -1], [6], 'int32');
    expectExact(b.binary('mod', xi, yi, [6]), [2, 1, -1, -2, 0, 0]);
  });

  it('propagates NaN through maximum and minimum', () => {
    const x = tensor([Number.NaN, 1, 2], [3]);
    const y = tensor([1, Number.NaN, 1], [3]);
    for (const op of ['maximum', 'minimum'] as const) {
      const out = b.binary(op, x, y, [3]);
      expect(Number.isNaN(out[0]) && Number.isNaN(out[1])).toBe(true);
      expect(out[2]).toBe(op === 'maximum' ? 2 : 1);
    }
  });

  it('follows C pow on the special cases', () => {
    const x = tensor([1, -1, 2, 0, -8, 4], [6], 'float64');
    const y = tensor([Number.NaN, Number.POSITIVE_INFINITY, 10, 0, 1 / 3, 0.5], [6], 'float64');
    const out = b.binary('pow', x, y, [6]);
    expect(Array.from(out.subarray(0, 5))).toEqual([1, 1, 1024, 1, Number.NaN]);
    expect(out[5]).toBe(2);
  });

  it('wraps int32 arithmetic', () => {
    const x = tensor([2147483647, -2147483648, 65536, 3, 7], [5], 'int32');
    const y = tensor([1, 1, 65536, 13, 0], [5], 'int32');
    expectExact(b.binary('add', x, y, [5]), [-2147483648, -2147483647, 131072, 16, 7]);
    expectExact(b.binary('sub', x, y, [5]), [2147483646, 2147483647, 0, -10, 7]);
    expectExact(b.binary('mul', x, y, [5]), [2147483647, -2147483648, 0, 39, 0]);
    expectExact(b.binary('pow', x, y, [5]), [2147483647, -2147483648, 0, 1594323, 1]);
    expect(b.binary('add', x, y, [5])).toBeInstanceOf(Int32Array);
  });

  it('keeps bool arithmetic in {0, 1}', () => {
    const p = tensor([0, 0, 1, 1], [4], 'bool');
    const q = tensor([0, 1, 0, 1], [4], 'bool');
    expectExact(b.binary('add', p, q, [4]), [0, 1, 1, 1]);
    expectExact(b.binary('mul', p, q, [4]), [0, 0, 0, 1]);
    expectExact(b.binary('maximum', p, q, [4]), [0, 1, 1, 1]);
  });

  it('handles empty outputs', () => {
    expect(b.binary('add', tensor([], [0]), tensor([1], [1]), [0]).length).toBe(0);
  });
});

describe('where', () => {
  it('selects with broadcasting', () => {
    const cond = tensor([1, 0, 1], [3], 'bool');
    const a = tensor([10, 20], [2, 1], 'int32');
    const c = tensor([-1, -2, -3, -4, -5, -6], [2, 3], 'int32');
    const out = b.where(cond, a, c, [2, 3]);
    expect(out).toBeInstanceOf(Int32Array);
    expectExact(out, [10, -2, 10, 20, -5, 20]);
  });

  it('matches a naive loop on a 4-d broadcast', () => {
    const cs: Shape = [2, 1, 3, 1];
    const as: Shape = [1, 4, 1, 2];
    const bs: Shape = [3, 2];
    const os: Shape = [2, 4, 3, 2];
    const cond = tensor(
      Array.from({ length: size(cs) }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
      cs,
      'bool',
    );
    const a = randomTensor(as, 'float32', 5);
    const c = randomTensor(bs, 'float32', 6);
    const expected: number[] = [];
    for (let i = 0; i < size(os); i++) {
      const idx = unravel(i, os);
      const pick = cond.storage[broadcastFlat(idx, cs)] !== 0;
      expected.push(pick ? a.storage[broadcastFlat(idx, as)] : c.storage[broadcastFlat(idx, bs)]);
    }
    expectExact(b.where(cond, a, c, os), expected);
  });
});

describe('cast', () => {
  const cases: [DType, DType, number[], number[]][] = [
    ['float32', 'int32', [1.9, -1.9, 0.5, -0.5, 3], [1, -1, 0, 0, 3]],
    ['float64', 'bool', [0, -0, 0.1, Number.NaN, -2], [0, 0, 1, 1, 1]],
    ['int32', 'float32', [16777217, -3, 0, 5, 1], [16777216, -3, 0, 5, 1]],
    ['bool', 'float64', [1, 0, 1, 1, 0], [1, 0, 1, 1, 0]],
    ['float64', 'float32', [0.1, 1e40, -1e-50, 2, 3], [Math.fround(0.1), Infinity, -0, 2, 3]],
    ['int32', 'bool', [0, 7, -1, 0, 1], [0, 1, 1, 0, 1]],
  ];
  for (const [from, to, input, expected] of cases) {
    it(`${from} -> ${to}`, () => {
      const out = b.cast(tensor(input, [5], from), to);
      expect(out.constructor.name).toBe(
        {
          float32: 'Float32Array',
          float64: 'Float64Array',
          int32: 'Int32Array',
          bool: 'Uint8Array',
        }[to],
      );
      expectExact(out, expected);
    });
  }
});
