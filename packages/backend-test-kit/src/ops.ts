/**
 * How each fixture `op` is called through the public Stride API: the one place that maps a
 * fixture case (`inputs` by name, `args` by name) to a call and names its outputs as the fixture
 * does. Fixture argument names are Stride's option names (camelCase), so most options are passed
 * through unchanged.
 */

import type { Tensor } from '@stride/core';
import * as S from '@stride/core';

/** The tensors of a case by their fixture name (`x`, `w`, `b`, `input`, `target`, ...). */
export type OpInputs = Readonly<Record<string, Tensor>>;
/** The outputs by their fixture name; `y` is the one gradients flow back from. */
export type OpOutputs = Record<string, Tensor>;
export type OpArgs = Readonly<Record<string, unknown>>;
/**
 * Calls one op through the public Stride API with a case's tensors and arguments, and returns its
 * outputs by fixture name.
 */
export type OpFn = (inputs: OpInputs, args: OpArgs) => OpOutputs;

/**
 * Declares the argument type an op expects. Fixture args are plain JSON, so the cast here is the
 * one unchecked step: the op itself validates every argument at run time.
 */
function op<A>(fn: (t: OpInputs, args: A) => OpOutputs): OpFn {
  return fn as unknown as OpFn;
}

type Dims = { dim?: number | number[]; keepDims: boolean };

/** Calls a pooling function asking for indices too, so both fixture outputs can be compared. */
function maxPool(f: typeof S.maxPool2d): OpFn {
  return op<S.MaxPoolOptions>(({ x }, a) => {
    const { values, indices } = f(x, { ...a, returnIndices: true });
    return { y: values, indices };
  });
}

/** Calls adaptive max pooling asking for indices too, so both fixture outputs can be compared. */
function adaptiveMaxPool(f: typeof S.adaptiveMaxPool2d): OpFn {
  return op<{ outputSize: S.AdaptiveSize }>(({ x }, a) => {
    const { values, indices } = f(x, a.outputSize, { returnIndices: true });
    return { y: values, indices };
  });
}

