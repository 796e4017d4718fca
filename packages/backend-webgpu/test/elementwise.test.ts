/**
 * Every phase-one kernel against the CPU backend (the reference), on inputs chosen to reach the
 * edge cases: signed zeros, NaN, infinities, int32 wrap-around, broadcasting and strides.
 * Float tolerances are per op and match the accuracy documented in wgsl-math.ts.
 */
import { cpu } from '@stride/backend-cpu';
import type { BinaryOp, DType, KernelTensor, Shape, TypedArray, UnaryOp } from '@stride/core';
import { allocTyped, sizeOf } from '@stride/core';
import { beforeAll, describe, it } from 'vitest';
import type { GpuStorage, WebGpuBackend } from '../src/index.js';
import { expectClose } from './compare.js';
import { makeBackend } from './helpers.js';

const ref = cpu();
let gpu: WebGpuBackend;

beforeAll(async () => {
  gpu = await makeBackend();
});

/** Deterministic values: `n` draws from a small linear congruential generator. */
function draws(n: number, seed: number, map: (u: number) => number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return map(s / 4294967296);
  });
}

function host(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = allocTyped(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out;
}

/** The same tensor on both backends. */
function pair(dtype: DType, shape: Shape, values: ArrayLike<number>) {
  const data = host(dtype, values);
  if (data.length !== sizeOf(shape)) throw new Error('size mismatch');
  return {
    data,
    c: { storage: data, shape, dtype } as KernelTensor<TypedArray>,
    g: { storage: gpu.upload(data, dtype), shape, dtype } as KernelTensor<GpuStorage>,
  };
}

const SPECIAL = [
  0,
  -0,
  0.5,
  -0.5,
  1,
  -1,
  1.5,
  -1.5,
  2.5,
  -2.5,
  3.5,
  1e-3,
  -1e-3,
  1e-6,
  -1e-6,
  0.999,
  1.001,
  10,
  -10,
  50,
  -50,
  88,
  -88,
  100,
  -100,
  1e30,
  -1e30,
  Infinity,
  -Infinity,
  Number.NaN,
];
const SPREAD = Array.from({ length: 3000 }, (_, i) => (i / 3000 - 0.5) * 2 * 10 ** ((i % 7) - 3));
const FLOATS = [...SPECIAL, ...SPREAD];

const FLOAT_UNARY: [UnaryOp, { rtol?: number; atol?: number }, ((x: number) => boolean)?][] = [
  ['neg', { rtol: 0 }],
  ['abs', { rtol: 0 }],
  ['sign', { rtol: 0 }],
  ['square', { rtol: 0 }],
  // The built-in exp: its relative error grows with |x| (3.8e-6 at 80); GPUs flush subnormal
  // results (below 1.2e-38) to zero.
  ['exp', { rtol: 1e-5, atol: 1.2e-38 }],
  ['log', {}],
  ['log1p', {}],
  ['expm1', { rtol: 1e-5 }],
  ['sqrt', {}],
  ['rsqrt', {}],
  ['reciprocal', {}],
  ['sin', { atol: 2e-7 }, (x) => Math.abs(x) <= 1000],
  ['cos', { atol: 2e-7 }, (x) => Math.abs(x) <= 1000],
  ['tan', { rtol: 1e-5, atol: 1e-6 }, (x) => Math.abs(x) <= 1000],
  ['tanh', {}],
  ['sigmoid', { rtol: 1e-5, atol: 1.2e-38 }],
  ['erf', { atol: 2e-7 }],
  ['floor', { rtol: 0 }],
  ['ceil', { rtol: 0 }],
  ['round', { rtol: 0 }],
  ['trunc', { rtol: 0 }],
  ['relu', { rtol: 0 }],
  ['isnan', {}],
];

describe('unary', () => {
  for (const [op, tol, domain] of FLOAT_UNARY) {
    it(`${op} float32`, async () => {
      const xs = domain ? FLOATS.filter(domain) : FLOATS;
      const x = pair('float32', [xs.length], xs);
      const out = op === 'isnan' ? 'bool' : 'float32';
      const got = await gpu.read(gpu.unary(op, x.g), out, xs.length);
      expectClose(op, got, ref.unary(op, x.c), tol, x.data);
    });
  }
  const INTS = [-2147483648, -46341, -7, -1, 0, 1, 2, 7, 46341, 2147483647, 123456789];
  for (const op of ['neg', 'abs', 'sign', 'square', 'relu'] as UnaryOp[]) {
    it(`${op} int32`, async () => {
      const x = pair('int32', [INTS.length], INTS);
      expectClose(op, await gpu.read(gpu.unary(op, x.g), 'int32', INTS.length), ref.unary(op, x.c));
    });
  }
  for (const op of ['not', 'abs', 'sign', 'square', 'relu'] as UnaryOp[]) {
    it(`${op} bool`, async () => {
      const x = pair('bool', [4], [0, 1, 1, 0]);
      expectClose(op, await gpu.read(gpu.unary(op, x.g), 'bool', 4), ref.unary(op, x.c));
    });
  }
  it('size 0', async () => {
    const x = pair('float32', [0, 3], []);
    expectClose('exp', await gpu.read(gpu.unary('exp', x.g), 'float32', 0), new Float32Array(0));
  });
});

const COMPARISONS: BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const BINARY: Record<'float32' | 'int32' | 'bool', BinaryOp[]> = {
  float32: ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod', ...COMPARISONS],
  int32: ['add', 'sub', 'mul', 'pow', 'maximum', 'minimum', 'mod', ...COMPARISONS],
  bool: ['and', 'or', 'xor', 'add', 'mul', 'maximum', 'minimum', ...COMPARISONS],
};

/** Broadcasting cases: same shape (rank 1 after coalescing), rank 3, a scalar, an empty one. */
const SHAPES: [Shape, Shape, Shape][] = [
  [[257], [257], [257]],
  [
    [3, 1, 5],
    [4, 1],
    [3, 4, 5],
  ],
  [[2, 3, 4, 5], [5], [2, 3, 4, 5]],
  [[6, 7], [], [6, 7]],
  [[1], [2, 3, 1], [2, 3, 1]],
  [[0, 3], [3], [0, 3]],
];

function valuesFor(dtype: DType, n: number, seed: number, op: BinaryOp, side: 0 | 1): number[] {
  if (dtype === 'bool') return draws(n, seed, (u) => (u < 0.5 ? 0 : 1));
  if (dtype === 'int32') {
    if (op === 'pow')
      return draws(n, seed, (u) => Math.floor(u * (side ? 12 : 9)) - (side ? 0 : 4));
    if (op === 'mul' || op === 'add') return draws(n, seed, (u) => Math.floor((u - 0.5) * 2 ** 32));
    return draws(n, seed, (u) => Math.floor((u - 0.5) * 20));
  }
  // Multiples of 1/8: exact, with repeats (for the comparisons) and exact quotients for `mod`.
  const v = draws(n, seed, (u) => Math.round((u - 0.5) * 160) / 8);
  if (op === 'pow' && side === 1) return draws(n, seed, (u) => Math.round((u - 0.5) * 16) / 4);
  // Salt a few special values in.
  const specials = [Number.NaN, Infinity, -Infinity, 0, -0];
  for (let i = 0; i < specials.length && i * 7 + side < n; i++) v[i * 7 + side] = specials[i];
  return v;
}

describe('binary', () => {
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    for (const op of BINARY[dtype]) {
      it(`${op} ${dtype}`, async () => {
        for (const [sa, sb, so] of SHAPES) {
          const a = pair(dtype, sa, valuesFor(dtype, sizeOf(sa), 1, op, 0));
          const b = pair(dtype, sb, valuesFor(dtype, sizeOf(sb), 2, op, 1));
          const want = ref.binary(op, a.c, b.c, so);
          const outType = want instanceof Uint8Array ? 'bool' : dtype;
          const got = await gpu.read(gpu.binary(op, a.g, b.g, so), outType, sizeOf(so));
          // pow runs as exp2(b log2 a) for non-integer exponents.
          const tol = op === 'pow' ? { rtol: 1e-5 } : { rtol: 1e-7 };
          expectClose(`${op} [${sa}] [${sb}]`, got, want, tol);
        }
      });
    }
  }
});

