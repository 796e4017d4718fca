import type { DType, TypedArray } from '@stride/core';
import { allocTyped, bytesPerElement } from '@stride/core';
import { heapOf } from './wasm/heap.js';

/**
 * Recycling of storages. A typed array beyond a few dozen bytes lives outside the JavaScript
 * heap: making one costs an allocation, zeroing and later garbage-collector work (about 1.5 µs
 * up to 1 KB, 24 µs at 64 KB), and at a few megabytes the system maps its pages in on first
 * touch, one fault per page (about as long as an element-wise add over the array). Training
 * repeats the same sizes every step, so storages that core frees (`recycle` is the backend's
 * `free`) are handed out again by `allocate`. The smallest arrays live on the heap and cost
 * next to nothing; they are left to the garbage collector.
 */
const MIN_BYTES = 256;
/** The most the pool holds, and how many storages of one dtype and size. */
const MAX_BYTES = 64 * 1024 * 1024;
const MAX_PER_SIZE = 8;

const pools: Record<DType, Map<number, TypedArray[]>> = {
  float32: new Map(),
  float64: new Map(),
  int32: new Map(),
  bool: new Map(),
};
let pooledBytes = 0;

function dtypeOf(storage: TypedArray): DType | null {
  if (storage instanceof Float32Array) return 'float32';
  if (storage instanceof Float64Array) return 'float64';
  if (storage instanceof Int32Array) return 'int32';
  if (storage instanceof Uint8Array) return 'bool';
  return null;
}

/**
 * Where float32 and int32 storages go when it is set: the WebAssembly memory of the CPU
 * backend's kernels (wasm/heap.ts), which then read and write them in place.
 */
export interface StorageHeap {
  storage(dtype: DType, size: number): TypedArray | null;
  release(storage: TypedArray): boolean;
}

let heap: StorageHeap | null = null;

/** Makes `next` the place for new storages (null: ordinary typed arrays). */
export function useStorageHeap(next: StorageHeap | null): void {
  heap = next;
}

/**
 * A typed array of `dtype` and `size` whose contents are undefined (a recycled storage or a
 * fresh one): for kernels that write every element.
 */
export function allocate(dtype: DType, size: number): TypedArray {
  if (heap !== null && size * 4 >= MIN_BYTES) {
    const inHeap = heap.storage(dtype, size);
    if (inHeap) return inHeap;
  }
  return reuse(dtype, size) ?? allocTyped(dtype, size);
}

/** `allocate` filled with zeros, for kernels that accumulate into their output. */
export function allocateZeroed(dtype: DType, size: number): TypedArray {
  if (heap !== null && size * 4 >= MIN_BYTES) {
    const inHeap = heap.storage(dtype, size);
    if (inHeap) return inHeap.fill(0);
  }
  return reuse(dtype, size)?.fill(0) ?? allocTyped(dtype, size);
}

function reuse(dtype: DType, size: number): TypedArray | undefined {
  if (size * bytesPerElement(dtype) < MIN_BYTES) return undefined;
  const reused = pools[dtype].get(size)?.pop();
  if (reused !== undefined) pooledBytes -= reused.byteLength;
  return reused;
}

/**
 * Takes back a storage nobody uses any more (core frees each storage exactly once, after its
 * last tensor). Only arrays that own their whole buffer are kept, and only up to the limits.
 */
export function recycle(storage: TypedArray): void {
  if (!(storage.buffer instanceof ArrayBuffer)) {
    heapOf(storage.buffer)?.release(storage);
    return;
  }
  const bytes = storage.byteLength;
  if (bytes < MIN_BYTES || pooledBytes + bytes > MAX_BYTES) return;
  if (storage.byteOffset !== 0 || storage.buffer.byteLength !== bytes) return;
  if (!(storage.buffer instanceof ArrayBuffer)) return;
  const dtype = dtypeOf(storage);
  if (dtype === null) return;
  let list = pools[dtype].get(storage.length);
  if (!list) {
    list = [];
    pools[dtype].set(storage.length, list);
  }
  if (list.length >= MAX_PER_SIZE || list.includes(storage)) return;
  list.push(storage);
  pooledBytes += bytes;
}

/** Bytes the pool holds (for tests). */
export function recycledBytes(): number {
  return pooledBytes;
}

/** A fresh typed array of `dtype` holding `values` (converted; bool becomes 0/1). */
export function upload(values: TypedArray, dtype: DType): TypedArray {
  const out = allocate(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  else out.set(values);
  return out;
}

/**
 * A copy of the first `size` elements as `dtype`, so callers can never alias a storage. It goes
 * to the caller, so it is an ordinary typed array, never a view of the kernels' memory.
 */
export function read(storage: TypedArray, dtype: DType, size: number): TypedArray {
  const out = allocTyped(dtype, size);
  const values = storage.length === size ? storage : storage.subarray(0, size);
  if (dtype === 'bool') for (let i = 0; i < size; i++) out[i] = values[i] !== 0 ? 1 : 0;
  else out.set(values);
  return out;
}

/** `value` cast to `dtype` the way a store would: truncated for int32, x != 0 for bool. */
export function fill(size: number, dtype: DType, value: number): TypedArray {
  const out = allocate(dtype, size);
  out.fill(dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  return out;
}
