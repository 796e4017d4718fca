/**
 * Convolutions with infinite weights, inputs and output gradients, against the CPU backend
 * element for element, NaN included. PyTorch multiplies a forward convolution's zero padding by
 * the weights (an infinite weight over the padding gives NaN), but the input gradient (and so the
 * transposed convolution) only visits the taps that reach an output: an infinite weight at a tap
 * that misses must not turn into ∞ · 0 = NaN. The finite values are small integers, so every
 * finite sum is exact in float32 and the comparison can be exact.
 */
import { cpu } from '@stride/backend-cpu';
import type { ConvParams, KernelTensor, TypedArray } from '@stride/core';
import { sizeOf } from '@stride/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GpuStorage, WebGpuBackend } from '../src/index.js';
import { type ConvPath, conv, convBackwardInput } from '../src/kernels/conv.js';
import { type GemmMode, setGemmMode } from '../src/kernels/gemm-wgsl.js';
import { makeBackend } from './helpers.js';

const ref = cpu();
let gpu: WebGpuBackend;

beforeAll(async () => {
  gpu = await makeBackend();
});

afterEach(() => {
  setGemmMode(gpu.context, undefined);
});

interface Case {
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly stride?: readonly number[];
  readonly pad?: readonly number[];
  readonly dilation?: readonly number[];
}

function params(c: Case): ConvParams {
  const ones = c.x.slice(2).map(() => 1);
  const pad = c.pad ?? c.x.slice(2).map(() => 0);
  return {
    stride: c.stride ?? ones,
    padBefore: pad,
    padAfter: pad,
    dilation: c.dilation ?? ones,
    groups: 1,
  };
}

function outShape(c: Case, p: ConvParams): number[] {
  const spatial = c.x.slice(2).map((size, i) => {
    const span = p.dilation[i] * (c.w[i + 2] - 1) + 1;
    return Math.floor((size + 2 * p.padBefore[i] - span) / p.stride[i]) + 1;
  });
  return [c.x[0], c.w[0], ...spatial];
}

/** Small integers (zeros among them), with +∞ and −∞ at the given positions. */
function values(n: number, seed: number, inf: readonly number[]): Float32Array {
  const out = Float32Array.from({ length: n }, (_, i) => ((i * 7 + seed * 3) % 7) - 3);
  inf.forEach((at, j) => {
    out[at % n] = j % 2 === 0 ? Infinity : -Infinity;
  });
  return out;
}

const host = (data: TypedArray, shape: readonly number[]): KernelTensor<TypedArray> => ({
  storage: data,
  shape,
  dtype: 'float32',
});

async function onGpu(
  data: readonly Float32Array[],
  shapes: readonly (readonly number[])[],
  run: (ts: KernelTensor<GpuStorage>[]) => GpuStorage,
  size: number,
): Promise<number[]> {
  const ts = data.map((d, i) => ({
    storage: gpu.upload(d, 'float32'),
    shape: shapes[i],
    dtype: 'float32' as const,
  }));
  const out = run(ts);
  const got = await gpu.read(out, 'float32', size);
  gpu.free(out);
  for (const t of ts) gpu.free(t.storage);
  return Array.from(got);
}

/** Exact, with NaN equal to NaN (toEqual treats NaN as equal to itself). */
function expectSame(what: string, got: readonly number[], want: TypedArray): void {
  expect(got, what).toEqual(Array.from(want));
}

const MODES: readonly GemmMode[] = ['tiled', 'direct'];
const PATHS: readonly ConvPath[] = ['implicit', 'im2col', 'tap'];
const DX_PATHS = ['auto', 'implicit'] as const;

