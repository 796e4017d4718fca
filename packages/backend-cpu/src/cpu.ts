import type { Backend, TypedArray } from '@stride/core';
import { conv, convBackwardFilter, convBackwardInput } from './conv.js';
import { binary, cast, unary, where } from './elementwise.js';
import type { Gemm } from './gemm.js';
import { gemm as defaultGemm } from './gemm.js';
import { concat, gather, scatterAdd, strided, stridedWrite } from './layout.js';
import { matmul } from './matmul.js';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from './pool.js';
import { random } from './random.js';
import { reduce, softmax } from './reduce.js';
import { fill, read, upload } from './storage.js';

export interface CpuOptions {
  /**
   * The matrix multiply that `matmul` and the three convolution kernels run on; a faster one
   * (e.g. WASM SIMD) can be dropped in here without touching anything else.
   */
  readonly gemm?: Gemm;
}

/**
 * The reference CPU backend: storage is the typed array itself. No member uses `this`, so a
 * single kernel can be replaced with `{ ...cpu(), matmul: fasterMatmul }`.
 */
export function cpu(options: CpuOptions = {}): Backend<TypedArray> {
  const gemm = options.gemm ?? defaultGemm;
  return {
    name: 'cpu',
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    upload,
    read: (storage, dtype, size) => Promise.resolve(read(storage, dtype, size)),
    readSync: read,
    // Typed arrays are garbage collected; there is nothing to release early.
    free: () => undefined,
    fill,
    random,
    unary,
    binary,
    where,
    cast,
    reduce,
    softmax,
    matmul: (a, b, transposeA, transposeB) => matmul(a, b, transposeA, transposeB, gemm),
    strided,
    stridedWrite,
    concat,
    gather,
    scatterAdd,
    conv: (x, w, params) => conv(x, w, params, gemm),
    convBackwardInput: (dy, w, xShape, params) => convBackwardInput(dy, w, xShape, params, gemm),
    convBackwardFilter: (x, dy, wShape, params) => convBackwardFilter(x, dy, wShape, params, gemm),
    maxPool,
    maxPoolBackward,
    avgPool,
    avgPoolBackward,
  };
}
