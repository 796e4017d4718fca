/**
 * Assembles the `Backend` from the kernel functions. Every kernel is wrapped once, here, so that
 * a call on a lost device (or after an asynchronous GPU error) throws a `StrideError` naming the
 * kernel before anything is recorded.
 */
import type { Backend } from '@stride/core';
import type { GpuContext } from './context.js';
import { diffCounters, type WebGpuCounters } from './counters.js';
import { binary, where } from './kernels/binary.js';
import { cast } from './kernels/cast.js';
import { checkIndices } from './kernels/check-indices.js';
import {
  conv,
  convBackwardFilter,
  convBackwardInput,
  convBias,
  convBiasRelu,
} from './kernels/conv.js';
import { crossEntropy, crossEntropyBackward } from './kernels/cross-entropy.js';
import { adamStep, reluBackward, sgdStep } from './kernels/fused.js';
import { gather, scatterAdd } from './kernels/gather.js';
import { concat, strided, stridedWrite } from './kernels/layout.js';
import { matmul } from './kernels/matmul.js';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from './kernels/pool.js';
import { random } from './kernels/random.js';
import { reduce } from './kernels/reduce.js';
import { softmax } from './kernels/softmax.js';
import { fill, free, read, upload } from './kernels/storage.js';
import { unary } from './kernels/unary.js';
import type { GpuStorage } from './storage.js';

/** The WebGPU backend: a `Backend` plus access to its GPU context (for tests and tools). */
export interface WebGpuBackend extends Backend<GpuStorage> {
  /** The device, pool, pipeline cache and dispatcher; see context.ts. */
  readonly context: GpuContext;
  /** Waits for all recorded GPU work and throws any error it reported. */
  sync(): Promise<void>;
  /**
   * What this backend has asked of the device since it started: dispatches, copies,
   * submissions, bytes uploaded (tensor data and uniforms apart), pipelines, bind groups and
   * buffers created. Given an earlier reading, the counts since then instead.
   *
   * @example
   * ```ts
   * const before = backend.counters();
   * trainStep();
   * const step = backend.counters(before); // { dispatches: 40, uniformBytes: 0, ... }
   * ```
   */
  counters(since?: WebGpuCounters): WebGpuCounters;
}

/**
 * Builds the WebGPU backend around an open device's context. `webgpu()` calls it; use it directly
 * to wrap a `GpuContext` made by hand. Every kernel first throws any pending GPU error or a lost
 * device, naming the kernel.
 */
export function createBackend(ctx: GpuContext): WebGpuBackend {
  /** Binds `ctx` and checks the device before each call of `kernel`. */
  const k =
    <A extends unknown[], R>(kernel: string, fn: (ctx: GpuContext, ...args: A) => R) =>
    (...args: A): R => {
      ctx.enter(kernel);
      return fn(ctx, ...args);
    };
  return {
    name: 'webgpu',
    contractVersion: 1,
    // WGSL has no 64-bit float: core rejects float64 tensors with a clear error.
    dtypes: ['float32', 'int32', 'bool'],
    maxStorageBytes: ctx.maxStorageBytes,
    context: ctx,
    sync: () => ctx.sync(),
    counters: (since) => (since ? diffCounters(ctx.counters(), since) : ctx.counters()),
    upload: k('upload', upload),
    read: async (storage, dtype, size) => k('read', read)(storage, dtype, size),
    // Disposing must never throw, even on a lost device (tensors are disposed in `finally`).
    free: (storage) => {
      if (!ctx.errors.lost) free(ctx, storage);
    },
    // Live storages only: buffers released to the pool for reuse are not counted.
    storageStats: () => ctx.storageStats(),
    destroy: () => ctx.destroy(),
    // Lets setBackend('webgpu') start a fresh device after a loss instead of returning this one.
    isLost: () => ctx.errors.lost !== null,
    fill: k('fill', fill),
    random: k('random', random),
    unary: k('unary', unary),
    binary: k('binary', binary),
    where: k('where', where),
    cast: k('cast', cast),
    strided: k('strided', strided),
    stridedWrite: k('stridedWrite', stridedWrite),
    concat: k('concat', concat),
    reduce: k('reduce', reduce),
    softmax: k('softmax', softmax),
    matmul: k('matmul', matmul),
    // Index values are checked on the GPU and reported at the next read (index-checks.ts).
    checkIndices: k('checkIndices', checkIndices),
    gather: k('gather', gather),
    scatterAdd: k('scatterAdd', scatterAdd),
    conv: k('conv', conv),
    convBackwardInput: k('convBackwardInput', convBackwardInput),
    convBackwardFilter: k('convBackwardFilter', convBackwardFilter),
    maxPool: k('maxPool', maxPool),
    maxPoolBackward: k('maxPoolBackward', maxPoolBackward),
    avgPool: k('avgPool', avgPool),
    avgPoolBackward: k('avgPoolBackward', avgPoolBackward),
    // Core's optional fused kernels: one launch each where core would compose several.
    reluBackward: k('reluBackward', reluBackward),
    convBias: k('convBias', convBias),
    convBiasRelu: k('convBiasRelu', convBiasRelu),
    adamStep: k('adamStep', adamStep),
    sgdStep: k('sgdStep', sgdStep),
    crossEntropy: k('crossEntropy', crossEntropy),
    crossEntropyBackward: k('crossEntropyBackward', crossEntropyBackward),
  };
}