describe('where', () => {
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    it(dtype, async () => {
      const cond = pair(
        'bool',
        [3, 1, 5],
        draws(15, 3, (u) => (u < 0.5 ? 0 : 1)),
      );
      const a = pair(dtype, [1, 4, 5], valuesFor(dtype, 20, 4, 'add', 0));
      const b = pair(dtype, [], valuesFor(dtype, 1, 5, 'add', 1));
      const so = [3, 4, 5];
      const got = await gpu.read(gpu.where(cond.g, a.g, b.g, so), dtype, 60);
      expectClose('where', got, ref.where(cond.c, a.c, b.c, so), { rtol: 0 });
    });
  }
});

describe('cast', () => {
  const values: Record<string, number[]> = {
    float32: [0, -0, -1.7, 1.7, 2.5, -0.5, 3e9, -3e9, 2147483648, NaN, Infinity, -Infinity, 1e-30],
    int32: [-2147483648, -3, 0, 7, 2147483647, 16777217],
    bool: [1, 0, 1],
  };
  for (const from of ['float32', 'int32', 'bool'] as const) {
    for (const to of ['float32', 'int32', 'bool'] as const) {
      it(`${from} -> ${to}`, async () => {
        const v = values[from];
        const x = pair(from, [v.length], v);
        const got = await gpu.read(gpu.cast(x.g, to), to, v.length);
        expectClose(`cast ${from} -> ${to}`, got, ref.cast(x.c, to), { rtol: 0 }, x.data);
      });
    }
  }
});

