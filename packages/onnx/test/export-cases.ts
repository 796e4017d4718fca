/**
 * The models and functions the export tests run through onnxruntime and ONNX's checker: the
 * built-in models, a residual net with batch norm, a conv3d net, and one case per op and option
 * the exporter maps.
 */
import {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  add,
  avgPool1d,
  avgPool2d,
  clamp,
  concat,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  elu,
  flatten,
  gelu,
  groupNorm,
  indexSelect,
  instanceNorm,
  interpolate,
  layerNorm,
  leakyRelu,
  linear,
  logSoftmax,
  matmul,
  maxPool2d,
  maxPool3d,
  mean,
  mul,
  noGrad,
  pad,
  permute,
  randn,
  relu,
  sigmoid,
  silu,
  softmax,
  softplus,
  squeeze,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  tidy,
  unsqueeze,
} from '@stride/core';
import {
  AdaptiveAvgPool3d,
  AlexNet,
  AvgPool3d,
  BatchNorm2d,
  BatchNorm3d,
  Conv2d,
  Conv3d,
  Dropout,
  Flatten,
  LeNet5,
  Linear,
  MaxPool3d,
  Module,
  ReLU,
  Sequential,
  SignalNet,
} from '@stride/layers';
import type { Exportable, ExportOnnxOptions } from '../src/index.js';

export interface ExportCase {
  readonly name: string;
  /** Built under the seed the test sets, so values repeat. */
  build(): Exportable;
  /** Example inputs. */
  inputs(): Tensor[];
  readonly options?: ExportOnnxOptions;
  /** Inputs of another batch size, for a dynamic-batch case. */
  otherBatch?(): Tensor[];
}

/** A residual block with batch norm, as in ResNet: relu(bn2(conv2(relu(bn1(conv1(x))))) + x). */
class Block extends Module {
  static override readonly typeName = 'Block';
  conv1 = new Conv2d(8, 8, 3, { padding: 1, bias: false });
  bn1 = new BatchNorm2d(8);
  conv2 = new Conv2d(8, 8, 3, { padding: 1, bias: false });
  bn2 = new BatchNorm2d(8);

  forward(x: Tensor): Tensor {
    const y = this.bn2(this.conv2(relu(this.bn1(this.conv1(x)))));
    return relu(add(y, x));
  }
}

/** A small residual network with batch norm whose running statistics are not the defaults. */
export class ResidualNet extends Module {
  static override readonly typeName = 'ResidualNet';
  stem = new Sequential(new Conv2d(3, 8, 3, { padding: 1 }), new BatchNorm2d(8), new ReLU());
  block1 = new Block();
  block2 = new Block();
  head = new Linear(8, 5);

  constructor() {
    super();
    // Running statistics as training leaves them, so that eval-mode batch norm is not identity.
    noGrad(() => {
      for (const [name, t] of this.namedBuffers()) {
        if (name.endsWith('running_mean')) t.assign(randn(t.shape).mul(0.2));
        if (name.endsWith('running_var')) t.assign(randn(t.shape).abs().add(0.5));
      }
    });
  }

  forward(x: Tensor): Tensor {
    const y = this.block2(this.block1(this.stem(x)));
    return this.head(flatten(mean(y, [2, 3], true), 1));
  }
}

/** A volumetric net: Conv3d, BatchNorm3d, max and average pooling in 3-d, global pooling. */
export class VolumeNet extends Module {
  static override readonly typeName = 'VolumeNet';
  features = new Sequential(
    new Conv3d(1, 4, 3, { padding: 1 }),
    new BatchNorm3d(4),
    new ReLU(),
    new MaxPool3d(2),
    new Conv3d(4, 6, [3, 1, 3], { stride: [1, 2, 1], dilation: [1, 1, 2], padding: [1, 0, 2] }),
    new ReLU(),
    new AvgPool3d(2, { ceilMode: true }),
    new AdaptiveAvgPool3d(1),
  );
  flatten = new Flatten();
  head = new Sequential(new Dropout(0.3), new Linear(6, 3));

  forward(x: Tensor): Tensor {
    return this.head(this.flatten(this.features(x)));
  }
}

const batchOf = (shape: number[]) => (n: number) => [randn([n, ...shape.slice(1)])];

