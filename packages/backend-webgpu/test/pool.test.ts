/**
 * Pooling against the CPU backend: 1-d, 2-d and 3-d, stride below, equal to and above the
 * kernel, padding, dilation (max), ceil mode, countIncludePad both ways (average), an empty
 * batch, ties and NaN (max).
 *
 * Tolerance: max pooling, its indices and its gradient are exact (the gradient adds in the CPU
 * backend's order). Average pooling sums a window of K taps in float32 where the CPU sums in
 * float64, so it may differ by the float32 summation bound (K + 2)·2⁻²⁴·Σ|x| / divisor; its
 * gradient rounds each share to float32 before adding it, within the same kind of bound over
 * the shares (`expectGemmClose`, with the bound computed by the CPU from |x| or |dy|).
 */
import { cpu } from '@stride/backend-cpu';
import type { KernelTensor, PoolParams, Shape, TypedArray } from '@stride/core';
import { poolOutputSize, sizeOf } from '@stride/core';
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

interface Config {
  readonly x: Shape;
  readonly kernel: number[];
  readonly stride: number[];
  readonly padding: number[];
  /** Max pooling only; average pooling uses 1. */
  readonly dilation?: number[];
  readonly ceil: boolean;
}

const CONFIGS: Config[] = [
  { x: [2, 3, 17], kernel: [3], stride: [2], padding: [1], ceil: false },
  { x: [2, 3, 17], kernel: [3], stride: [2], padding: [1], dilation: [2], ceil: true },
  { x: [2, 3, 17], kernel: [4], stride: [1], padding: [2], ceil: false },
  { x: [2, 3, 17], kernel: [2], stride: [3], padding: [0], ceil: true },
  { x: [2, 3, 17], kernel: [5], stride: [2], padding: [2], dilation: [3], ceil: true },
  {
    x: [2, 2, 9, 11],
    kernel: [3, 2],
    stride: [2, 1],
    padding: [1, 0],
    dilation: [1, 2],
    ceil: false,
  },
  { x: [2, 2, 9, 11], kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceil: true },
  { x: [2, 2, 9, 11], kernel: [2, 2], stride: [2, 2], padding: [0, 0], ceil: false },
  { x: [2, 2, 9, 11], kernel: [1, 1], stride: [2, 3], padding: [0, 0], ceil: true },
  { x: [1, 2, 64, 64], kernel: [3, 3], stride: [2, 2], padding: [1, 1], ceil: false },
  {
    x: [1, 2, 5, 6, 7],
    kernel: [2, 3, 2],
    stride: [2, 2, 1],
    padding: [1, 1, 0],
    dilation: [1, 1, 2],
    ceil: true,
  },
  { x: [1, 2, 5, 6, 7], kernel: [3, 3, 3], stride: [1, 2, 3], padding: [1, 0, 1], ceil: false },
  { x: [0, 2, 5], kernel: [2], stride: [1], padding: [0], ceil: false },
];

function paramsOf(c: Config, max: boolean, countIncludePad: boolean): PoolParams {
  const dilation = max && c.dilation ? c.dilation : c.kernel.map(() => 1);
  const outSize = c.x
    .slice(2)
    .map((n, i) => poolOutputSize(n, c.kernel[i], c.stride[i], c.padding[i], dilation[i], c.ceil));
  return {
    kernel: c.kernel,
    stride: c.stride,
    padding: c.padding,
    dilation,
    outSize,
    countIncludePad: max || countIncludePad,
  };
}

function describeConfig(c: Config, p: PoolParams): string {
  const geometry = `k [${p.kernel}] s [${p.stride}] p [${p.padding}] d [${p.dilation}]`;
  return `x [${c.x}] ${geometry} ceil ${c.ceil} countIncludePad ${p.countIncludePad}`;
}

function absOf(x: Pair): KernelTensor<TypedArray> {
  return { ...x.c, storage: (x.data as Float32Array).map(Math.abs) };
}

