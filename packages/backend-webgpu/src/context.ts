/**
 * `GpuContext`: everything a kernel needs, in one object passed as the first argument of every
 * kernel function: storage allocation, `run` (a dispatch), copies, reads, and the bookkeeping of
 * errors. Kernel code should need nothing else from this package but the WGSL helpers.
 */
import type { DType, StorageStats } from '@stride/core';
import { StrideError } from '@stride/core';
import { BufferPool, type PoolStats, sizeClass } from './buffer-pool.js';
import type { WebGpuCounters } from './counters.js';
import { Dispatcher, type DispatchStats, errorKind, type KernelRun } from './dispatch.js';
import { GpuErrors } from './errors.js';
import { HostStorage, type HostValues } from './host-storage.js';
import { type CollectedChecks, IndexChecks } from './index-checks.js';
import { PipelineCache, type PipelineStats } from './pipeline-cache.js';
import {
  checkDType,
  GPU_ELEMENT_BYTES,
  type GpuStorage,
  MAP_MODE_READ,
  READBACK_USAGE,
  STORAGE_USAGE,
} from './storage.js';

/**
 * The most bytes a storage may hold whatever the GPU allows: shaders address elements with
 * 32-bit integers (signed ones in index.ts's offsets), so a storage holds at most 2^31 - 1.
 */
const MAX_ADDRESSABLE_BYTES = (2 ** 31 - 1) * GPU_ELEMENT_BYTES;

export interface ContextOptions {
  readonly debug: boolean;
  readonly batchSize: number;
  readonly maxPooledBytes: number;
  /** Host data of at most this many elements stays on the host (host-storage.ts). */
  readonly hostMaxElements: number;
}

/** Counters of a `GpuContext`, from `context.stats()`: for tests, benchmarks and leak hunting. */
export interface ContextStats {
  /** The buffer pool: live and pooled buffers, creations, reuses and evictions. */
  readonly pool: PoolStats;
  /** The pipeline cache: pipelines compiled, cache hits and misses. */
  readonly pipelines: PipelineStats;
  /** The dispatcher: dispatches recorded, submissions, and buffers recycled within a batch. */
  readonly dispatch: DispatchStats;
}

/**
 * What every WebGPU kernel receives first: the device, storage allocation, `run` (a dispatch),
 * copies, reads and error bookkeeping. One per backend; `backend.context` is it.
 */
export class GpuContext {
  /** The device every buffer, pipeline and dispatch belongs to. */
  readonly device: GPUDevice;
  /** Whether each kernel is submitted alone inside error scopes (`WebGpuOptions.debug`). */
  readonly debug: boolean;
  /** Host data of at most this many elements stays on the host (`WebGpuOptions.hostMaxElements`). */
  readonly hostMaxElements: number;
  /** Asynchronous GPU errors and device loss, thrown at the next kernel call or read. */
  readonly errors = new GpuErrors();
  /** The pool GPU buffers come from and go back to (see `PoolStats`). */
  readonly pool: BufferPool;
  /** Compute pipelines by WGSL source, each compiled once. */
  readonly pipelines: PipelineCache;
  /** Records dispatches and copies into a shared encoder and submits them in batches. */
  readonly dispatcher: Dispatcher;
  /** Index range checks run on the GPU and not yet reported (`checkIndices`). */
  readonly indexChecks: IndexChecks;
  /**
   * The largest storage a kernel can bind: the device's `maxBufferSize` or
   * `maxStorageBufferBindingSize`, whichever is smaller (at most `(2^31 - 1) * 4`, as far as
   * 32-bit element positions reach). The backend's `maxStorageBytes`.
   */
  readonly maxStorageBytes: number;
  /** The kernel being called now (set by the backend's wrappers), for asynchronous errors. */
  kernel = 'webgpu';
  /**
   * Storages made and not yet released, with their buffers' bytes: `storageStats`. Counted here,
   * where every storage is made and given back, rather than from the pool, whose live buffers
   * also include uniforms and read-back staging, and whose released ones wait to be reused.
   */
  private readonly storages = new WeakSet<GpuStorage>();
  private storageCount = 0;
  private storageBytes = 0;
  /** Bytes written from the host by `upload` (`counters().uploadBytes`). */
  private uploadedBytes = 0;
  /**
   * Commands and writes given to the device so far, and how many of them a read or `sync` has
   * since waited for: while the two differ, an error of that work may still be on its way, and a
   * read of data on the host must wait for it too (`readsOnHost`).
   */
  private issued = 0;
  private settled = 0;

