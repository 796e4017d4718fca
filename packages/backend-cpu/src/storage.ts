import type { DType, TypedArray } from '@stride/core';
import { allocTyped } from '@stride/core';

/** A fresh typed array of `dtype` holding `values` (converted; bool becomes 0/1). */
export function upload(values: TypedArray, dtype: DType): TypedArray {
  const out = allocTyped(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  else out.set(values);
  return out;
}

/** A copy of the first `size` elements as `dtype`, so callers can never alias a storage. */
export function read(storage: TypedArray, dtype: DType, size: number): TypedArray {
  return upload(storage.length === size ? storage : storage.subarray(0, size), dtype);
}

/** `value` cast to `dtype` the way a store would: truncated for int32, x != 0 for bool. */
export function fill(size: number, dtype: DType, value: number): TypedArray {
  const out = allocTyped(dtype, size);
  out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return out;
}
