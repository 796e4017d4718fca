import type { DType, KernelTensor, Shape, StrideWarning, TypedArray } from '@stride/core';
import { allocTyped, resetWarnings, setWarningHandler, TYPED_ARRAY } from '@stride/core';
import { afterEach, beforeEach, expect, vi } from 'vitest';

export type KT = KernelTensor<TypedArray>;

export function size(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A kernel tensor over a fresh typed array of `dtype` holding `values`. */
export function tensor(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): KT {
  if (values.length !== size(shape))
    throw new Error(`tensor: ${values.length} values for ${shape}`);
  const storage = allocTyped(dtype, values.length);
  storage.set(Array.from(values));
  return { storage, shape, dtype };
}

/** Deterministic pseudo-random numbers in [lo, hi) (a small LCG, independent of the backend). */
export function seeded(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0 || 1;
  return (lo = -1, hi = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 16777216) * (hi - lo);
  };
}

export function randomTensor(shape: Shape, dtype: DType = 'float32', seed = 1): KT {
  const rnd = seeded(seed);
  const n = size(shape);
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    values[i] = dtype === 'int32' ? Math.floor(rnd(-10, 10)) : rnd();
  }
  return tensor(values, shape, dtype);
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/** Flat position in `shape` of the broadcast index `idx` (of a possibly higher rank). */
export function broadcastFlat(idx: readonly number[], shape: Shape): number {
  const lead = idx.length - shape.length;
  let flat = 0;
  for (let i = 0; i < shape.length; i++) {
    flat = flat * shape[i] + (shape[i] === 1 ? 0 : idx[i + lead]);
  }
  return flat;
}

/** Element-wise comparison: |a - e| <= atol + rtol * |e|, NaN matches NaN, infinities exactly. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok =
      (Number.isNaN(a) && Number.isNaN(e)) ||
      a === e ||
      Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

export function expectExact(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(Array.from(actual)).toEqual(Array.from(expected));
}

export function typedOf(dtype: DType): (typeof TYPED_ARRAY)[DType] {
  return TYPED_ARRAY[dtype];
}

/**
 * The warnings each test of the calling file gives, collected instead of printed: the array is
 * emptied and every warning made new again before each test; stubs and mocks are undone after.
 */
export function collectWarnings(): StrideWarning[] {
  const warnings: StrideWarning[] = [];
  beforeEach(() => {
    warnings.length = 0;
    resetWarnings();
    setWarningHandler((w) => warnings.push(w));
  });
  afterEach(() => {
    setWarningHandler(null);
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });
  return warnings;
}
