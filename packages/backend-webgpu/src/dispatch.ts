/**
 * The one way kernels reach the GPU: `Dispatcher.run` records a compute dispatch into a shared
 * command encoder, and the encoder is submitted in batches (when data is read, or every
 * `batchSize` dispatches), because a queue submission costs far more than recording a dispatch.
 *
 * Binding layout, the same for every kernel (group 0):
 * - binding 0: the kernel's uniform words (`var<uniform>`, see `uniforms()` in wgsl.ts);
 * - bindings 1..I: the inputs, in order, `var<storage, read>`;
 * - bindings I+1..I+O: the outputs, in order, `var<storage, read_write>`.
 *
 * Uniform words are 32 bits each, packed in order: an integer number is stored as `x >>> 0`
 * (read it as `word(k)` for u32 or `iword(k)` for i32); a float must be wrapped, `f32(x)`, and
 * is read with `fword(k)`. Plain non-integers are rejected so a float is never silently
 * truncated.
 *
 * Buffer lifetime: `queue.writeBuffer` (uploads, uniforms) runs on the queue before any command
 * buffer submitted after it, so a buffer released while recorded commands still use it must not
 * be rewritten that way before those commands are submitted. Released buffers therefore wait in
 * `retired` until the next submission, then go back to the pool; meanwhile they can only serve as
 * outputs of later recorded commands (`takeRetired`), which run in order.
 */

import { StrideError } from '@stride/core';
import { BindingCache } from './binding-cache.js';
import type { BufferPool } from './buffer-pool.js';
import type { GpuErrors } from './errors.js';
import type { PipelineCache } from './pipeline-cache.js';
import { WORKGROUP_SIZE } from './wgsl.js';

/** A uniform word that holds a float32 (see `f32`). */
export class F32Word {
  /** The number, rounded to float32 when it is written. */
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Marks a uniform word as a float32. */
export function f32(value: number): F32Word {
  return new F32Word(value);
}

/** One 32-bit uniform word: an integer (stored as `x >>> 0`) or a float wrapped by `f32`. */
export type Word = number | F32Word;

/** One kernel launch. Give either `threads` or `workgroups`. */
export interface KernelRun {
  /** The kernel's name, used in every error message. */
  readonly name: string;
  /** WGSL source: the pipeline cache key. Shapes belong in `uniforms`, not here. */
  readonly code: string;
  /** Storages the kernel reads, bound in order at bindings 1..I as `var<storage, read>`. */
  readonly inputs: readonly {
    /** The buffer bound, whole (a `GpuStorage` fits). */
    readonly buffer: GPUBuffer;
  }[];
  /** Storages the kernel writes, bound in order after the inputs as `var<storage, read_write>`. */
  readonly outputs: readonly {
    /** The buffer bound, whole (a `GpuStorage` fits). */
    readonly buffer: GPUBuffer;
  }[];
  /** The kernel's uniform words, in order, at binding 0 (default none). */
  readonly uniforms?: readonly Word[];
  /**
   * Invocations of a one-dimensional kernel written with `main()` from wgsl.ts: the grid is
   * ceil(threads / workgroupSize) workgroups, laid out in 2-D when there are more than 65535.
   */
  readonly threads?: number;
  /** With `threads`: the kernel's `@workgroup_size` (default `WORKGROUP_SIZE`). */
  readonly workgroupSize?: number;
  /** An explicit grid, for kernels that map invocations themselves (tiled matmul, ...). */
  readonly workgroups?: readonly [number, number?, number?];
  /**
   * Whether the uniform buffer may be cached for later launches with the same words (default
   * true). Launches whose words differ every time (a fresh slot, a counter) pass false, so that
   * they do not fill the cache.
   */
  readonly cacheUniforms?: boolean;
  /** The compute entry point in `code`. Default `'main'`. */
  readonly entryPoint?: string;
}

/** Counters of the dispatcher since the backend started (`ContextStats.dispatch`). */
export interface DispatchStats {
  /** Dispatches recorded since the backend started. */
  readonly dispatches: number;
  /** Queue submissions made since the backend started. */
  readonly submits: number;
  /** Dispatches recorded but not yet submitted. */
  readonly pending: number;
  /** Outputs that reused a buffer freed earlier in the same batch (see `takeRetired`). */
  readonly recycled: number;
  /** Copies and clears recorded since the backend started. */
  readonly copies: number;
  /** Bytes of uniform words written since the backend started (each distinct content once). */
  readonly uniformBytes: number;
  /** Bind groups created since the backend started (each distinct set of buffers once). */
  readonly bindGroups: number;
}

export interface DispatchOptions {
  /** Dispatches recorded before the encoder is submitted without waiting for a read. */
  readonly batchSize: number;
  /** Submit each dispatch alone inside error scopes, so errors name their kernel. */
  readonly debug: boolean;
}

const F32_SCRATCH = new Float32Array(1);
const U32_SCRATCH = new Uint32Array(F32_SCRATCH.buffer);

/**
 * Packs uniform words into the bytes of a uniform buffer (at least 16, a multiple of 16). A
 * plain non-integer throws a `StrideError` from `kernel`: core hands kernels whole sizes and
 * positions, so one would be a bug, not bad input.
 */
export function packWords(words: readonly Word[], kernel = 'webgpu'): Uint32Array {
  const out = new Uint32Array(Math.max(4, Math.ceil(words.length / 4) * 4));
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    if (w instanceof F32Word) {
      // Through a shared scratch pair rather than a float view of `out`: asking a small typed
      // array for its `.buffer` moves it off V8's heap, which made every launch a costly
      // allocation for the garbage collector.
      F32_SCRATCH[0] = w.value;
      out[k] = U32_SCRATCH[0] as number;
    } else if (Number.isInteger(w)) {
      out[k] = w >>> 0;
    } else {
      throw new StrideError(
        kernel,
        `uniform word ${k} is ${w}, not an integer (a bug: please report it; floats go through f32())`,
      );
    }
  }
  return out;
}

