/**
 * The specialised loops (flat rows for equal shapes and scalars, branch-free comparisons, bit
 * selection in `where` and relu, 2-d max pooling without bounds checks) against direct
 * per-element references, on random inputs salted with the values that tell implementations
 * apart: NaN (with a payload and a sign), ±0, ±infinity and ties.
 */
import { cpu } from '@stride/backend-cpu';
import type { BinaryOp, DType, PoolParams, Shape, TypedArray } from '@stride/core';
import { allocTyped } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { adamStep, reluBackward } from '../src/elementwise.js';
import { broadcastFlat, type KT, seeded, size, unravel } from './helpers.js';

const b = cpu();

const SPECIAL = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, -1, 0.5];

/** Random values of `dtype` with specials (floats) or repeats (ints) mixed in. */
function randomValues(shape: Shape, dtype: DType, seed: number): KT {
  const rnd = seeded(seed);
  const storage = allocTyped(dtype, size(shape));
  for (let i = 0; i < storage.length; i++) {
    const r = rnd(0, 1);
    if (dtype === 'bool') storage[i] = r < 0.5 ? 1 : 0;
    else if (dtype === 'int32') storage[i] = Math.floor(rnd(-4, 4));
    else
      storage[i] = r < 0.2 ? (SPECIAL[Math.floor(rnd(0, SPECIAL.length))] as number) : rnd(-3, 3);
  }
  return { storage, shape, dtype };
}

/** float32 and float64 words compared bit for bit (NaN payloads and the sign of 0 included). */
function expectSameBits(actual: TypedArray, expected: TypedArray): void {
  expect(actual.constructor).toBe(expected.constructor);
  expect(actual.length).toBe(expected.length);
  const view = (t: TypedArray) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
  const a = view(actual);
  const e = view(expected);
  const width = actual.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      const k = Math.floor(i / width);
      throw new Error(`element ${k}: got ${actual[k]}, expected ${expected[k]} (bits differ)`);
    }
  }
}

const SHAPES: [name: string, a: Shape, b: Shape, out: Shape][] = [
  ['equal shapes', [3, 5, 7], [3, 5, 7], [3, 5, 7]],
  ['scalar right', [4, 9], [], [4, 9]],
  ['scalar left', [1, 1], [6, 5], [6, 5]],
  ['one element each', [1, 1], [1, 1], [1, 1]],
  ['leading 1s on one side', [1, 2, 3], [2, 3], [1, 2, 3]],
  ['per-channel bias', [2, 3, 4, 5], [3, 1, 1], [2, 3, 4, 5]],
  ['outer product', [4, 1], [1, 6], [4, 6]],
];

const ARITHMETIC: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod'];
const COMPARISONS: BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/** The value a C-like store of `v` into `dtype` keeps. */
function store(v: number, dtype: DType): number {
  const out = allocTyped(dtype, 1);
  out[0] = v;
  return out[0] as number;
}

function reference(op: BinaryOp, x: number, y: number, dtype: DType): number {
  const isInt = dtype === 'int32' || dtype === 'bool';
  switch (op) {
    case 'add':
      return isInt ? (x + y) | 0 : x + y;
    case 'sub':
      return isInt ? (x - y) | 0 : x - y;
    case 'mul':
      return isInt ? Math.imul(x, y) : x * y;
    case 'div':
      return x / y;
    case 'pow':
      // Floats only here (C pow's special cases); int32 pow has its own test below.
      return x === 1 || (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) ? 1 : x ** y;
    case 'maximum':
      // biome-ignore lint/complexity/useMathMinMax: between +0 and -0 the kernel keeps y; Math.max prefers +0
      return Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : x > y ? x : y;
    case 'minimum':
      // biome-ignore lint/complexity/useMathMinMax: between +0 and -0 the kernel keeps y; Math.min prefers -0
      return Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : x < y ? x : y;
    case 'mod': {
      if (isInt) {
        const r = (x % y) | 0;
        return r !== 0 && (r ^ y) < 0 ? r + y : r;
      }
      const r = x % y;
      return r !== 0 && r < 0 !== y < 0 ? r + y : r;
    }
    case 'eq':
      return +(x === y);
    case 'ne':
      return +(x !== y);
    case 'lt':
      return +(x < y);
    case 'le':
      return +(x <= y);
    case 'gt':
      return +(x > y);
    case 'ge':
      return +(x >= y);
    case 'and':
      return +(x !== 0 && y !== 0);
    case 'or':
      return +(x !== 0 || y !== 0);
    case 'xor':
      return +((x !== 0) !== (y !== 0));
  }
}

