/**
 * Small Stride models that hold every layer of `@stride/layers` with its options set away from
 * the defaults, with inputs to run them on: the PyTorch equivalence test runs each one in Stride
 * and, through `toPyTorch`, in PyTorch.
 */
import { rand, randint, randn, type Tensor, tensor } from '@stride/core';
import * as L from '@stride/layers';
import type { ToPyTorchOptions } from '../src/index.js';

export interface LayerCase {
  readonly name: string;
  readonly build: () => L.Module;
  readonly inputs: () => Tensor[];
  readonly options?: ToPyTorchOptions;
  /** One forward in training mode before the checkpoint is taken, so running statistics move. */
  readonly warm?: boolean;
  /** Compare in training mode (default: eval). */
  readonly train?: boolean;
}

const x = (shape: number[], seed: number): Tensor => randn(shape, { seed });

/** A block of the user's own: children, a parameter, a buffer and a setting of its own. */
class ScaledResidual extends L.Module {
  static override readonly typeName = 'ScaledResidual';
  readonly conv: L.Conv2d;
  readonly norms: L.Module[];
  readonly heads: L.ModuleDict<{ relu: L.ReLU; 'gelu-tanh': L.GELU }>;
  readonly gate: Tensor;
  readonly shift: Tensor;
  readonly scale = 0.5;

  constructor(channels: number) {
    super();
    this.gate = this.param(randn([channels, 1, 1], { seed: 7 }));
    this.shift = this.buffer(rand([channels, 1, 1], { seed: 8 }));
    this.conv = new L.Conv2d(channels, channels, 3, { padding: 1 });
    this.norms = [new L.GroupNorm(2, channels), new L.Identity()];
    this.heads = new L.ModuleDict({
      relu: new L.ReLU(),
      'gelu-tanh': new L.GELU({ approximate: 'tanh' }),
    });
  }

  forward(input: Tensor): Tensor {
    const [norm, id] = this.norms as [L.Module, L.Module];
    const y = id(norm(this.conv(input)))
      .mul(this.gate)
      .add(this.shift);
    return this.heads.get('relu')(y.mul(this.scale).add(input));
  }
}

const RESIDUAL_FORWARD = `
y = self.norms[1](self.norms[0](self.conv(x))) * self.gate + self.shift
return self.heads["relu"](y * self.scale + x)
`;

