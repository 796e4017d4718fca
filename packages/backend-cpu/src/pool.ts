import type { KernelTensor, PoolParams, Shape, TypedArray } from '@stride/core';
import { sizeOf } from '@stride/core';
import { allocate, allocateZeroed } from './storage.js';

type T = KernelTensor<TypedArray>;

/**
 * Per spatial axis (lifted to 3-d with unit axes in front) and per output coordinate, the window
 * start in input coordinates and the range [kLo, kHi) of kernel taps that land inside the input.
 */
interface Axis {
  readonly size: number;
  readonly out: number;
  readonly dilation: number;
  readonly start: Int32Array;
  readonly kLo: Int32Array;
  readonly kHi: Int32Array;
  /** Average pooling divisors along this axis, with and without the padding counted. */
  readonly padded: Int32Array;
  readonly real: Int32Array;
}

function axes(inSpatial: Shape, p: PoolParams, dilated: boolean): [Axis, Axis, Axis] {
  const lead = 3 - inSpatial.length;
  const make = (i: number): Axis => {
    if (i < lead) {
      const one = Int32Array.of(1);
      return {
        size: 1,
        out: 1,
        dilation: 1,
        start: Int32Array.of(0),
        kLo: Int32Array.of(0),
        kHi: one,
        padded: one,
        real: one,
      };
    }
    const j = i - lead;
    const size = inSpatial[j];
    const out = p.outSize[j];
    const k = p.kernel[j];
    const s = p.stride[j];
    const pad = p.padding[j];
    const d = dilated ? p.dilation[j] : 1;
    const start = new Int32Array(out);
    const kLo = new Int32Array(out);
    const kHi = new Int32Array(out);
    const padded = new Int32Array(out);
    const real = new Int32Array(out);
    for (let o = 0; o < out; o++) {
      const st = o * s - pad;
      start[o] = st;
      kLo[o] = Math.min(k, Math.max(0, Math.ceil(-st / d)));
      kHi[o] = Math.max(kLo[o], Math.min(k, Math.floor((size - 1 - st) / d) + 1));
      // PyTorch's average-pool window: [st, min(st + k, size + pad)), then clipped to the input.
      const end = Math.min(st + k, size + pad);
      padded[o] = end - st;
      real[o] = Math.min(end, size) - Math.max(st, 0);
    }
    return { size, out, dilation: d, start, kLo, kHi, padded, real };
  };
  return [make(0), make(1), make(2)];
}

/**
 * Max pooling. The index is the flat position in the (batch, channel) plane or volume. As in
 * PyTorch, the running index starts at the first tap inside the input, a strictly greater value
 * replaces the maximum (so the first of equal maxima wins), and any NaN replaces it.
 */
export function maxPool(x: T, params: PoolParams): { values: TypedArray; indices: TypedArray } {
  if (windowsInside2d(x.shape, params)) return maxPool2dInside(x, params);
  const [batch, channels] = x.shape;
  const [A, B, C] = axes(x.shape.slice(2), params, true);
  const planes = batch * channels;
  const inSize = A.size * B.size * C.size;
  const outSize = A.out * B.out * C.out;
  const values = allocate(x.dtype, planes * outSize);
  const indices = allocate('int32', planes * outSize) as Int32Array;
  const src = x.storage;
  // Hoisted so the hot loops touch only locals and typed arrays.
  const H = B.size;
  const W = C.size;
  const dd = A.dilation;
  const dh = B.dilation;
  const dw = C.dilation;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inSize;
    for (let od = 0; od < A.out; od++) {
      const d0 = A.start[od];
      const kd0 = A.kLo[od];
      const kd1 = A.kHi[od];
      for (let oh = 0; oh < B.out; oh++) {
        const h0 = B.start[oh];
        const kh0 = B.kLo[oh];
        const kh1 = B.kHi[oh];
        for (let ow = 0; ow < C.out; ow++, o++) {
          const w0 = C.start[ow];
          const kw0 = C.kLo[ow];
          const kw1 = C.kHi[ow];
          let best = Number.NEGATIVE_INFINITY;
          let at = ((d0 + kd0 * dd) * H + h0 + kh0 * dh) * W + w0 + kw0 * dw;
          for (let kd = kd0; kd < kd1; kd++) {
            const plane0 = (d0 + kd * dd) * H + h0;
            for (let kh = kh0; kh < kh1; kh++) {
              const row = (plane0 + kh * dh) * W + w0;
              for (let kw = kw0, idx = row + kw0 * dw; kw < kw1; kw++, idx += dw) {
                const v = src[base + idx];
                if (v > best || Number.isNaN(v)) {
                  best = v;
                  at = idx;
                }
              }
            }
          }
          values[o] = best;
          indices[o] = at;
        }
      }
    }
  }
  return { values, indices };
}

