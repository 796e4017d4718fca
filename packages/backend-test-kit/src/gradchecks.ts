/**
 * The float64 finite-difference grid: ops whose gradients core composes from several backend
 * kernels, each at a setting that exercises the awkward paths (strides that skip input,
 * asymmetric 'same' padding, groups, ceil-mode windows, ignored targets). The fixtures check
 * float32 results against PyTorch; these check the same gradients to float64 precision without
 * any reference, so a backward kernel that is only nearly right cannot hide in float32 noise.
 */
import type { OpArgs } from './ops.js';

/**
 * How to make one input. A bare shape is a differentiated float64 input drawn from N(0, 1).
 * - `fixed`: float64 but not differentiated (running statistics, class weights).
 * - `range`: uniform in [lo, hi) instead of normal (variances, probabilities).
 * - `values`: an int32 tensor with exactly these values (class targets).
 */
export type GradInput =
  | readonly number[]
  | {
      /** The input's shape. */
      readonly shape: readonly number[];
      /** Held fixed: float64 but not differentiated. */
      readonly fixed?: boolean;
      /** Draw uniformly from [lo, hi) instead of from N(0, 1). */
      readonly range?: readonly [number, number];
      /** Exactly these values, as an int32 tensor (not differentiated). */
      readonly values?: readonly number[];
    };

/**
 * One case of the float64 finite-difference grid: an op of `OPS`, its arguments and how to make
 * each input.
 */
export interface GradcheckCase {
  /** The test's title, naming the settings it exercises. */
  readonly name: string;
  /** The key in `OPS` of the Stride call whose output `y` is differentiated. */
  readonly op: string;
  /** Non-tensor arguments by Stride's option names. */
  readonly args: OpArgs;
  /** How to make each input, by the op's fixture names (see `GradInput`). */
  readonly inputs: Readonly<Record<string, GradInput>>;
}

const targets = (...v: number[]): GradInput => ({ shape: [v.length], values: v });