/**
 * A grid of `count` workgroups within `maxPerDim` per dimension: 1-D when it fits, else 2-D with
 * as little overshoot as possible (the shader linearises it, see `main()` in wgsl.ts).
 */
export function gridFor(count: number, maxPerDim: number): [number, number, number] {
  if (count <= maxPerDim) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y, 1];
}

export class Dispatcher {
  private readonly device: GPUDevice;
  private readonly pool: BufferPool;
  private readonly pipelines: PipelineCache;
  private readonly errors: GpuErrors;
  private readonly options: DispatchOptions;
  private readonly maxPerDim: number;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Released buffers still referenced by recorded commands, by `usage:size` (see `retire`). */
  private retired = new Set<GPUBuffer>();
  private readonly retiredBySize = new Map<string, GPUBuffer[]>();
  private recycled = 0;
  private pending = 0;
  private dispatches = 0;
  private submits = 0;
  private copies = 0;
  /** Uniform buffers and bind groups of earlier launches, reused (see binding-cache.ts). */
  private readonly bindings: BindingCache;
  /** Error-scope results not yet known (debug mode). */
  private readonly scopes = new Set<Promise<void>>();

  constructor(
    device: GPUDevice,
    pool: BufferPool,
    pipelines: PipelineCache,
    errors: GpuErrors,
    options: DispatchOptions,
  ) {
    this.device = device;
    this.pool = pool;
    this.pipelines = pipelines;
    this.errors = errors;
    this.options = options;
    this.maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
    this.bindings = new BindingCache(device, pool, (b) => this.retire(b));
  }

  /** Records one kernel launch (see `KernelRun`). A launch of zero threads does nothing. */
  run(k: KernelRun): void {
    const grid = this.grid(k);
    if (grid[0] === 0 || grid[1] === 0 || grid[2] === 0) return;
    // Before anything is pushed or recorded, so that a throw leaves no error scope open.
    const data = packWords(k.uniforms ?? [], k.name);
    const debug = this.options.debug;
    if (debug) {
      // Everything this launch creates or records lands in its own scopes and submission.
      this.flush();
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
    }
    const { pipeline, layout } = this.pipelines.get(
      k.code,
      k.inputs.length,
      k.outputs.length,
      k.entryPoint,
    );
    const cached = k.cacheUniforms !== false;
    const uniform = cached ? this.bindings.uniform(data) : this.bindings.oneOff(data);
    const buffers = [uniform];
    for (const s of k.inputs) buffers.push(s.buffer);
    for (const s of k.outputs) buffers.push(s.buffer);
    const bindGroup = this.bindings.bindGroup(layout, buffers);
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    if (!cached) this.retire(uniform);
    this.dispatches++;
    this.pending++;
    if (debug) {
      this.flush();
      const name = k.name;
      const record = (e: GPUError) =>
        this.errors.record(new StrideError(name, `WebGPU ${errorKind(e)}: ${e.message}`));
      this.watch(this.device.popErrorScope(), record);
      this.watch(this.device.popErrorScope(), record);
    } else if (this.pending >= this.options.batchSize) {
      this.flush();
    }
  }

