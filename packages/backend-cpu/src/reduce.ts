import type { DType, KernelTensor, ReduceOp, TypedArray } from '@stride/core';
import { coalesce, isFloat, sizeOf, stridesOf } from '@stride/core';
import { RowWalker } from './row-walker.js';
import { allocate } from './storage.js';

type T = KernelTensor<TypedArray>;
type Accumulate = 'sum' | 'prod' | 'max' | 'min';

/** Output shape is the input shape with every reduced axis set to 1. */
export function reduce(op: ReduceOp, x: T, axes: readonly number[]): TypedArray {
  if (op === 'argmax' || op === 'argmin') return argReduce(op === 'argmax', x, axes[0]);
  const shape = x.shape;
  const reduced = shape.map((_, i) => axes.includes(i));
  const outShape = shape.map((d, i) => (reduced[i] ? 1 : d));
  const outSize = sizeOf(outShape);
  const float = isFloat(x.dtype);
  // Float sums and products run in double whatever the storage, then round once.
  const acc = float ? new Float64Array(outSize) : new Int32Array(outSize);
  acc.fill(identity(op, x.dtype));
  if (sizeOf(shape) > 0 && outSize > 0) {
    const outStrides = stridesOf(outShape).map((s, i) => (reduced[i] ? 0 : s));
    const walk = new RowWalker(coalesce(shape, [stridesOf(shape), outStrides]));
    const src = x.storage;
    const len = walk.length;
    const innerReduced = walk.step[1] === 0;
    for (let r = 0; r < walk.rows; r++) {
      const ix = walk.offset[0];
      const io = walk.offset[1];
      if (innerReduced) acc[io] = reduceRow(op, float, acc[io], src, ix, len);
      else combineRow(op, float, acc, io, src, ix, len);
      walk.next();
    }
  }
  const out = allocate(x.dtype, outSize);
  if (x.dtype === 'bool') for (let i = 0; i < outSize; i++) out[i] = acc[i] === 0 ? 0 : 1;
  else out.set(acc);
  return out;
}

function identity(op: Accumulate, dtype: DType): number {
  switch (op) {
    case 'sum':
      return 0;
    case 'prod':
      return 1;
    case 'max':
      return isFloat(dtype) ? -Infinity : dtype === 'int32' ? -2147483648 : 0;
    case 'min':
      return isFloat(dtype) ? Infinity : dtype === 'int32' ? 2147483647 : 1;
  }
}

/** Folds a contiguous run of `n` inputs into one accumulator. */
function reduceRow(
  op: Accumulate,
  float: boolean,
  init: number,
  x: TypedArray,
  i: number,
  n: number,
): number {
  let s = init;
  const end = i + n;
  switch (op) {
    case 'sum':
      if (float) return s + sumFloat(x, i, end);
      for (; i < end; i++) s = (s + x[i]) | 0;
      return s;
    case 'prod':
      if (float) for (; i < end; i++) s *= x[i];
      else for (; i < end; i++) s = Math.imul(s, x[i]);
      return s;
    case 'max':
      for (; i < end; i++) {
        const v = x[i];
        if (v > s || Number.isNaN(v)) s = v;
      }
      return s;
    case 'min':
      for (; i < end; i++) {
        const v = x[i];
        if (v < s || Number.isNaN(v)) s = v;
      }
      return s;
  }
}

/**
 * The double sum of x[i..end) in four interleaved partial sums: a single running sum waits on
 * every addition in turn; four keep the adder busy, about three times faster. The order differs
 * from one running sum only within double rounding, far below what a float32 result keeps.
 */
function sumFloat(x: TypedArray, i: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (; i + 3 < end; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < end; i++) s0 += x[i];
  return s0 + s1 + (s2 + s3);
}

/** Folds a contiguous run of `n` inputs into `n` consecutive accumulators. */
function combineRow(
  op: Accumulate,
  float: boolean,
  acc: Float64Array | Int32Array,
  o: number,
  x: TypedArray,
  i: number,
  n: number,
): void {
  const end = i + n;
  switch (op) {
    case 'sum':
      if (float) for (; i < end; i++, o++) acc[o] += x[i];
      else for (; i < end; i++, o++) acc[o] = (acc[o] + x[i]) | 0;
      return;
    case 'prod':
      if (float) for (; i < end; i++, o++) acc[o] *= x[i];
      else for (; i < end; i++, o++) acc[o] = Math.imul(acc[o], x[i]);
      return;
    case 'max':
      for (; i < end; i++, o++) {
        const v = x[i];
        if (v > acc[o] || Number.isNaN(v)) acc[o] = v;
      }
      return;
    case 'min':
      for (; i < end; i++, o++) {
        const v = x[i];
        if (v < acc[o] || Number.isNaN(v)) acc[o] = v;
      }
      return;
  }
}

/**
 * Index of the first extreme value along `axis`; a NaN counts as the extreme, so the first NaN
 * wins, as in PyTorch.
 */
function argReduce(isMax: boolean, x: T, axis: number): Int32Array {
  const shape = x.shape;
  const n = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Int32Array(outer * inner);
  if (n === 0 || out.length === 0) return out;
  const src = x.storage;
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    const idx = out.subarray(o * inner, (o + 1) * inner);
    for (let i = 0; i < inner; i++) best[i] = src[base + i];
    // k-outer, i-inner keeps the reads sequential when the axis is not the last one.
    for (let k = 1; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = src[row + i];
        const b = best[i];
        if (!Number.isNaN(b) && (Number.isNaN(v) || (isMax ? v > b : v < b))) {
          best[i] = v;
          idx[i] = k;
        }
      }
    }
  }
  return out;
}

/** Softmax or log-softmax along `axis`, with the maximum subtracted first; sums in double. */
export function softmax(x: T, axis: number, log: boolean): TypedArray {
  const shape = x.shape;
  const n = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const size = outer * n * inner;
  const out = allocate(x.dtype, size);
  if (size === 0) return out;
  const src = x.storage;
  const m = new Float64Array(inner);
  const s = new Float64Array(inner);
  const e = log ? null : new Float64Array(n * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    m.fill(-Infinity);
    s.fill(0);
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = src[row + i];
        if (v > m[i] || Number.isNaN(v)) m[i] = v;
      }
    }
    for (let k = 0; k < n; k++) {
      const row = base + k * inner;
      const er = k * inner;
      for (let i = 0; i < inner; i++) {
        const v = Math.exp(src[row + i] - m[i]);
        s[i] += v;
        if (e !== null) e[er + i] = v;
      }
    }
    if (e !== null) {
      for (let k = 0; k < n; k++) {
        const row = base + k * inner;
        const er = k * inner;
        for (let i = 0; i < inner; i++) out[row + i] = e[er + i] / s[i];
      }
    } else {
      for (let i = 0; i < inner; i++) s[i] = Math.log(s[i]);
      for (let k = 0; k < n; k++) {
        const row = base + k * inner;
        for (let i = 0; i < inner; i++) out[row + i] = src[row + i] - m[i] - s[i];
      }
    }
  }
  return out;
}