/** The float64 gradcheck grid the suite's `gradcheck` group runs (skipped without float64). */
export const GRADCHECKS: readonly GradcheckCase[] = [
  // ---- convolution ----
  {
    name: 'conv1d stride 2, padding 1, dilation 2, groups 2, bias',
    op: 'conv1d',
    args: { stride: 2, padding: 1, dilation: 2, groups: 2 },
    inputs: { x: [2, 4, 9], w: [6, 2, 3], b: [6] },
  },
  {
    name: "conv1d padding 'same', even kernel (asymmetric padding)",
    op: 'conv1d',
    args: { padding: 'same' },
    inputs: { x: [1, 2, 7], w: [3, 2, 4] },
  },
  {
    name: 'conv2d stride [2,1], padding [1,0], bias',
    op: 'conv2d',
    args: { stride: [2, 1], padding: [1, 0] },
    inputs: { x: [2, 2, 6, 5], w: [3, 2, 3, 2], b: [3] },
  },
  {
    name: "conv2d depthwise (groups 3), padding 'same', dilation 2",
    op: 'conv2d',
    args: { padding: 'same', dilation: 2, groups: 3 },
    inputs: { x: [1, 3, 5, 6], w: [6, 1, 3, 3], b: [6] },
  },
  {
    name: 'conv2d stride 3 skipping input, padding 2, dilation [2,1], groups 2',
    op: 'conv2d',
    args: { stride: 3, padding: 2, dilation: [2, 1], groups: 2 },
    inputs: { x: [1, 4, 7, 6], w: [4, 2, 2, 3] },
  },
  {
    name: 'conv3d stride [1,2,1], padding 1, groups 2, bias',
    op: 'conv3d',
    args: { stride: [1, 2, 1], padding: 1, groups: 2 },
    inputs: { x: [1, 2, 4, 5, 4], w: [2, 1, 2, 3, 2], b: [2] },
  },
  {
    name: "conv3d padding 'same', dilation [1,2,1]",
    op: 'conv3d',
    args: { padding: 'same', dilation: [1, 2, 1] },
    inputs: { x: [1, 2, 4, 5, 3], w: [2, 2, 3, 2, 2] },
  },

  // ---- transposed convolution ----
  {
    name: 'convTranspose1d stride 2, padding 1, outputPadding 1, dilation 2, groups 2, bias',
    op: 'convTranspose1d',
    args: { stride: 2, padding: 1, outputPadding: 1, dilation: 2, groups: 2 },
    inputs: { x: [2, 4, 5], w: [4, 3, 3], b: [6] },
  },
  {
    name: 'convTranspose1d outputPadding 2 beyond padding 0 (a zero tail)',
    op: 'convTranspose1d',
    args: { stride: 3, outputPadding: 2 },
    inputs: { x: [1, 2, 3], w: [2, 2, 2] },
  },
  {
    name: 'convTranspose2d stride [2,3], padding [1,0], outputPadding [1,2], bias',
    op: 'convTranspose2d',
    args: { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] },
    inputs: { x: [2, 2, 3, 3], w: [2, 3, 3, 2], b: [3] },
  },
  {
    name: 'convTranspose2d depthwise (groups 3), stride 2, padding 2, dilation 2',
    op: 'convTranspose2d',
    args: { stride: 2, padding: 2, dilation: 2, groups: 3 },
    inputs: { x: [1, 3, 4, 3], w: [3, 2, 3, 3] },
  },
  {
    name: 'convTranspose3d stride [1,2,2], padding [0,1,1], outputPadding [0,1,0], groups 2, bias',
    op: 'convTranspose3d',
    args: { stride: [1, 2, 2], padding: [0, 1, 1], outputPadding: [0, 1, 0], groups: 2 },
    inputs: { x: [1, 2, 2, 3, 2], w: [2, 1, 2, 2, 3], b: [2] },
  },

  // ---- resampling ----
  {
    name: 'interpolate nearest, scaleFactor [0.6,1.7] (repeats and skips)',
    op: 'interpolate',
    args: { scaleFactor: [0.6, 1.7], mode: 'nearest' },
    inputs: { x: [1, 2, 5, 4] },
  },
  {
    name: 'interpolate linear, size 11, alignCorners false',
    op: 'interpolate',
    args: { size: 11, mode: 'linear', alignCorners: false },
    inputs: { x: [2, 2, 4] },
  },
  {
    name: 'interpolate bilinear, size [3,7] (down and up), alignCorners true',
    op: 'interpolate',
    args: { size: [3, 7], mode: 'bilinear', alignCorners: true },
    inputs: { x: [1, 2, 5, 4] },
  },
  {
    name: 'interpolate trilinear, scaleFactor [2,0.5,1.5]',
    op: 'interpolate',
    args: { scaleFactor: [2, 0.5, 1.5], mode: 'trilinear' },
    inputs: { x: [1, 1, 2, 4, 3] },
  },

  // ---- pooling ----
  {
    name: 'maxPool1d kernel 3, stride 2, padding 1, dilation 2, ceilMode',
    op: 'maxPool1d',
    args: { kernelSize: 3, stride: 2, padding: 1, dilation: 2, ceilMode: true },
    inputs: { x: [2, 2, 10] },
  },
  {
    name: 'maxPool2d kernel [3,2], stride [2,1], padding 1, ceilMode',
    op: 'maxPool2d',
    args: { kernelSize: [3, 2], stride: [2, 1], padding: 1, ceilMode: true },
    inputs: { x: [1, 2, 6, 5] },
  },
  {
    name: 'maxPool3d kernel 2, stride [1,2,2], padding [1,0,1]',
    op: 'maxPool3d',
    args: { kernelSize: 2, stride: [1, 2, 2], padding: [1, 0, 1] },
    inputs: { x: [1, 2, 3, 4, 5] },
  },
  {
    name: 'avgPool1d kernel 3, stride 2, padding 1, ceilMode, countIncludePad false',
    op: 'avgPool1d',
    args: { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false },
    inputs: { x: [2, 2, 8] },
  },
  {
    name: 'avgPool2d kernel [3,2], stride 2, padding 1, countIncludePad true',
    op: 'avgPool2d',
    args: { kernelSize: [3, 2], stride: 2, padding: 1, countIncludePad: true },
    inputs: { x: [1, 2, 7, 6] },
  },
  {
    name: 'avgPool3d kernel 2, stride [2,1,2], padding [1,0,1], ceilMode, countIncludePad false',
    op: 'avgPool3d',
    args: {
      kernelSize: 2,
      stride: [2, 1, 2],
      padding: [1, 0, 1],
      ceilMode: true,
      countIncludePad: false,
    },
    inputs: { x: [1, 2, 4, 3, 5] },
  },
  {
    name: 'adaptiveAvgPool2d [7,9] to [4,5] (overlapping bins)',
    op: 'adaptiveAvgPool2d',
    args: { outputSize: [4, 5] },
    inputs: { x: [1, 2, 7, 9] },
  },
  {
    name: 'adaptiveMaxPool1d [7] to 3 (overlapping windows)',
    op: 'adaptiveMaxPool1d',
    args: { outputSize: 3 },
    inputs: { x: [2, 2, 7] },
  },
  {
    name: 'adaptiveMaxPool2d [5,7] to [3,4] (overlapping windows)',
    op: 'adaptiveMaxPool2d',
    args: { outputSize: [3, 4] },
    inputs: { x: [1, 2, 5, 7] },
  },
  {
    name: 'adaptiveMaxPool3d [3,5,4] to [2,3,3] (overlapping windows)',
    op: 'adaptiveMaxPool3d',
    args: { outputSize: [2, 3, 3] },
    inputs: { x: [1, 1, 3, 5, 4] },
  },

  // ---- batch norm ----
  {
    name: 'batchNorm training, affine',
    op: 'batchNorm',
    args: { training: true, momentum: 0.1, eps: 1e-5 },
    inputs: {
      x: [4, 3, 3, 2],
      runningMean: { shape: [3], fixed: true },
      runningVar: { shape: [3], fixed: true, range: [0.5, 1.5] },
      weight: [3],
      bias: [3],
    },
  },
  {
    name: 'batchNorm training, no affine, [N, C, L]',
    op: 'batchNorm',
    args: { training: true, momentum: 0.1, eps: 1e-5 },
    inputs: {
      x: [3, 2, 5],
      runningMean: { shape: [2], fixed: true },
      runningVar: { shape: [2], fixed: true, range: [0.5, 1.5] },
    },
  },
  {
    name: 'batchNorm evaluation, affine, [N, C]',
    op: 'batchNorm',
    args: { training: false, momentum: 0.1, eps: 1e-5 },
    inputs: {
      x: [5, 4],
      runningMean: { shape: [4], fixed: true },
      runningVar: { shape: [4], fixed: true, range: [0.5, 1.5] },
      weight: [4],
      bias: [4],
    },
  },

  // ---- layer, group and instance norm ----
  {
    name: 'layerNorm over the last 2 dims, affine',
    op: 'layerNorm',
    args: { normalizedShape: [3, 4], eps: 1e-5 },
    inputs: { x: [2, 3, 4], weight: [3, 4], bias: [3, 4] },
  },
  {
    name: 'groupNorm 2 groups of [N, C, H, W], affine',
    op: 'groupNorm',
    args: { numGroups: 2, eps: 1e-5 },
    inputs: { x: [2, 4, 3, 2], weight: [4], bias: [4] },
  },
  {
    name: 'instanceNorm input statistics with running ones, affine, [N, C, L]',
    op: 'instanceNorm',
    args: { useInputStats: true, momentum: 0.1, eps: 1e-5 },
    inputs: {
      x: [2, 3, 5],
      runningMean: { shape: [3], fixed: true },
      runningVar: { shape: [3], fixed: true, range: [0.5, 1.5] },
      weight: [3],
      bias: [3],
    },
  },
  {
    name: 'instanceNorm running statistics (useInputStats false), affine',
    op: 'instanceNorm',
    args: { useInputStats: false, momentum: 0.1, eps: 1e-5 },
    inputs: {
      x: [2, 2, 3, 3],
      runningMean: { shape: [2], fixed: true },
      runningVar: { shape: [2], fixed: true, range: [0.5, 1.5] },
      weight: [2],
      bias: [2],
    },
  },

  // ---- losses ----
  {
    name: 'crossEntropy mean, class weights, ignoreIndex, labelSmoothing 0.1',
    op: 'crossEntropy',
    args: { reduction: 'mean', ignoreIndex: -100, labelSmoothing: 0.1 },
    inputs: {
      input: [5, 4],
      target: targets(1, -100, 3, 0, 2),
      weight: { shape: [4], fixed: true, range: [0.2, 2] },
    },
  },
  {
    name: 'crossEntropy sum over [N, C, H, W] logits',
    op: 'crossEntropy',
    args: { reduction: 'sum', ignoreIndex: -100, labelSmoothing: 0 },
    inputs: {
      input: [2, 3, 2, 2],
      target: { shape: [2, 2, 2], values: [0, 2, 1, 1, 2, 0, 0, 1] },
    },
  },
  {
    name: 'crossEntropy none',
    op: 'crossEntropy',
    args: { reduction: 'none', ignoreIndex: -100, labelSmoothing: 0 },
    inputs: { input: [4, 3], target: targets(2, 0, 1, 1) },
  },
  {
    name: 'nllLoss mean, class weights, ignoreIndex',
    op: 'nllLoss',
    args: { reduction: 'mean', ignoreIndex: -100 },
    inputs: {
      input: [5, 3],
      target: targets(0, 2, -100, 1, 2),
      weight: { shape: [3], fixed: true, range: [0.2, 2] },
    },
  },
  {
    name: 'nllLoss none',
    op: 'nllLoss',
    args: { reduction: 'none', ignoreIndex: -100 },
    inputs: { input: [4, 3], target: targets(1, 0, 2, 0) },
  },
  {
    name: 'mseLoss mean (input and target)',
    op: 'mseLoss',
    args: { reduction: 'mean' },
    inputs: { input: [3, 4], target: [3, 4] },
  },
  {
    name: 'l1Loss sum (input and target)',
    op: 'l1Loss',
    args: { reduction: 'sum' },
    inputs: { input: [2, 3, 2], target: [2, 3, 2] },
  },
  {
    name: 'bceWithLogits mean, posWeight',
    op: 'bceWithLogits',
    args: { reduction: 'mean' },
    inputs: {
      input: [4, 3],
      target: { shape: [4, 3], range: [0, 1] },
      posWeight: { shape: [3], fixed: true, range: [0.3, 3] },
    },
  },
  {
    name: 'bceWithLogits none, weight',
    op: 'bceWithLogits',
    args: { reduction: 'none' },
    inputs: {
      input: [2, 3, 4],
      target: { shape: [2, 3, 4], range: [0, 1] },
      weight: { shape: [4], fixed: true, range: [0.2, 2] },
    },
  },
  {
    name: 'crossEntropy class probabilities (input and target), weights, labelSmoothing 0.1',
    op: 'crossEntropy',
    args: { reduction: 'mean', labelSmoothing: 0.1 },
    inputs: {
      input: [4, 3],
      target: { shape: [4, 3], range: [0, 1] },
      weight: { shape: [3], fixed: true, range: [0.2, 2] },
    },
  },
  {
    name: 'crossEntropy class probabilities over [N, C, L], none',
    op: 'crossEntropy',
    args: { reduction: 'none', labelSmoothing: 0 },
    inputs: { input: [2, 3, 2], target: { shape: [2, 3, 2], range: [0, 1] } },
  },
  {
    name: 'bceLoss sum (input and target), weight',
    op: 'bceLoss',
    args: { reduction: 'sum' },
    inputs: {
      input: { shape: [3, 4], range: [0.05, 0.95] },
      target: { shape: [3, 4], range: [0, 1] },
      weight: { shape: [4], fixed: true, range: [0.2, 2] },
    },
  },
  {
    name: 'smoothL1Loss mean, beta 0.5 (input and target)',
    op: 'smoothL1Loss',
    args: { reduction: 'mean', beta: 0.5 },
    inputs: { input: [3, 4], target: [3, 4] },
  },
  {
    name: 'huberLoss none, delta 0.8 (input and target)',
    op: 'huberLoss',
    args: { reduction: 'none', delta: 0.8 },
    inputs: { input: [2, 3, 2], target: [2, 3, 2] },
  },
  {
    name: 'klDiv batchmean (input and target)',
    op: 'klDiv',
    args: { reduction: 'batchmean', logTarget: false },
    inputs: { input: [3, 4], target: { shape: [3, 4], range: [0.05, 1] } },
  },
  {
    name: 'klDiv sum, logTarget (input and target)',
    op: 'klDiv',
    args: { reduction: 'sum', logTarget: true },
    inputs: { input: [2, 3], target: [2, 3] },
  },

  // ---- softmax, activations ----
  { name: 'softmax dim 1', op: 'softmax', args: { dim: 1 }, inputs: { x: [2, 4, 3] } },
  { name: 'logSoftmax dim -1', op: 'logSoftmax', args: { dim: -1 }, inputs: { x: [3, 5] } },
  { name: 'gelu exact', op: 'gelu', args: { approximate: 'none' }, inputs: { x: [3, 4] } },
  { name: 'gelu tanh', op: 'gelu', args: { approximate: 'tanh' }, inputs: { x: [3, 4] } },
  { name: 'elu alpha 0.5', op: 'elu', args: { alpha: 0.5 }, inputs: { x: [3, 4] } },
  {
    name: 'leakyRelu slope 0.2',
    op: 'leakyRelu',
    args: { negativeSlope: 0.2 },
    inputs: { x: [3, 4] },
  },

  // ---- indexing, running sums, sorting ----
  {
    name: 'indexSelect dim 1, a position picked twice',
    op: 'indexSelect',
    args: { dim: 1 },
    inputs: { x: [3, 4, 2], index: { shape: [5], values: [3, 0, 3, 1, 2] } },
  },
  {
    name: 'cumsum dim 1 of 17 (five scan steps)',
    op: 'cumsum',
    args: { dim: 1 },
    inputs: { x: [2, 17, 3] },
  },
  {
    name: 'sort dim 0 descending',
    op: 'sort',
    args: { dim: 0, descending: true },
    inputs: { x: [5, 3] },
  },
  {
    name: 'topk 3 of 6 along dim -1, smallest',
    op: 'topk',
    args: { k: 3, dim: -1, largest: false },
    inputs: { x: [2, 3, 6] },
  },

  // ---- matmul, pad ----
  {
    name: 'matmul broadcast batch dims [2,1,3,4] @ [5,4,2]',
    op: 'matmul',
    args: {},
    inputs: { a: [2, 1, 3, 4], b: [5, 4, 2] },
  },
  {
    name: 'matmul vector @ batched [3] @ [2,3,4]',
    op: 'matmul',
    args: {},
    inputs: { a: [3], b: [2, 3, 4] },
  },
  {
    name: 'pad reflect on two dims',
    op: 'pad',
    args: { pad: [1, 2, 3, 0], mode: 'reflect' },
    inputs: { x: [1, 2, 4, 5] },
  },
  {
    name: 'pad replicate on three dims',
    op: 'pad',
    args: { pad: [2, 0, 1, 1, 0, 2], mode: 'replicate' },
    inputs: { x: [1, 2, 3, 4, 3] },
  },
];