/** The built-in models and the two networks above: what the issue names. */
export const MODEL_CASES: readonly ExportCase[] = [
  {
    name: 'LeNet5',
    build: () => new LeNet5(),
    inputs: () => batchOf([2, 1, 28, 28])(2),
    options: { dynamicBatch: true },
    otherBatch: () => batchOf([2, 1, 28, 28])(5),
  },
  {
    name: 'AlexNet (32×32, 10 classes)',
    build: () => new AlexNet({ inputSize: 32, numClasses: 10, hidden: 64 }),
    inputs: () => [randn([2, 3, 32, 32])],
    options: { dynamicBatch: true },
    otherBatch: () => [randn([3, 3, 32, 32])],
  },
  {
    name: 'SignalNet',
    build: () => new SignalNet(),
    inputs: () => [randn([2, 1, 256])],
    options: { dynamicBatch: true },
    otherBatch: () => [randn([4, 1, 256])],
  },
  {
    name: 'residual net with batch norm',
    build: () => new ResidualNet(),
    inputs: () => [randn([2, 3, 12, 12])],
    options: { dynamicBatch: true },
    otherBatch: () => [randn([3, 3, 12, 12])],
  },
  {
    name: 'conv3d net',
    build: () => new VolumeNet(),
    inputs: () => [randn([2, 1, 8, 9, 10])],
  },
];

/** A function case: `f` over inputs of the given shapes, with weights drawn once. */
function fnCase(
  name: string,
  shapes: number[][],
  make: () => (...xs: Tensor[]) => Tensor | Tensor[],
  options?: ExportOnnxOptions,
): ExportCase {
  return {
    name,
    build: make,
    inputs: () => shapes.map((s) => randn(s)),
    ...(options ? { options } : {}),
  };
}

