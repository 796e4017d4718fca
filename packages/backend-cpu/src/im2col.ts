import type { ConvGeometry } from '@stride/core';

/** True when im2col would copy the input unchanged (1x1 kernel, stride 1, no padding). */
export function isIdentity(g: ConvGeometry): boolean {
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
function validRange(g: ConvGeometry, kw: number): [number, number] {
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
  g: ConvGeometry,
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
  g: ConvGeometry,
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