export const CASES: readonly LayerCase[] = [
  {
    name: 'conv1d',
    build: () =>
      new L.Sequential(
        new L.Conv1d(3, 4, 3, { stride: 2, padding: 1 }),
        new L.Conv1d(4, 4, 3, { padding: 'same', dilation: 2, groups: 2 }),
        new L.Conv1d(4, 2, 2, { padding: [[0, 1]] }),
        new L.Conv1d(2, 2, 3, { padding: 'valid', bias: false }),
      ),
    inputs: () => [x([2, 3, 16], 1)],
  },
  {
    name: 'conv2d',
    build: () =>
      new L.Sequential(
        new L.Conv2d(3, 4, [3, 2], { stride: [2, 1], padding: [1, [0, 1]] }),
        new L.Conv2d(4, 4, 4, { padding: 'same' }),
        new L.Conv2d(4, 6, 3, { groups: 2, dilation: [1, 2], padding: [2, 1] }),
      ),
    inputs: () => [x([2, 3, 10, 9], 2)],
  },
  {
    name: 'conv3d',
    build: () =>
      new L.Sequential(
        new L.Conv3d(2, 3, 3, { padding: [[1, 0], 1, [0, 2]] }),
        new L.Conv3d(3, 2, 2, { stride: 2, bias: false }),
      ),
    inputs: () => [x([1, 2, 6, 7, 5], 3)],
  },
  {
    name: 'conv_transpose',
    build: () =>
      new L.ModuleList([
        new L.ConvTranspose1d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }),
        new L.ConvTranspose2d(4, 6, [3, 2], { stride: [2, 3], dilation: [2, 1], groups: 2 }),
        new L.ConvTranspose3d(2, 2, 2, { stride: 2, bias: false }),
      ]),
    inputs: () => [],
  },
  {
    name: 'conv_transpose1d',
    build: () =>
      new L.Sequential(
        new L.ConvTranspose1d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }),
        new L.ConvTranspose1d(4, 2, 4, { dilation: 2, bias: false }),
      ),
    inputs: () => [x([2, 3, 7], 4)],
  },
  {
    name: 'conv_transpose2d',
    build: () =>
      new L.ConvTranspose2d(4, 6, [3, 2], {
        stride: [2, 3],
        padding: [1, 0],
        outputPadding: [1, 2],
        dilation: [2, 1],
        groups: 2,
      }),
    inputs: () => [x([2, 4, 5, 4], 5)],
  },
  {
    name: 'conv_transpose3d',
    build: () => new L.ConvTranspose3d(2, 3, 2, { stride: 2, padding: [0, 1, 0] }),
    inputs: () => [x([1, 2, 3, 4, 3], 6)],
  },
  {
    name: 'linear_flatten_activations',
    build: () =>
      new L.Sequential(
        new L.Flatten(2, 3),
        new L.Linear(12, 8),
        new L.ReLU(),
        new L.Linear(8, 8, { bias: false }),
        new L.LeakyReLU(0.2),
        new L.ELU(0.5),
        new L.GELU(),
        new L.GELU({ approximate: 'tanh' }),
        new L.SiLU(),
        new L.Sigmoid(),
        new L.Tanh(),
        new L.Flatten(),
        new L.Linear(40, 6),
        new L.Softmax(1),
        new L.LogSoftmax(-1),
      ),
    inputs: () => [x([2, 5, 3, 4], 7)],
  },
  {
    name: 'batchnorm',
    build: () =>
      new L.ModuleDict({
        bn1: new L.BatchNorm1d(3, { momentum: 0.3, eps: 1e-3 }),
        bn2: new L.BatchNorm2d(3, { affine: false }),
        bn3: new L.BatchNorm3d(3, { trackRunningStats: false }),
      }),
    inputs: () => [],
  },
  {
    name: 'batchnorm1d',
    warm: true,
    build: () =>
      new L.Sequential(
        new L.BatchNorm1d(3, { momentum: 0.3, eps: 1e-3 }),
        new L.Flatten(),
        new L.BatchNorm1d(12),
      ),
    inputs: () => [x([4, 3, 4], 8)],
  },
  {
    name: 'batchnorm2d_3d',
    warm: true,
    build: () =>
      new L.Sequential(
        new L.BatchNorm3d(3, { trackRunningStats: false }),
        new L.Flatten(2, 3),
        new L.BatchNorm2d(3, { affine: false, momentum: 0.5 }),
      ),
    inputs: () => [x([2, 3, 2, 3, 4], 9)],
  },
  {
    name: 'batchnorm_training',
    train: true,
    build: () =>
      new L.Sequential(
        new L.BatchNorm2d(3, { eps: 1e-4, momentum: 0.3 }),
        new L.InstanceNorm2d(3, { trackRunningStats: true, momentum: 0.4 }),
      ),
    inputs: () => [x([3, 3, 4, 4], 10)],
  },
  {
    name: 'instancenorm',
    warm: true,
    build: () =>
      new L.Sequential(
        new L.InstanceNorm3d(2, { affine: true }),
        new L.Flatten(3, 4),
        new L.InstanceNorm2d(2, { trackRunningStats: true, momentum: 0.2 }),
        new L.Flatten(2, 3),
        new L.InstanceNorm1d(2, { eps: 1e-3, affine: true, trackRunningStats: true }),
      ),
    inputs: () => [x([2, 2, 3, 4, 5], 11)],
  },
  {
    name: 'group_layer_norm',
    build: () =>
      new L.Sequential(
        new L.GroupNorm(2, 4, { eps: 1e-4 }),
        new L.GroupNorm(4, 4, { affine: false }),
        new L.LayerNorm([5, 6]),
        new L.LayerNorm(6, { elementwiseAffine: false, eps: 1e-3 }),
      ),
    inputs: () => [x([2, 4, 5, 6], 12)],
  },
  {
    name: 'pool1d',
    build: () =>
      new L.ModuleList([
        new L.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true }),
        new L.MaxPool1d(2, { dilation: 2 }),
        new L.AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }),
        new L.AvgPool1d(2),
        new L.AdaptiveAvgPool1d(3),
        new L.AdaptiveMaxPool1d(4),
      ]),
    inputs: () => [],
  },
  ...(
    [
      ['maxpool1d', new L.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true })],
      ['maxpool1d_dilated', new L.MaxPool1d(2, { dilation: 2 })],
      [
        'avgpool1d',
        new L.AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }),
      ],
      ['avgpool1d_plain', new L.AvgPool1d(2)],
      ['adaptiveavgpool1d', new L.AdaptiveAvgPool1d(3)],
      ['adaptivemaxpool1d', new L.AdaptiveMaxPool1d(4)],
    ] as const
  ).map(([name, layer]) => ({ name, build: () => layer, inputs: () => [x([2, 3, 12], 13)] })),
  ...(
    [
      ['maxpool2d', new L.MaxPool2d([3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] })],
      ['maxpool2d_ceil', new L.MaxPool2d(2, { ceilMode: true })],
      ['avgpool2d', new L.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })],
      ['avgpool2d_ceil', new L.AvgPool2d([2, 3], { ceilMode: true, padding: [1, 1] })],
      ['adaptiveavgpool2d', new L.AdaptiveAvgPool2d([3, null])],
      ['adaptivemaxpool2d', new L.AdaptiveMaxPool2d([2, 3])],
      ['upsample_nearest', new L.Upsample({ scaleFactor: [2, 1.5] })],
      ['upsample_bilinear', new L.Upsample({ size: [9, 4], mode: 'bilinear', alignCorners: true })],
      ['upsample_bilinear_scale', new L.Upsample({ scaleFactor: 1.5, mode: 'bilinear' })],
    ] as const
  ).map(([name, layer]) => ({ name, build: () => layer, inputs: () => [x([2, 3, 7, 9], 14)] })),
  ...(
    [
      ['maxpool3d', new L.MaxPool3d(2, { ceilMode: true, padding: [1, 0, 1] })],
      [
        'avgpool3d',
        new L.AvgPool3d([2, 3, 2], { stride: 1, padding: [0, 1, 1], countIncludePad: false }),
      ],
      ['adaptiveavgpool3d', new L.AdaptiveAvgPool3d([2, null, 3])],
      ['adaptivemaxpool3d', new L.AdaptiveMaxPool3d(2)],
      ['upsample_trilinear', new L.Upsample({ scaleFactor: [1, 2, 0.5], mode: 'trilinear' })],
    ] as const
  ).map(([name, layer]) => ({ name, build: () => layer, inputs: () => [x([1, 2, 5, 6, 7], 15)] })),
  {
    name: 'upsample_linear',
    build: () =>
      new L.Sequential(
        new L.Upsample({ size: 13, mode: 'linear' }),
        new L.Upsample({ scaleFactor: 2 }),
      ),
    inputs: () => [x([2, 3, 5], 16)],
  },
  {
    name: 'dropout_identity',
    build: () =>
      new L.Sequential(
        new L.Dropout(0.3),
        new L.Dropout3d(0.1),
        new L.Flatten(3, 4),
        new L.Dropout2d(),
        new L.Flatten(2, 3),
        new L.Dropout1d(0.2),
        new L.Identity(),
      ),
    inputs: () => [x([2, 3, 2, 3, 4], 17)],
  },
  {
    name: 'custom_module',
    build: () =>
      new L.Sequential(new ScaledResidual(4), new ScaledResidual(4), new L.AdaptiveAvgPool2d(1)),
    inputs: () => [x([2, 4, 5, 5], 18)],
    options: { forwards: { ScaledResidual: RESIDUAL_FORWARD } },
  },
  {
    name: 'lenet5',
    build: () => new L.LeNet5(),
    inputs: () => [rand([3, 1, 28, 28], { seed: 19 })],
  },
  {
    name: 'lenet5_classic',
    build: () => new L.LeNet5({ variant: 'classic', inChannels: 2, numClasses: 4 }),
    inputs: () => [rand([2, 2, 28, 28], { seed: 20 })],
    options: { className: 'ClassicLeNet' },
  },
  {
    name: 'alexnet',
    warm: false,
    build: () => new L.AlexNet({ inputSize: 32, hidden: 32, numClasses: 5 }),
    inputs: () => [rand([2, 3, 32, 32], { seed: 21 })],
  },
  {
    name: 'signalnet',
    warm: true,
    build: () => new L.SignalNet({ channels: [4, 8], kernelSize: 5, numClasses: 3 }),
    inputs: () => [randn([2, 1, 64], { seed: 22 })],
  },
  {
    name: 'float64',
    build: () => new L.Sequential(new L.Conv2d(2, 3, 3, { dtype: 'float64' }), new L.ReLU()),
    inputs: () => [randn([1, 2, 5, 5], { seed: 23, dtype: 'float64' })],
  },
  {
    name: 'cross_entropy',
    build: () =>
      new L.CrossEntropyLoss({
        weight: rand([5], { seed: 24 }),
        ignoreIndex: 2,
        labelSmoothing: 0.1,
      }),
    inputs: () => [x([6, 5], 25), randint(0, 5, [6], { seed: 26 })],
  },
  {
    name: 'nll',
    build: () => new L.NLLLoss({ weight: rand([5], { seed: 27 }), reduction: 'sum' }),
    inputs: () => [x([6, 5], 28), randint(0, 5, [6], { seed: 29 })],
  },
  {
    name: 'mse',
    build: () => new L.MSELoss({ reduction: 'none' }),
    inputs: () => [x([3, 4], 30), x([3, 4], 31)],
  },
  {
    name: 'l1',
    build: () => new L.L1Loss(),
    inputs: () => [x([3, 4], 32), x([3, 4], 33)],
  },
  {
    name: 'bce',
    build: () => new L.BCELoss({ weight: rand([4], { seed: 34 }) }),
    inputs: () => [rand([3, 4], { seed: 35 }).mul(0.9).add(0.05), rand([3, 4], { seed: 36 })],
  },
  {
    name: 'bce_logits',
    build: () =>
      new L.BCEWithLogitsLoss({
        weight: rand([3, 1], { seed: 37 }),
        posWeight: tensor([0.5, 2, 1, 3]),
        reduction: 'sum',
      }),
    inputs: () => [x([3, 4], 38), rand([3, 4], { seed: 39 })],
  },
  {
    name: 'smooth_l1',
    build: () => new L.SmoothL1Loss({ beta: 0.5 }),
    inputs: () => [x([3, 4], 40), x([3, 4], 41)],
  },
  {
    name: 'huber',
    build: () => new L.HuberLoss({ delta: 0.7, reduction: 'sum' }),
    inputs: () => [x([3, 4], 42), x([3, 4], 43)],
  },
  {
    name: 'kl_div',
    build: () => new L.KLDivLoss({ reduction: 'batchmean', logTarget: true }),
    inputs: () => [x([3, 4], 44).logSoftmax(1), x([3, 4], 45).logSoftmax(1)],
  },
];
