/**
 * The bad-input table. Each call must throw a `StrideError` whose message starts with `fn: ` and
 * matches `message`, which pins the offending shapes or values: a user must be able to tell
 * from the message alone what was wrong. The checks live in core, so they are backend
 * independent; running them on each backend proves that no kernel is reached (and no storage
 * leaks) before the argument is rejected.
 *
 * Cases that put index *values* out of range (class targets, gather indices) throw from the
 * call on a backend with `readSync`, where core reads the values; a GPU checks them on the
 * device without stalling (`checkIndices`) and throws at the next read, as CUDA's device-side
 * asserts do. So a case passes when the call throws, or else the first read of what it returned
 * (`errorOf`).
 */
import {
  adaptiveAvgPool2d,
  add,
  avgPool1d,
  avgPool2d,
  backward,
  batchNorm,
  bceWithLogits,
  cast,
  concat,
  conv1d,
  conv2d,
  conv3d,
  crossEntropy,
  type DType,
  dropout,
  expand,
  full,
  gather,
  gelu,
  index,
  isTensor,
  l1Loss,
  leakyRelu,
  linear,
  matmul,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  mean,
  mseLoss,
  mul,
  nllLoss,
  oneHot,
  ones,
  pad,
  pow,
  randn,
  relu,
  remainder,
  reshape,
  scatterAdd,
  softmax,
  stack,
  sum,
  type Tensor,
  tensor,
  tidy,
  transpose,
  where,
  zeros,
} from '@stride/core';

/**
 * One row of the bad-input table: a call that must throw a `StrideError` from `fn` whose message
 * matches `message`.
 */
export interface ErrorCase {
  /** What is wrong, in a few words. */
  readonly name: string;
  /** The public function that must reject the input: the message starts with `${fn}: `. */
  readonly fn: string;
  /** Runs the bad call (inside `tidy`, so whatever it created is disposed). */
  readonly run: () => unknown;
  /** Must match the message: the offending shapes or values. */
  readonly message: RegExp;
}

/** The tensors in what a case returned: a tensor, or an array (or list) of them. */
function tensorsIn(result: unknown): Tensor[] {
  if (isTensor(result)) return [result];
  if (Array.isArray(result)) return result.flatMap(tensorsIn);
  return [];
}

/**
 * Runs `c` as the suite does and returns what it threw: the error of the call itself, else the
 * error of the first read of the tensors it returned (where a backend reports what it checks on
 * its device), else `undefined`. What the call returned is disposed; what it made inside is
 * disposed by `tidy`.
 */
export async function errorOf(c: ErrorCase): Promise<unknown> {
  let result: unknown;
  try {
    result = tidy(c.run);
  } catch (error) {
    return error;
  }
  const tensors = tensorsIn(result);
  try {
    for (const t of tensors) await t.data();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    for (const t of tensors) t.dispose();
  }
}

const z = (...shape: number[]): Tensor => zeros(shape);
/** A deliberately ill-typed argument, as JavaScript callers can pass. */
const bad = <T>(v: unknown): T => v as T;
const labels = (...v: number[]): Tensor => tensor(Int32Array.from(v));

