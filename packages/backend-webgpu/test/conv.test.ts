/**
 * `conv`, `convBackwardInput` and `convBackwardFilter` against the CPU backend on random inputs,
 * over 1-d, 2-d and 3-d geometries: strides 1–3, symmetric and asymmetric padding, dilation,
 * groups 1, 2 and depthwise, 1×1 kernels (the direct path) and sizes that cross the GEMM tiles.
 * The forward pass also runs each explicit path (implicit GEMM, im2col + GEMM, direct, tap), the input
 * gradient its default and the GEMM, and the GEMM runs in both modes (tiled, as on a GPU, and direct, as on a CPU adapter).
 *
 * The cases are chosen by the shader variants they compile, since on SwiftShader (WebGPU in CI)
 * compiling a variant takes far longer than running a case. A kernel's code varies with its path,
 * with which operands are read as vec4 (the weights when C/groups·kernel is a multiple of 4,
 * outputs and planes when their size is), with the unit-stride form of the input gradient, with
 * the tile (pickTile: 8, 16, 32 or 64 rows) and with the GEMM mode. Between them the cases reach
 * each of those at least once per kernel; the geometry cases mostly reuse variants of the others.
 * Before adding a case, compare `gpu.context.stats().pipelines` with and without it. The
 * conformance kit runs many more geometries on this backend's default paths (its fixtures, in
 * conformance.test.ts).
 *
 * Tolerance: the float32 summation bound of each element, (K + 2)·2⁻²⁴·Σ|terms| with K the
 * number of terms, as in matmul.test.ts: the CPU sums in float64 and rounds once, the GPU sums
 * in float32 in its own order (and with split-K, in slices).
 */
import { cpu } from '@stride/backend-cpu';
import type { ConvParams, KernelTensor, TypedArray } from '@stride/core';
import { convGeometry, sizeOf } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuStorage, WebGpuBackend } from '../src/index.js';
import {
  type ConvPath,
  conv,
  convBackwardFilter,
  convBackwardInput,
  convBiasRelu,
} from '../src/kernels/conv.js';
import { tapConvBackwardFilter } from '../src/kernels/conv-tap-dw.js';
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
  // 'auto' takes the tap kernel for strided gradients, and for every non-identity one on a CPU
  // adapter; 'implicit' is the GEMM every time.
  for (const path of ['auto', 'implicit'] as const) {
    const gotDx = await read(convBackwardInput(gpu.context, gdy, gw, c.x, p, path), dx.length);
    const terms = (c.w[0] / p.groups) * kvol;
    expectGemmClose(`convBackwardInput ${path} ${what}`, gotDx, dx, dxBound, terms);
  }

  const dw = ref.convBackwardFilter(host(x, c.x), host(dy, yShape), c.w, p);
  const dwBound = ref.convBackwardFilter(host(abs(x), c.x), host(abs(dy), yShape), c.w, p);
  // 'auto' takes the tap kernel for small gradients on a CPU adapter; 'gemm' is the GEMM.
  for (const path of ['auto', 'gemm', 'tap'] as const) {
    const gotDw = await read(convBackwardFilter(gpu.context, gx, gdy, c.w, p, path), dw.length);
    const terms = c.x[0] * sizeOf(yShape.slice(2));
    expectGemmClose(`convBackwardFilter ${path} ${what}`, gotDw, dw, dwBound, terms);
  }

  for (const s of [gx.storage, gw.storage, gdy.storage]) gpu.free(s);
}

const GENERAL: readonly ConvPath[] = ['auto', 'implicit', 'im2col', 'tap'];
const IDENTITY: readonly ConvPath[] = ['auto', 'direct', 'implicit', 'im2col', 'tap'];

/** Scalar loads only (no size a multiple of 4), strides, 1-d: the tiled mode's 32-row tiles. */
const SCALAR_1D: Case = { x: [2, 3, 19], w: [4, 3, 3], stride: [3], pad: [2], dilation: [2] };

const CASES_1D: Case[] = [
  SCALAR_1D,
  { x: [2, 3, 21], w: [5, 3, 3], stride: [2], pad: [0], padAfter: [2] },
  // vec4 outputs and planes, scalar weights (as in most real networks), 8-row tiles.
  { x: [3, 4, 24], w: [6, 2, 3], pad: [1], groups: 2 },
  { x: [2, 4, 17], w: [8, 1, 5], stride: [2], pad: [2], groups: 4 },
];

