/**
 * The backend contract: every kernel a Stride backend must provide, with its shapes and semantics.
 *
 * This is the only file a backend author needs to read. Core computes every output shape and
 * dtype, checks every argument, and writes every gradient in terms of these kernels, so a backend
 * only moves numbers. Kernels never see bad input: when core calls a kernel the shapes, dtypes and
 * parameters are already valid and consistent (index values too, except as `checkIndices` says).
 *
 * Conventions for all kernels:
 * - Storage `S` is opaque to core. A kernel returns a new storage; it never changes its inputs.
 * - Tensors are dense and row-major (C order). `KernelTensor.shape` is the logical shape.
 * - A kernel's output has the dtype stated in its description; the output shape is either given
 *   as an argument or stated.
 * - Integer arithmetic wraps like int32 in C; `bool` values are 0 or 1.
 * - Kernels must accept tensors of size 0 and return storage of size 0 for them.
 * - Every storage a kernel returns is counted by `storageStats` until core `free`s it; a kernel
 *   keeps nothing else alive once it returns (scratch is released or reused, never left behind).
 */
import type { DType, TypedArray } from './dtype.js';

/**
 * The version of this contract. A backend states the version it implements as a number literal
 * in `contractVersion` (not by importing this constant, which would always agree with whatever
 * core is installed); `registerBackend` rejects any other version with a message naming both.
 * It goes up when a required kernel is added or a kernel's meaning changes, so that a backend
 * written for another contract is refused when it is registered instead of failing deep inside a
 * model. An optional kernel (one core composes from the others when a backend lacks it, such as
 * `sort`) is added without a new version: backends written before it still work.
 *
 * Version 1: the kernels below, `contractVersion` and `storageStats`.
 */
export const BACKEND_CONTRACT_VERSION = 1;

/** A tensor's shape: the size of each dimension, outermost first (`[]` for a scalar). */
export type Shape = readonly number[];

/** A tensor as a kernel sees it: storage, logical shape, dtype. Always contiguous. */
export interface KernelTensor<S = unknown> {
  /** The backend's storage handle holding the elements. */
  readonly storage: S;
  /** The logical shape; the storage holds exactly its product of elements, row-major. */
  readonly shape: Shape;
  /** The element type of the storage. */
  readonly dtype: DType;
}

/**
 * Element-wise functions of one argument. Output dtype equals input dtype except where noted.
 * - `neg abs sign square`: any numeric dtype (sign of 0 is 0).
 * - `exp log log1p expm1 sqrt rsqrt reciprocal sin cos tan tanh sigmoid erf floor ceil round
 *   trunc`: float dtypes only. `round` is round-half-to-even, like PyTorch.
 * - `relu`: any numeric dtype, max(x, 0).
 * - `not`: bool → bool, logical negation.
 * - `isnan`: float → bool.
 */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'square'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'expm1'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'tanh'
  | 'sigmoid'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'trunc'
  | 'relu'
  | 'not'
  | 'isnan';

/**
 * Element-wise functions of two arguments with NumPy broadcasting. Both inputs have the same
 * dtype (core promotes them first).
 * - `add sub mul div pow maximum minimum`: output has the input dtype. `div` on int32 is never
 *   called (core promotes true division to float); `pow` on int32 has non-negative exponents.
 *   `maximum`/`minimum` propagate NaN.
 * - `mod`: floored modulo with the sign of the divisor (Python/PyTorch `remainder`).
 * - `eq ne lt le gt ge`: output is bool.
 * - `and or xor`: bool inputs, bool output.
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'mod'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'and'
  | 'or'
  | 'xor';

/**
 * Reductions over a set of axes. The output shape is the input shape with each reduced axis set
 * to 1 (core removes them when `keepDims` is false).
 * - `sum prod`: output has the input dtype (core never calls them on bool).
 * - `max min`: output has the input dtype; NaN propagates.
 * - `argmax argmin`: exactly one axis; int32 output holding the index along that axis of the
 *   first occurrence of the extreme value (NaN counts as the extreme, as in PyTorch).
 */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/**
 * Parameters of an N-d convolution (cross-correlation), N = spatial rank 1, 2 or 3.
 * Input `[batch, inChannels, ...spatial]`, weight `[outChannels, inChannels / groups, ...kernel]`.
 * Output spatial size along axis i:
 *   floor((in[i] + padBefore[i] + padAfter[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1
 * Padding is zeros. Every array has length N.
 */
