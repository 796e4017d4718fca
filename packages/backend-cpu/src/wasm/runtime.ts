import { fail } from '@stride/core';
import { describeError, type Fallbacks } from '../fallbacks.js';
import { allocate } from '../storage.js';
import { Heap } from './heap.js';
import {
  CONTROL,
  EPOCH,
  FAILED,
  FINISHED,
  HEAP_START,
  JOB,
  JOB_ARGS,
  LOCAL_CONTROL,
  NEXT_HIGH,
  NEXT_LOW,
  SLEEPING,
} from './layout.js';
import { compileKernels } from './module.js';
import {
  availableCores,
  canBlock,
  startWorkers,
  stopWorkers,
  type WorkerHandle,
} from './threads.js';
import { fasterTile, type Tile, type TileExports, useTile } from './tile.js';

interface KernelExports extends TileExports {
  work(control: number, tid: number): void;
  sumSlices(partials: number, slices: number, size: number, out: number): void;
  gemmWorkBytes(): number;
  packedWeightFloats(m: number, k: number): number;
  packWeights(dst: number, a: number, m: number, k: number, transposed: boolean): void;
}

/**
 * How long the calling thread spins for the workers' last units before it sleeps. On LeNet-5
 * inference at batch 256 (2 threads, Node 24) the caller slept and was woken once per job, about
 * 0.8 ms of its 4–5 ms.
 */
const CALLER_SPIN_MS = 0.3;
const PAGE = 65536;
const MAX_PAGES = 32768;

export interface RuntimeOptions {
  /** Threads in all, the caller's included; 1 runs everything on the calling thread. */
  readonly threads: number;
  /** Use the relaxed-SIMD build (fused multiply-add) where the runtime validates it. */
  readonly relaxedSimd: boolean;
  /** The GEMM's register tile, or 'auto' to time both and keep the faster (tile.ts). */
  readonly tile: Tile | 'auto';
}

/**
 * The WebAssembly kernels and the memory they work in. A kernel call finds its operands in the
 * memory (storages live there when it is shared; others are copied into scratch), publishes a
 * job (arguments as i32 words), runs its share of the job's units on the calling thread while
 * the workers run theirs, waits for the last unit, and returns a storage of the memory (or a
 * copy, with a private memory). Scratch and storages are blocks of one heap (heap.ts) that are
 * reused by size, so steady-state training allocates nothing new here.
 */
