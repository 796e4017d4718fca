import type { Backend, ConvParams, KernelTensor, PoolParams, TypedArray } from '@stride/core';
import { checkOptions, option } from '@stride/core';
import { addChannelBias, conv, convBackwardFilter, convBackwardInput } from './conv.js';
import { crossEntropy, crossEntropyBackward } from './cross-entropy.js';
import {
  adamStep,
  binary,
  cast,
  reluBackward,
  reluInPlace,
  sgdStep,
  unary,
  where,
} from './elementwise.js';
import { type CpuFallback, Fallbacks } from './fallbacks.js';
import type { Gemm } from './gemm.js';
import { gemm as defaultGemm } from './gemm.js';
import { concat, gather, scatterAdd, strided, stridedWrite } from './layout.js';
import { matmul } from './matmul.js';
import {
  avgPool,
  avgPoolBackward,
  maxPool,
  maxPoolBackward,
  windowsDisjoint,
  windowsInside2d,
} from './pool.js';
import { random } from './random.js';
import { reduce, softmax } from './reduce.js';
import { sort } from './sort.js';
import { fill, read, recycle, upload, useStorageHeap } from './storage.js';
import { countStorages } from './storage-stats.js';
import * as wasmConv from './wasm/conv.js';
import { matmul as wasmMatmul } from './wasm/matmul.js';
import * as wasmPointwise from './wasm/pointwise.js';
import * as wasmPool from './wasm/pool.js';
import { WasmRuntime } from './wasm/runtime.js';

/** Options of `cpu()`: which kernels run matmul and convolution, and on how many threads. */
export interface CpuOptions {
  /**
   * Which kernels run matmul and convolution: `'wasm'` (WebAssembly SIMD, multithreaded),
   * `'js'` (the TypeScript kernels), or `'auto'` (the default): WebAssembly where the runtime
   * supports SIMD and may compile it, TypeScript otherwise, with a warning that says why.
   * `'wasm'` throws a `StrideError` with that reason instead.
   */
  readonly kernels?: 'auto' | 'wasm' | 'js';
  /**
   * Threads for the WebAssembly kernels, the calling thread included. Default: the number of
   * cores, at most 8. Extra threads are Node worker threads, or Web Workers in a
   * cross-origin-isolated page; elsewhere everything runs on the calling thread, with a warning.
   * Where SharedArrayBuffer exists (Node, a cross-origin-isolated page), tensors live in the
   * kernels' memory, one thread included; elsewhere each call copies its operands in and its
   * result out, which makes LeNet-5 inference about 2.6× slower.
   */
  readonly threads?: number;
  /**
   * Use relaxed SIMD's fused multiply-add where the runtime supports it. Default true; `false`
   * also silences the warning Node 20 gives without `--experimental-wasm-relaxed-simd`.
   */
  readonly relaxedSimd?: boolean;
  /**
   * The WebAssembly GEMM's register tile, rows × columns of output it holds per step: `'6x8'`,
   * `'4x8'`, or `'auto'` (the default), which times both for about 10 ms when the first backend
   * of the process starts and keeps the faster. 6×8 reaches the machine's FMA ceiling where the engine keeps its
   * twelve accumulators in registers (Node 24) and runs at under half of it where the engine
   * does not (Node 20 and 22), where 4×8 is faster. Results are the same bit for bit on either;
   * fix the tile to skip the timing, or to compare the two.
   */
  readonly tile?: 'auto' | '4x8' | '6x8';
  /**
   * The matrix multiply under the TypeScript kernels (matmul and the three convolution
   * kernels); giving one selects the TypeScript kernels.
   */
  readonly gemm?: Gemm;
}