export interface ConvParams {
  /** Step between output positions along each spatial axis (at least 1). */
  readonly stride: readonly number[];
  /** Zeros added before the input along each spatial axis. */
  readonly padBefore: readonly number[];
  /**
   * Zeros added after the input along each spatial axis (may differ from `padBefore`, as for
   * 'same').
   */
  readonly padAfter: readonly number[];
  /** Spacing between kernel elements along each spatial axis (1 is a dense kernel). */
  readonly dilation: readonly number[];
  /**
   * The channels split into this many independent groups; both channel counts are divisible by it.
   */
  readonly groups: number;
}

/**
 * Parameters of N-d max and average pooling over `[batch, channels, ...spatial]`. Core computes
 * `outSize` (it depends on `ceilMode`) and guarantees every window starts inside the input or
 * the left padding, as PyTorch does.
 * - Max pooling ignores padded positions (pads with -infinity).
 * - Average pooling over the window [start, end) where start = o*stride - padding and
 *   end = min(start + kernel, in + padding): the divisor is (end - start) clipped to the padded
 *   input when `countIncludePad`, else the number of real (unpadded) positions in the window.
 *   `dilation` is always 1 for average pooling.
 */
export interface PoolParams {
  /** Window size along each spatial axis. */
  readonly kernel: readonly number[];
  /** Step between windows along each spatial axis. */
  readonly stride: readonly number[];
  /** Implicit padding on both sides of each spatial axis (at most half the kernel). */
  readonly padding: readonly number[];
  /** Spacing between window elements along each spatial axis (max pooling only; 1 for average). */
  readonly dilation: readonly number[];
  /** The output's spatial size, computed by core. */
  readonly outSize: readonly number[];
  /** Average pooling only: whether the divisor counts padded positions (see above). */
  readonly countIncludePad: boolean;
}

/** The distribution of `Backend.random`: uniform in [0, 1) or standard normal. */
export type RandomDistribution = 'uniform' | 'normal';

/** The numbers of one Adam step (see `Backend.adamStep`), as `torch.optim.Adam` derives them. */
export interface AdamStepParams {
  /** β₁, the decay rate of the first-moment average (`expAvg`). */
  readonly beta1: number;
  /** β₂, the decay rate of the second-moment average (`expAvgSq`). */
  readonly beta2: number;
  /** `lr / (1 − β₁ᵗ)`. */
  readonly stepSize: number;
  /** `√(1 − β₂ᵗ)`. */
  readonly biasCorrection2Sqrt: number;
  /** Added to the denominator for numerical stability. */
  readonly eps: number;
}

/**
 * What one cross-entropy of class indices needs besides its tensors (see
 * `Backend.crossEntropy`), as `torch.nn.functional.cross_entropy` takes them.
 */
export interface CrossEntropyParams {
  /** Rows whose target equals this count for nothing, not even in the 'mean' divisor. */
  readonly ignoreIndex: number;
  /** Label smoothing ε in [0, 1]: the target is (1 − ε)·one-hot + ε / classes. */
  readonly smoothing: number;
  /** 'none': one loss per row; 'sum' and 'mean': one scalar. */
  readonly reduction: 'none' | 'sum' | 'mean';
}

/**
 * The storages a backend holds, as `storageStats` reports them. This is what lets a test prove
 * that nothing leaks inside a kernel: after every tensor of a computation is disposed, `count`
 * and `bytes` are back where they started, and across the steps of a training loop they stay
 * flat.
 */
export interface StorageStats {
  /** Storages made (by `upload`, `fill` or any kernel) and not yet given back through `free`. */
  readonly count: number;
  /**
   * Their size in bytes as the backend holds them: a CPU typed array's `byteLength`, a GPU
   * buffer's size (which may be rounded up to a size class, and is 4 bytes per element for bool).
   */
  readonly bytes: number;
}

/**
 * The storage limit core assumes for a backend that does not state `maxStorageBytes`: 2 GiB,
 * what every JavaScript engine lets one typed array hold.
 */
export const DEFAULT_MAX_STORAGE_BYTES = 2 ** 31;