const CASES_2D: Case[] = [
  { x: [1, 3, 9, 7], w: [4, 3, 3, 2], stride: [2, 3], pad: [1, 0], padAfter: [2, 1] },
  { x: [1, 2, 7, 9], w: [3, 2, 3, 3], stride: [3, 3], dilation: [2, 2], pad: [2, 1] },
  { x: [2, 4, 8, 8], w: [6, 2, 3, 3], pad: [1, 1], groups: 2 },
  { x: [1, 6, 9, 5], w: [6, 1, 3, 3], stride: [2, 2], pad: [1, 1], groups: 6 },
  // 1×1 kernels that are not the identity (a stride, padding): the general paths.
  { x: [1, 6, 5, 9], w: [6, 3, 1, 1], stride: [2, 2], groups: 2 },
  { x: [2, 3, 8, 8], w: [4, 3, 1, 1], pad: [1, 1] },
  // Crosses tiles on every GEMM axis, with vec4 weights: 68 output channels (two 64-row tiles),
  // K = 8·9 = 72 (a partial 16-deep step), 2·6·6 = 72 positions (two 64-column tiles).
  { x: [2, 8, 6, 6], w: [68, 8, 3, 3], pad: [1, 1] },
  // LeNet-5's convolutions (a small batch): 8- and 16-row tiles.
  { x: [4, 1, 28, 28], w: [6, 1, 5, 5], pad: [2, 2] },
  { x: [4, 6, 14, 14], w: [16, 6, 5, 5] },
  // Long K for the filter gradient (split-K on a GPU): batch·positions = 4·32·32.
  { x: [4, 3, 32, 32], w: [8, 3, 3, 3], pad: [1, 1] },
];

const CASES_3D: Case[] = [
  { x: [2, 1, 5, 6, 8], w: [4, 1, 2, 3, 3], pad: [1, 0, 1] },
  // vec4 weights on 8-row tiles, and a strided input gradient with vec4 stores.
  {
    x: [1, 3, 7, 6, 8],
    w: [3, 3, 3, 2, 2],
    stride: [2, 1, 3],
    pad: [1, 1, 0],
    padAfter: [0, 2, 1],
  },
  { x: [2, 4, 6, 6, 6], w: [4, 2, 3, 3, 3], dilation: [2, 1, 2], pad: [2, 1, 2], groups: 2 },
  { x: [1, 3, 5, 5, 5], w: [6, 1, 3, 3, 3], stride: [2, 2, 2], pad: [1, 1, 1], groups: 3 },
];

/**
 * 1×1 kernels with unit stride and no padding (im2col is the identity: the direct path). vec4
 * everywhere, across two 64-row tiles; scalar everywhere; and 3-d (whose planes are flat too).
 */
const VEC_IDENTITY: Case = { x: [2, 8, 6, 6], w: [68, 8, 1, 1] };
const SCALAR_IDENTITY: Case = { x: [1, 3, 5, 5], w: [5, 3, 1, 1] };
const CASES_IDENTITY: Case[] = [
  VEC_IDENTITY,
  SCALAR_IDENTITY,
  { x: [1, 3, 3, 3, 3], w: [5, 3, 1, 1, 1] },
];

/** No batch; no output positions (K = 0 for the filter gradient); no input channels (K = 0). */
async function checkEmpty(): Promise<void> {
  for (const c of [
    { x: [0, 2, 5, 5], w: [3, 2, 3, 3] },
    { x: [2, 2, 2, 9], w: [3, 2, 3, 3], stride: [2, 2] },
    { x: [2, 0, 6, 6], w: [3, 0, 3, 3], pad: [1, 1] },
  ] as Case[]) {
    await check(c, ['auto']);
  }
}

describe('convolution, tiled GEMM', () => {
  beforeAll(() => setGemmMode(gpu.context, 'tiled'));
  for (const [rank, cases] of [
    ['1-d', CASES_1D],
    ['2-d', CASES_2D],
    ['3-d', CASES_3D],
    ['identity', CASES_IDENTITY],
  ] as const) {
    for (const c of cases) {
      it(`${rank} ${describeCase(c)}`, () => check(c, rank === 'identity' ? IDENTITY : GENERAL));
    }
  }

  it('empty: no batch, no output positions, no input channels', checkEmpty);
});