function naiveBinary(op: BinaryOp, a: KT, c: KT, outShape: Shape): TypedArray {
  const logical = COMPARISONS.includes(op) || op === 'and' || op === 'or' || op === 'xor';
  const out = allocTyped(logical ? 'bool' : a.dtype, size(outShape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, outShape);
    const x = a.storage[broadcastFlat(idx, a.shape)] as number;
    const y = c.storage[broadcastFlat(idx, c.shape)] as number;
    const v = reference(op, x, y, a.dtype);
    out[i] = !logical && a.dtype === 'bool' ? +(v !== 0) : store(v, a.dtype);
  }
  return out;
}

describe('binary fast paths agree with a per-element reference', () => {
  const byDtype: [DType, BinaryOp[]][] = [
    ['float32', [...ARITHMETIC, ...COMPARISONS]],
    ['float64', [...ARITHMETIC, ...COMPARISONS]],
    ['int32', ['add', 'sub', 'mul', 'maximum', 'minimum', 'mod', ...COMPARISONS]],
    ['bool', ['add', 'mul', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'ge', 'and', 'or', 'xor']],
  ];
  for (const [dtype, ops] of byDtype) {
    for (const [name, as, cs, os] of SHAPES) {
      it(`${dtype}, ${name}`, () => {
        const a = randomValues(as, dtype, 11);
        const c = randomValues(cs, dtype, 12);
        for (const op of ops) {
          const got = b.binary(op, a, c, os);
          try {
            expectSameBits(got, naiveBinary(op, a, c, os));
          } catch (e) {
            throw new Error(`${op}: ${(e as Error).message}`);
          }
        }
      });
    }
  }

  it('int32 pow with non-negative exponents', () => {
    const a: KT = { storage: Int32Array.of(3, -2, 7, 0, 1), shape: [5], dtype: 'int32' };
    const e: KT = { storage: Int32Array.of(2), shape: [], dtype: 'int32' };
    expect(Array.from(b.binary('pow', a, e, [5]))).toEqual([9, 4, 49, 0, 1]);
  });
});

function naiveWhere(cond: KT, a: KT, c: KT, outShape: Shape): TypedArray {
  const out = allocTyped(a.dtype, size(outShape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, outShape);
    const pick = cond.storage[broadcastFlat(idx, cond.shape)] !== 0;
    out[i] = (pick ? a : c).storage[broadcastFlat(idx, (pick ? a : c).shape)] as number;
  }
  return out;
}

describe('where selects bit-exactly', () => {
  const shapes: [string, Shape, Shape, Shape, Shape][] = [
    ['equal shapes', [4, 6], [4, 6], [4, 6], [4, 6]],
    ['scalar other (the relu gradient)', [3, 7], [3, 7], [], [3, 7]],
    ['scalar input', [5], [], [5], [5]],
    ['broadcast condition', [1, 6], [4, 6], [4, 1], [4, 6]],
    ['per-channel', [2, 3, 1, 1], [2, 3, 4, 4], [1], [2, 3, 4, 4]],
  ];
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
    for (const [name, cs, as, bs, os] of shapes) {
      it(`${dtype}, ${name}`, () => {
        const cond = randomValues(cs, 'bool', 21);
        const a = randomValues(as, dtype, 22);
        const c = randomValues(bs, dtype, 23);
        expectSameBits(b.where(cond, a, c, os), naiveWhere(cond, a, c, os));
      });
    }
  }

  it('keeps NaN payloads and the sign of zero', () => {
    const words = Int32Array.of(0x7fc00001, 0xffc00002 | 0, 0x80000000 | 0, 0x7f800000);
    const a: KT = { storage: new Float32Array(words.buffer), shape: [4], dtype: 'float32' };
    const zero: KT = { storage: Float32Array.of(-0), shape: [], dtype: 'float32' };
    const cond: KT = { storage: Uint8Array.of(1, 1, 1, 0), shape: [4], dtype: 'bool' };
    const out = b.where(cond, a, zero, [4]) as Float32Array;
    const bits = new Int32Array(out.buffer);
    expect(Array.from(bits)).toEqual([0x7fc00001, 0xffc00002 | 0, 0x80000000 | 0, 0x80000000 | 0]);
  });
});

