/**
 * `reduce` and `softmax` against the CPU backend on random inputs: every op over single,
 * multiple, non-contiguous, outer and all axes; lengths around the workgroup sizes (1, 255, 256,
 * 257, 1000) and long enough to take the tree of 256, the split into partial results, and the
 * one-loop-per-output path; empty dimensions; NaN, infinities and ties.
 *
 * Tolerance: max, min, argmax, argmin and every int32 op are exact. The CPU sums and multiplies
 * floats in float64 and rounds once, the GPU accumulates in float32 (in tree order), so a float
 * sum of R terms may differ by the float32 summation bound (R + 2)·2⁻²⁴·Σ|x| (`expectGemmClose`),
 * and a product by the relative bound (R + 2)·2⁻²⁴. Softmax: rtol 1e-5 (the exponential's own
 * error, see wgsl-math.ts) plus float32 summation of the denominator.
 */
import { cpu } from '@stride/backend-cpu';
import type { DType, ReduceOp, Shape, TypedArray } from '@stride/core';
import { sizeOf } from '@stride/core';
import { beforeAll, describe, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.js';
import { expectClose } from './compare.js';
import { expectGemmClose } from './gemm-check.js';
import { makeBackend } from './helpers.js';
import { draws, type Pair, pair } from './reference.js';

const ref = cpu();
let gpu: WebGpuBackend;

beforeAll(async () => {
  gpu = await makeBackend();
});

/** [shape, axes] */
const CASES: [Shape, number[]][] = [
  [[1], [0]],
  [[255], [0]],
  [[256], [0]],
  [[257], [0]],
  [[1000], [0]],
  [[3, 257], [1]],
  // A strided axis with few outputs: a tree over addresses 3 apart.
  [[257, 3], [0]],
  [[4, 1000, 3], [1]],
  // Non-contiguous axis sets.
  [
    [2, 3, 4, 5],
    [0, 2],
  ],
  [
    [2, 3, 4, 5],
    [1, 3],
  ],
  [
    [2, 3, 4, 5],
    [0, 1, 2, 3],
  ],
  [[5, 1, 4], [1]],
  [[6, 7], []],
  [[], []],
  // The tree of 256.
  [[3, 3000], [1]],
  // Few long reductions: split into partial results.
  [[2, 20000], [1]],
  [[40000], [0]],
  [
    [5, 9000, 2],
    [0, 1],
  ],
  // An outer axis with many outputs: one loop per output.
  [[40, 2048], [0]],
  // Empty dimensions: reduced (identity results) or kept (empty output).
  [[3, 0], [1]],
  [[0, 5], [1]],
  [[0, 5], [0]],
];

function values(op: ReduceOp, dtype: DType, n: number, seed: number): number[] {
  if (dtype === 'int32') {
    if (op === 'prod') return draws(n, seed, (u) => Math.floor(u * 7) - 3);
    // Full range, so sums wrap.
    return draws(n, seed, (u) => Math.floor((u - 0.5) * 2 ** 32));
  }
  if (op === 'prod') return draws(n, seed, (u) => (u < 0.5 ? -1 : 1) * (0.9 + (u % 0.5) * 0.4));
  if (op === 'sum') return draws(n, seed, (u) => u * 2 - 1);
  // Multiples of 1/16: many ties, which the arg ops must break by first occurrence.
  return draws(n, seed, (u) => Math.round((u * 2 - 1) * 16) / 16);
}

async function check(op: ReduceOp, x: Pair, axes: number[], what: string): Promise<void> {
  const want = ref.reduce(op, x.c, axes);
  const arg = op === 'argmax' || op === 'argmin';
  const outType = arg ? 'int32' : x.c.dtype;
  const got = await gpu.read(gpu.reduce(op, x.g, axes), outType, want.length);
  const length = axes.reduce((n, a) => n * x.c.shape[a], 1);
  if (x.c.dtype === 'float32' && op === 'sum') {
    const abs = { ...x.c, storage: (x.data as Float32Array).map(Math.abs) };
    expectGemmClose(what, got, want, ref.reduce('sum', abs, axes), length);
  } else if (x.c.dtype === 'float32' && op === 'prod') {
    expectClose(what, got, want, { rtol: (length + 2) * 2 ** -24 });
  } else {
    expectClose(what, got, want, { rtol: 0 });
  }
}

describe('reduce', () => {
  const OPS: ReduceOp[] = ['sum', 'prod', 'max', 'min'];
  for (const dtype of ['float32', 'int32'] as const) {
    for (const op of OPS) {
      it(`${op} ${dtype}`, async () => {
        for (const [k, [shape, axes]] of CASES.entries()) {
          const x = pair(gpu, dtype, shape, values(op, dtype, sizeOf(shape), 10 + k));
          await check(op, x, axes, `${op} ${dtype} [${shape}] over [${axes}]`);
        }
      });
    }
  }

  const ARG_CASES: [Shape, number][] = [
    [[1], 0],
    [[257], 0],
    [[1000], 0],
    [[257, 3], 0],
    [[4, 1000, 3], 1],
    [[3, 3000], 1],
    [[40, 2048], 0],
    [[2, 3, 4, 5], 2],
    [[6, 1], 1],
    [[3, 0], 1],
  ];
  for (const dtype of ['float32', 'int32'] as const) {
    for (const op of ['argmax', 'argmin'] as const) {
      it(`${op} ${dtype}`, async () => {
        for (const [k, [shape, axis]] of ARG_CASES.entries()) {
          const x = pair(gpu, dtype, shape, values(op, dtype, sizeOf(shape), 50 + k));
          await check(op, x, [axis], `${op} ${dtype} [${shape}] along ${axis}`);
        }
      });
    }
  }

  it('max, min, argmax and argmin with NaN and infinities', async () => {
    const special = (u: number) =>
      u < 0.004 ? Number.NaN : u < 0.01 ? Infinity : u < 0.016 ? -Infinity : u * 2 - 1;
    for (const [k, [shape, axes]] of CASES.entries()) {
      const x = pair(gpu, 'float32', shape, draws(sizeOf(shape), 90 + k, special));
      for (const op of ['max', 'min'] as const) {
        await check(op, x, axes, `${op} [${shape}] over [${axes}] with NaN`);
      }
    }
    for (const [k, [shape, axis]] of [
      [[1000], 0],
      [[4, 1000, 3], 1],
      [[40, 2048], 0],
      [[3, 3000], 1],
    ].entries() as IterableIterator<[number, [Shape, number]]>) {
      const x = pair(gpu, 'float32', shape, draws(sizeOf(shape), 70 + k, special));
      for (const op of ['argmax', 'argmin'] as const) {
        await check(op, x, [axis], `${op} [${shape}] along ${axis} with NaN`);
      }
    }
    // Several NaNs in one row: the first wins; and a row that is all -infinity.
    const x = pair(
      gpu,
      'float32',
      [2, 6],
      [1, Number.NaN, 3, Number.NaN, 9, 2, ...Array(6).fill(-Infinity)],
    );
    for (const op of ['argmax', 'argmin', 'max', 'min'] as const) {
      await check(op, x, [1], `${op} of NaN rows`);
    }
  });

  it('bool max and min', async () => {
    const x = pair(
      gpu,
      'bool',
      [3, 300],
      draws(900, 5, (u) => (u < 0.995 ? 1 : 0)),
    );
    for (const op of ['max', 'min'] as const) await check(op, x, [1], `${op} bool`);
    for (const op of ['max', 'min'] as const) await check(op, x, [0], `${op} bool axis 0`);
  });
});

/** [shape, axis] */
const SOFTMAX_CASES: [Shape, number][] = [
  [[5, 10], 1],
  [[5, 10], 0],
  [[4, 1], 1],
  [[3, 65], 1],
  [[3, 1000], 1],
  [[2, 3000], 1],
  [[7, 300, 3], 1],
  // Many strided rows: one loop per row.
  [[100, 2048], 0],
  [[2, 0, 3], 1],
  [[0, 4], 1],
];

async function checkSoftmax(x: Pair, axis: number, log: boolean, what: string): Promise<void> {
  const want = ref.softmax(x.c, axis, log) as TypedArray;
  const got = await gpu.read(gpu.softmax(x.g, axis, log), 'float32', want.length);
  expectClose(what, got, want, log ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-5, atol: 1e-7 });
}