/**
 * A Stride backend. `S` is the backend's storage handle (a typed array, a GPU buffer, ...).
 * Every member without a `?` is required; the type checker rejects a plugin that misses one, and
 * `registerBackend` checks the same at run time (for plugins written in plain JavaScript).
 *
 * To replace a few kernels of an existing backend, spread it and override them:
 * `{ ...cpu(), name: 'mine', matmul: myMatmul }`. A backend's members must therefore work when
 * copied off the object: close over state instead of using `this` (the CPU and WebGPU backends
 * do).
 */
export interface Backend<S = unknown> {
  /** Unique name used by `setBackend(name)` and in error messages, e.g. `'cpu'`, `'webgpu'`. */
  readonly name: string;
  /**
   * The contract version this backend implements: the number literal of
   * `BACKEND_CONTRACT_VERSION` it was written against, e.g. `contractVersion: 1`.
   */
  readonly contractVersion: number;
  /** The dtypes this backend stores. Core throws a clear error for any other dtype. */
  readonly dtypes: readonly DType[];
  /**
   * The largest storage, in bytes, this backend can allocate (a GPU's `maxBufferSize`, the
   * most a typed array may hold). Core refuses any op whose output would be larger before it
   * calls a kernel, with the shapes in the message. Absent: `DEFAULT_MAX_STORAGE_BYTES`.
   */
  readonly maxStorageBytes?: number;