/** The CPU backend, with what it actually runs on, and why that is less than asked for. */
export interface CpuBackend extends Backend<TypedArray> {
  /** The kernels that run: `'wasm-relaxed-simd'`, `'wasm-simd'` or `'js'`. */
  readonly kernels: 'wasm-relaxed-simd' | 'wasm-simd' | 'js';
  /** The WebAssembly GEMM's register tile (see `CpuOptions.tile`); null on the `'js'` kernels. */
  readonly tile: '4x8' | '6x8' | null;
  /**
   * Threads the WebAssembly kernels use, the calling thread included: 1 for `'js'`, without
   * shared memory or workers, after `destroy()`, and after a worker failed during a kernel. A
   * worker that fails to start stops counting when its error arrives (asynchronously in a
   * browser, so just after `cpu()` it may still be counted).
   */
  readonly threads: number;
  /**
   * Why the backend runs slower than its options asked for, one entry per cause, in the order
   * they happened (empty when nothing was given up; what was asked for explicitly, like
   * `kernels: 'js'`, is no fallback). Each cause is also warned about once per process through
   * core's `warnOnce`, key `cpu:<cause>`, except plain SIMD in a browser (see `CpuFallback`).
   */
  readonly fallbacks: readonly CpuFallback[];
  /**
   * Bytes of WebAssembly memory the kernels hold: their storages and scratch (0 for `'js'`).
   * It grows to the peak of what a program keeps alive and never shrinks; freed blocks are reused.
   */
  readonly kernelMemoryBytes: number;
  /** Ends the worker threads; the kernels go on on the calling thread. */
  destroy(): void;
}

/** The rules of `CpuOptions`. */
const CPU_OPTIONS = {
  kernels: option.oneOf('auto', 'wasm', 'js'),
  threads: option.integer({ min: 1 }),
  relaxedSimd: option.boolean,
  tile: option.oneOf('auto', '4x8', '6x8'),
  gemm: option.function,
} as const;

/**
 * The largest storage the CPU backend allocates (`maxStorageBytes`): 4 GiB, as much as one typed
 * array holds in a 64-bit JavaScript engine (V8, in Node and Chromium, holds 2^32 elements of any
 * type). A storage need not fit the WebAssembly kernels' memory (2 GiB): one that does not is a
 * plain typed array, and its ops run on the TypeScript kernels, which address every element of
 * the 2^31 - 1 that core allows a tensor.
 */
const MAX_STORAGE_BYTES = 2 ** 32;

/** Whether `axes` are every axis of a tensor of rank `rank` (3 or more) but axis 1. */
function allButChannels(axes: readonly number[], rank: number): boolean {
  if (rank < 3 || axes.length !== rank - 1) return false;
  return axes.every((a, i) => a === (i === 0 ? 0 : i + 1));
}

/**
 * The CPU backend: storage is a typed array. Float32 matmul, convolutions, relu, 2×2 max
 * pooling, the Adam step and convolution bias gradients run on WebAssembly SIMD kernels over
 * worker threads (each member below tries them first and falls back); everything else, float64
 * and int32 included, runs on the TypeScript kernels. No member uses `this`, so a single kernel
 * can be replaced with `{ ...cpu(), matmul: fasterMatmul }`.
 */
