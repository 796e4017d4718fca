/**
 * `conv`, `convBackwardInput` and `convBackwardFilter` against the CPU backend on random inputs,
 * over 1-d, 2-d and 3-d geometries: strides 1–3, symmetric and asymmetric padding, dilation,
 * groups 1, 2 and depthwise, 1×1 kernels (the direct path) and sizes that cross the GEMM tiles.
 * The forward pass also runs each explicit path (implicit GEMM, im2col + GEMM, direct), and
 * everything runs with both GEMM modes (tiled, as on a GPU, and direct, as on a CPU adapter).
 *
 * Tolerance: the float32 summation bound of each element, (K + 2)·2⁻²⁴·Σ|terms| with K the
 * number of terms, as in matmul.test.ts: the CPU sums in float64 and rounds once, the GPU sums
 * in float32 in its own order (and with split-K, in slices).
 */
import { cpu } from '@stride/backend-cpu';
import type { ConvParams, KernelTensor, TypedArray } from '@stride/core';
import { sizeOf } from '@stride/core';
import { beforeAll, describe, it } from 'vitest';
import type { GpuStorage, WebGpuBackend } from '../src/index.js';
import { type ConvPath, conv } from '../src/kernels/conv.js';
import { setGemmMode } from '../src/kernels/gemm-wgsl.js';
import { expectGemmClose, randoms } from './gemm-check.js';
import { makeBackend } from './helpers.js';

const ref = cpu();
let gpu: WebGpuBackend;

beforeAll(async () => {
  gpu = await makeBackend();
});

interface Case {
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly stride?: readonly number[];
  readonly pad?: readonly number[];
  /** Padding after, when it differs from `pad` (asymmetric). */
  readonly padAfter?: readonly number[];
  readonly dilation?: readonly number[];
  readonly groups?: number;
}

function params(c: Case): ConvParams {
  const n = c.x.length - 2;
  const ones = new Array<number>(n).fill(1);
  const zeros = new Array<number>(n).fill(0);
  return {
    stride: c.stride ?? ones,
    padBefore: c.pad ?? zeros,
    padAfter: c.padAfter ?? c.pad ?? zeros,
    dilation: c.dilation ?? ones,
    groups: c.groups ?? 1,
  };
}

function outShape(c: Case, p: ConvParams): number[] {
  const spatial = c.x.slice(2).map((size, i) => {
    const span = p.dilation[i] * (c.w[i + 2] - 1) + 1;
    return Math.floor((size + p.padBefore[i] + p.padAfter[i] - span) / p.stride[i]) + 1;
  });
  return [c.x[0], c.w[0], ...spatial];
}

const host = (data: TypedArray, shape: readonly number[]): KernelTensor<TypedArray> => ({
  storage: data,
  shape,
  dtype: 'float32',
});

const device = (data: Float32Array, shape: readonly number[]): KernelTensor<GpuStorage> => ({
  storage: gpu.upload(data, 'float32'),
  shape,
  dtype: 'float32',
});

const abs = (x: Float32Array) => x.map(Math.abs);

async function read(s: GpuStorage, size: number): Promise<TypedArray> {
  const got = await gpu.read(s, 'float32', size);
  gpu.free(s);
  return got;
}

function describeCase(c: Case): string {
  const p = params(c);
  const asym = c.padAfter ? `/${c.padAfter}` : '';
  return `x[${c.x}] w[${c.w}] s${p.stride} p${p.padBefore}${asym} d${p.dilation} g${p.groups}`;
}

async function check(c: Case, paths: readonly ConvPath[]): Promise<void> {
  const p = params(c);
  const yShape = outShape(c, p);
  const seed = sizeOf(c.x) * 3 + sizeOf(c.w);
  const x = randoms(sizeOf(c.x), seed);
  const w = randoms(sizeOf(c.w), seed + 1);
  const dy = randoms(sizeOf(yShape), seed + 2);
  const kvol = sizeOf(c.w.slice(2));
  const what = describeCase(c);

  const y = ref.conv(host(x, c.x), host(w, c.w), p);
  const yBound = ref.conv(host(abs(x), c.x), host(abs(w), c.w), p);
  const gx = device(x, c.x);
  const gw = device(w, c.w);
  const gdy = device(dy, yShape);
  for (const path of paths) {
    const got = await read(conv(gpu.context, gx, gw, p, path), y.length);
    expectGemmClose(`conv ${path} ${what}`, got, y, yBound, c.w[1] * kvol);
  }

  const dx = ref.convBackwardInput(host(dy, yShape), host(w, c.w), c.x, p);
  const dxBound = ref.convBackwardInput(host(abs(dy), yShape), host(abs(w), c.w), c.x, p);
  const gotDx = await read(gpu.convBackwardInput(gdy, gw, c.x, p), dx.length);
  expectGemmClose(`convBackwardInput ${what}`, gotDx, dx, dxBound, (c.w[0] / p.groups) * kvol);

  const dw = ref.convBackwardFilter(host(x, c.x), host(dy, yShape), c.w, p);
  const dwBound = ref.convBackwardFilter(host(abs(x), c.x), host(abs(dy), yShape), c.w, p);
  const gotDw = await read(gpu.convBackwardFilter(gx, gdy, c.w, p), dw.length);
  expectGemmClose(
    `convBackwardFilter ${what}`,
    gotDw,
    dw,
    dwBound,
    c.x[0] * sizeOf(yShape.slice(2)),
  );

  for (const s of [gx.storage, gw.storage, gdy.storage]) gpu.free(s);
}

