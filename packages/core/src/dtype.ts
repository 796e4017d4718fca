/** The element types a tensor can hold. `float64` exists on backends that can do it (the CPU one). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The host arrays that hold tensor values: one per dtype (see `TYPED_ARRAY`). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The typed array that backs each dtype on the host. `bool` is one byte, 0 or 1. */
export const TYPED_ARRAY: {
  /** `float32` values: 4 bytes each. */
  float32: Float32ArrayConstructor;
  /** `float64` values: 8 bytes each. */
  float64: Float64ArrayConstructor;
  /** `int32` values: 4 bytes each. */
  int32: Int32ArrayConstructor;
  /** `bool` values: one byte each, 0 or 1. */
  bool: Uint8ArrayConstructor;
} = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };

/** Every dtype, in the order `float32`, `float64`, `int32`, `bool`. A backend may store fewer. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The size of one element of `dtype` on the host: 8 for float64, 1 for bool, else 4. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

/**
 * Whether `dtype` is a floating-point type (`float32` or `float64`), the only ones that can require
 * gradients.
 */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** A new zero-filled typed array of `dtype`'s host type with `size` elements. */
export function allocTyped(dtype: DType, size: number): TypedArray {
  return new TYPED_ARRAY[dtype](size);
}

const PROMOTION_RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** PyTorch-style type promotion between two tensor dtypes: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  return PROMOTION_RANK[a] >= PROMOTION_RANK[b] ? a : b;
}
