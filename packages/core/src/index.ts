/**
 * `@stride/core`: tensors with PyTorch semantics (dtypes, broadcasting, element-wise and reduction
 * ops, matmul, N-d convolution and pooling), reverse-mode autograd, `tidy`/`memory()`,
 * safetensors checkpoints, and the backend contract and registry. Every Stride program imports it;
 * it computes nothing by itself: register a backend (`@stride/backend-cpu`,
 * `@stride/backend-webgpu`) before making tensors.
 *
 * ```ts
 * import { cpu } from '@stride/backend-cpu';
 * import { conv2d, randn, registerBackend, type Tensor, valueAndGrad } from '@stride/core';
 *
 * registerBackend(cpu());
 * const x = randn([1, 1, 5, 5]);
 * const w = randn([2, 1, 3, 3], { requiresGrad: true });
 * const { value, grads } = valueAndGrad((w: Tensor) => conv2d(x, w, { padding: 1 }).sum())(w);
 * ```
 *
 * @packageDocumentation
 */
// The bare import keeps methods.ts (and its `declare module` typing of the Tensor methods)
// referenced from the emitted index.d.ts, where the named import alone is elided; the call
// installs them. That call is this module's side effect (package.json `sideEffects`).
import './methods.js';
import { installTensorMethods } from './methods.js';

installTensorMethods();

export {
  type ArgGrads,
  type BackwardFn,
  backward,
  type GradOfOptions,
  grad,
  gradOf,
  isGradEnabled,
  noGrad,
  type PickedGrads,
  retainGrad,
  type ValueAndGradOptions,
  type ValueAndGrads,
  valueAndGrad,
  withGrad,
} from './autograd.js';
export * from './backend.js';
export { type ConvGeometry, convGeometry } from './conv-geometry.js';
export * from './dtype.js';
export { fail, fmtShape, StrideError } from './errors.js';
export { type GradcheckOptions, type GradcheckResult, gradcheck } from './gradcheck.js';
export * from './io/safetensors.js';
export * from './ops/activation.js';
// The ops modules also export helpers the other ops share (lifting numbers, promotion, the
// creation and index checks); the package exports only what users and plugin authors call.
export {
  abs,
  add,
  cast,
  ceil,
  clamp,
  cos,
  div,
  eq,
  erf,
  exp,
  expm1,
  floor,
  ge,
  gt,
  isnan,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  remainder,
  round,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  square,
  sub,
  type TensorLike,
  tan,
  tanh,
  trunc,
  where,
} from './ops/arithmetic.js';
export * from './ops/conv.js';
export * from './ops/conv-transpose.js';
export {
  arange,
  type ConvertibleArray,
  type CreateOptions,
  eye,
  full,
  fullLike,
  linspace,
  type NestedNumbers,
  ones,
  onesLike,
  resolveDevice,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';
export { cumsum } from './ops/cumsum.js';
export * from './ops/dropout.js';
export * from './ops/group-norm.js';
export { gather, indexSelect, maskedFill, oneHot, scatterAdd } from './ops/indexing.js';
export * from './ops/instance-norm.js';
export { type InterpolateMode, type InterpolateOptions, interpolate } from './ops/interpolate.js';
export * from './ops/layer-norm.js';
export {
  chunk,
  concat,
  expand,
  flatten,
  flip,
  type IndexSpec,
  index,
  type PadMode,
  pad,
  permute,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from './ops/layout.js';
export * from './ops/loss.js';
export * from './ops/matmul.js';
export * from './ops/norm.js';
export * from './ops/optim.js';
export * from './ops/pool.js';
export * from './ops/random.js';
export * from './ops/reduce.js';
export { numel, sizeAt, viewAs } from './ops/sizes.js';
export { type SortOptions, type SortResult, sort, type TopkOptions, topk } from './ops/sort.js';
export {
  checkOptions,
  type NumberBounds,
  type OptionRule,
  type OptionSpec,
  type OptionValues,
  option,
} from './options.js';
export * from './random.js';
export {
  type BackendPlugin,
  getBackend,
  initBackend,
  listBackends,
  registerBackend,
  setBackend,
} from './registry.js';
export {
  broadcastShapes,
  broadcastStrides,
  type Coalesced,
  coalesce,
  sizeOf,
  stridesOf,
} from './shape.js';
export { isTensor, type NestedArray, Tensor } from './tensor.js';
export { keep, type MemoryInfo, memory, tidy } from './tidy.js';
export { type OpTracer, type TracedOp, traceOps } from './trace.js';
export { type TreeGrads, type TreeMapped, treeLeaves, treeMap } from './tree.js';
export {
  resetWarnings,
  type StrideWarning,
  setWarningHandler,
  type WarningHandler,
  warnOnce,
} from './warn.js';
