/**
 * GPU storage: the handle a WebGPU tensor's data lives in, and the host-side conversions between
 * a dtype's typed array and the 4-byte words the GPU holds.
 *
 * Every dtype is 4 bytes on the GPU: float32 as `f32`, int32 as `i32`, and bool as `u32` 0/1,
 * because WGSL has no 8-bit storage type. So a bool tensor takes 4 bytes per element on the GPU
 * while core's `memory()` counts 1 (the logical size); the pool's statistics report GPU bytes.
 * There is no float64: WGSL has no 64-bit float, so `dtypes` leaves it out and core rejects it
 * with a clear error before any kernel is called.
 */
import type { DType, TypedArray } from '@stride/core';
import { StrideError } from '@stride/core';

/** Bytes per element on the GPU, for every dtype the backend stores. */
export const GPU_ELEMENT_BYTES = 4;

/** `GPUBufferUsage` flags, spelled out so that nothing depends on WebGPU globals being defined. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_MODE_READ = 0x0001;

/** Usage of tensor storage: bound to shaders, and copied to and from. */
export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
/** Usage of a kernel's uniform words. */
export const UNIFORM_USAGE = BufferUsage.UNIFORM | BufferUsage.COPY_DST;
/** Usage of a read-back staging buffer. */
export const READBACK_USAGE = BufferUsage.MAP_READ | BufferUsage.COPY_DST;

/**
 * A tensor's storage on the GPU. `buffer` may be larger than `byteSize` (buffers come from a
 * pool in size classes); only the first `byteSize` bytes belong to the tensor. A storage of size
 * 0 still holds a small buffer, so kernels never have to special-case a missing binding.
 */
export interface GpuStorage {
  /** The GPU buffer holding the data (possibly larger than `byteSize`). */
  readonly buffer: GPUBuffer;
  /** Bytes of tensor data: elements × 4. */
  readonly byteSize: number;
  /**
   * A small storage whose data came from the host (an upload, a small fill, or a result of the
   * host path) keeps it here as the GPU's 32-bit words, and gets its buffer only when a GPU
   * command first needs it (host-storage.ts). Storages never change after they are made, so the
   * words stay true.
   */
  readonly host?: Uint32Array;
}

/** Throws the error core would, for a dtype WGSL cannot store. */
export function checkDType(kernel: string, dtype: DType): void {
  if (dtype === 'float64') {
    throw new StrideError(
      kernel,
      'the webgpu backend has no float64 (WGSL has no 64-bit floats); use float32, or the cpu ' +
        'backend for float64',
    );
  }
}

/** The host array whose bytes are exactly what the GPU stores for `values` as `dtype`. */
export function toGpuArray(
  values: TypedArray,
  dtype: DType,
): Float32Array | Int32Array | Uint32Array {
  switch (dtype) {
    case 'float32':
      return values instanceof Float32Array ? values : Float32Array.from(values);
    case 'int32':
      // `set` converts like a typed-array store (ToInt32: truncation with wrap-around).
      if (values instanceof Int32Array) return values;
      return int32From(values);
    case 'bool': {
      const out = new Uint32Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
      return out;
    }
    default:
      throw new StrideError('upload', `dtype ${dtype} cannot be stored on the GPU`);
  }
}

function int32From(values: TypedArray): Int32Array {
  const out = new Int32Array(values.length);
  out.set(values);
  return out;
}

/** Converts `size` GPU words (a copy of the mapped range) to the host typed array of `dtype`. */
export function fromGpuBytes(bytes: ArrayBuffer, dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(bytes, 0, size);
    case 'int32':
      return new Int32Array(bytes, 0, size);
    case 'bool':
      // The shaders store exactly 0 or 1, so narrowing to bytes keeps every value.
      return Uint8Array.from(new Uint32Array(bytes, 0, size));
    default:
      throw new StrideError('read', `dtype ${dtype} cannot be stored on the GPU`);
  }
}
