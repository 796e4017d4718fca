/**
 * `gather` and `scatterAdd` against the CPU backend: every axis, index tensors smaller than the
 * input along the other axes, repeated indices, every dtype, empty indices, and both scatterAdd
 * formulations (forced, and the automatic choice on both sides of its threshold).
 *
 * Tolerance: exact. The deterministic scatterAdd formulation adds in the CPU backend's order;
 * the atomic one adds in any order, so its inputs are chosen with exact partial sums, except in
 * one test that allows the float32 summation bound for an arbitrary order.
 */
import { cpu } from '@stride/backend-cpu';
import type { DType, Shape } from '@stride/core';
import { sizeOf } from '@stride/core';
import { beforeAll, describe, it } from 'vitest';
import type { WebGpuBackend } from '../src/index.js';
import { type ScatterStrategy, scatterAdd } from '../src/kernels/gather.js';
import { expectClose } from './compare.js';
import { makeBackend } from './helpers.js';
import { draws, pair } from './reference.js';

const ref = cpu();
let gpu: WebGpuBackend;

beforeAll(async () => {
  gpu = await makeBackend();
});

/** [input shape, axis, index shape] */
const CASES: [Shape, number, Shape][] = [
  [[7], 0, [12]],
  [[4, 5, 6], 0, [3, 5, 6]],
  [[4, 5, 6], 1, [3, 8, 4]],
  [[4, 5, 6], 2, [4, 5, 9]],
  [[10, 3], 1, [10, 1]],
  [[300, 2], 0, [300, 2]],
  [[4, 5], 1, [4, 0]],
];

function valuesOf(dtype: DType, n: number, seed: number): number[] {
  if (dtype === 'bool') return draws(n, seed, (u) => (u < 0.5 ? 0 : 1));
  if (dtype === 'int32') return draws(n, seed, (u) => Math.floor((u - 0.5) * 2 ** 32));
  return draws(n, seed, (u) => Math.round((u * 2 - 1) * 1000) / 64);
}

function indexOf(shape: Shape, bound: number, seed: number) {
  return pair(
    gpu,
    'int32',
    shape,
    draws(sizeOf(shape), seed, (u) => Math.floor(u * bound)),
  );
}

describe('gather', () => {
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    it(dtype, async () => {
      for (const [k, [shape, axis, ishape]] of CASES.entries()) {
        const x = pair(gpu, dtype, shape, valuesOf(dtype, sizeOf(shape), k));
        const index = indexOf(ishape, shape[axis], 100 + k);
        const want = ref.gather(x.c, axis, index.c);
        const got = await gpu.read(gpu.gather(x.g, axis, index.g), dtype, want.length);
        expectClose(`gather ${dtype} [${shape}] axis ${axis}`, got, want, { rtol: 0 });
      }
    });
  }
});

describe('scatterAdd', () => {
  const run = async (dtype: DType, strategy: ScatterStrategy) => {
    for (const [k, [shape, axis, ishape]] of CASES.entries()) {
      const base = pair(gpu, dtype, shape, valuesOf(dtype, sizeOf(shape), 200 + k));
      const src = pair(gpu, dtype, ishape, valuesOf(dtype, sizeOf(ishape), 300 + k));
      const index = indexOf(ishape, shape[axis], 400 + k);
      const want = ref.scatterAdd(base.c, axis, index.c, src.c);
      const out = scatterAdd(gpu.context, base.g, axis, index.g, src.g, strategy);
      const got = await gpu.read(out, dtype, want.length);
      // Values are multiples of 1/64 below 16 in magnitude: every partial sum is exact in
      // float32, so even the atomic order cannot change the result.
      expectClose(`scatterAdd ${dtype} ${strategy} [${shape}] axis ${axis}`, got, want, {
        rtol: 0,
      });
    }
  };
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    it(`${dtype} (automatic)`, () => run(dtype, 'auto'));
  }
  it('float32 through atomics', () => run('float32', 'atomic'));
  it('float32 through the scan', () => run('float32', 'scan'));

  it('inexact float32 sums: the scan matches the CPU exactly, atomics are close', async () => {
    // Many sources onto few targets, with values whose sums round.
    const shape = [3, 4];
    const ishape = [3, 200];
    const base = pair(
      gpu,
      'float32',
      shape,
      draws(12, 1, (u) => u * 2 - 1),
    );
    const src = pair(
      gpu,
      'float32',
      ishape,
      draws(600, 2, (u) => u * 2 - 1),
    );
    const index = indexOf(ishape, 4, 3);
    const want = ref.scatterAdd(base.c, 1, index.c, src.c);
    const scan = scatterAdd(gpu.context, base.g, 1, index.g, src.g, 'scan');
    expectClose('scan', await gpu.read(scan, 'float32', 12), want, { rtol: 0 });
    const atomic = scatterAdd(gpu.context, base.g, 1, index.g, src.g, 'atomic');
    // Any order of at most 201 float32 additions of terms below 1: within 203·2⁻²⁴·Σ|terms|.
    expectClose('atomic', await gpu.read(atomic, 'float32', 12), want, {
      rtol: 0,
      atol: 203 * 2 ** -24 * 201,
    });
  });

  it('the automatic choice past its threshold (long index axis, large output)', async () => {
    const shape = [2, 100_000];
    const ishape = [2, 100];
    const base = pair(gpu, 'float32', shape, valuesOf('float32', 200_000, 5));
    const src = pair(gpu, 'float32', ishape, valuesOf('float32', 200, 6));
    const index = indexOf(ishape, 100_000, 7);
    const want = ref.scatterAdd(base.c, 1, index.c, src.c);
    const got = await gpu.read(gpu.scatterAdd(base.g, 1, index.g, src.g), 'float32', want.length);
    expectClose('scatterAdd auto', got, want, { rtol: 0 });
  });

  it('scalars (rank 0, axis 0)', async () => {
    const x = pair(gpu, 'float32', [], [2.5]);
    const index = pair(gpu, 'int32', [], [0]);
    const src = pair(gpu, 'float32', [], [0.25]);
    const got = await gpu.read(gpu.gather(x.g, 0, index.g), 'float32', 1);
    expectClose('gather scalar', got, Float32Array.of(2.5), { rtol: 0 });
    for (const strategy of ['scan', 'atomic'] as const) {
      const out = scatterAdd(gpu.context, x.g, 0, index.g, src.g, strategy);
      const sum = await gpu.read(out, 'float32', 1);
      expectClose(`scatterAdd scalar (${strategy})`, sum, Float32Array.of(2.75), { rtol: 0 });
    }
  });

  it('clamps out-of-range indices instead of reading or writing out of bounds', async () => {
    const x = pair(gpu, 'float32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const index = pair(gpu, 'int32', [2, 2], [-5, 7, 2, 0]);
    const got = await gpu.read(gpu.gather(x.g, 1, index.g), 'float32', 4);
    expectClose('gather clamped', got, Float32Array.of(1, 3, 6, 4), { rtol: 0 });
    const src = pair(gpu, 'float32', [2, 2], [10, 20, 30, 40]);
    for (const strategy of ['scan', 'atomic'] as const) {
      const out = scatterAdd(gpu.context, x.g, 1, index.g, src.g, strategy);
      expectClose(
        `scatterAdd clamped (${strategy})`,
        await gpu.read(out, 'float32', 6),
        Float32Array.of(11, 2, 23, 44, 5, 36),
        { rtol: 0 },
      );
    }
  });
});
