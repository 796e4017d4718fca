import type { KernelTensor, Shape, TypedArray } from '@stride/core';
import { coalesce, sizeOf, stridesOf } from '@stride/core';
import { RowWalker } from './row-walker.js';
import { allocate } from './storage.js';

type T = KernelTensor<TypedArray>;

/** A copy of `x`'s storage, from the recycled ones when there is one of its size. */
function copyOf(x: T): TypedArray {
  const n = sizeOf(x.shape);
  const out = allocate(x.dtype, n);
  out.set(x.storage.length === n ? x.storage : x.storage.subarray(0, n));
  return out;
}

/** Rows at least this long are copied with `TypedArray.set` rather than element by element. */
const BULK = 32;

/** out[i0, ..., ik] = x.flat[offset + sum_j i_j * strides[j]] (strides may be 0 or negative). */
export function strided(
  x: T,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): TypedArray {
  const n = sizeOf(outShape);
  const out = allocate(x.dtype, n);
  if (n === 0) return out;
  const src = x.storage;
  const walk = new RowWalker(coalesce(outShape, [stridesOf(outShape), strides]), [0, offset]);
  const len = walk.length;
  const step = walk.step[1];
  for (let r = 0; r < walk.rows; r++) {
    let io = walk.offset[0];
    let ix = walk.offset[1];
    if (step === 1 && len >= BULK) {
      out.set(src.subarray(ix, ix + len), io);
    } else {
      const end = io + len;
      for (; io < end; io++, ix += step) out[io] = src[ix];
    }
    walk.next();
  }
  return out;
}

/** A copy of `base` with base.flat[offset + sum_j i_j * strides[j]] = src[i] for every i. */
export function stridedWrite(
  base: T,
  src: T,
  strides: readonly number[],
  offset: number,
): TypedArray {
  const out = copyOf(base);
  const n = sizeOf(src.shape);
  if (n === 0) return out;
  const s = src.storage;
  const walk = new RowWalker(coalesce(src.shape, [stridesOf(src.shape), strides]), [0, offset]);
  const len = walk.length;
  const step = walk.step[1];
  for (let r = 0; r < walk.rows; r++) {
    let is = walk.offset[0];
    let io = walk.offset[1];
    if (step === 1 && len >= BULK) {
      out.set(s.subarray(is, is + len), io);
    } else {
      const end = is + len;
      for (; is < end; is++, io += step) out[io] = s[is];
    }
    walk.next();
  }
  return out;
}

export function concat(xs: readonly T[], axis: number): TypedArray {
  const first = xs[0];
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  const chunks = xs.map((x) => x.shape[axis] * inner);
  const row = chunks.reduce((s, c) => s + c, 0);
  const out = allocate(first.dtype, outer * row);
  if (out.length === 0) return out;
  for (let o = 0; o < outer; o++) {
    let io = o * row;
    for (let j = 0; j < xs.length; j++) {
      const len = chunks[j];
      const src = xs[j].storage;
      const is = o * len;
      if (len >= BULK) {
        out.set(src.subarray(is, is + len), io);
      } else {
        for (let i = 0; i < len; i++) out[io + i] = src[is + i];
      }
      io += len;
    }
  }
  return out;
}

/** `torch.gather`: out[p] = x[p with its `axis` coordinate replaced by index[p]]. */
export function gather(x: T, axis: number, index: T): TypedArray {
  const n = sizeOf(index.shape);
  const out = allocate(x.dtype, n);
  if (n === 0) return out;
  const xStrides = stridesOf(x.shape);
  const axisStride = xStrides[axis];
  // The axis coordinate comes from `index`, so it contributes nothing to the walked offset.
  xStrides[axis] = 0;
  const walk = new RowWalker(coalesce(index.shape, [stridesOf(index.shape), xStrides]));
  const src = x.storage;
  const idx = index.storage;
  const len = walk.length;
  const step = walk.step[1];
  for (let r = 0; r < walk.rows; r++) {
    let io = walk.offset[0];
    let ix = walk.offset[1];
    const end = io + len;
    for (; io < end; io++, ix += step) out[io] = src[ix + idx[io] * axisStride];
    walk.next();
  }
  return out;
}

/**
 * `torch.scatter_add`: a copy of `base` to which src[p] is added at p with its `axis`
 * coordinate replaced by index[p], in row-major order of p (the order PyTorch's CPU kernel uses,
 * which fixes the float rounding when indices repeat).
 */
export function scatterAdd(base: T, axis: number, index: T, src: T): TypedArray {
  const out = copyOf(base);
  const n = sizeOf(index.shape);
  if (n === 0) return out;
  const outStrides = stridesOf(base.shape);
  const axisStride = outStrides[axis];
  outStrides[axis] = 0;
  const walk = new RowWalker(coalesce(index.shape, [stridesOf(index.shape), outStrides]));
  const s = src.storage;
  const idx = index.storage;
  const len = walk.length;
  const step = walk.step[1];
  const dtype = base.dtype;
  for (let r = 0; r < walk.rows; r++) {
    let ip = walk.offset[0];
    let io = walk.offset[1];
    const end = ip + len;
    if (dtype === 'int32') {
      for (; ip < end; ip++, io += step) {
        const at = io + idx[ip] * axisStride;
        out[at] = (out[at] + s[ip]) | 0;
      }
    } else if (dtype === 'bool') {
      for (; ip < end; ip++, io += step) {
        const at = io + idx[ip] * axisStride;
        out[at] = out[at] !== 0 || s[ip] !== 0 ? 1 : 0;
      }
    } else {
      for (; ip < end; ip++, io += step) out[io + idx[ip] * axisStride] += s[ip];
    }
    walk.next();
  }
  return out;
}