// A CPU adapter runs the direct GEMM for the identity convolutions; the implicit ones stay tiled
// there (see gemmMode), so their loaders are checked under the direct GEMM once, with one case.
describe('convolution, direct GEMM', () => {
  beforeAll(() => setGemmMode(gpu.context, 'direct'));
  for (const c of [VEC_IDENTITY, SCALAR_IDENTITY]) {
    it(`identity ${describeCase(c)}`, () => check(c, ['auto', 'direct']));
  }
  it(`1-d ${describeCase(SCALAR_1D)}`, () => check(SCALAR_1D, GENERAL));

  it('empty: no batch, no output positions, no input channels', checkEmpty);
});

/**
 * The relu epilogue on each path: relu(conv + bias), and relu(conv) with no bias, bit for bit
 * what that path's conv gives with the bias added in float32 and relu applied on the host.
 */
async function checkRelu(c: Case, paths: readonly ConvPath[]): Promise<void> {
  const p = params(c);
  const yShape = outShape(c, p);
  const size = sizeOf(yShape);
  const plane = size / (yShape[0] as number) / (c.w[0] as number);
  const gx = device(randoms(sizeOf(c.x), 31), c.x);
  const gw = device(randoms(sizeOf(c.w), 32), c.w);
  const biasValues = randoms(c.w[0] as number, 33);
  const gb = device(biasValues, [c.w[0] as number]);
  const relu = (v: number): number => Math.max(v, 0);
  for (const path of paths) {
    const y = await read(conv(gpu.context, gx, gw, p, path), size);
    const withBias = y.map((v, i) =>
      relu(Math.fround(v + (biasValues[Math.floor(i / plane) % (c.w[0] as number)] as number))),
    );
    const fused = await read(convBiasRelu(gpu.context, gx, gw, gb, p, path), size);
    expect(Array.from(fused), `${path} with a bias`).toEqual(Array.from(withBias));
    const plain = await read(convBiasRelu(gpu.context, gx, gw, null, p, path), size);
    expect(Array.from(plain), `${path} without`).toEqual(Array.from(y.map(relu)));
    expect(withBias.some((v) => v === 0) && withBias.some((v) => v > 0)).toBe(true);
  }
  for (const s of [gx.storage, gw.storage, gb.storage]) gpu.free(s);
}

describe('convolution with relu as each element is stored', () => {
  const lenetConv2: Case = { x: [2, 6, 14, 14], w: [16, 6, 5, 5] };
  it('on every path, tiled GEMM', async () => {
    setGemmMode(gpu.context, 'tiled');
    await checkRelu(lenetConv2, GENERAL);
    await checkRelu(VEC_IDENTITY, IDENTITY);
  });
  it('on the direct GEMM', async () => {
    setGemmMode(gpu.context, 'direct');
    await checkRelu(SCALAR_IDENTITY, ['direct']);
  });
});

describe('filter gradient without a GEMM', () => {
  it('sums slices of several images in order', async () => {
    const c: Case = { x: [5, 2, 9, 7], w: [3, 2, 3, 2], stride: [2, 1], pad: [1, 1] };
    const p = params(c);
    const yShape = outShape(c, p);
    const x = randoms(sizeOf(c.x), 11);
    const dy = randoms(sizeOf(yShape), 12);
    const dw = ref.convBackwardFilter(host(x, c.x), host(dy, yShape), c.w, p);
    const bound = ref.convBackwardFilter(host(abs(x), c.x), host(abs(dy), yShape), c.w, p);
    const gx = device(x, c.x);
    const gdy = device(dy, yShape);
    const out = gpu.context.alloc('float32', dw.length);
    const g = convGeometry(c.x.slice(2), c.w.slice(2), p);
    // Partial sums for two slices at most: images 0–2 and 3–4.
    const [n, channels] = c.x as [number, number];
    tapConvBackwardFilter(
      gpu.context,
      gx.storage,
      gdy.storage,
      out,
      g,
      n,
      channels,
      c.w[0] as number,
      1,
      2 * dw.length,
    );
    const got = await read(out, dw.length);
    expectGemmClose('sliced filter gradient', got, dw, bound, n * sizeOf(yShape.slice(2)));
    for (const s of [gx.storage, gdy.storage]) gpu.free(s);
  });
});