describe('relu on float32 bit patterns', () => {
  it('matches max(x, 0) with NaN passed through, for every kind of value', () => {
    const words = [
      0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7f800000, 0xff800000, 0x00000000,
      0x80000000, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000, 0x7f7fffff, 0xff7fffff,
    ].map((w) => w | 0);
    const x: KT = {
      storage: new Float32Array(Int32Array.from(words).buffer),
      shape: [words.length],
      dtype: 'float32',
    };
    const out = b.unary('relu', x) as Float32Array;
    const got = new Int32Array(out.buffer);
    words.forEach((w, i) => {
      const v = (x.storage as Float32Array)[i] as number;
      // A NaN keeps its very bits; everything else is max(v, 0) with +0 for the negatives.
      const expected = Number.isNaN(v) ? w : v > 0 ? w : 0;
      expect(got[i]).toBe(expected);
    });
    const random = randomValues([1000], 'float32', 31);
    const r = b.unary('relu', random);
    const f64 = b.unary('relu', {
      ...random,
      storage: Float64Array.from(random.storage),
      dtype: 'float64',
    });
    const expected = Float32Array.from(f64);
    for (let i = 0; i < r.length; i++) expect(Object.is(r[i], expected[i])).toBe(true);
  });
});

function poolParams(kernel: number[], stride: number[], outSize: number[]): PoolParams {
  return { kernel, stride, padding: [0, 0], dilation: [1, 1], outSize, countIncludePad: true };
}

/** Direct max pooling of a 4-d input with PyTorch's rules (first maximum, last NaN). */
function naiveMaxPool(x: KT, p: PoolParams): { values: number[]; indices: number[] } {
  const [n, c, H, W] = x.shape as [number, number, number, number];
  const values: number[] = [];
  const indices: number[] = [];
  for (let plane = 0; plane < n * c; plane++) {
    for (let oh = 0; oh < (p.outSize[0] as number); oh++) {
      for (let ow = 0; ow < (p.outSize[1] as number); ow++) {
        let best = Number.NEGATIVE_INFINITY;
        let at = oh * (p.stride[0] as number) * W + ow * (p.stride[1] as number);
        for (let i = 0; i < (p.kernel[0] as number); i++) {
          for (let j = 0; j < (p.kernel[1] as number); j++) {
            const flat = (oh * (p.stride[0] as number) + i) * W + ow * (p.stride[1] as number) + j;
            const v = x.storage[plane * H * W + flat] as number;
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = flat;
            }
          }
        }
        values.push(best);
        indices.push(at);
      }
    }
  }
  return { values, indices };
}

describe('2-d max pooling with every window inside the input', () => {
  const cases: [string, Shape, number[], number[]][] = [
    ['2x2 stride 2', [2, 3, 8, 6], [2, 2], [2, 2]],
    ['2x2 stride 2, odd sizes (floor)', [1, 2, 7, 9], [2, 2], [2, 2]],
    ['2x2 stride 1 (overlapping)', [2, 2, 5, 6], [2, 2], [1, 1]],
    ['2x2 stride (1,3)', [1, 2, 6, 10], [2, 2], [1, 3]],
    ['3x3 stride 2', [2, 2, 9, 7], [3, 3], [2, 2]],
    ['1x4 stride (1,2)', [1, 3, 5, 10], [1, 4], [1, 2]],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, shape, kernel, stride] of cases) {
      it(`${dtype}, ${name}`, () => {
        // Few distinct values make ties, -0 against 0, infinities and NaNs common.
        const x = randomValues(shape, dtype, 41);
        for (let i = 0; i < x.storage.length; i += 3) {
          x.storage[i] = Math.round(x.storage[i] as number);
        }
        const outSize = [0, 1].map(
          (a) =>
            Math.floor(((shape[a + 2] as number) - (kernel[a] as number)) / (stride[a] as number)) +
            1,
        );
        const p = poolParams(kernel, stride, outSize);
        const got = b.maxPool(x, p);
        const want = naiveMaxPool(x, p);
        expect(Array.from(got.indices)).toEqual(want.indices);
        expectSameBits(got.values, storeAll(want.values, dtype));
      });
    }
  }
});

function storeAll(values: number[], dtype: DType): TypedArray {
  const out = allocTyped(dtype, values.length);
  out.set(values);
  return out;
}