async function checkMax(c: Config, x: Pair, seed: number): Promise<void> {
  const p = paramsOf(c, true, true);
  const what = describeConfig(c, p);
  const want = ref.maxPool(x.c, p);
  const got = gpu.maxPool(x.g, p);
  const n = want.values.length;
  expectClose(`values ${what}`, await gpu.read(got.values, 'float32', n), want.values, { rtol: 0 });
  expectClose(`indices ${what}`, await gpu.read(got.indices, 'int32', n), want.indices, {
    rtol: 0,
  });
  const outShape = [c.x[0], c.x[1], ...p.outSize];
  const dy = pair(
    gpu,
    'float32',
    outShape,
    draws(n, seed, (u) => u * 2 - 1),
  );
  const indices = { storage: got.indices, shape: outShape, dtype: 'int32' as const };
  const cpuIndices = { storage: want.indices, shape: outShape, dtype: 'int32' as const };
  const dxWant = ref.maxPoolBackward(dy.c, cpuIndices, c.x, p);
  const dx = gpu.maxPoolBackward(dy.g, indices, c.x, p);
  expectClose(`backward ${what}`, await gpu.read(dx, 'float32', dxWant.length), dxWant, {
    rtol: 0,
  });
}

describe('maxPool', () => {
  it('forward, indices and backward over the grid', async () => {
    for (const [k, c] of CONFIGS.entries()) {
      // Multiples of 1/8: ties, which the first tap must win.
      const x = pair(
        gpu,
        'float32',
        c.x,
        draws(sizeOf(c.x), k, (u) => Math.round(u * 16) / 8),
      );
      await checkMax(c, x, 100 + k);
    }
  });

  it('NaN and infinities', async () => {
    const special = (u: number) =>
      u < 0.03 ? Number.NaN : u < 0.06 ? -Infinity : u < 0.08 ? Infinity : u;
    for (const [k, c] of CONFIGS.entries()) {
      const x = pair(gpu, 'float32', c.x, draws(sizeOf(c.x), 50 + k, special));
      await checkMax(c, x, 200 + k);
    }
    // A window entirely -infinity keeps the first tap's index.
    const c: Config = { x: [1, 1, 4], kernel: [2], stride: [2], padding: [0], ceil: false };
    await checkMax(c, pair(gpu, 'float32', c.x, [-Infinity, -Infinity, 1, Number.NaN]), 7);
  });
});

describe('avgPool', () => {
  for (const countIncludePad of [true, false]) {
    it(`forward and backward, countIncludePad ${countIncludePad}`, async () => {
      for (const [k, c] of CONFIGS.entries()) {
        const p = paramsOf(c, false, countIncludePad);
        const what = describeConfig(c, p);
        const taps = p.kernel.reduce((a, b) => a * b, 1);
        const x = pair(
          gpu,
          'float32',
          c.x,
          draws(sizeOf(c.x), k, (u) => u * 2 - 1),
        );
        const want = ref.avgPool(x.c, p);
        const got = await gpu.read(gpu.avgPool(x.g, p), 'float32', want.length);
        expectGemmClose(`forward ${what}`, got, want, ref.avgPool(absOf(x), p), taps);

        const outShape = [c.x[0], c.x[1], ...p.outSize];
        const n = sizeOf(outShape);
        const dy = pair(
          gpu,
          'float32',
          outShape,
          draws(n, 300 + k, (u) => u * 2 - 1),
        );
        const dxWant = ref.avgPoolBackward(dy.c, c.x, p);
        const dx = await gpu.read(gpu.avgPoolBackward(dy.g, c.x, p), 'float32', dxWant.length);
        const bound = ref.avgPoolBackward(absOf(dy), c.x, p);
        // Each input element receives at most `taps` shares.
        expectGemmClose(`backward ${what}`, dx, dxWant, bound, taps);
      }
    });
  }
});
