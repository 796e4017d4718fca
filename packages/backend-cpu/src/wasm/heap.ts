import type { DType, TypedArray } from '@stride/core';

/** Blocks are multiples of this many bytes (a cache line): sizes repeat, so blocks are reused. */
const BLOCK = 64;
const PAGE = 65536;

/** The heap that owns a buffer of WebAssembly memory (every buffer the memory has had). */
const owners = new WeakMap<ArrayBufferLike, Heap>();

export function heapOf(buffer: ArrayBufferLike): Heap | undefined {
  return owners.get(buffer);
}

/**
 * Blocks of the kernels' WebAssembly memory, for tensor storages and for the scratch of kernel
 * calls. A storage that lives here is read and written by the kernels in place: no copy in, no
 * copy out. Freed blocks wait in lists by size and are handed out again first (training repeats
 * the same sizes every step); new blocks come from the top, growing the memory. Only a shared
 * memory hands out storages: growing it keeps existing views valid, while growing a private one
 * detaches them.
 *
 * Core frees every storage it made (`free`); one that is garbage-collected instead is freed
 * through a FinalizationRegistry. Each block carries a generation, so a late finalizer never
 * frees a block that has since been handed out again.
 */
export class Heap {
  private top: number;
  private readonly freeBlocks = new Map<number, number[]>();
  /** Live blocks: address → [bytes, generation]. */
  private readonly live = new Map<number, [number, number]>();
  private generation = 0;
  private readonly finalizer = new FinalizationRegistry<[number, number]>(([at, gen]) =>
    this.freeIf(at, gen),
  );

  constructor(
    private readonly memory: WebAssembly.Memory,
    start: number,
    private readonly maxBytes: number,
    readonly sharesStorages: boolean,
  ) {
    this.top = Math.ceil(start / BLOCK) * BLOCK;
    owners.set(memory.buffer, this);
  }

  /** The address of a block of at least `bytes`, or -1 when the memory cannot hold it. */
  alloc(bytes: number): number {
    const size = Math.max(BLOCK, Math.ceil(bytes / BLOCK) * BLOCK);
    let at = this.freeBlocks.get(size)?.pop();
    if (at === undefined) {
      if (this.top + size > this.maxBytes) return -1;
      at = this.top;
      this.top += size;
      const need = Math.ceil(this.top / PAGE);
      const have = this.memory.buffer.byteLength / PAGE;
      if (need > have) {
        this.memory.grow(need - have);
        owners.set(this.memory.buffer, this);
      }
    }
    this.live.set(at, [size, ++this.generation]);
    return at;
  }

  free(at: number): void {
    const block = this.live.get(at);
    if (!block) return;
    this.live.delete(at);
    let list = this.freeBlocks.get(block[0]);
    if (!list) {
      list = [];
      this.freeBlocks.set(block[0], list);
    }
    list.push(at);
  }

  private freeIf(at: number, generation: number): void {
    if (this.live.get(at)?.[1] === generation) this.free(at);
  }

  /** A float32 or int32 storage of `size` elements in this memory, or null. */
  storage(dtype: DType, size: number): TypedArray | null {
    if (!this.sharesStorages || (dtype !== 'float32' && dtype !== 'int32')) return null;
    const at = this.alloc(size * 4);
    if (at < 0) return null;
    const view =
      dtype === 'float32'
        ? new Float32Array(this.memory.buffer, at, size)
        : new Int32Array(this.memory.buffer, at, size);
    this.finalizer.register(view, [at, this.generation], view);
    return view;
  }

  /** Takes back a storage made by `storage`; false for anything else. */
  release(storage: TypedArray): boolean {
    if (owners.get(storage.buffer) !== this) return false;
    const block = this.live.get(storage.byteOffset);
    if (!block || storage.byteLength > block[0]) return false;
    this.finalizer.unregister(storage);
    this.free(storage.byteOffset);
    return true;
  }

  /** The address of a storage that lives in this memory, or -1. */
  addressOf(storage: TypedArray): number {
    return owners.get(storage.buffer) === this ? storage.byteOffset : -1;
  }

  /** A float32 view of `size` values at `at` (a live block). */
  floats(at: number, size: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, size);
  }
}
