/**
 * Helpers of the reduction, indexing and pooling tests: deterministic random values, and the same
 * tensor on the CPU backend (the reference) and on the GPU.
 */
import type { DType, KernelTensor, Shape, TypedArray } from '@stride/core';
import { allocTyped, sizeOf } from '@stride/core';
import type { GpuStorage, WebGpuBackend } from '../src/index.js';

/** `n` deterministic draws u in [0, 1) from a linear congruential generator, mapped by `map`. */
export function draws(n: number, seed: number, map: (u: number) => number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return map(s / 4294967296);
  });
}

export interface Pair {
  readonly data: TypedArray;
  readonly c: KernelTensor<TypedArray>;
  readonly g: KernelTensor<GpuStorage>;
}

/** The same tensor on both backends. */
export function pair(
  gpu: WebGpuBackend,
  dtype: DType,
  shape: Shape,
  values: ArrayLike<number>,
): Pair {
  if (values.length !== sizeOf(shape)) throw new Error('size mismatch');
  const data = allocTyped(dtype, values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i];
  return {
    data,
    c: { storage: data, shape, dtype },
    g: { storage: gpu.upload(data, dtype), shape, dtype },
  };
}
