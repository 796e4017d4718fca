/** Kernels that move data: upload, read, free, fill. */
import type { DType, TypedArray } from '@stride/core';
import type { GpuContext } from '../context.js';
import {
  checkDType,
  fromGpuBytes,
  GPU_ELEMENT_BYTES,
  type GpuStorage,
  toGpuArray,
} from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';

export function upload(ctx: GpuContext, values: TypedArray, dtype: DType): GpuStorage {
  checkDType('upload', dtype);
  const words = toGpuArray(values, dtype);
  if (words.length === 0 || words.length > ctx.hostMaxElements) return ctx.upload(words);
  // A copy: the caller may change `values` later, and the storage must not change with it.
  return ctx.hold(words.slice());
}

export async function read(
  ctx: GpuContext,
  storage: GpuStorage,
  dtype: DType,
  size: number,
): Promise<TypedArray> {
  checkDType('read', dtype);
  // Data on the host is read there, unless GPU work or an index check waits for a read to report
  // its errors.
  const words = storage.host;
  if (words && ctx.readsOnHost()) {
    return fromGpuBytes(words.slice(0, size).buffer, dtype, size);
  }
  // Even a read of nothing reports the index checks recorded before it (see index-checks.ts).
  return fromGpuBytes(await ctx.readBytes(storage, size * GPU_ELEMENT_BYTES), dtype, size);
}

export function free(ctx: GpuContext, storage: GpuStorage): void {
  ctx.release(storage);
}

/** Non-zero fills of at most this many elements are written from the host even on the GPU. */
export const HOST_FILL_MAX = 16;

/** Writes one 32-bit pattern everywhere: the same pipeline serves every dtype. */
const FILL = `
${uniforms(2)}
${bindings({}, { y: 'u32' })}
${main('if (i >= word(0u)) { return; }\n  y[i] = word(1u);')}
`;

/** `value` as the 32-bit pattern a store of `dtype` would write (see the CPU `fill`). */
export function fillBits(dtype: DType, value: number): number {
  if (dtype === 'float32') return new Uint32Array(Float32Array.of(value).buffer)[0];
  if (dtype === 'int32') return Int32Array.of(value)[0] >>> 0;
  return value !== 0 ? 1 : 0;
}

export function fill(ctx: GpuContext, size: number, dtype: DType, value: number): GpuStorage {
  checkDType('fill', dtype);
  const bits = fillBits(dtype, value);
  // Core lifts every number in `x.mul(0.5)` to a one-element fill: small fills stay on the host
  // (host-storage.ts), or with that turned off are written from it, cheaper than a launch.
  if (size > 0 && size <= ctx.hostMaxElements) return ctx.hold(new Uint32Array(size).fill(bits));
  if (bits !== 0 && size <= HOST_FILL_MAX) return ctx.upload(new Uint32Array(size).fill(bits));
  const out = ctx.alloc(dtype, size);
  // clearBuffer zeroes without a shader; zeros are the most common fill.
  if (bits === 0) ctx.clear(out, out.byteSize);
  else
    ctx.run({
      name: 'fill',
      code: FILL,
      inputs: [],
      outputs: [out],
      uniforms: [size, bits],
      threads: size,
    });
  return out;
}
