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

export class HostStorage implements GpuStorage {
  readonly host: Uint32Array;
  readonly byteSize: number;
  private placed: GPUBuffer | null = null;
  private readonly place: (words: Uint32Array) => GPUBuffer;

  /** `place` uploads the words into a new buffer, the first time one is needed. */
  constructor(words: Uint32Array, place: (words: Uint32Array) => GPUBuffer) {
    this.host = words;
    this.byteSize = words.byteLength;
    this.place = place;
  }

  get buffer(): GPUBuffer {
    this.placed ??= this.place(this.host);
    return this.placed;
  }

  /** The buffer, if a GPU command has needed one yet. */
  get placedBuffer(): GPUBuffer | null {
    return this.placed;
  }
}

/** The host words of `storage` read as `dtype` (float32, int32, or bool's 0/1 words). */
export function hostValues(
  words: Uint32Array,
  dtype: DType,
): Float32Array | Int32Array | Uint32Array {
  if (dtype === 'float32') return new Float32Array(words.buffer, words.byteOffset, words.length);
  if (dtype === 'int32') return new Int32Array(words.buffer, words.byteOffset, words.length);
  return words;
}