  /**
   * The entry point and adapter the device came from. Held only so they live as long as the
   * device: Dawn's Node binding tears its instance down when they are garbage-collected, even
   * while a device is in use, and the process then crashes in a driver thread.
   */
  readonly gpu: GPU;
  /** The adapter the device was requested from (held for the same reason as `gpu`). */
  readonly adapter: GPUAdapter;

  constructor(gpu: GPU, adapter: GPUAdapter, device: GPUDevice, options: ContextOptions) {
    this.gpu = gpu;
    this.adapter = adapter;
    this.device = device;
    this.debug = options.debug;
    this.hostMaxElements = options.hostMaxElements;
    this.maxStorageBytes = Math.min(
      device.limits.maxBufferSize,
      device.limits.maxStorageBufferBindingSize,
      MAX_ADDRESSABLE_BYTES,
    );
    this.pool = new BufferPool((size, usage) => this.createBuffer(size, usage), {
      maxPooledBytes: options.maxPooledBytes,
      maxBufferSize: this.maxStorageBytes,
    });
    this.pipelines = new PipelineCache(device);
    this.dispatcher = new Dispatcher(device, this.pool, this.pipelines, this.errors, options);
    this.indexChecks = new IndexChecks(this.pool, this.dispatcher);
    device.lost.then((info) => this.errors.markLost(info.reason, info.message));
    // Errors outside any scope (every error when not in debug mode) name the last kernel called.
    device.addEventListener?.('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      this.recordError(
        new StrideError(
          this.kernel,
          `WebGPU ${errorKind(e)} (in or after this kernel): ${e.message}`,
        ),
        e,
      );
    });
  }

  /** Marks the start of a kernel call: throws a pending or device-lost error naming `kernel`. */
  enter(kernel: string): void {
    this.errors.check(kernel);
    this.kernel = kernel;
  }

  /**
   * New storage for `size` elements of `dtype`, to be written by recorded GPU commands (a kernel's
   * output); its contents are undefined until then. Use `upload` for data from the host.
   */
  alloc(dtype: DType, size: number): GpuStorage {
    checkDType(this.kernel, dtype);
    return this.allocBytes(size * GPU_ELEMENT_BYTES);
  }

  /** `alloc` by bytes. */
  allocBytes(byteSize: number): GpuStorage {
    this.checkSize(byteSize);
    const size = sizeClass(byteSize, this.maxStorageBytes);
    const recycled = this.dispatcher.takeRetired(size, STORAGE_USAGE);
    const buffer = recycled ?? this.pool.acquire(byteSize, STORAGE_USAGE);
    return this.counted({ buffer, byteSize });
  }

  private counted(storage: GpuStorage): GpuStorage {
    this.storages.add(storage);
    this.storageCount++;
    this.storageBytes += storage.buffer.size;
    return storage;
  }

  /** Storages made by `alloc`/`upload` and not yet released, and their buffers' bytes. */
  storageStats(): StorageStats {
    return { count: this.storageCount, bytes: this.storageBytes };
  }

  /**
   * New storage that keeps `values` (owned by it from now on) on the host and uploads them when a
   * GPU command first needs them (host-storage.ts): for small data from the host.
   */
  hold(values: HostValues): GpuStorage {
    this.checkSize(values.byteLength);
    // Counted by the size class its buffer will have, as `counted` counts the others by theirs.
    const storage = new HostStorage(
      values,
      this,
      sizeClass(values.byteLength, this.maxStorageBytes),
    );
    this.storageCount++;
    this.storageBytes += storage.countedBytes;
    return storage;
  }

  /** A new buffer holding a host storage's words (its `HostPlacer`). */
  place(words: Uint32Array): GPUBuffer {
    // From the pool only, as in `upload`.
    const buffer = this.pool.acquire(words.byteLength, STORAGE_USAGE);
    this.issued++;
    this.device.queue.writeBuffer(buffer, 0, words.buffer, words.byteOffset, words.byteLength);
    this.uploadedBytes += words.byteLength;
    return buffer;
  }

  /** New storage holding the bytes of `data` (4 bytes per element). */
  upload(data: ArrayBufferView): GpuStorage {
    this.checkSize(data.byteLength);
    // From the pool only: a buffer freed in the current batch may still be read by recorded
    // commands, and writeBuffer would overtake them (see dispatch.ts).
    const out = this.counted({
      buffer: this.pool.acquire(data.byteLength, STORAGE_USAGE),
      byteSize: data.byteLength,
    });
    if (data.byteLength > 0) {
      this.issued++;
      this.device.queue.writeBuffer(out.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      this.uploadedBytes += data.byteLength;
    }
    return out;
  }

  private checkSize(byteSize: number): void {
    // Core passes whole sizes; anything else would reach createBuffer as a raw TypeError.
    if (!Number.isSafeInteger(byteSize) || byteSize < 0) {
      throw new StrideError(
        this.kernel,
        `a storage of ${byteSize} bytes was asked for, which is not a size (a bug: please report it)`,
      );
    }
    if (byteSize > this.maxStorageBytes) {
      throw new StrideError(
        this.kernel,
        `a tensor of ${byteSize} bytes is larger than this GPU allows in one buffer ` +
          `(${this.maxStorageBytes} bytes)`,
      );
    }
  }

  /** Gives storage back (reused once no recorded command can see it). */
  release(storage: GpuStorage): void {
    if (storage instanceof HostStorage) {
      if (storage.live) {
        storage.live = false;
        this.storageCount--;
        this.storageBytes -= storage.countedBytes;
      }
      // One that no GPU command has needed has no buffer to give back.
      if (storage.placedBuffer) this.dispatcher.retire(storage.placedBuffer);
      return;
    }
    if (this.storages.delete(storage)) {
      this.storageCount--;
      this.storageBytes -= storage.buffer.size;
    }
    this.dispatcher.retire(storage.buffer);
  }

  /** Records a kernel launch; see `KernelRun` and the binding layout in dispatch.ts. */
  run(k: KernelRun): void {
    this.issued++;
    this.dispatcher.run(k);
  }

  /** Records a copy of `bytes` bytes between storages. */
  copy(src: GpuStorage, dst: GpuStorage, bytes: number, srcOffset = 0, dstOffset = 0): void {
    this.issued++;
    this.dispatcher.copy(src.buffer, srcOffset, dst.buffer, dstOffset, bytes);
  }

  /** Records zeroing the first `bytes` bytes of `dst`. */
  clear(dst: GpuStorage, bytes: number): void {
    this.issued++;
    this.dispatcher.clear(dst.buffer, bytes);
  }

  /** Submits the recorded commands. */
  flush(): void {
    this.dispatcher.flush();
  }

  /**
   * Copies the first `bytes` bytes of `src` to the host. Submits pending work; the only wait is
   * for the GPU to reach this read. Then throws, in this order, a GPU error or lost device, and
   * the failure of an index check recorded since the last read (`checkIndices`).
   */
  async readBytes(src: GpuStorage, bytes: number): Promise<ArrayBuffer> {
    const checks = this.indexChecks.collect();
    if (bytes === 0 && !checks) return new ArrayBuffer(0);
    const staging = bytes > 0 ? this.pool.acquire(bytes, READBACK_USAGE) : null;
    // The buffer first: placing a host storage's counts among the work this read waits for.
    const buffer = staging ? src.buffer : null;
    const issued = this.issued;
    try {
      if (staging && buffer) this.dispatcher.copy(buffer, 0, staging, 0, bytes);
      this.flush();
      let out = new ArrayBuffer(0);
      await this.mapped('read', [
        staging?.mapAsync(MAP_MODE_READ, 0, bytes).then(() => {
          out = staging.getMappedRange(0, bytes).slice(0);
          staging.unmap();
        }),
        checks?.map(),
      ]);
      await this.dispatcher.settled();
      this.errors.check('read');
      this.throwFailedCheck(checks);
      this.settled = Math.max(this.settled, issued);
      return out;
    } finally {
      if (staging) {
        if (staging.mapState === 'mapped') staging.unmap();
        this.dispatcher.retire(staging);
      }
      checks?.release();
    }
  }

  /**
   * Waits for every mapping to settle (so that no buffer goes back to the pool while still being
   * mapped), then throws a `StrideError` from `kernel` if one failed.
   */
  private async mapped(kernel: string, maps: readonly (Promise<void> | null | undefined)[]) {
    const results = await Promise.allSettled(maps);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return;
    if (this.errors.lost) throw this.errors.lostError(kernel);
    const why = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
    throw new StrideError(kernel, `reading back from the GPU failed: ${why}`);
  }

  /** Throws the error of the earliest failed index check among `checks`. */
  private throwFailedCheck(checks: CollectedChecks | null): void {
    const failure = checks?.failure();
    if (failure) throw failure;
  }

  /**
   * Waits until the GPU has finished everything recorded so far, then throws any error it
   * reported, and the failure of an index check recorded since the last read. For tests and
   * benchmarks; training code never needs it.
   */
  async sync(): Promise<void> {
    const issued = this.issued;
    const checks = this.indexChecks.collect();
    try {
      this.flush();
      await this.device.queue.onSubmittedWorkDone();
      await this.mapped(this.kernel, [checks?.map()]);
      await this.dispatcher.settled();
      this.errors.check(this.kernel);
      this.throwFailedCheck(checks);
      this.settled = Math.max(this.settled, issued);
    } finally {
      checks?.release();
    }
  }

  /**
   * Whether a read of data kept on the host (host-storage.ts) may skip the GPU: only when every
   * command and write given to the device has been waited for by a read or `sync` since, and no
   * index check waits for a read to report it. Otherwise the read takes the GPU's path, which
   * reports their errors as every read does.
   */
  readsOnHost(): boolean {
    return this.issued === this.settled && this.indexChecks.pendingCount === 0;
  }

  /** A snapshot of the pool's, the pipeline cache's and the dispatcher's counters. */
  stats(): ContextStats {
    return {
      pool: this.pool.stats(),
      pipelines: this.pipelines.stats(),
      dispatch: this.dispatcher.stats(),
    };
  }

  /** The cumulative counts of `backend.counters()` (see counters.ts). */
  counters(): WebGpuCounters {
    const d = this.dispatcher.stats();
    return {
      dispatches: d.dispatches,
      copies: d.copies,
      submits: d.submits,
      uploadBytes: this.uploadedBytes,
      uniformBytes: d.uniformBytes,
      pipelines: this.pipelines.stats().misses,
      bindGroups: d.bindGroups,
      buffers: this.pool.stats().created,
    };
  }

  /** Releases the device; every later call reports a lost device. */
  destroy(): void {
    this.errors.markLost('destroyed', 'the backend was destroyed');
    this.indexChecks.drop();
    this.dispatcher.forget();
    this.pool.clear();
    this.storageCount = 0;
    this.storageBytes = 0;
    this.device.destroy();
  }

  /**
   * Creates a buffer. In debug mode an error scope names the kernel that asked for it if the GPU
   * runs out of memory; otherwise that error arrives as an uncaptured one (see the constructor).
   * Outside debug mode no scope is left pending: Dawn's Node binding aborts the process when a
   * worker thread ends while an error-scope promise is unresolved.
   */
  private createBuffer(size: number, usage: number): GPUBuffer {
    if (!this.debug) return this.device.createBuffer({ size, usage });
    const kernel = this.kernel;
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ size, usage });
    this.dispatcher.watch(this.device.popErrorScope(), (e) =>
      this.recordError(
        new StrideError(kernel, `out of GPU memory allocating ${size} bytes: ${e.message}`),
        e,
      ),
    );
    return buffer;
  }

  /** Records an asynchronous GPU error; after running out of memory, frees what the pool holds. */
  private recordError(error: StrideError, cause: GPUError): void {
    if (errorKind(cause) === 'out-of-memory error') this.pool.trim(0);
    this.errors.record(error);
  }
}