const GENERAL: readonly ConvPath[] = ['auto', 'implicit', 'im2col'];
const IDENTITY: readonly ConvPath[] = ['auto', 'direct', 'implicit', 'im2col'];

const CASES_1D: Case[] = [
  { x: [2, 4, 17], w: [6, 4, 3], pad: [1] },
  { x: [3, 4, 20], w: [5, 4, 4], stride: [2], pad: [0], padAfter: [2] },
  { x: [2, 3, 19], w: [4, 3, 3], stride: [3], pad: [2], dilation: [2] },
  { x: [2, 4, 16], w: [6, 2, 3], pad: [1], groups: 2 },
  { x: [2, 4, 15], w: [8, 1, 5], stride: [2], pad: [2], groups: 4 },
  { x: [1, 1, 64], w: [1, 1, 1] },
];

const CASES_2D: Case[] = [
  { x: [2, 3, 12, 11], w: [5, 3, 3, 3], pad: [1, 1] },
  { x: [2, 3, 13, 10], w: [4, 3, 3, 2], stride: [2, 3], pad: [1, 0], padAfter: [2, 1] },
  { x: [1, 2, 14, 14], w: [3, 2, 3, 3], stride: [3, 3], dilation: [2, 2], pad: [2, 1] },
  { x: [2, 4, 9, 9], w: [6, 2, 3, 3], pad: [1, 1], groups: 2 },
  { x: [2, 6, 10, 9], w: [6, 1, 3, 3], stride: [2, 2], pad: [1, 1], groups: 6 },
  { x: [2, 8, 7, 9], w: [5, 8, 1, 1] },
  { x: [2, 8, 8, 8], w: [12, 8, 1, 1] },
  { x: [2, 6, 9, 9], w: [6, 3, 1, 1], stride: [2, 2], groups: 2 },
  { x: [1, 4, 6, 6], w: [4, 4, 1, 1], pad: [1, 1] },
  // Crosses tiles on every GEMM axis: 70 output channels, K = 20·9 = 180, 2·12·12 positions.
  { x: [2, 20, 12, 12], w: [70, 20, 3, 3], pad: [1, 1] },
  // LeNet-5's convolutions (a small batch).
  { x: [4, 1, 28, 28], w: [6, 1, 5, 5], pad: [2, 2] },
  { x: [4, 6, 14, 14], w: [16, 6, 5, 5] },
  // Long K for the filter gradient (split-K on a GPU): batch·positions = 4·32·32.
  { x: [4, 3, 32, 32], w: [8, 3, 3, 3], pad: [1, 1] },
];

const CASES_3D: Case[] = [
  { x: [2, 2, 5, 6, 7], w: [4, 2, 2, 3, 2], pad: [1, 0, 1] },
  {
    x: [1, 3, 7, 6, 8],
    w: [3, 3, 3, 2, 2],
    stride: [2, 1, 3],
    pad: [1, 1, 0],
    padAfter: [0, 2, 1],
  },
  { x: [2, 4, 6, 6, 6], w: [4, 2, 3, 3, 3], dilation: [2, 1, 2], pad: [2, 1, 2], groups: 2 },
  { x: [1, 3, 5, 5, 5], w: [6, 1, 3, 3, 3], stride: [2, 2, 2], pad: [1, 1, 1], groups: 3 },
  { x: [2, 4, 3, 4, 5], w: [6, 4, 1, 1, 1] },
];

describe.each(['tiled', 'direct'] as const)('convolution, %s GEMM', (mode) => {
  beforeAll(() => setGemmMode(gpu.context, mode));
  for (const [rank, cases] of [
    ['1-d', CASES_1D],
    ['2-d', CASES_2D],
    ['3-d', CASES_3D],
  ] as const) {
    cases.forEach((c, i) => {
      // The direct mode differs only inside the GEMM loop: every other case covers it, and keeps
      // this file (shader compiles on SwiftShader dominate) within the suite's time budget.
      if (mode === 'direct' && i % 2 === 1) return;
      const identity = sizeOf(c.w.slice(2)) === 1 && !c.pad && !c.stride;
      it(`${rank} ${describeCase(c)}`, () => check(c, identity ? IDENTITY : GENERAL));
    });
  }

  it('empty: no batch, no output positions, no input channels', async () => {
    for (const c of [
      { x: [0, 2, 5, 5], w: [3, 2, 3, 3] },
      { x: [2, 2, 2, 2], w: [3, 2, 3, 3] },
      { x: [2, 0, 5, 5], w: [3, 0, 3, 3] },
    ] as Case[]) {
      await check(c, ['auto']);
    }
  });
});
