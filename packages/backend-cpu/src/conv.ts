import type { ConvParams, DType, KernelTensor, Shape, TypedArray } from '@stride/core';
import { convGeometry, sizeOf } from '@stride/core';
import type { Gemm } from './gemm.js';
import { gemm as defaultGemm } from './gemm.js';
import { col2im, im2col, isIdentity } from './im2col.js';

type T = KernelTensor<TypedArray>;
type Floats = Float32Array | Float64Array;

function newFloats(dtype: DType, size: number): Floats {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** Stores the double accumulator into the output, rounding once when the output is float32. */
function finish(acc: Float64Array, out: Floats): Floats {
  if (acc !== out) out.set(acc);
  return out;
}

/**
 * Forward convolution: for each batch item and group, im2col the group's input channels into a
 * [C/g * k, P] matrix and multiply the group's weights [O/g, C/g * k] by it.
 */
export function conv(x: T, w: T, params: ConvParams, gemm: Gemm = defaultGemm): TypedArray {
  const [batch, channels] = x.shape;
  const outChannels = w.shape[0];
  const groups = params.groups;
  const g = convGeometry(x.shape.slice(2), w.shape.slice(2), params);
  const cg = channels / groups;
  const og = outChannels / groups;
  const ck = cg * g.kernelSize;
  const P = g.outSize;
  const out = newFloats(x.dtype, batch * outChannels * P);
  if (out.length === 0) return out;
  const acc = out instanceof Float64Array ? out : new Float64Array(out.length);
  const identity = isIdentity(g);
  const col = identity || ck === 0 ? null : newFloats(x.dtype, ck * P);
  const xs = x.storage;
  const ws = w.storage;
  for (let n = 0; n < batch; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const xOff = (n * channels + gi * cg) * g.inSize;
      const cOff = (n * outChannels + gi * og) * P;
      const wOff = gi * og * ck;
      if (col === null) {
        gemm(og, P, ck, ws, wOff, ck, 1, xs, xOff, P, 1, acc, cOff, P);
      } else {
        im2col(xs, xOff, cg, g, col);
        gemm(og, P, ck, ws, wOff, ck, 1, col, 0, P, 1, acc, cOff, P);
      }
    }
  }
  return finish(acc, out);
}

/**
 * Adds bias[c] to every element of channel c of `out`, a [batch, channels, plane] array, in
 * place: the convolution's bias, rounded once per element as a separate add would round it.
 */
export function addChannelBias(out: TypedArray, bias: TypedArray, plane: number): TypedArray {
  const channels = bias.length;
  for (let i = 0, p = 0; i < out.length; i += plane, p++) {
    const b = bias[p % channels] as number;
    for (let j = i; j < i + plane; j++) out[j] = (out[j] as number) + b;
  }
  return out;
}

/**
 * Gradient with respect to the input: per batch item and group, dcol = W^T dy (a [C/g * k, P]
 * matrix), then col2im scatters dcol back onto the input positions, accumulating.
 */
export function convBackwardInput(
  dy: T,
  w: T,
  xShape: Shape,
  params: ConvParams,
  gemm: Gemm = defaultGemm,
): TypedArray {
  const [batch, channels] = xShape;
  const outChannels = w.shape[0];
  const groups = params.groups;
  const g = convGeometry(xShape.slice(2), w.shape.slice(2), params);
  const cg = channels / groups;
  const og = outChannels / groups;
  const ck = cg * g.kernelSize;
  const P = g.outSize;
  const out = newFloats(dy.dtype, sizeOf(xShape));
  if (out.length === 0 || P === 0 || og === 0) return out;
  const acc = out instanceof Float64Array ? out : new Float64Array(out.length);
  const identity = isIdentity(g);
  const dcol = identity ? null : new Float64Array(ck * P);
  const ds = dy.storage;
  const ws = w.storage;
  for (let n = 0; n < batch; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const dyOff = (n * outChannels + gi * og) * P;
      const xOff = (n * channels + gi * cg) * g.inSize;
      const wOff = gi * og * ck;
      if (dcol === null) {
        gemm(ck, P, og, ws, wOff, 1, ck, ds, dyOff, P, 1, acc, xOff, P);
      } else {
        dcol.fill(0);
        gemm(ck, P, og, ws, wOff, 1, ck, ds, dyOff, P, 1, dcol, 0, P);
        col2im(dcol, cg, g, acc, xOff);
      }
    }
  }
  return finish(acc, out);
}

/**
 * Gradient with respect to the weight: per group, dW += dy [O/g, P] * im2col(x)^T [P, C/g * k],
 * summed over the batch in the double accumulator.
 */
export function convBackwardFilter(
  x: T,
  dy: T,
  wShape: Shape,
  params: ConvParams,
  gemm: Gemm = defaultGemm,
): TypedArray {
  const [batch, channels] = x.shape;
  const outChannels = wShape[0];
  const groups = params.groups;
  const g = convGeometry(x.shape.slice(2), wShape.slice(2), params);
  const cg = channels / groups;
  const og = outChannels / groups;
  const ck = cg * g.kernelSize;
  const P = g.outSize;
  const out = newFloats(x.dtype, sizeOf(wShape));
  if (out.length === 0 || P === 0 || batch === 0) return out;
  const acc = out instanceof Float64Array ? out : new Float64Array(out.length);
  const identity = isIdentity(g);
  const col = identity ? null : newFloats(x.dtype, ck * P);
  const xs = x.storage;
  const ds = dy.storage;
  for (let n = 0; n < batch; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const dyOff = (n * outChannels + gi * og) * P;
      const xOff = (n * channels + gi * cg) * g.inSize;
      const wOff = gi * og * ck;
      if (col === null) {
        gemm(og, ck, P, ds, dyOff, P, 1, xs, xOff, 1, P, acc, wOff, ck);
      } else {
        im2col(xs, xOff, cg, g, col);
        gemm(og, ck, P, ds, dyOff, P, 1, col, 0, 1, P, acc, wOff, ck);
      }
    }
  }
  return finish(acc, out);
}
