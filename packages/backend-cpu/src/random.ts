import type { DType, RandomDistribution, TypedArray } from '@stride/core';
import { normalAt, uniformAt } from '@stride/core';
import { allocate } from './storage.js';

/** Element i is uniformAt/normalAt(seed, offset + i): the generator every backend shares. */
export function random(
  size: number,
  dtype: DType,
  dist: RandomDistribution,
  seed: number,
  offset: number,
): TypedArray {
  const out = allocate(dtype, size);
  if (dist === 'uniform') for (let i = 0; i < size; i++) out[i] = uniformAt(seed, offset + i);
  else for (let i = 0; i < size; i++) out[i] = normalAt(seed, offset + i);
  return out;
}