  // ---- storage ------------------------------------------------------------------------------
  /** Copies host values into new storage. `values.length` is the element count. */
  upload(values: TypedArray, dtype: DType): S;
  /** Reads the whole storage back into a new typed array of `dtype` with `size` elements. */
  read(storage: S, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, only where the device allows it (the CPU does, a GPU does not). */
  readSync?(storage: S, dtype: DType, size: number): TypedArray;
  /**
   * The range check of index values for a device that cannot read synchronously, as CUDA's
   * device-side asserts: core calls it before `gather`, `scatterAdd`, `oneHot` and the class
   * losses use the values of an int32 `index` as positions (on a backend with `readSync`, core
   * reads the values and checks them itself instead). `low` and `high` are integers.
   *
   * The call records, on the device and without waiting for it, whether any value of `index`
   * lies outside [low, high), and returns. The backend reports the result at its next
   * synchronisation point: every `read` (of any storage, of any size) and any other wait it
   * offers. There, if a check recorded since the previous such point found a value out of
   * range, it throws `report(value)` instead of returning, where `value` is the first value out
   * of range in row-major order, of the earliest such check. Every check recorded before that
   * point is then settled, failed or not: the next read reports only checks recorded after it,
   * and the backend stays usable.
   *
   * A backend must have `readSync` or `checkIndices` (`registerBackend` refuses one with
   * neither): without either, index values would go unchecked and kernels could return wrong
   * values for an index out of range. Kernels may still clamp indices, for memory safety.
   */
  checkIndices?(
    index: KernelTensor<S>,
    low: number,
    high: number,
    report: (value: number) => Error,
  ): void;
  /** Releases storage. Core calls it exactly once, when the last tensor using it is gone. */
  free(storage: S): void;
  /**
   * The storages this backend holds now: every storage its kernels returned and core has not
   * freed yet, plus any a kernel made and left behind (a leak). Storage kept for reuse after
   * `free` (a pool of recycled arrays or GPU buffers) and per-call scratch that the backend
   * releases or reuses by itself are not counted: they are not lost. Cheap to call: the test kit
   * calls it around every kernel call, so that a kernel that leaves a storage behind is named.
   */
  storageStats(): StorageStats;
  /** Called when the backend is no longer wanted (optional): release devices, workers. */
  destroy?(): void;
  /**
   * Where the device can be lost (a GPU reset, a driver update): true once it is. The registry
   * then initialises the plugin again on the next `setBackend`, instead of handing back a dead
   * backend.
   */
  isLost?(): boolean;

  // ---- creation -----------------------------------------------------------------------------
  /** `size` elements all equal to `value` (cast to `dtype`). */
  fill(size: number, dtype: DType, value: number): S;
  /**
   * `size` random float elements from the counter-based generator in `random.ts`: element i is
   * `uniformAt(seed, offset + i)` for `'uniform'` (in [0, 1)) and `normalAt(seed, offset + i)`
   * for `'normal'`. Using that definition makes the same seed give the same numbers everywhere.
   */
  random(size: number, dtype: DType, dist: RandomDistribution, seed: number, offset: number): S;

  // ---- element-wise -------------------------------------------------------------------------
  /**
   * Applies an element-wise function of one argument (see `UnaryOp` for dtypes and the output's).
   */
  unary(op: UnaryOp, x: KernelTensor<S>): S;
  /** Broadcasts `a` and `b` (NumPy rules; core passes the broadcast `outShape`). */
  binary(op: BinaryOp, a: KernelTensor<S>, b: KernelTensor<S>, outShape: Shape): S;
  /** `cond ? a : b` element-wise with broadcasting; `cond` is bool, `a` and `b` share a dtype. */
  where(cond: KernelTensor<S>, a: KernelTensor<S>, b: KernelTensor<S>, outShape: Shape): S;
  /** Converts to `dtype`: float → int truncates toward zero; anything → bool is `x != 0`. */
  cast(x: KernelTensor<S>, dtype: DType): S;

  // ---- reductions ---------------------------------------------------------------------------
  /** See `ReduceOp`. `axes` are distinct, sorted, non-negative. */
  reduce(op: ReduceOp, x: KernelTensor<S>, axes: readonly number[]): S;
  /** Softmax (or log-softmax when `log`) along `axis`, computed stably (max subtracted). */
  softmax(x: KernelTensor<S>, axis: number, log: boolean): S;

  // ---- linear algebra -----------------------------------------------------------------------
  /**
   * Batched matrix product. `a` is `[Ba, M, K]` (`[Ba, K, M]` when `transposeA`), `b` is
   * `[Bb, K, N]` (`[Bb, N, K]` when `transposeB`); Ba and Bb are each either B or 1 (a batch of
   * 1 is broadcast). Output `[B, M, N]` in the input dtype (float32, float64 or int32).
   */
  matmul(a: KernelTensor<S>, b: KernelTensor<S>, transposeA: boolean, transposeB: boolean): S;

  // ---- layout -------------------------------------------------------------------------------
  /**
   * The general strided view copy, which covers transpose, permute, expand (stride 0), slice
   * with steps and flip (negative stride):
   *   out[i0, ..., ik] = x.flat[offset + i0 * strides[0] + ... + ik * strides[k]]
   * for every index of `outShape`. Core guarantees every address is inside `x`.
   */
  strided(x: KernelTensor<S>, outShape: Shape, strides: readonly number[], offset: number): S;
  /**
   * The adjoint of `strided` for non-overlapping views: a copy of `base` where, for every index
   * of `src.shape`, base.flat[offset + Σ i_j * strides[j]] = src[i]. Addresses never repeat.
   */
  stridedWrite(
    base: KernelTensor<S>,
    src: KernelTensor<S>,
    strides: readonly number[],
    offset: number,
  ): S;
  /** Concatenates tensors of one dtype along `axis`; all other dimensions are equal. */
  concat(xs: readonly KernelTensor<S>[], axis: number): S;
  /**
   * `torch.gather`: `index` (int32) has the rank of `x`; out[i][j][k] = x[i][index[i][j][k]][k]
   * for `axis` = 1, and so on. Output has the shape of `index`. Indices are in range, except on
   * a backend with `checkIndices`, where core has only recorded their check when it calls this:
   * there the kernel must stay inside its buffers whatever the values (clamping them, say).
   */
  gather(x: KernelTensor<S>, axis: number, index: KernelTensor<S>): S;
  /**
   * `torch.scatter_add`: a copy of `base` to which, for every position p of `index`,
   * `src[p]` is added at the position of p with its `axis` coordinate replaced by `index[p]`.
   * `src` has the shape of `index`. Indices are in range, as for `gather` (which see).
   */
  scatterAdd(base: KernelTensor<S>, axis: number, index: KernelTensor<S>, src: KernelTensor<S>): S;

  // ---- convolution --------------------------------------------------------------------------
  /** Convolution forward (no bias): `x` `[N, C, ...in]`, `w` `[O, C/g, ...k]` → `[N, O, ...out]`. */
  conv(x: KernelTensor<S>, w: KernelTensor<S>, params: ConvParams): S;
  /** Gradient of `conv` with respect to its input, given the output gradient `dy`. */
  convBackwardInput(dy: KernelTensor<S>, w: KernelTensor<S>, xShape: Shape, params: ConvParams): S;
  /** Gradient of `conv` with respect to its weight, given the input `x` and `dy`. */
  convBackwardFilter(x: KernelTensor<S>, dy: KernelTensor<S>, wShape: Shape, params: ConvParams): S;

  // ---- pooling ------------------------------------------------------------------------------
  /**
   * Max pooling. Returns the maxima and, as int32, the flat index of each maximum within its
   * (batch, channel) input plane or volume (PyTorch's `return_indices`). Ties pick the first.
   */
  maxPool(
    x: KernelTensor<S>,
    params: PoolParams,
  ): {
    /** The maxima, `[batch, channels, ...outSize]` in the input dtype. */
    values: S;
    /** int32, the shape of `values`: each maximum's flat index within its input plane. */
    indices: S;
  };
  /** Routes `dy` back to the positions in `indices`, accumulating; output has `xShape`. */
  maxPoolBackward(
    dy: KernelTensor<S>,
    indices: KernelTensor<S>,
    xShape: Shape,
    params: PoolParams,
  ): S;
  /** Average pooling (see `PoolParams` for the divisor); output `[batch, channels, ...outSize]`. */
  avgPool(x: KernelTensor<S>, params: PoolParams): S;
  /**
   * Gradient of `avgPool` with respect to its input: spreads each `dy` element evenly over its
   * window, accumulating; output has `xShape`.
   */
  avgPoolBackward(dy: KernelTensor<S>, xShape: Shape, params: PoolParams): S;

  // ---- optional fused kernels ---------------------------------------------------------------
  // Core calls these when a backend has them and otherwise composes the very same results from
  // the kernels above, so a backend may leave any of them out. Each saves passes over memory
  // (and temporaries) on a hot path of training, or, for `sort`, the many steps of the sorting
  // network that core composes instead.

  /**
   * The gradient of relu in one pass: `dy` where `x > 0`, else 0 (also where `x` is NaN), i.e.
   * `where(x > 0, dy, 0)`. `dy` and `x` share a shape and a float dtype.
   */
  reluBackward?(dy: KernelTensor<S>, x: KernelTensor<S>): S;
  /**
   * `conv` plus a bias per output channel in the same pass: `bias` is [outChannels] of the
   * input's dtype, and each output element is the rounded convolution result plus its
   * channel's bias, rounded once more, exactly as `conv` followed by a broadcasting `add`.
   */
  convBias?(x: KernelTensor<S>, w: KernelTensor<S>, bias: KernelTensor<S>, params: ConvParams): S;
  /**
   * `conv`, its bias (when `bias` is not null) and relu in the same pass, for a convolution
   * called with `activation: 'relu'`: each output element is the rounded convolution result,
   * plus its channel's bias rounded once more, then `relu` of that (`max(v, 0)`, NaN kept and
   * −0 made +0), exactly as `conv`, a broadcasting `add` and the `relu` unary would give it.
   */
  convBiasRelu?(
    x: KernelTensor<S>,
    w: KernelTensor<S>,
    bias: KernelTensor<S> | null,
    params: ConvParams,
  ): S;
  /**
   * The maxima of `maxPool` alone, for a call that keeps no indices (no gradient recorded and
   * none returned): the same values, bit for bit, without writing the int32 index of each.
   */
  maxPoolValues?(x: KernelTensor<S>, params: PoolParams): S;
  /**
   * One step of plain gradient descent in one pass: `param + direction·(−lr)`, element-wise, the
   * product rounded to the dtype before the sum, as `add(param, mul(direction, -lr))` rounds it
   * (−lr itself rounded to the dtype first). The two inputs share a shape and a float dtype.
   */
  sgdStep?(param: KernelTensor<S>, direction: KernelTensor<S>, lr: number): S;
  /**
   * One Adam step of one parameter in one pass. The four inputs share a shape and a float
   * dtype; element-wise, with every scalar and every intermediate rounded to the dtype, exactly
   * as the separate `binary`/`unary` kernels would round them:
   *   expAvg' = expAvg·β₁ + grad·(1 − β₁)
   *   expAvgSq' = expAvgSq·β₂ + (grad·(1 − β₂))·grad
   *   param' = base + (expAvg'·(−stepSize)) / (√expAvgSq' / biasCorrection2Sqrt + eps)
   */
  adamStep?(
    base: KernelTensor<S>,
    grad: KernelTensor<S>,
    expAvg: KernelTensor<S>,
    expAvgSq: KernelTensor<S>,
    params: AdamStepParams,
  ): {
    /** param'. */
    param: S;
    /** expAvg'. */
    expAvg: S;
    /** expAvgSq'. */
    expAvgSq: S;
  };
  /**
   * Cross-entropy of logits `x` [N, C] (float) against class indices `target` [N] (int32) in one
   * pass. For row i with t = target[i] and logp = log-softmax of the row (its maximum taken out
   * first), the row's loss is 0 when t equals `ignoreIndex` and otherwise
   *   −(1 − ε)·logp[t] − (ε / C)·Σ_c logp[c].
   * The output is [N] of those losses for 'none'; for 'sum' their sum, for 'mean' their sum
   * divided by the number of rows not ignored (NaN when there are none), both shape [].
   * Targets that are not ignored lie in [0, C) (core checks). Within float rounding of that
   * formula, not bit for bit: sums may run in any order.
   */
  crossEntropy?(x: KernelTensor<S>, target: KernelTensor<S>, params: CrossEntropyParams): S;
  /**
   * The gradient of `crossEntropy` with respect to `x`, [N, C]: for a row not ignored,
   *   g·(softmax(x)[c] − (1 − ε)·[c = t] − ε / C),
   * where g is dy[i] for 'none', dy for 'sum', and dy divided by the number of rows not ignored
   * for 'mean'; 0 for an ignored row. `dy` has the shape `crossEntropy` returned.
   */
  crossEntropyBackward?(
    dy: KernelTensor<S>,
    x: KernelTensor<S>,
    target: KernelTensor<S>,
    params: CrossEntropyParams,
  ): S;
  /**
   * A stable sort of every row of the last axis of `x` (rank ≥ 1; float32, float64 or int32,
   * never bool): ascending, or descending when `descending` is set. Equal values keep their
   * order (also when descending), NaN counts as larger than every number, +Infinity included,
   * and NaNs keep their order among themselves. `values` has `x`'s shape and dtype, `indices`
   * (int32, same shape) the position along the last axis each value came from.
   */
  sort?(
    x: KernelTensor<S>,
    descending: boolean,
  ): {
    /** The sorted values. */
    values: S;
    /** int32: where each sorted value was in its row. */
    indices: S;
  };
}

/**
 * The names of the members every backend must have as functions; `registerBackend` names any
 * that is missing. (The compile-time check below fails when the `Backend` interface gains a
 * required method that this list lacks.)
 */
export const REQUIRED_KERNELS = [
  'upload',
  'read',
  'free',
  'storageStats',
  'fill',
  'random',
  'unary',
  'binary',
  'where',
  'cast',
  'reduce',
  'softmax',
  'matmul',
  'strided',
  'stridedWrite',
  'concat',
  'gather',
  'scatterAdd',
  'conv',
  'convBackwardInput',
  'convBackwardFilter',
  'maxPool',
  'maxPoolBackward',
  'avgPool',
  'avgPoolBackward',
] as const satisfies readonly RequiredMethod[];

/**
 * The optional methods: `readSync` where the device can read synchronously, `checkIndices` where
 * it cannot (one of the two is needed), and the fused kernels, which core composes from the
 * required ones when a backend lacks them.
 */
export const OPTIONAL_KERNELS = [
  'readSync',
  'checkIndices',
  'reluBackward',
  'convBias',
  'convBiasRelu',
  'maxPoolValues',
  'adamStep',
  'sgdStep',
  'crossEntropy',
  'crossEntropyBackward',
  'sort',
] as const satisfies readonly (keyof Backend)[];

/** The required members of `Backend` whose values are functions. */
type RequiredMethod = {
  [K in keyof Backend]-?: object extends Pick<Backend, K>
    ? never
    : Backend[K] extends (...args: never[]) => unknown
      ? K
      : never;
}[keyof Backend];

/**
 * The required methods `REQUIRED_KERNELS` does not list: `never` while the list is complete
 * (test/contract.typecheck.ts fails the type check otherwise).
 */
export type UnlistedRequiredKernel = Exclude<RequiredMethod, (typeof REQUIRED_KERNELS)[number]>;