describe('fused kernels equal the kernels they replace', () => {
  const scalar = (v: number, dtype: DType): KT => {
    const storage = allocTyped(dtype, 1);
    storage[0] = v;
    return { storage, shape: [], dtype };
  };

  for (const dtype of ['float32', 'float64'] as const) {
    it(`reluBackward is where(x > 0, dy, 0), ${dtype}`, () => {
      const x = randomValues([7, 33], dtype, 51);
      const dy = randomValues([7, 33], dtype, 52);
      const mask: KT = {
        storage: b.binary('gt', x, scalar(0, dtype), x.shape),
        shape: x.shape,
        dtype: 'bool',
      };
      const expected = b.where(mask, dy, scalar(0, dtype), x.shape);
      expectSameBits(reluBackward(dy, x), expected);
    });

    it(`adamStep is the composition of binary and unary kernels, ${dtype}`, () => {
      const shape = [5, 41];
      const p = randomValues(shape, dtype, 61);
      const g = randomValues(shape, dtype, 62);
      // Moments as they are in training: any average, a non-negative second moment.
      const m = randomValues(shape, dtype, 63);
      const v = { ...randomValues(shape, dtype, 64) };
      v.storage = v.storage.map((x) => Math.abs(x as number));
      const h = {
        beta1: 0.9,
        beta2: 0.999,
        stepSize: 1e-3 / (1 - 0.9 ** 3),
        biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** 3),
        eps: 1e-8,
      };
      const k = (storage: TypedArray): KT => ({ storage, shape, dtype });
      const bin = (op: BinaryOp, x: KT, y: KT) => k(b.binary(op, x, y, shape));
      const s = (value: number) => scalar(value, dtype);
      const m1 = bin('add', bin('mul', m, s(h.beta1)), bin('mul', g, s(1 - h.beta1)));
      const v1 = bin(
        'add',
        bin('mul', v, s(h.beta2)),
        bin('mul', bin('mul', g, s(1 - h.beta2)), g),
      );
      const denom = bin(
        'add',
        bin('div', k(b.unary('sqrt', v1)), s(h.biasCorrection2Sqrt)),
        s(h.eps),
      );
      const p1 = bin('add', p, bin('div', bin('mul', m1, s(-h.stepSize)), denom));
      const fused = adamStep(p, g, m, v, h);
      expectSameBits(fused.expAvg, m1.storage);
      expectSameBits(fused.expAvgSq, v1.storage);
      expectSameBits(fused.param, p1.storage);
    });
  }
});

describe('max-pool gradient', () => {
  /** Scatter-add of every output gradient onto its index: the definition. */
  function naive(dy: KT, idx: KT, xShape: Shape, outSize: number[]): TypedArray {
    const planes = (xShape[0] as number) * (xShape[1] as number);
    const inSize = size(xShape.slice(2));
    const per = size(outSize);
    const dx = allocTyped(dy.dtype, size(xShape));
    for (let o = 0; o < planes * per; o++) {
      const at = Math.floor(o / per) * inSize + (idx.storage[o] as number);
      dx[at] = (dx[at] as number) + (dy.storage[o] as number);
    }
    return dx;
  }
  const cases: [string, Shape, number[], number[], number[]][] = [
    ['2x2 stride 2 (disjoint)', [2, 3, 8, 6], [2, 2], [2, 2], [0, 0]],
    ['3x3 stride 3 padding 1 (disjoint)', [1, 2, 7, 8], [3, 3], [3, 3], [1, 1]],
    ['3x3 stride 2 (overlapping: indices repeat)', [2, 2, 9, 7], [3, 3], [2, 2], [0, 0]],
  ];
  for (const [name, shape, kernel, stride, padding] of cases) {
    it(name, () => {
      const x = randomValues(shape, 'float32', 71);
      for (let i = 0; i < x.storage.length; i += 2)
        x.storage[i] = Math.round(x.storage[i] as number);
      const outSize = [0, 1].map(
        (a) =>
          Math.floor(
            ((shape[a + 2] as number) + 2 * (padding[a] as number) - (kernel[a] as number)) /
              (stride[a] as number),
          ) + 1,
      );
      const p: PoolParams = {
        kernel,
        stride,
        padding,
        dilation: [1, 1],
        outSize,
        countIncludePad: true,
      };
      const { indices } = b.maxPool(x, p);
      const outShape = [shape[0] as number, shape[1] as number, ...outSize];
      const dy = randomValues(outShape, 'float32', 72);
      const idx: KT = { storage: indices, shape: outShape, dtype: 'int32' };
      expectSameBits(b.maxPoolBackward(dy, idx, shape, p), naive(dy, idx, shape, outSize));
    });
  }
});

describe('float sums', () => {
  it('agree with one running double sum, rounded once, for every remainder of four', () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 31, 784]) {
      const x = randomValues([3, n], 'float32', 80 + n);
      for (let i = 0; i < x.storage.length; i++) {
        if (!Number.isFinite(x.storage[i] as number)) x.storage[i] = 1e-3 * i;
      }
      const rows = b.reduce('sum', x, [1]);
      const all = b.reduce('sum', x, [0, 1]);
      let total = 0;
      for (let r = 0; r < 3; r++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += x.storage[r * n + i] as number;
        total += s;
        expect(rows[r]).toBe(Math.fround(s));
      }
      expect(all[0]).toBeCloseTo(Math.fround(total), 5);
    }
  });
});
