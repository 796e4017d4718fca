import {
  type Backend,
  OPTIONAL_KERNELS,
  REQUIRED_KERNELS,
  type StorageStats,
  type TypedArray,
} from '@stride/core';

/** The kernels that return new storage: each storage they return is counted until `free`. */
const NOT_MAKERS: readonly string[] = ['read', 'readSync', 'free', 'storageStats'];
const MAKERS = [...REQUIRED_KERNELS, ...OPTIONAL_KERNELS].filter((k) => !NOT_MAKERS.includes(k));

/**
 * Adds `storageStats` to a CPU backend by counting, per backend object, the storages its kernels
 * return and forgetting each at `free`. Counting at the kernels' boundary rather than inside
 * `allocate` matters because kernels also make their outputs other ways (a plain typed array, a
 * block of the WebAssembly heap handed over by `WasmRuntime.take`), while scratch that a kernel
 * drops is not a storage: an ordinary typed array goes to the garbage collector, and the
 * WebAssembly heap frees each call's scratch at the next call. Storages live in a `WeakMap`, so
 * counting never keeps one alive; one that this backend did not make (an override's own typed
 * array, in `{ ...cpu(), matmul: mine }`) is freed without being counted.
 *
 * Every other member, getters included, is copied as it is.
 */
export function countStorages<B extends Backend<TypedArray>>(backend: Omit<B, 'storageStats'>): B {
  const live = new WeakMap<TypedArray, number>();
  let count = 0;
  let bytes = 0;
  const add = (storage: TypedArray): void => {
    if (live.has(storage)) return;
    live.set(storage, storage.byteLength);
    count++;
    bytes += storage.byteLength;
  };
  const counted = Object.defineProperties({}, Object.getOwnPropertyDescriptors(backend)) as Record<
    string,
    unknown
  >;
  const members = backend as unknown as Record<string, unknown>;
  for (const name of MAKERS) {
    const kernel = members[name];
    if (typeof kernel !== 'function') continue;
    counted[name] = (...args: unknown[]) => {
      const out = kernel(...args) as TypedArray | Record<string, TypedArray>;
      if (ArrayBuffer.isView(out)) add(out);
      // maxPool returns { values, indices }, adamStep { param, expAvg, expAvgSq }.
      else for (const key in out) add(out[key] as TypedArray);
      return out;
    };
  }
  const free = backend.free;
  counted.free = (storage: TypedArray) => {
    const size = live.get(storage);
    if (size !== undefined) {
      live.delete(storage);
      count--;
      bytes -= size;
    }
    free(storage);
  };
  counted.storageStats = (): StorageStats => ({ count, bytes });
  return counted as unknown as B;
}