export class WasmRuntime {
  readonly relaxedSimd: boolean;
  readonly gemmWorkBytes: number;
  /** The GEMM's register tile. */
  readonly tile: Tile;
  private readonly memory: WebAssembly.Memory;
  private readonly exports: KernelExports;
  private words: Int32Array;
  private localWords: Int32Array;
  private readonly workers: WorkerHandle[];
  private readonly fallbacks: Fallbacks;
  private readonly blocking: boolean;
  /** Blocks of the memory: tensor storages, and each call's scratch (freed by the next call). */
  readonly heap: Heap;
  private readonly scratch: number[] = [];
  /** The storages this call returns, by address. */
  private readonly outputs = new Map<number, Float32Array | Int32Array>();
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);

  private constructor(
    module: WebAssembly.Module,
    shared: boolean,
    relaxed: boolean,
    threads: number,
    tile: Tile | 'auto',
    fallbacks: Fallbacks,
  ) {
    this.fallbacks = fallbacks;
    this.memory = new WebAssembly.Memory({
      initial: 1,
      maximum: MAX_PAGES,
      shared,
    } as WebAssembly.MemoryDescriptor);
    this.exports = new WebAssembly.Instance(module, { env: { memory: this.memory } })
      .exports as unknown as KernelExports;
    this.relaxedSimd = relaxed;
    this.gemmWorkBytes = this.exports.gemmWorkBytes();
    this.words = new Int32Array(this.memory.buffer, CONTROL, 8);
    this.localWords = new Int32Array(this.memory.buffer, LOCAL_CONTROL, 8);
    this.blocking = shared && canBlock();
    this.heap = new Heap(this.memory, HEAP_START, MAX_PAGES * PAGE, shared);
    this.refreshViews();
    // The tiles are timed before any worker starts: a worker starting up (a new engine instance
    // compiling its code) took the processor from the timing, and on Node 24 one choice in three
    // went to the slower tile.
    this.tile =
      tile === 'auto' ? this.timeTiles(`${relaxed ? 'relaxed' : 'simd'}-${shared}`) : tile;
    useTile(this.exports, this.tile);
    this.workers = [];
    if (shared && threads > 1) {
      const started = startWorkers(module, this.memory, threads - 1, (worker, error) =>
        this.workerFailed(worker, error),
      );
      if (started) this.workers.push(...started);
      else fallbacks.add('no-workers');
    }
  }

  /** The faster GEMM tile on this engine (tile.ts), timed on zeroed scratch. */
  private timeTiles(build: string): Tile {
    const bytes = this.exports.tileProbeBytes();
    const scratch = this.heap.alloc(bytes);
    this.refreshViews();
    this.zero(scratch, bytes / 4);
    const tile = fasterTile(this.exports, scratch, build);
    this.heap.free(scratch);
    return tile;
  }

  /**
   * The runtime, or null where WebAssembly SIMD is unavailable or refused; what it gives up of
   * `options`, now or later (a worker that fails), goes to `fallbacks`.
   */
  static create(options: RuntimeOptions, fallbacks: Fallbacks): WasmRuntime | null {
    const threads = Math.max(1, Math.floor(options.threads));
    const compiled = compileKernels({ relaxedSimd: options.relaxedSimd, threads }, fallbacks);
    if (!compiled) return null;
    return new WasmRuntime(
      compiled.module,
      compiled.shared,
      compiled.relaxedSimd,
      threads,
      options.tile,
      fallbacks,
    );
  }

  /**
   * A worker that failed to start: it is ended and no longer counted in `threads`. It never
   * claimed a unit (its loop never ran), so no job waits for it.
   */
  private workerFailed(worker: WorkerHandle | null, error: unknown): void {
    if (worker) {
      const at = this.workers.indexOf(worker);
      // Already ended by destroy(): nothing is lost any more.
      if (at < 0) return;
      this.workers.splice(at, 1);
      worker.terminate();
    }
    this.fallbacks.add('worker-failed', describeError(error));
  }

  /** The size of the kernels' memory in bytes. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Threads that run a job's units, the calling thread included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  static defaultThreads(): number {
    return Math.min(availableCores(), 8);
  }

  destroy(): void {
    stopWorkers(this.words, this.workers);
    this.workers.length = 0;
  }

  private refreshViews(): void {
    if (
      this.f32.buffer !== this.memory.buffer ||
      this.f32.length * 4 !== this.memory.buffer.byteLength
    ) {
      // Growing a private memory detaches its old buffer; a shared one keeps it, at its old size.
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
      this.words = new Int32Array(this.memory.buffer, CONTROL, 8);
      this.localWords = new Int32Array(this.memory.buffer, LOCAL_CONTROL, 8);
    }
  }

  /** Starts a kernel call: the previous call's scratch is free again. */
  begin(): void {
    this.drop();
    for (const at of this.scratch) this.heap.free(at);
    this.scratch.length = 0;
  }

  /**
   * Reserves `bytes` of scratch for this call and returns the address, growing the memory when
   * needed; -1 when the call would not fit in the 2 GiB the kernels can address, and the caller
   * uses its TypeScript kernel instead.
   */
  alloc(bytes: number): number {
    const at = this.heap.alloc(bytes);
    if (at >= 0) this.scratch.push(at);
    this.refreshViews();
    return at;
  }

  /**
   * The address of `values` for the kernels: where they are, for a storage that lives in this
   * memory, else a scratch copy (-1 when out of memory).
   */
  put(values: Float32Array | Int32Array): number {
    const own = this.heap.addressOf(values);
    if (own >= 0) return own;
    const at = this.alloc(values.length * 4);
    if (at >= 0) {
      if (values instanceof Float32Array) this.f32.set(values, at >> 2);
      else this.i32.set(values, at >> 2);
    }
    return at;
  }

  /**
   * The address where a kernel writes a float32 result of `size` values: a storage of its own in
   * a shared memory (returned as it is by `take`), else scratch that `take` copies out.
   */
  output(size: number, dtype: 'float32' | 'int32' = 'float32'): number {
    const storage = this.heap.storage(dtype, size) as Float32Array | Int32Array | null;
    if (!storage) return this.alloc(size * 4);
    this.refreshViews();
    this.outputs.set(storage.byteOffset, storage);
    return storage.byteOffset;
  }

  /** The result at `at` (from `output`): the storage itself, or a copy of the scratch. */
  take(at: number, size: number): Float32Array {
    return this.takeAs(at, size, 'float32') as Float32Array;
  }

  takeAs(at: number, size: number, dtype: 'float32' | 'int32'): Float32Array | Int32Array {
    const own = this.outputs.get(at);
    if (own) {
      this.outputs.delete(at);
      return own;
    }
    const out = allocate(dtype, size) as Float32Array | Int32Array;
    const view = dtype === 'float32' ? this.f32 : this.i32;
    out.set(view.subarray(at >> 2, (at >> 2) + size));
    return out;
  }

  /** Whether `storage` lives in this memory (and costs no copy to hand to a kernel). */
  owns(storage: Float32Array | Int32Array): boolean {
    return this.heap.addressOf(storage) >= 0;
  }

  /** Results the last call did not return (it fell back to TypeScript): their storage is freed. */
  private drop(): void {
    for (const storage of this.outputs.values()) this.heap.release(storage);
    this.outputs.clear();
  }

  setWords(at: number, values: readonly number[]): void {
    this.i32.set(values, at >> 2);
  }

  sumSlices(partials: number, slices: number, size: number, out: number): void {
    this.exports.sumSlices(partials, slices, size, out);
  }

  /**
   * Packs `groups` [m, k] weight matrices at `a` for the GEMM's tile, once for every unit of a
   * job, and returns where they are (each group packedWeightFloats(m, k) floats), or -1 when the
   * memory cannot hold them. Each group is row-major [m, k], or with `transposed` the transpose
   * of a row-major [k, m] (a convolution's input gradient multiplies by Wᵀ).
   */
  packWeights(a: number, groups: number, m: number, k: number, transposed = false): number {
    const floats = this.exports.packedWeightFloats(m, k);
    const dst = this.alloc(groups * floats * 4);
    if (a < 0 || dst < 0) return -1;
    for (let g = 0; g < groups; g++) {
      this.exports.packWeights(dst + g * floats * 4, a + g * m * k * 4, m, k, transposed);
    }
    return dst;
  }

  /** Zeroes `count` floats at `at`. */
  zero(at: number, count: number): void {
    this.f32.fill(0, at >> 2, (at >> 2) + count);
  }

  /** The i32 word at `at`. */
  word(at: number): number {
    return this.i32[at >> 2] as number;
  }

  /**
   * Runs a job whose arguments (kind and unit count first) are given as i32 words, on every
   * thread, and returns when its last unit is done.
   */
  run(args: readonly number[]): void {
    const units = args[1] as number;
    if (units <= 0) return;
    // A job of one unit goes through a control block no worker watches: a spinning worker would
    // otherwise take the unit as readily as this thread, which would then only wait for it.
    const local = units === 1;
    const w = local ? this.localWords : this.words;
    // Re-tag the unit counter first: a worker still holding the previous epoch can then claim
    // nothing, even while the arguments are being rewritten.
    const epoch = (Atomics.load(w, EPOCH) + 1) | 0;
    Atomics.store(w, NEXT_HIGH, epoch);
    Atomics.store(w, NEXT_LOW, 0);
    this.setWords(JOB_ARGS, args);
    Atomics.store(w, JOB, JOB_ARGS);
    Atomics.store(w, FINISHED, 0);
    Atomics.store(w, EPOCH, epoch);
    if (units > 1 && Atomics.load(w, SLEEPING) > 0) Atomics.notify(w, EPOCH);
    try {
      this.exports.work(local ? LOCAL_CONTROL : CONTROL, 0);
    } catch (e) {
      // A trap here (a bug, never bad input: core checks that) leaves the job half done; the
      // workers end so that none of them writes into the arena later, and the backend goes on
      // with one thread.
      this.destroy();
      throw e;
    }
    // The other threads' last units usually end within microseconds of this thread's, while a
    // wake-up from Atomics.wait costs tens of them: spin a while before sleeping.
    let done = Atomics.load(w, FINISHED);
    const until = performance.now() + CALLER_SPIN_MS;
    for (let i = 1; done < units; i++) {
      if (this.blocking && (i & 255) === 0 && performance.now() > until) {
        Atomics.wait(w, FINISHED, done);
      }
      done = Atomics.load(w, FINISHED);
    }
    if (Atomics.load(w, FAILED) !== 0) {
      Atomics.store(w, FAILED, 0);
      this.destroy();
      // The StrideError below says it; `fallbacks` keeps saying it after.
      this.fallbacks.record('worker-failed');
      fail('cpu', 'a WebAssembly worker thread failed; the backend goes on with one thread');
    }
  }
}
