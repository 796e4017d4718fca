import type { KernelTensor, PoolParams, Shape, TypedArray } from '@stride/core';
import { jobWords } from './jobs.js';
import { MAP_MIN_ELEMENTS } from './pointwise.js';
import type { WasmRuntime } from './runtime.js';

type T = KernelTensor<TypedArray>;

/** Floats of input planes one pooling unit reads. */
const POOL_UNIT_FLOATS = 1 << 15;

/**
 * Float32 2×2 max pooling with every window inside the input (see maxPool2dInside in
 * ../pool.ts), on storages in this memory; null otherwise. Without `withIndices`, the maxima
 * alone (`indices` is then empty).
 */
export function maxPool2x2(
  rt: WasmRuntime,
  x: T,
  p: PoolParams,
  withIndices = true,
): { values: Float32Array; indices: Int32Array } | null {
  const [batch, channels, H, W] = x.shape as [number, number, number, number];
  const [outH, outW] = p.outSize as [number, number];
  const planes = batch * channels;
  if (planes * H * W < MAP_MIN_ELEMENTS || !rt.owns(x.storage as Float32Array)) return null;
  rt.begin();
  const size = planes * outH * outW;
  const values = rt.output(size);
  const indices = withIndices ? rt.output(size, 'int32') : 0;
  if (values < 0 || indices < 0) return null;
  const planesPerUnit = Math.max(1, Math.floor(POOL_UNIT_FLOATS / (H * W)));
  rt.run(
    jobWords('maxPool2x2', {
      units: Math.ceil(planes / planesPerUnit),
      planes,
      H,
      W,
      outH,
      outW,
      sh: p.stride[0] as number,
      sw: p.stride[1] as number,
      x: rt.put(x.storage as Float32Array),
      values,
      indices,
      dy: 0,
      dx: 0,
      planesPerUnit,
    }),
  );
  return {
    values: rt.take(values, size),
    indices: withIndices ? (rt.takeAs(indices, size, 'int32') as Int32Array) : new Int32Array(0),
  };
}

/** The gradient of a 2-d max pooling whose windows do not overlap; null as for maxPool2x2. */
export function maxPoolBackward(
  rt: WasmRuntime,
  dy: T,
  indices: T,
  xShape: Shape,
  p: PoolParams,
): Float32Array | null {
  const [batch, channels, H, W] = xShape as [number, number, number, number];
  const [outH, outW] = p.outSize as [number, number];
  const planes = batch * channels;
  const owned = rt.owns(dy.storage as Float32Array) && rt.owns(indices.storage as Int32Array);
  if (planes * H * W < MAP_MIN_ELEMENTS || !owned) return null;
  rt.begin();
  const dx = rt.output(planes * H * W);
  if (dx < 0) return null;
  const planesPerUnit = Math.max(1, Math.floor(POOL_UNIT_FLOATS / (H * W)));
  rt.run(
    jobWords('maxPoolBackward', {
      units: Math.ceil(planes / planesPerUnit),
      planes,
      H,
      W,
      outH,
      outW,
      sh: 0,
      sw: 0,
      x: 0,
      values: 0,
      indices: rt.put(indices.storage as Int32Array),
      dy: rt.put(dy.storage as Float32Array),
      dx,
      planesPerUnit,
    }),
  );
  return rt.take(dx, planes * H * W);
}