describe('softmax', () => {
  for (const log of [false, true]) {
    const name = log ? 'logSoftmax' : 'softmax';
    it(name, async () => {
      for (const [k, [shape, axis]] of SOFTMAX_CASES.entries()) {
        const x = pair(
          gpu,
          'float32',
          shape,
          draws(sizeOf(shape), 30 + k, (u) => u * 20 - 10),
        );
        await checkSoftmax(x, axis, log, `${name} [${shape}] along ${axis}`);
      }
    });
    it(`${name} of a scalar`, async () => {
      const x = pair(gpu, 'float32', [], [3]);
      const got = await gpu.read(gpu.softmax(x.g, 0, log), 'float32', 1);
      expectClose(`${name} scalar`, got, Float32Array.of(log ? 0 : 1), { rtol: 0 });
    });
    it(`${name} with NaN and infinities`, async () => {
      const rows = [
        [1, 2, Number.NaN, 3],
        [1, Infinity, 2, 3],
        [-Infinity, -Infinity, -Infinity, -Infinity],
        [-Infinity, 0, 1, -Infinity],
        [100, -100, 50, 0],
      ];
      const flat = rows.flat();
      const x = pair(gpu, 'float32', [rows.length, 4], flat);
      await checkSoftmax(x, 1, log, `${name} of special rows`);
      // The same rows through the tree: padded to 100 with -infinity.
      const long = rows.flatMap((r) => [...r, ...Array(96).fill(-Infinity)]);
      const y = pair(gpu, 'float32', [rows.length, 100], long);
      await checkSoftmax(y, 1, log, `${name} of special long rows`);
    });
  }
});