async function check(c: Case, infW: number[], infX: number[]): Promise<void> {
  const p = params(c);
  const yShape = outShape(c, p);
  const x = values(sizeOf(c.x), 1, infX);
  const w = values(sizeOf(c.w), 2, infW);
  const dy = values(sizeOf(yShape), 3, infX);
  const what = `x[${c.x}] w[${c.w}] s${p.stride} p${p.padBefore} d${p.dilation} ∞w@${infW} ∞x@${infX}`;

  const y = ref.conv(host(x, c.x), host(w, c.w), p);
  const dx = ref.convBackwardInput(host(dy, yShape), host(w, c.w), c.x, p);
  const dw = ref.convBackwardFilter(host(x, c.x), host(dy, yShape), c.w, p);
  for (const mode of MODES) {
    setGemmMode(gpu.context, mode);
    for (const path of PATHS) {
      const got = await onGpu(
        [x, w],
        [c.x, c.w],
        ([gx, gw]) => conv(gpu.context, gx, gw, p, path),
        y.length,
      );
      expectSame(`conv ${path} ${mode} ${what}`, got, y);
    }
    // The default (the tap kernel on a CPU adapter) and the masked implicit GEMM.
    for (const dxPath of DX_PATHS) {
      const gotDx = await onGpu(
        [dy, w],
        [yShape, c.w],
        ([gdy, gw]) => convBackwardInput(gpu.context, gdy, gw, c.x, p, dxPath),
        dx.length,
      );
      expectSame(`convBackwardInput ${dxPath} ${mode} ${what}`, gotDx, dx);
    }
    const gotDw = await onGpu(
      [x, dy],
      [c.x, yShape],
      ([gx, gdy]) => gpu.convBackwardFilter(gx, gdy, c.w, p),
      dw.length,
    );
    expectSame(`convBackwardFilter ${mode} ${what}`, gotDw, dw);
  }
}

const CASES: readonly Case[] = [
  { x: [1, 2, 9], w: [3, 2, 3], stride: [2], pad: [1], dilation: [2] },
  { x: [2, 1, 7], w: [2, 1, 2], pad: [1], dilation: [3] },
  { x: [1, 2, 6, 5], w: [2, 2, 3, 2], stride: [2, 1], pad: [1, 1], dilation: [1, 2] },
  { x: [1, 1, 5, 5], w: [1, 1, 3, 3], stride: [2, 2], pad: [2, 1] },
];

describe('convolutions with infinities match the CPU backend', () => {
  for (const c of CASES) {
    it(`x[${c.x}] w[${c.w}]`, async () => {
      const kvol = sizeOf(c.w.slice(2));
      await check(c, [0, kvol + 1], []);
      await check(c, [], [1, 5]);
      await check(c, [kvol - 1], [2]);
    });
  }
});

// K = 12·3 = 36 spans three 16-deep steps of the GEMM: infinite weights in the second step only
// (o = 7), the third only (o = 11), and both, so a step after one with infinities, and one
// after one without, each take the right product.
it('infinite weights in some of the GEMM steps', async () => {
  const c: Case = { x: [1, 2, 11], w: [12, 2, 3], stride: [2], pad: [1] };
  await check(c, [43], []);
  await check(c, [70], []);
  await check(c, [43, 70], [3]);
});

describe('a transposed convolution (the input gradient) skips the taps that miss', () => {
  // conv_transpose1d(x, w) is the input gradient with dy = x; the expected values are PyTorch's.
  const transpose = (
    xs: number[],
    ws: number[],
    outSize: number,
    stride: number,
    path: (typeof DX_PATHS)[number],
  ) =>
    onGpu(
      [Float32Array.from(xs), Float32Array.from(ws)],
      [
        [1, 1, xs.length],
        [1, 1, ws.length],
      ],
      ([gx, gw]) =>
        convBackwardInput(
          gpu.context,
          gx,
          gw,
          [1, 1, outSize],
          { stride: [stride], padBefore: [0], padAfter: [0], dilation: [1], groups: 1 },
          path,
        ),
      outSize,
    );

  for (const mode of MODES) {
    it(`unit stride (${mode})`, async () => {
      setGemmMode(gpu.context, mode);
      for (const path of DX_PATHS) {
        expect(await transpose([1, 2, 3], [-Infinity, 1], 4, 1, path), path).toEqual([
          -Infinity,
          -Infinity,
          -Infinity,
          3,
        ]);
      }
    });

    it(`stride 2 (${mode})`, async () => {
      setGemmMode(gpu.context, mode);
      for (const path of DX_PATHS) {
        expect(await transpose([1, 2, 3], [Infinity, 1], 6, 2, path), path).toEqual([
          Infinity,
          1,
          Infinity,
          2,
          Infinity,
          3,
        ]);
      }
    });
  }
});