describe('fill', () => {
  for (const [dtype, value] of [
    ['float32', 1.5],
    ['float32', 0],
    ['float32', -Infinity],
    ['int32', -7],
    ['int32', 2.7],
    ['bool', 1],
    ['bool', 0],
  ] as const) {
    it(`${dtype} ${value}`, async () => {
      const got = await gpu.read(gpu.fill(300, dtype, value), dtype, 300);
      expectClose('fill', got, ref.fill(300, dtype, value), { rtol: 0 });
    });
  }
});

describe('layout', () => {
  const x = () =>
    pair(
      'float32',
      [4, 5, 6],
      Array.from({ length: 120 }, (_, i) => i * 0.5 - 7),
    );
  const views: [string, Shape, number[], number][] = [
    ['permute', [6, 4, 5], [1, 30, 6], 0],
    ['flip', [4, 5, 6], [30, 6, -1], 5],
    ['expand', [3, 4, 6], [0, 30, 1], 0],
    ['slice with step', [2, 5, 3], [60, 6, 2], 1],
    ['contiguous slice', [2, 5, 6], [30, 6, 1], 30],
    ['empty', [0, 6], [6, 1], 0],
  ];
  for (const [name, shape, strides, offset] of views) {
    it(`strided: ${name}`, async () => {
      const t = x();
      const got = await gpu.read(
        gpu.strided(t.g, shape, strides, offset),
        'float32',
        sizeOf(shape),
      );
      expectClose(name, got, ref.strided(t.c, shape, strides, offset), { rtol: 0 });
    });
  }
  it('stridedWrite: strided and contiguous targets', async () => {
    const base = pair(
      'int32',
      [6, 8],
      Array.from({ length: 48 }, (_, i) => i),
    );
    for (const [shape, strides, offset] of [
      [[3, 4], [16, 2], 1],
      [[2, 8], [8, 1], 16],
      [[8], [-6], 47],
    ] as [number[], number[], number][]) {
      const src = pair(
        'int32',
        shape,
        Array.from({ length: sizeOf(shape) }, (_, i) => -1 - i),
      );
      const got = await gpu.read(gpu.stridedWrite(base.g, src.g, strides, offset), 'int32', 48);
      expectClose('stridedWrite', got, ref.stridedWrite(base.c, src.c, strides, offset));
    }
  });
  it('concat along each axis, every dtype, with an empty piece', async () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const axis of [0, 1, 2]) {
        const shapes = [
          [2, 3, 4],
          [2, 3, 4],
          [2, 3, 4],
        ].map((s, j) => {
          const r = [...s];
          r[axis] = [1, 3, 0][j];
          return r;
        });
        const parts = shapes.map((s, j) =>
          pair(dtype, s, valuesFor(dtype, sizeOf(s), 10 + j, 'add', 0)),
        );
        const want = ref.concat(
          parts.map((p) => p.c),
          axis,
        );
        const got = await gpu.read(
          gpu.concat(
            parts.map((p) => p.g),
            axis,
          ),
          dtype,
          want.length,
        );
        expectClose(`concat ${dtype} axis ${axis}`, got, want, { rtol: 0 });
      }
    }
  });
});