/**
 * Whether a 2-d pooling has no padding, no dilation and every window inside the input (the
 * pooling of nearly every CNN), so that no tap needs a bounds check.
 */
export function windowsInside2d(shape: Shape, p: PoolParams): boolean {
  if (shape.length !== 4) return false;
  for (let i = 0; i < 2; i++) {
    if (p.padding[i] !== 0 || p.dilation[i] !== 1) return false;
    if ((p.outSize[i] - 1) * p.stride[i] + p.kernel[i] > shape[i + 2]) return false;
  }
  return true;
}

/** `maxPool` for windows that `windowsInside2d` accepts; same results, far fewer branches. */
function maxPool2dInside(x: T, p: PoolParams): { values: TypedArray; indices: TypedArray } {
  const [batch, channels, H, W] = x.shape;
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [outH, outW] = p.outSize;
  const planes = batch * channels;
  const values = allocate(x.dtype, planes * outH * outW);
  const indices = allocate('int32', planes * outH * outW) as Int32Array;
  const src = x.storage as Float32Array | Float64Array;
  if (kh === 2 && kw === 2)
    maxPool2x2(src, values as typeof src, indices, planes, H, W, outH, outW, sh, sw);
  else {
    let o = 0;
    for (let plane = 0; plane < planes; plane++) {
      const base = plane * H * W;
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++, o++) {
          const at0 = oh * sh * W + ow * sw;
          let best = Number.NEGATIVE_INFINITY;
          let at = at0;
          for (let i = 0; i < kh; i++) {
            for (let j = 0, idx = at0 + i * W; j < kw; j++, idx++) {
              const v = src[base + idx];
              if (v > best || Number.isNaN(v)) {
                best = v;
                at = idx;
              }
            }
          }
          values[o] = best;
          indices[o] = at;
        }
      }
    }
  }
  return { values, indices };
}

/**
 * 2×2 windows without a data-dependent branch (which tap wins is close to random, so branches
 * mispredict, and Math.max is slower still): the first maximum of each row pair, then the
 * first of the two, as 0/1 comparisons turned into index arithmetic. The value stored is the
 * winning tap's own. A window holding a NaN (its sum is NaN; so is inf + -inf, harmlessly)
 * takes the loop that follows PyTorch's rule, where the last NaN wins.
 */
function maxPool2x2(
  src: Float32Array | Float64Array,
  values: Float32Array | Float64Array,
  indices: Int32Array,
  planes: number,
  H: number,
  W: number,
  outH: number,
  outW: number,
  sh: number,
  sw: number,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < outH; oh++) {
      const row = oh * sh * W;
      for (let ow = 0; ow < outW; ow++, o++) {
        const at0 = row + ow * sw;
        const i0 = base + at0;
        const v0 = src[i0];
        const v1 = src[i0 + 1];
        const v2 = src[i0 + W];
        const v3 = src[i0 + W + 1];
        const sum = v0 + v1 + v2 + v3;
        let k: number;
        if (!Number.isNaN(sum)) {
          const top = +(v1 > v0);
          const bottom = W + +(v3 > v2);
          k = top + +(src[i0 + bottom] > src[i0 + top]) * (bottom - top);
        } else {
          k = 0;
          let best = v0;
          if (v1 > best || Number.isNaN(v1)) {
            best = v1;
            k = 1;
          }
          if (v2 > best || Number.isNaN(v2)) {
            best = v2;
            k = W;
          }
          if (v3 > best || Number.isNaN(v3)) k = W + 1;
        }
        values[o] = src[i0 + k];
        indices[o] = at0 + k;
      }
    }
  }
}

