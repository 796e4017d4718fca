/**
 * Storages that hold their data on the host until a GPU command needs it.
 *
 * A kernel launch costs far more than the work in a handful of elements: recording it, and on the
 * GPU's side starting it (tens of microseconds per launch on SwiftShader, a few on a discrete
 * GPU), against nanoseconds per element in JavaScript. So small storages made from host data
 * (uploads and fills of at most `hostMaxElements`) keep their words on the host, and the
 * element-wise ops whose operands are all such storages run there too (kernels/host-binary.ts),
 * their results staying on the host. A chain of scalar arithmetic then never touches the GPU,
 * and reading its result needs no round trip. The first GPU command that binds or copies such a
 * storage uploads it, once; the words stay, since a storage never changes.
 */
import type { DType } from '@stride/core';
import type { GpuStorage } from './storage.js';

/**
 * The default of `WebGpuOptions.hostMaxElements`: storages of at most this many elements made
 * from host data stay on the host. A thousand additions in JavaScript take about as long as one
 * launch.
 */
export const HOST_MAX_ELEMENTS = 1024;

/** The 4-byte element arrays a host storage may hold its data in. */
export type HostValues = Float32Array | Int32Array | Uint32Array;

/** Where a host storage gets its buffer from: the context that made it. */
export interface HostPlacer {
  /** A new buffer holding `words`, uploaded (the first time a GPU command needs one). */
  place(words: Uint32Array): GPUBuffer;
}

export class HostStorage implements GpuStorage {
  readonly byteSize: number;
  /** The bytes the context counts for this storage while it lives (its buffer's size class). */
  readonly countedBytes: number;
  /** Whether it is still counted among the live storages. */
  live = true;
  private values: HostValues;
  private words: Uint32Array | null;
  private placed: GPUBuffer | null = null;
  private readonly placer: HostPlacer;

  /** `values` are owned by the storage from now on; `placer` uploads them when needed. */
  constructor(values: HostValues, placer: HostPlacer, countedBytes: number) {
    this.values = values;
    this.words = values instanceof Uint32Array ? values : null;
    this.byteSize = values.byteLength;
    this.placer = placer;
    this.countedBytes = countedBytes;
  }

  get host(): Uint32Array {
    this.words ??= new Uint32Array(this.values.buffer, this.values.byteOffset, this.values.length);
    return this.words;
  }

  get buffer(): GPUBuffer {
    this.placed ??= this.placer.place(this.host);
    return this.placed;
  }

  /** The buffer, if a GPU command has needed one yet. */
  get placedBuffer(): GPUBuffer | null {
    return this.placed;
  }

  /**
   * The values read as `dtype` (float32, int32, or bool's 0/1 words). The view is kept: element
   * arithmetic on the host reads each storage as one dtype, and a chain of it makes no views.
   */
  view(dtype: DType): HostValues {
    const v = this.values;
    if (dtype === 'float32') {
      if (v instanceof Float32Array) return v;
      this.values = new Float32Array(v.buffer, v.byteOffset, v.length);
    } else if (dtype === 'int32') {
      if (v instanceof Int32Array) return v;
      this.values = new Int32Array(v.buffer, v.byteOffset, v.length);
    } else {
      return this.host;
    }
    return this.values;
  }
}