export function cpu(options: CpuOptions = {}): CpuBackend {
  const o = checkOptions('cpu', options, CPU_OPTIONS);
  const gemm = (o.gemm as Gemm | undefined) ?? defaultGemm;
  const choice = o.gemm ? 'js' : (o.kernels ?? 'auto');
  const threads = o.threads ?? WasmRuntime.defaultThreads();
  // Under kernels: 'wasm', a missing WebAssembly path throws from here, naming the cause.
  const fallbacks = new Fallbacks({ threads, strict: choice === 'wasm' });
  const runtime =
    choice === 'js'
      ? null
      : WasmRuntime.create(
          { threads, relaxedSimd: o.relaxedSimd ?? true, tile: o.tile ?? 'auto' },
          fallbacks,
        );
  /** Convolution plus a bias per output channel on the TypeScript kernels. */
  const convWithBias = (
    x: KernelTensor<TypedArray>,
    w: KernelTensor<TypedArray>,
    bias: KernelTensor<TypedArray>,
    params: ConvParams,
  ): TypedArray => {
    const out = conv(x, w, params, gemm);
    const planes = (x.shape[0] as number) * (w.shape[0] as number);
    return planes === 0 ? out : addChannelBias(out, bias.storage, out.length / planes);
  };
  /** Float32 2×2 max pooling with every window inside on the WebAssembly kernels, or null. */
  const pool2x2 = (x: KernelTensor<TypedArray>, p: PoolParams, withIndices: boolean) =>
    (runtime &&
      x.dtype === 'float32' &&
      p.kernel[0] === 2 &&
      p.kernel[1] === 2 &&
      windowsInside2d(x.shape, p) &&
      wasmPool.maxPool2x2(runtime, x, p, withIndices)) ||
    null;
  // New float32 and int32 storages then live in the kernels' memory, read in place.
  if (runtime?.heap.sharesStorages) useStorageHeap(runtime.heap);
  // storageStats counts the storages the kernels return until they are freed (storage-stats.ts).
  return countStorages<CpuBackend>({
    name: 'cpu',
    contractVersion: 1,
    kernels: runtime ? (runtime.relaxedSimd ? 'wasm-relaxed-simd' : 'wasm-simd') : 'js',
    tile: runtime ? runtime.tile : null,
    get threads() {
      return runtime ? runtime.threads : 1;
    },
    get fallbacks() {
      return [...fallbacks.list];
    },
    get kernelMemoryBytes() {
      return runtime ? runtime.memoryBytes : 0;
    },
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    maxStorageBytes: MAX_STORAGE_BYTES,
    upload,
    read: (storage, dtype, size) => Promise.resolve(read(storage, dtype, size)),
    readSync: read,
    // Freed storages go back to a pool that the kernels allocate from (storage.ts).
    free: recycle,
    destroy: () => runtime?.destroy(),
    fill,
    random,
    unary: (op, x) =>
      (op === 'relu' &&
        runtime &&
        x.dtype === 'float32' &&
        wasmPointwise.map(runtime, 'relu', x)) ||
      unary(op, x),
    binary: (op, a, b, outShape) =>
      (runtime &&
        a.dtype === 'float32' &&
        b.dtype === 'float32' &&
        wasmPointwise.binary(runtime, op, a, b, outShape)) ||
      binary(op, a, b, outShape),
    where,
    cast,
    reduce: (op, x, axes) =>
      (op === 'sum' &&
        runtime &&
        x.dtype === 'float32' &&
        allButChannels(axes, x.shape.length) &&
        wasmPointwise.channelSum(runtime, x)) ||
      reduce(op, x, axes),
    softmax,
    matmul: (a, b, transposeA, transposeB) =>
      (runtime && a.dtype === 'float32' && wasmMatmul(runtime, a, b, transposeA, transposeB)) ||
      matmul(a, b, transposeA, transposeB, gemm),
    strided,
    stridedWrite,
    concat,
    gather,
    scatterAdd,
    conv: (x, w, params) =>
      (runtime && x.dtype === 'float32' && wasmConv.conv(runtime, x, w, params)) ||
      conv(x, w, params, gemm),
    convBias: (x, w, bias, params) =>
      (runtime && x.dtype === 'float32' && wasmConv.conv(runtime, x, w, params, bias)) ||
      convWithBias(x, w, bias, params),
    convBiasRelu: (x, w, bias, params) =>
      (runtime && x.dtype === 'float32' && wasmConv.conv(runtime, x, w, params, bias, true)) ||
      reluInPlace(bias ? convWithBias(x, w, bias, params) : conv(x, w, params, gemm)),
    convBackwardInput: (dy, w, xShape, params) =>
      (runtime &&
        dy.dtype === 'float32' &&
        wasmConv.convBackwardInput(runtime, dy, w, xShape, params)) ||
      convBackwardInput(dy, w, xShape, params, gemm),
    convBackwardFilter: (x, dy, wShape, params) =>
      (runtime &&
        x.dtype === 'float32' &&
        wasmConv.convBackwardFilter(runtime, x, dy, wShape, params)) ||
      convBackwardFilter(x, dy, wShape, params, gemm),
    maxPool: (x, p) => pool2x2(x, p, true) || maxPool(x, p),
    maxPoolValues: (x, p) => {
      const fast = pool2x2(x, p, false);
      if (fast) return fast.values;
      const { values, indices } = maxPool(x, p);
      recycle(indices);
      return values;
    },
    maxPoolBackward: (dy, indices, xShape, p) =>
      (runtime &&
        dy.dtype === 'float32' &&
        xShape.length === 4 &&
        windowsDisjoint(p) &&
        wasmPool.maxPoolBackward(runtime, dy, indices, xShape, p)) ||
      maxPoolBackward(dy, indices, xShape, p),
    avgPool,
    avgPoolBackward,
    reluBackward: (dy, x) =>
      (runtime && dy.dtype === 'float32' && wasmPointwise.map(runtime, 'reluBackward', x, dy)) ||
      reluBackward(dy, x),
    adamStep: (base, grad, expAvg, expAvgSq, h) =>
      (runtime &&
        base.dtype === 'float32' &&
        wasmPointwise.adamStep(runtime, base, grad, expAvg, expAvgSq, h)) ||
      adamStep(base, grad, expAvg, expAvgSq, h),
    sgdStep,
    crossEntropy,
    crossEntropyBackward,
    sort,
  });
}