/** Adds each output gradient onto the input position its maximum came from. */
export function maxPoolBackward(dy: T, indices: T, xShape: Shape, params: PoolParams): TypedArray {
  const planes = xShape[0] * xShape[1];
  const inSize = sizeOf(xShape.slice(2));
  const outSize = sizeOf(params.outSize);
  const dx = allocateZeroed(dy.dtype, sizeOf(xShape));
  const g = dy.storage;
  const idx = indices.storage;
  if (windowsDisjoint(params)) {
    // Every input position is in one window at most, so no index repeats and a store does
    // (of 0 + g, which is g but turns -0 into 0 as the sum would). Reading the fresh array
    // first (+=) would fault each page in twice: about 3x slower.
    for (let plane = 0, o = 0; plane < planes; plane++) {
      const base = plane * inSize;
      for (let end = o + outSize; o < end; o++) dx[base + idx[o]] = g[o] + 0;
    }
    return dx;
  }
  for (let plane = 0, o = 0; plane < planes; plane++) {
    const base = plane * inSize;
    for (let end = o + outSize; o < end; o++) dx[base + idx[o]] += g[o];
  }
  return dx;
}

/** Whether no two pooling windows share an input position (stride at least the window span). */
export function windowsDisjoint(p: PoolParams): boolean {
  for (let i = 0; i < p.kernel.length; i++) {
    if (p.stride[i] < p.dilation[i] * (p.kernel[i] - 1) + 1) return false;
  }
  return true;
}

export function avgPool(x: T, params: PoolParams): TypedArray {
  const [batch, channels] = x.shape;
  const [A, B, C] = axes(x.shape.slice(2), params, false);
  const planes = batch * channels;
  const inSize = A.size * B.size * C.size;
  const outSize = A.out * B.out * C.out;
  const out = allocate(x.dtype, planes * outSize);
  const div = divisors(A, B, C, params.countIncludePad);
  const src = x.storage;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inSize;
    for (let od = 0, q = 0; od < A.out; od++) {
      const d0 = A.start[od];
      for (let oh = 0; oh < B.out; oh++) {
        const h0 = B.start[oh];
        for (let ow = 0; ow < C.out; ow++, o++, q++) {
          const w0 = C.start[ow];
          let sum = 0;
          for (let kd = A.kLo[od]; kd < A.kHi[od]; kd++) {
            for (let kh = B.kLo[oh]; kh < B.kHi[oh]; kh++) {
              const row = base + ((d0 + kd) * B.size + h0 + kh) * C.size + w0;
              for (let kw = C.kLo[ow]; kw < C.kHi[ow]; kw++) sum += src[row + kw];
            }
          }
          out[o] = sum / div[q];
        }
      }
    }
  }
  return out;
}

export function avgPoolBackward(dy: T, xShape: Shape, params: PoolParams): TypedArray {
  const [A, B, C] = axes(xShape.slice(2), params, false);
  const planes = xShape[0] * xShape[1];
  const inSize = A.size * B.size * C.size;
  const dx = allocateZeroed(dy.dtype, sizeOf(xShape));
  const div = divisors(A, B, C, params.countIncludePad);
  const g = dy.storage;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inSize;
    for (let od = 0, q = 0; od < A.out; od++) {
      const d0 = A.start[od];
      for (let oh = 0; oh < B.out; oh++) {
        const h0 = B.start[oh];
        for (let ow = 0; ow < C.out; ow++, o++, q++) {
          const w0 = C.start[ow];
          const share = g[o] / div[q];
          for (let kd = A.kLo[od]; kd < A.kHi[od]; kd++) {
            for (let kh = B.kLo[oh]; kh < B.kHi[oh]; kh++) {
              const row = base + ((d0 + kd) * B.size + h0 + kh) * C.size + w0;
              for (let kw = C.kLo[ow]; kw < C.kHi[ow]; kw++) dx[row + kw] += share;
            }
          }
        }
      }
    }
  }
  return dx;
}

/** The divisor of every output position of one plane. */
function divisors(A: Axis, B: Axis, C: Axis, countIncludePad: boolean): Float64Array {
  const a = countIncludePad ? A.padded : A.real;
  const b = countIncludePad ? B.padded : B.real;
  const c = countIncludePad ? C.padded : C.real;
  const div = new Float64Array(A.out * B.out * C.out);
  let q = 0;
  for (let i = 0; i < A.out; i++) {
    for (let j = 0; j < B.out; j++) {
      for (let k = 0; k < C.out; k++) div[q++] = a[i] * b[j] * c[k];
    }
  }
  return div;
}