/** One case per op and option the exporter maps. */
export const OP_CASES: readonly ExportCase[] = [
  fnCase('conv2d stride, asymmetric padding, dilation, groups, bias', [[2, 4, 11, 10]], () => {
    const w = randn([6, 2, 3, 2]);
    const b = randn([6]);
    return (x) =>
      conv2d(x, w, { bias: b, stride: [2, 1], padding: [[2, 0], 1], dilation: [1, 2], groups: 2 });
  }),
  fnCase("conv1d padding 'same'", [[2, 3, 17]], () => {
    const w = randn([5, 3, 4]);
    return (x) => conv1d(x, w, { padding: 'same', dilation: 2 });
  }),
  fnCase('conv2d unbatched input', [[3, 9, 9]], () => {
    const w = randn([4, 3, 3, 3]);
    return (x) => conv2d(x, w, { padding: 1 });
  }),
  fnCase('conv3d depthwise', [[1, 4, 5, 6, 7]], () => {
    const w = randn([4, 1, 3, 3, 3]);
    return (x) => conv3d(x, w, { groups: 4, padding: 1, stride: 2 });
  }),
  fnCase('convTranspose2d outputPadding, groups, dilation, bias', [[2, 4, 5, 6]], () => {
    const w = randn([4, 3, 3, 2]);
    const b = randn([6]);
    return (x) =>
      convTranspose2d(x, w, {
        bias: b,
        stride: [2, 3],
        padding: [1, 0],
        outputPadding: [1, 2],
        dilation: [1, 1],
        groups: 2,
      });
  }),
  fnCase('convTranspose1d dilation', [[2, 3, 9]], () => {
    const w = randn([3, 2, 3]);
    return (x) => convTranspose1d(x, w, { stride: 2, padding: 2, dilation: 2, outputPadding: 1 });
  }),
  fnCase('convTranspose3d', [[1, 2, 3, 4, 3]], () => {
    const w = randn([2, 3, 2, 2, 2]);
    return (x) => convTranspose3d(x, w, { stride: 2 });
  }),
  fnCase(
    'maxPool2d ceilMode, padding, dilation',
    [[2, 3, 11, 10]],
    () => (x) =>
      maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, dilation: [1, 2], ceilMode: true }),
  ),
  fnCase(
    'avgPool2d ceilMode, countIncludePad false',
    [[2, 3, 11, 10]],
    () => (x) =>
      avgPool2d(x, {
        kernelSize: [3, 2],
        stride: 2,
        padding: 1,
        ceilMode: true,
        countIncludePad: false,
      }),
  ),
  fnCase(
    'avgPool1d counting padding',
    [[2, 3, 13]],
    () => (x) => avgPool1d(x, { kernelSize: 4, stride: 3, padding: 2 }),
  ),
  fnCase(
    'maxPool3d',
    [[1, 2, 6, 7, 8]],
    () => (x) => maxPool3d(x, { kernelSize: 2, stride: [1, 2, 2] }),
  ),
  fnCase(
    'adaptive average and max pooling (global and dividing)',
    [[2, 3, 8, 12]],
    () => (x) =>
      concat(
        [
          flatten(adaptiveAvgPool2d(x, [2, 3]), 1),
          flatten(adaptiveMaxPool2d(x, [4, 1]), 1),
          flatten(adaptiveAvgPool2d(x, 1), 1),
        ],
        1,
      ),
  ),
  fnCase(
    'interpolate nearest (scaleFactor) and bilinear (size)',
    [[2, 3, 5, 6]],
    () => (x) =>
      add(interpolate(x, { scaleFactor: 2 }), interpolate(x, { size: [10, 12], mode: 'bilinear' })),
  ),
  fnCase(
    'interpolate bilinear alignCorners, nearest by size',
    [[1, 2, 4, 5]],
    () => (x) =>
      sub(
        interpolate(x, { size: [7, 9], mode: 'bilinear', alignCorners: true }),
        interpolate(x, { size: [7, 9] }),
      ),
  ),
  fnCase(
    'interpolate bilinear to an output of length 1',
    [[1, 2, 4, 6]],
    () => (x) => interpolate(x, { size: [1, 3], mode: 'bilinear' }),
  ),
  fnCase(
    'interpolate linear and trilinear',
    [[1, 2, 3, 4, 5]],
    () => (x) => flatten(interpolate(x, { scaleFactor: [2, 1.5, 2], mode: 'trilinear' }), 2),
  ),
  fnCase('layerNorm (LayerNormalization)', [[2, 5, 6]], () => {
    const w = randn([5, 6]);
    const b = randn([5, 6]);
    return (x) => layerNorm(x, [5, 6], { weight: w, bias: b, eps: 1e-3 });
  }),
  fnCase(
    'layerNorm at opset 13 (decomposed)',
    [[2, 5, 6]],
    () => {
      const w = randn([6]);
      return (x) => layerNorm(x, 6, { weight: w });
    },
    { opset: 13 },
  ),
  fnCase('groupNorm', [[2, 6, 4, 3]], () => {
    const w = randn([6]);
    const b = randn([6]);
    return (x) => groupNorm(x, 3, { weight: w, bias: b });
  }),
  fnCase('instanceNorm', [[2, 3, 5, 4]], () => {
    const w = randn([3]);
    return (x) => instanceNorm(x, { weight: w, eps: 1e-4 }).output;
  }),
  fnCase(
    'activations',
    [[3, 7]],
    () => (x) =>
      concat(
        [
          leakyRelu(x, 0.2),
          elu(x, 1.5),
          gelu(x),
          gelu(x, { approximate: 'tanh' }),
          silu(x),
          softplus(x, 2),
          sigmoid(x),
          tanh(x),
          softmax(x, 0),
          logSoftmax(x),
          clamp(x, -0.5, 0.7),
          clamp(x, undefined, 0.1),
        ],
        1,
      ),
  ),
  fnCase(
    'gelu at opset 20 (Gelu)',
    [[3, 7]],
    () => (x) => concat([gelu(x), gelu(x, { approximate: 'tanh' })], 0),
    { opset: 20 },
  ),
  fnCase(
    'pad constant, reflect, replicate',
    [[1, 2, 4, 5]],
    () => (x) =>
      add(
        add(pad(x, [1, 2, 0, 1], 'constant', 0.5), pad(x, [1, 2, 0, 1], 'reflect')),
        pad(x, [1, 2, 0, 1], 'replicate'),
      ),
  ),
  fnCase(
    'layout: permute, squeeze, unsqueeze, reshape',
    [[2, 1, 3, 4]],
    () => (x) => unsqueeze(squeeze(permute(x, [0, 3, 1, 2]), 2), 1).reshape([2, -1, 3]),
  ),
  fnCase(
    'reductions and arithmetic',
    [
      [2, 3, 4],
      [3, 4],
    ],
    () => (x, y) =>
      concat(
        [
          sum(mul(x, y), 2, true),
          mean(add(x, 1), 2, true).mul(sub(2, mean(y))),
          x.div(y).sum(-1, true),
        ],
        2,
      ),
  ),
  fnCase('mean at opset 18 (axes as an input)', [[2, 3, 4]], () => (x) => mean(x, [0, 2]), {
    opset: 18,
  }),
  fnCase(
    'matmul and linear on 3-d input',
    [
      [2, 3, 4],
      [4, 5],
    ],
    () => {
      const w = randn([6, 5]);
      const b = randn([6]);
      return (x, y) => linear(matmul(x, y), w, b);
    },
  ),
  fnCase(
    'indexSelect with a constant index',
    [[2, 5, 3]],
    () => (x) => indexSelect(x, 1, tensor([4, 0, 2, 2])),
  ),
  fnCase('three outputs, one of them twice', [[2, 3]], () => (x) => {
    const y = relu(x);
    return [y, x.mul(3), y];
  }),
];

/** All cases. */
export const CASES: readonly ExportCase[] = [...MODEL_CASES, ...OP_CASES];

/** Stride's own outputs, in evaluation mode and without gradients, as host arrays. */
export function strideOutputs(
  model: Exportable | ((...xs: Tensor[]) => Tensor | Tensor[]),
  inputs: Tensor[],
): Float32Array[] {
  if (model instanceof Module) model.eval();
  return tidy(() =>
    noGrad(() => {
      const out = (model as (...xs: Tensor[]) => Tensor | Tensor[])(...inputs);
      return (Array.isArray(out) ? out : [out]).map((t) =>
        Float32Array.from(t.dataSync() as Float32Array),
      );
    }),
  );
}
