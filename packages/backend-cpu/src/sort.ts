import type { KernelTensor, TypedArray } from '@stride/core';
import { sizeOf } from '@stride/core';
import { allocate } from './storage.js';

type T = KernelTensor<TypedArray>;

/**
 * The optional `sort` kernel: a stable sort of every row of the last axis (NaN as the largest
 * value, NaNs in their order). One native sort of positions per row, with the position as the
 * last tie-break, in place of the dozens of whole-tensor steps of core's sorting network.
 */
export function sort(x: T, descending: boolean): { values: TypedArray; indices: TypedArray } {
  const size = sizeOf(x.shape);
  const n = x.shape[x.shape.length - 1] as number;
  const values = allocate(x.dtype, size);
  const indices = allocate('int32', size);
  if (size === 0) return { values, indices };
  const src = x.storage;
  const order = new Int32Array(n);
  let offset = 0;
  const sign = descending ? -1 : 1;
  const compare = (a: number, b: number): number => {
    const va = src[offset + a] as number;
    const vb = src[offset + b] as number;
    if (va < vb) return -sign;
    if (va > vb) return sign;
    // Equal, or at least one NaN: NaN is the largest value; equal values keep their order.
    const nanA = Number.isNaN(va);
    if (nanA !== Number.isNaN(vb)) return nanA ? sign : -sign;
    return a - b;
  };
  for (let row = 0; row < size / n; row++) {
    offset = row * n;
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort(compare);
    for (let i = 0; i < n; i++) {
      const from = order[i] as number;
      values[offset + i] = src[offset + from] as number;
      indices[offset + i] = from;
    }
  }
  return { values, indices };
}