  /** Records a buffer-to-buffer copy (ends the open compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.copies++;
  }

  /** Records zeroing `bytes` bytes of `buffer` from offset 0. */
  clear(buffer: GPUBuffer, bytes: number): void {
    if (bytes === 0) return;
    this.endPass();
    this.commandEncoder().clearBuffer(buffer, 0, bytes);
    this.copies++;
  }

  /**
   * Gives a buffer back to the pool once recorded commands can no longer see it: now if nothing
   * is recorded, else after the next submission.
   */
  retire(buffer: GPUBuffer): void {
    if (!this.encoder) {
      this.pool.release(buffer);
      return;
    }
    this.retired.add(buffer);
    const k = `${buffer.usage}:${buffer.size}`;
    const stack = this.retiredBySize.get(k);
    if (stack) stack.push(buffer);
    else this.retiredBySize.set(k, [buffer]);
  }

  /**
   * A retired buffer of exactly `size` bytes and `usage`, for output that only recorded GPU
   * commands will write: those run after every command already recorded, so the buffer can be
   * reused before the submission (unlike for `queue.writeBuffer`). Keeps a batch of many
   * dispatches from holding every intermediate it frees.
   */
  takeRetired(size: number, usage: number): GPUBuffer | undefined {
    const buffer = this.retiredBySize.get(`${usage}:${size}`)?.pop();
    if (buffer) {
      this.retired.delete(buffer);
      this.recycled++;
    }
    return buffer;
  }

  /** Submits everything recorded so far. */
  flush(): void {
    const encoder = this.encoder;
    if (!encoder) return;
    this.endPass();
    this.encoder = null;
    this.device.queue.submit([encoder.finish()]);
    this.submits++;
    this.pending = 0;
    const retired = this.retired;
    this.retired = new Set();
    this.retiredBySize.clear();
    for (const b of retired) this.pool.release(b);
  }

  /** Drops the cached uniform buffers and bind groups (the device is being destroyed). */
  forget(): void {
    this.bindings.clear();
  }

  /** Resolves once every error scope watched so far has reported. */
  async settled(): Promise<void> {
    while (this.scopes.size > 0) await Promise.all([...this.scopes]);
  }

  stats(): DispatchStats {
    return {
      dispatches: this.dispatches,
      submits: this.submits,
      pending: this.pending,
      recycled: this.recycled,
      copies: this.copies,
      uniformBytes: this.bindings.uniformBytes,
      bindGroups: this.bindings.bindGroups,
    };
  }

  private grid(k: KernelRun): [number, number, number] {
    if (k.workgroups) return [k.workgroups[0], k.workgroups[1] ?? 1, k.workgroups[2] ?? 1];
    if (k.threads === undefined) throw new Error(`${k.name}: give threads or workgroups`);
    const count = Math.ceil(k.threads / (k.workgroupSize ?? WORKGROUP_SIZE));
    return gridFor(count, this.maxPerDim);
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /**
   * Waits for an error scope's result (debug mode), calling `onError` if it holds an error.
   * `settled()` waits for every watched scope.
   */
  watch(result: Promise<GPUError | null>, onError: (e: GPUError) => void): void {
    const done = result.then(
      (e) => {
        if (e) onError(e);
      },
      () => undefined, // popErrorScope only rejects when the device is lost; that is reported apart.
    );
    const tracked = done.finally(() => this.scopes.delete(tracked));
    this.scopes.add(tracked);
  }
}

/** `validation error`, `out-of-memory error`, ... from a GPUError. */
export function errorKind(e: GPUError): string {
  const name = e.constructor?.name ?? '';
  if (name.includes('OutOfMemory')) return 'out-of-memory error';
  if (name.includes('Validation')) return 'validation error';
  if (name.includes('Internal')) return 'internal error';
  return 'error';
}
