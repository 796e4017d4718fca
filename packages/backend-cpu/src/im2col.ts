import type { ConvParams, Shape } from '@stride/core';

/**
 * Geometry of an N-d convolution (N = 1, 2, 3) lifted to 3-d by prepending unit axes, so one
 * set of loops serves every rank.
 */
export interface Geometry {
  /** Input spatial size [D, H, W]. */
  readonly input: readonly [number, number, number];
  readonly kernel: readonly [number, number, number];
  readonly output: readonly [number, number, number];
  readonly stride: readonly [number, number, number];
  readonly pad: readonly [number, number, number];
  readonly dilation: readonly [number, number, number];
  /** D*H*W, KD*KH*KW, OD*OH*OW. */
  readonly inSize: number;
  readonly kernelSize: number;
  readonly outSize: number;
}

type Triple = [number, number, number];

function lift(values: readonly number[], fill: number): Triple {
  const t: Triple = [fill, fill, fill];
  for (let i = 0; i < values.length; i++) t[3 - values.length + i] = values[i];
  return t;
}

/** `inSpatial` and `kernel` are the spatial parts of the input and weight shapes. */
export function geometry(inSpatial: Shape, kernel: Shape, params: ConvParams): Geometry {
  const n = inSpatial.length;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const span = params.dilation[i] * (kernel[i] - 1) + 1;
    const padded = inSpatial[i] + params.padBefore[i] + params.padAfter[i];
    out.push(Math.max(0, Math.floor((padded - span) / params.stride[i]) + 1));
  }
  const input = lift(inSpatial, 1);
  const k = lift(kernel, 1);
  const output = lift(out, 1);
  return {
    input,
    kernel: k,
    output,
    stride: lift(params.stride, 1),
    pad: lift(params.padBefore, 0),
    dilation: lift(params.dilation, 1),
    inSize: input[0] * input[1] * input[2],
    kernelSize: k[0] * k[1] * k[2],
    outSize: output[0] * output[1] * output[2],
  };
}

/** True when im2col would copy the input unchanged (1x1 kernel, stride 1, no padding). */
export function isIdentity(g: Geometry): boolean {
  if (g.kernelSize !== 1) return false;
  for (let i = 0; i < 3; i++) {
    if (g.pad[i] !== 0 || g.output[i] !== g.input[i]) return false;
    if (g.stride[i] !== 1 && g.input[i] !== 1) return false;
  }
  return true;
}

/**
 * The range [lo, hi) of output columns `o` whose input column o*stride - pad + k*dilation lies
 * in [0, size): computed once per kernel column so the inner loops need no bounds checks.
 */
function validRange(g: Geometry, kw: number): [number, number] {
  const w = g.input[2];
  const sw = g.stride[2];
  const shift = kw * g.dilation[2] - g.pad[2];
  const lo = Math.max(0, Math.ceil(-shift / sw));
  const hi = Math.min(g.output[2], Math.floor((w - 1 - shift) / sw) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Unfolds `channels` input planes starting at x[xOff] into col, a [channels * kernelSize,
 * outSize] row-major matrix: row (c, kd, kh, kw), column (od, oh, ow) holds the input value under
 * that kernel tap for that output position, or 0 in the padding.
 */
export function im2col(
  x: ArrayLike<number>,
  xOff: number,
  channels: number,
  g: Geometry,
  col: Float32Array | Float64Array,
): void {
  const [D, H, W] = g.input;
  const [KD, KH, KW] = g.kernel;
  const [OD, OH, OW] = g.output;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const [dd, dh, dw] = g.dilation;
  const P = g.outSize;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const xc = xOff + c * g.inSize;
    for (let kd = 0; kd < KD; kd++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++, row++) {
          const [lo, hi] = validRange(g, kw);
          const iw0 = lo * sw - pw + kw * dw;
          let o = row * P;
          for (let od = 0; od < OD; od++) {
            const id = od * sd - pd + kd * dd;
            if (id < 0 || id >= D) {
              col.fill(0, o, o + OH * OW);
              o += OH * OW;
              continue;
            }
            for (let oh = 0; oh < OH; oh++, o += OW) {
              const ih = oh * sh - ph + kh * dh;
              if (ih < 0 || ih >= H) {
                col.fill(0, o, o + OW);
                continue;
              }
              const xr = xc + (id * H + ih) * W;
              let ow = 0;
              for (; ow < lo; ow++) col[o + ow] = 0;
              for (let iw = xr + iw0; ow < hi; ow++, iw += sw) col[o + ow] = x[iw];
              for (; ow < OW; ow++) col[o + ow] = 0;
            }
          }
        }
      }
    }
  }
}

/** The adjoint of `im2col`: adds every entry of col back onto the input position it came from. */
export function col2im(
  col: ArrayLike<number>,
  channels: number,
  g: Geometry,
  dx: Float64Array,
  dxOff: number,
): void {
  const [D, H, W] = g.input;
  const [KD, KH, KW] = g.kernel;
  const [OD, OH, OW] = g.output;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const [dd, dh, dw] = g.dilation;
  const P = g.outSize;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const xc = dxOff + c * g.inSize;
    for (let kd = 0; kd < KD; kd++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++, row++) {
          const [lo, hi] = validRange(g, kw);
          const iw0 = lo * sw - pw + kw * dw;
          let o = row * P;
          for (let od = 0; od < OD; od++) {
            const id = od * sd - pd + kd * dd;
            if (id < 0 || id >= D) {
              o += OH * OW;
              continue;
            }
            for (let oh = 0; oh < OH; oh++, o += OW) {
              const ih = oh * sh - ph + kh * dh;
              if (ih < 0 || ih >= H) continue;
              const xr = xc + (id * H + ih) * W;
              for (let ow = lo, iw = xr + iw0; ow < hi; ow++, iw += sw) dx[iw] += col[o + ow];
            }
          }
        }
      }
    }
  }
}