/** Escapes a literal fragment (brackets, parentheses, dots) for use in a RegExp. */
function lit(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** The bad-input table the suite's `errors` group runs (each test is titled `<fn>: <name>`). */
export const ERROR_CASES: readonly ErrorCase[] = [
  // ---- convolution: shapes and channels ----
  {
    name: 'input channels differ from the weight',
    fn: 'conv2d',
    run: () => conv2d(z(64, 3, 28, 28), z(6, 1, 5, 5)),
    message: lit(
      'input has 3 channels but weight expects 1 (input [64,3,28,28], weight [6,1,5,5])',
    ),
  },
  {
    name: 'input channels differ from weight channels x groups',
    fn: 'conv1d',
    run: () => conv1d(z(2, 4, 10), z(6, 3, 3), { groups: 2 }),
    message: lit(
      'input has 4 channels but weight expects 6 (3 per group x 2 groups) (input [2,4,10], weight [6,3,3])',
    ),
  },
  {
    name: 'input of the wrong rank',
    fn: 'conv1d',
    run: () => conv1d(z(3, 4, 5, 6), z(2, 4, 3)),
    message: lit('got input [3,4,5,6]'),
  },
  {
    name: 'weight of the wrong rank',
    fn: 'conv3d',
    run: () => conv3d(z(1, 2, 4, 4, 4), z(3, 2, 3, 3)),
    message: lit(
      'weight must be 5-d [outChannels, inChannels/groups, ...3 kernel dims], got weight [3,2,3,3]',
    ),
  },
  {
    name: 'kernel larger than the padded input',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 4, 4), z(1, 1, 7, 7), { padding: 1 }),
    message: lit(
      'kernel [7,7] is larger than the padded input [6,6] (input [1,1,4,4], weight [1,1,7,7]',
    ),
  },
  {
    name: 'dilated kernel larger than the input',
    fn: 'conv3d',
    run: () => conv3d(z(1, 1, 5, 5, 5), z(1, 1, 3, 3, 3), { dilation: 3 }),
    message: lit('kernel [3,3,3] (dilated to [7,7,7]) is larger than the padded input [5,5,5]'),
  },
  {
    name: 'groups do not divide the input channels',
    fn: 'conv2d',
    run: () => conv2d(z(1, 3, 8, 8), z(4, 1, 3, 3), { groups: 2 }),
    message: lit(
      'input has 3 channels, which groups 2 does not divide (input [1,3,8,8], weight [4,1,3,3])',
    ),
  },
  {
    name: 'groups do not divide the output channels',
    fn: 'conv2d',
    run: () => conv2d(z(1, 4, 8, 8), z(3, 2, 3, 3), { groups: 2 }),
    message: lit('weight has 3 output channels, which groups 2 does not divide (weight [3,2,3,3])'),
  },
  {
    name: 'groups 0',
    fn: 'conv2d',
    run: () => conv2d(z(1, 4, 8, 8), z(4, 4, 3, 3), { groups: 0 }),
    message: lit("option 'groups' must be an integer ≥ 1, got 0"),
  },
  {
    name: 'bias of the wrong shape',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(6, 1, 5, 5), { bias: z(5) }),
    message: lit('bias must be [6] (one per output channel), got bias [5] for weight [6,1,5,5]'),
  },
  {
    name: 'integer input',
    fn: 'conv1d',
    run: () => conv1d(zeros([1, 1, 5], { dtype: 'int32' }), z(1, 1, 3)),
    message: /input must be a float tensor, got int32/,
  },
  {
    name: 'input that is not a tensor',
    fn: 'conv2d',
    run: () => conv2d(bad([1, 2]), z(1, 1, 3, 3)),
    message: /input must be a Tensor, got an array/,
  },
  {
    name: 'kernel of size 0',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 4, 4), z(1, 1, 0, 3)),
    message: lit('kernel sizes must be positive, got weight [1,1,0,3]'),
  },

  // ---- convolution: stride, padding, dilation values ----
  {
    name: 'stride 0',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { stride: 0 }),
    message: lit('stride must be a positive integer, got 0'),
  },
  {
    name: 'negative stride',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { stride: -1 }),
    message: lit('stride must be a positive integer, got -1'),
  },
  {
    name: 'fractional stride',
    fn: 'conv1d',
    run: () => conv1d(z(1, 1, 8), z(1, 1, 3), { stride: 1.5 }),
    message: lit('stride must be a positive integer, got 1.5'),
  },
  {
    name: 'NaN stride',
    fn: 'conv3d',
    run: () => conv3d(z(1, 1, 4, 4, 4), z(1, 1, 2, 2, 2), { stride: Number.NaN }),
    message: lit('stride must be a positive integer, got NaN'),
  },
  {
    name: 'one zero entry in a per-axis stride',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { stride: [1, 0] }),
    message: lit('stride must hold positive integers, got [1,0]'),
  },
  {
    name: 'per-axis stride of the wrong length',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { stride: [1, 1, 1] }),
    message: lit('stride must have 2 entries (one per spatial dim), got [1,1,1]'),
  },
  {
    name: 'dilation 0',
    fn: 'conv1d',
    run: () => conv1d(z(1, 1, 8), z(1, 1, 3), { dilation: 0 }),
    message: lit('dilation must be a positive integer, got 0'),
  },
  {
    name: 'negative dilation',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { dilation: -2 }),
    message: lit('dilation must be a positive integer, got -2'),
  },
  {
    name: 'NaN dilation',
    fn: 'conv3d',
    run: () => conv3d(z(1, 1, 4, 4, 4), z(1, 1, 1, 1, 1), { dilation: Number.NaN }),
    message: lit('dilation must be a positive integer, got NaN'),
  },
  {
    name: 'negative padding',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { padding: -1 }),
    message: lit('padding must be a non-negative integer, got -1'),
  },
  {
    name: "padding 'same' with stride 2",
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { padding: 'same', stride: 2 }),
    message: lit("padding 'same' is not supported for strided convolutions (stride [2,2])"),
  },
  {
    name: 'unknown padding mode',
    fn: 'conv2d',
    run: () => conv2d(z(1, 1, 8, 8), z(1, 1, 3, 3), { padding: bad('full') }),
    message: lit("got 'full'"),
  },

  // ---- pooling ----
  {
    name: 'kernel larger than the input',
    fn: 'maxPool2d',
    run: () => maxPool2d(z(1, 1, 4, 4), { kernelSize: 5 }),
    message: lit('kernel [5,5] is too large for input [1,1,4,4] with padding [0,0]'),
  },
  {
    name: 'dilated kernel larger than the input',
    fn: 'maxPool1d',
    run: () => maxPool1d(z(1, 1, 5), { kernelSize: 3, dilation: 3 }),
    message: lit('kernel [3] is too large for input [1,1,5] with padding [0], dilation [3]'),
  },
  {
    name: 'padding more than half the kernel',
    fn: 'avgPool1d',
    run: () => avgPool1d(z(1, 1, 8), { kernelSize: 2, padding: 2 }),
    message: lit('padding [2] must be at most half the kernel size [2]'),
  },
  {
    name: 'kernel size 0',
    fn: 'maxPool3d',
    run: () => maxPool3d(z(1, 1, 4, 4, 4), { kernelSize: 0 }),
    message: lit('kernelSize must be a positive integer, got 0'),
  },
  {
    name: 'NaN kernel size',
    fn: 'maxPool2d',
    run: () => maxPool2d(z(1, 1, 4, 4), { kernelSize: Number.NaN }),
    message: lit('kernelSize must be a positive integer, got NaN'),
  },
  {
    name: 'negative kernel size',
    fn: 'avgPool2d',
    run: () => avgPool2d(z(1, 1, 4, 4), { kernelSize: -2 }),
    message: lit('kernelSize must be a positive integer, got -2'),
  },
  {
    name: 'fractional kernel size',
    fn: 'maxPool1d',
    run: () => maxPool1d(z(1, 1, 4), { kernelSize: 2.5 }),
    message: lit('kernelSize must be a positive integer, got 2.5'),
  },
  {
    name: 'negative stride',
    fn: 'avgPool2d',
    run: () => avgPool2d(z(1, 1, 6, 6), { kernelSize: 2, stride: -2 }),
    message: lit('stride must be a positive integer, got -2'),
  },
  {
    name: 'fractional dilation',
    fn: 'maxPool1d',
    run: () => maxPool1d(z(1, 1, 8), { kernelSize: 2, dilation: 1.5 }),
    message: lit('dilation must be a positive integer, got 1.5'),
  },
  {
    name: 'input of the wrong rank',
    fn: 'maxPool2d',
    run: () => maxPool2d(z(4, 4), { kernelSize: 2 }),
    message: lit('got input [4,4]'),
  },
  {
    name: 'output size 0',
    fn: 'adaptiveAvgPool2d',
    run: () => adaptiveAvgPool2d(z(1, 1, 4, 4), 0),
    message: lit('outputSize must hold positive integers (or null to keep a size), got 0'),
  },

  // ---- batch norm ----
  {
    name: 'running mean of the wrong size',
    fn: 'batchNorm',
    run: () => batchNorm(z(4, 3, 5), z(4), ones([3])),
    message: lit('runningMean must be [3] (one per channel of input [4,3,5]), got runningMean [4]'),
  },
  {
    name: 'weight of the wrong size',
    fn: 'batchNorm',
    run: () => batchNorm(z(4, 3), null, null, { training: true, weight: z(2) }),
    message: lit('weight must be [3] (one per channel of input [4,3]), got weight [2]'),
  },
  {
    name: 'a single value per channel in training',
    fn: 'batchNorm',
    run: () => batchNorm(z(1, 3), z(3), ones([3]), { training: true }),
    message: lit('expected more than 1 value per channel when training, got input [1,3]'),
  },
  {
    name: 'NaN momentum',
    fn: 'batchNorm',
    run: () => batchNorm(z(4, 3), z(3), ones([3]), { training: true, momentum: Number.NaN }),
    message: lit("option 'momentum' must be a number, got NaN"),
  },

  // ---- activations, dropout ----
  {
    name: 'unknown approximation',
    fn: 'gelu',
    run: () => gelu(z(3), { approximate: bad('fast') }),
    message: lit("option 'approximate' must be one of 'none', 'tanh', got 'fast'"),
  },
  {
    name: 'NaN slope',
    fn: 'leakyRelu',
    run: () => leakyRelu(z(3), Number.NaN),
    message: lit('negativeSlope must be a finite number, got NaN'),
  },
  {
    name: 'probability above 1',
    fn: 'dropout',
    run: () => dropout(z(3), 1.5),
    message: lit('p must be a probability between 0 and 1, got 1.5'),
  },

  // ---- losses ----
  {
    name: 'float class labels',
    fn: 'crossEntropy',
    run: () => crossEntropy(z(4, 5), z(4)),
    message: lit('target must hold int32 class indices, got float32 (input [4,5], target [4])'),
  },
  {
    name: 'target shape does not match the input',
    fn: 'crossEntropy',
    run: () => crossEntropy(z(4, 5), labels(0, 1, 2)),
    message: lit('target [3] does not match input [4,5]: expected target [4]'),
  },
  {
    name: 'class index out of range',
    fn: 'crossEntropy',
    run: () => crossEntropy(z(4, 5), labels(0, 5, 1, 2)),
    message: lit('target holds 5, out of range for size 5'),
  },
  {
    name: 'negative class index that is not ignoreIndex',
    fn: 'nllLoss',
    run: () => nllLoss(z(3, 3), labels(0, -1, 2)),
    message: lit('target holds -1, out of range for size 3'),
  },
  {
    name: 'class index out of range, with ignoreIndex',
    fn: 'crossEntropy',
    run: () => crossEntropy(z(3, 3), labels(1, -1, 2), { ignoreIndex: 1 }),
    message: lit('target holds -1, out of range for size 3'),
  },
  {
    name: 'class index out of range, with class weights',
    fn: 'crossEntropy',
    run: () => crossEntropy(z(3, 3), labels(0, 2, 3), { weight: ones([3]) }),
    message: lit('target holds 3, out of range for size 3'),
  },
  {
    name: 'class index out of range, with class weights',
    fn: 'nllLoss',
    run: () => nllLoss(z(2, 4), labels(1000, 0), { weight: ones([4]) }),
    message: lit('target holds 1000, out of range for size 4'),
  },
  {
    name: 'class weights of the wrong size',
    fn: 'crossEntropy',
    run: () => crossEntropy(z(4, 5), labels(0, 1, 2, 3), { weight: ones([4]) }),
    message: lit('weight must be [5] (one per class of input [4,5]), got weight [4]'),
  },
  {
    name: 'label smoothing above 1',
    fn: 'crossEntropy',
    run: () => crossEntropy(z(4, 5), labels(0, 1, 2, 3), { labelSmoothing: 1.5 }),
    message: lit("option 'labelSmoothing' must be a number ≥ 0 and ≤ 1, got 1.5"),
  },
  {
    name: 'target shape differs from the input',
    fn: 'mseLoss',
    run: () => mseLoss(z(4, 3), z(4, 1)),
    message: lit('target [4,1] must have the shape of input [4,3]'),
  },
  {
    name: 'unknown reduction',
    fn: 'l1Loss',
    run: () => l1Loss(z(4), z(4), { reduction: bad('avg') }),
    message: lit("option 'reduction' must be one of 'mean', 'sum', 'none', got 'avg'"),
  },
  {
    name: 'posWeight that does not broadcast',
    fn: 'bceWithLogits',
    run: () => bceWithLogits(z(4, 3), z(4, 3), { posWeight: ones([4]) }),
    message: lit('posWeight [4] cannot be broadcast to input [4,3]'),
  },

  // ---- matmul, broadcasting, shapes ----
  {
    name: 'inner dimensions differ',
    fn: 'matmul',
    run: () => matmul(z(2, 3), z(4, 5)),
    message: lit('shapes [2,3] and [4,5] cannot be multiplied (3 != 4)'),
  },
  {
    name: 'batch dimensions do not broadcast',
    fn: 'matmul',
    run: () => matmul(z(2, 3, 4), z(3, 4, 5)),
    message: lit('[2,3,4] and [3,4,5]'),
  },
  {
    name: 'features differ from the weight',
    fn: 'linear',
    run: () => linear(z(4, 3), z(5, 4)),
    message: lit('input [4,3] has 3 features but weight [5,4] expects 4'),
  },
  {
    name: 'shapes that do not broadcast',
    fn: 'add',
    run: () => add(z(2, 3), z(4)),
    message: lit('shapes [2,3] and [4] cannot be broadcast together'),
  },
  {
    name: 'shapes that do not broadcast (trailing dims)',
    fn: 'mul',
    run: () => mul(z(3, 1, 5), z(4, 6)),
    message: lit('shapes [3,1,5] and [4,6] cannot be broadcast together'),
  },
  {
    name: 'an operand that is neither a tensor nor a number',
    fn: 'mul',
    run: () => mul(z(2), bad('x')),
    message: /other must be a Tensor or a number, got string x/,
  },
  {
    name: 'expand to an incompatible shape',
    fn: 'expand',
    run: () => expand(z(2, 3), [4, 3]),
    message: lit('[2,3]'),
  },
  {
    name: 'condition is not bool',
    fn: 'where',
    run: () => where(z(3), z(3), z(3)),
    message: /condition must be a bool tensor, got float32/,
  },
  {
    name: 'reshape to a different size',
    fn: 'reshape',
    run: () => reshape(z(2, 3), [4, 2]),
    message: lit('shape [4,2] is invalid for input [2,3] of size 6'),
  },
  {
    name: 'reshape with two inferred dims',
    fn: 'reshape',
    run: () => reshape(z(2, 3), [-1, -1]),
    message: lit('only one dimension can be -1, got [-1,-1]'),
  },
  {
    name: 'reshape to a NaN size',
    fn: 'reshape',
    run: () => reshape(z(2, 3), [Number.NaN, 6]),
    message: lit('invalid size NaN in shape [NaN,6]'),
  },
  {
    name: 'concat of mismatched shapes',
    fn: 'concat',
    run: () => concat([z(2, 3), z(2, 4)], 0),
    message: lit('tensors[1] [2,4] does not match tensors[0] [2,3] outside dim 0'),
  },
  {
    name: 'concat of mixed dtypes',
    fn: 'concat',
    run: () => concat([z(2, 3), zeros([2, 3], { dtype: 'int32' })], 0),
    message: lit('tensors[1] is int32 but tensors[0] is float32'),
  },
  {
    name: 'concat of nothing',
    fn: 'concat',
    run: () => concat([], 0),
    message: /non-empty array/,
  },
  {
    name: 'stack of mismatched shapes',
    fn: 'stack',
    run: () => stack([z(2, 3), z(3, 2)]),
    message: lit('tensors[1] [3,2] differs from tensors[0] [2,3]'),
  },
  {
    name: 'reflect padding as large as the dim',
    fn: 'pad',
    run: () => pad(z(1, 2, 3), [3, 0], 'reflect'),
    message: lit('reflect padding (3, 0) must be smaller than dim 2 of size 3 (input [1,2,3])'),
  },
  {
    name: 'odd number of pad sizes',
    fn: 'pad',
    run: () => pad(z(1, 2, 3), [1, 2, 3]),
    message: lit('got [1,2,3]'),
  },

  // ---- dims and indices ----
  {
    name: 'dim out of range',
    fn: 'sum',
    run: () => sum(z(2, 3), 2),
    message: lit('dim 2 is out of range for a tensor of rank 2'),
  },
  {
    name: 'negative dim out of range',
    fn: 'softmax',
    run: () => softmax(z(2, 3), -3),
    message: lit('dim -3 is out of range for a tensor of rank 2'),
  },
  {
    name: 'fractional dim',
    fn: 'transpose',
    run: () => transpose(z(2, 3), 0.5, 1),
    message: lit('dim0 0.5 is out of range for a tensor of rank 2'),
  },
  {
    name: 'index out of range',
    fn: 'index',
    run: () => index(z(2, 3), 5),
    message: lit('index 5 is out of range for dim 0 of size 2 (shape [2,3])'),
  },
  {
    name: 'gather index out of range',
    fn: 'gather',
    run: () => gather(z(2, 3), 1, tensor(Int32Array.from([0, 3]), { shape: [2, 1] })),
    message: lit('index holds 3, out of range for size 3 of dim 1'),
  },
  {
    name: 'negative gather index',
    fn: 'gather',
    run: () => gather(z(3), 0, labels(2, -1, 0)),
    message: lit('index holds -1, out of range for size 3 of dim 0 (index [3])'),
  },
  {
    name: 'scatter index out of range',
    fn: 'scatterAdd',
    run: () => scatterAdd(z(2, 3), 1, tensor(Int32Array.from([0, 3]), { shape: [2, 1] }), z(2, 1)),
    message: lit('index holds 3, out of range for size 3 of dim 1 (index [2,1])'),
  },
  {
    name: 'class index out of range',
    fn: 'oneHot',
    run: () => oneHot(labels(0, 4, 1), 4),
    message: lit('indices holds 4, out of range for size 4 (numClasses) (indices [3])'),
  },
  {
    name: 'integer tensor raised to a negative power',
    fn: 'pow',
    run: () => pow(labels(2, 3), labels(1, -2)),
    message: lit(
      'integers cannot be raised to a negative power; cast to float first (other [2] holds -2)',
    ),
  },
  {
    name: 'integer remainder by zero',
    fn: 'remainder',
    run: () => remainder(labels(2, 3), labels(1, 0)),
    message: lit('integer remainder by zero (other [2] holds 0)'),
  },
  {
    name: 'mean of an integer tensor',
    fn: 'mean',
    run: () => mean(zeros([3], { dtype: 'int32' })),
    message: /input must be a float tensor, got int32/,
  },

  // ---- creation and dtypes ----
  {
    name: 'NaN size',
    fn: 'zeros',
    run: () => zeros([Number.NaN]),
    message: lit('[NaN]'),
  },
  {
    name: 'negative size',
    fn: 'full',
    run: () => full([2, -1], 0),
    message: lit('[2,-1]'),
  },
  {
    name: 'more elements than any storage can hold',
    fn: 'full',
    run: () => full([1e6, 1e6], 0),
    message: lit('[1000000,1000000]'),
  },
  {
    name: 'unknown dtype name',
    fn: 'tensor',
    run: () => tensor([1, 2], { dtype: bad<DType>('float16') }),
    message: lit(
      "option 'dtype' must be one of 'float32', 'float64', 'int32', 'bool', got 'float16'",
    ),
  },
  {
    name: 'integer dtype for normal samples',
    fn: 'randn',
    run: () => randn([3], { dtype: 'int32' }),
    message: /dtype must be float32 or float64, got int32/,
  },
  {
    name: 'cast to an unknown dtype',
    fn: 'cast',
    run: () => cast(z(3), bad<DType>('int8')),
    message: /int8/,
  },
  {
    name: 'ragged nested arrays',
    fn: 'tensor',
    run: () => tensor(bad([[1, 2], [3]])),
    message: lit('values[1] should be an array of length 2 (shape [2,2]), got length 1'),
  },
  {
    name: 'typed array that does not fill the shape',
    fn: 'tensor',
    run: () => tensor(Float32Array.from([1, 2, 3]), { shape: [2, 2] }),
    message: lit('shape [2,2] needs 4 values but 3 were given'),
  },

  // ---- tensor life cycle and autograd ----
  {
    name: 'a disposed input',
    fn: 'relu',
    run: () => {
      const x = z(2, 3);
      x.dispose();
      return relu(x);
    },
    message: lit('input [2,3] was disposed and can no longer be used'),
  },
  {
    name: 'a disposed weight',
    fn: 'conv2d',
    run: () => {
      const w = z(6, 1, 5, 5);
      w.dispose();
      return conv2d(z(1, 1, 8, 8), w);
    },
    message: lit('weight [6,1,5,5] was disposed and can no longer be used'),
  },
  {
    name: 'a disposed second operand',
    fn: 'add',
    run: () => {
      const b = z(2);
      b.dispose();
      return add(z(2), b);
    },
    message: lit('other [2] was disposed and can no longer be used'),
  },
  {
    name: 'the value of a tensor with more than one element',
    fn: 'itemSync',
    run: () => z(2, 3).itemSync(),
    message: lit('tensor [2,3] has 6 elements, not 1'),
  },
  {
    name: 'a tensor that does not require grad',
    fn: 'backward',
    run: () => backward(z(2)),
    message: lit('tensor [2] does not require grad'),
  },
  {
    name: 'non-scalar output without a gradient',
    fn: 'backward',
    run: () => backward(mul(zeros([2, 3], { requiresGrad: true }), 2)),
    message: lit('shape [2,3]'),
  },
  {
    name: 'gradient of the wrong shape',
    fn: 'backward',
    run: () => backward(mul(zeros([2, 3], { requiresGrad: true }), 2), z(3)),
    message: lit('gradient [3] does not match tensor [2,3]'),
  },
  {
    name: 'gradient of another dtype',
    fn: 'backward',
    run: () => backward(mul(zeros([3], { requiresGrad: true }), 2), zeros([3], { dtype: 'int32' })),
    message: /int32/,
  },
  {
    name: 'twice through a freed graph',
    fn: 'backward',
    run: () => {
      const x = ones([3], { requiresGrad: true });
      const y = sum(mul(x, x));
      backward(y);
      backward(y);
    },
    message: /second time/,
  },
];