/** How each fixture and gradcheck `op` is called through the public Stride API, by op name. */
export const OPS: Readonly<Record<string, OpFn>> = {
  // ---- activations ----
  relu: op(({ x }) => ({ y: S.relu(x) })),
  leakyRelu: op<{ negativeSlope: number }>(({ x }, a) => ({ y: S.leakyRelu(x, a.negativeSlope) })),
  elu: op<{ alpha: number }>(({ x }, a) => ({ y: S.elu(x, a.alpha) })),
  gelu: op<{ approximate: 'none' | 'tanh' }>(({ x }, a) => ({ y: S.gelu(x, a) })),
  sigmoid: op(({ x }) => ({ y: S.sigmoid(x) })),
  tanh: op(({ x }) => ({ y: S.tanh(x) })),
  softmax: op<{ dim: number }>(({ x }, a) => ({ y: S.softmax(x, a.dim) })),
  logSoftmax: op<{ dim: number }>(({ x }, a) => ({ y: S.logSoftmax(x, a.dim) })),

  // ---- reductions ----
  sum: op<Dims>(({ x }, a) => ({ y: S.sum(x, a.dim, a.keepDims) })),
  mean: op<Dims>(({ x }, a) => ({ y: S.mean(x, a.dim, a.keepDims) })),
  max: op<Dims>(({ x }, a) => ({ y: S.max(x, a.dim, a.keepDims) })),
  min: op<Dims>(({ x }, a) => ({ y: S.min(x, a.dim, a.keepDims) })),
  logsumexp: op<Dims>(({ x }, a) => ({ y: S.logsumexp(x, a.dim, a.keepDims) })),
  var: op<Dims & { correction: number }>(({ x }, a) => ({
    y: S.variance(x, a.dim, { correction: a.correction, keepDims: a.keepDims }),
  })),
  std: op<Dims & { correction: number }>(({ x }, a) => ({
    y: S.std(x, a.dim, { correction: a.correction, keepDims: a.keepDims }),
  })),
  argmax: op<{ dim?: number; keepDims: boolean }>(({ x }, a) => ({
    y: S.argmax(x, a.dim, a.keepDims),
  })),

  // ---- linear algebra and layout ----
  matmul: op(({ a, b }) => ({ y: S.matmul(a, b) })),
  pad: op<{ pad: number[]; mode: S.PadMode; value?: number }>(({ x }, a) => ({
    y: S.pad(x, a.pad, a.mode, a.value),
  })),

  // ---- indexing, running sums, sorting ----
  indexSelect: op<{ dim: number }>(({ x, index }, a) => ({ y: S.indexSelect(x, a.dim, index) })),
  // The fill value is a number argument, or a 0-d tensor input when it is differentiated.
  maskedFill: op<{ value?: number }>(({ x, mask, value }, a) => ({
    y: S.maskedFill(x, mask, value ?? (a.value as number)),
  })),
  cumsum: op<{ dim: number }>(({ x }, a) => ({ y: S.cumsum(x, a.dim) })),
  sort: op<S.SortOptions>(({ x }, a) => {
    const { values, indices } = S.sort(x, a);
    return { y: values, indices };
  }),
  topk: op<S.TopkOptions & { k: number }>(({ x }, { k, ...a }) => {
    const { values, indices } = S.topk(x, k, a);
    return { y: values, indices };
  }),

  // ---- convolution ----
  conv1d: op<S.ConvOptions>(({ x, w, b }, a) => ({ y: S.conv1d(x, w, { ...a, bias: b }) })),
  conv2d: op<S.ConvOptions>(({ x, w, b }, a) => ({ y: S.conv2d(x, w, { ...a, bias: b }) })),
  conv3d: op<S.ConvOptions>(({ x, w, b }, a) => ({ y: S.conv3d(x, w, { ...a, bias: b }) })),
  convTranspose1d: op<S.ConvTransposeOptions>(({ x, w, b }, a) => ({
    y: S.convTranspose1d(x, w, { ...a, bias: b }),
  })),
  convTranspose2d: op<S.ConvTransposeOptions>(({ x, w, b }, a) => ({
    y: S.convTranspose2d(x, w, { ...a, bias: b }),
  })),
  convTranspose3d: op<S.ConvTransposeOptions>(({ x, w, b }, a) => ({
    y: S.convTranspose3d(x, w, { ...a, bias: b }),
  })),

  // ---- resampling ----
  interpolate: op<S.InterpolateOptions>(({ x }, a) => ({ y: S.interpolate(x, a) })),

  // ---- pooling ----
  maxPool1d: maxPool(S.maxPool1d),
  maxPool2d: maxPool(S.maxPool2d),
  maxPool3d: maxPool(S.maxPool3d),
  avgPool1d: op<S.AvgPoolOptions>(({ x }, a) => ({ y: S.avgPool1d(x, a) })),
  avgPool2d: op<S.AvgPoolOptions>(({ x }, a) => ({ y: S.avgPool2d(x, a) })),
  avgPool3d: op<S.AvgPoolOptions>(({ x }, a) => ({ y: S.avgPool3d(x, a) })),
  adaptiveAvgPool2d: op<{ outputSize: S.AdaptiveSize }>(({ x }, a) => ({
    y: S.adaptiveAvgPool2d(x, a.outputSize),
  })),
  adaptiveMaxPool1d: adaptiveMaxPool(S.adaptiveMaxPool1d),
  adaptiveMaxPool2d: adaptiveMaxPool(S.adaptiveMaxPool2d),
  adaptiveMaxPool3d: adaptiveMaxPool(S.adaptiveMaxPool3d),

  // ---- normalisation ----
  batchNorm: op<{ training: boolean; momentum: number; eps: number }>((t, a) => {
    const r = S.batchNorm(t.x, t.runningMean ?? null, t.runningVar ?? null, {
      weight: t.weight ?? null,
      bias: t.bias ?? null,
      ...a,
    });
    const out: OpOutputs = { y: r.output };
    if (r.runningMean) out.newRunningMean = r.runningMean;
    if (r.runningVar) out.newRunningVar = r.runningVar;
    return out;
  }),
  layerNorm: op<{ normalizedShape: number | number[]; eps: number }>(({ x, weight, bias }, a) => ({
    y: S.layerNorm(x, a.normalizedShape, {
      weight: weight ?? null,
      bias: bias ?? null,
      eps: a.eps,
    }),
  })),
  groupNorm: op<{ numGroups: number; eps: number }>(({ x, weight, bias }, a) => ({
    y: S.groupNorm(x, a.numGroups, { weight: weight ?? null, bias: bias ?? null, eps: a.eps }),
  })),
  instanceNorm: op<{ useInputStats: boolean; momentum: number; eps: number }>((t, a) => {
    const r = S.instanceNorm(t.x, {
      runningMean: t.runningMean ?? null,
      runningVar: t.runningVar ?? null,
      weight: t.weight ?? null,
      bias: t.bias ?? null,
      ...a,
    });
    const out: OpOutputs = { y: r.output };
    if (r.runningMean) out.newRunningMean = r.runningMean;
    if (r.runningVar) out.newRunningVar = r.runningVar;
    return out;
  }),

  // ---- losses ----
  crossEntropy: op<S.CrossEntropyOptions>(({ input, target, weight }, a) => ({
    y: S.crossEntropy(input, target, { ...a, weight: weight ?? null }),
  })),
  nllLoss: op<S.NllLossOptions>(({ input, target, weight }, a) => ({
    y: S.nllLoss(input, target, { ...a, weight: weight ?? null }),
  })),
  mseLoss: op<S.LossOptions>(({ input, target }, a) => ({ y: S.mseLoss(input, target, a) })),
  l1Loss: op<S.LossOptions>(({ input, target }, a) => ({ y: S.l1Loss(input, target, a) })),
  bceWithLogits: op<S.BceWithLogitsOptions>(({ input, target, weight, posWeight }, a) => ({
    y: S.bceWithLogits(input, target, {
      ...a,
      weight: weight ?? null,
      posWeight: posWeight ?? null,
    }),
  })),
  bceLoss: op<S.BceLossOptions>(({ input, target, weight }, a) => ({
    y: S.bceLoss(input, target, { ...a, weight: weight ?? null }),
  })),
  smoothL1Loss: op<S.SmoothL1LossOptions>(({ input, target }, a) => ({
    y: S.smoothL1Loss(input, target, a),
  })),
  huberLoss: op<S.HuberLossOptions>(({ input, target }, a) => ({
    y: S.huberLoss(input, target, a),
  })),
  klDiv: op<S.KlDivOptions>(({ input, target }, a) => ({ y: S.klDiv(input, target, a) })),
};
