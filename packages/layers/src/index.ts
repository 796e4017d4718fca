/**
 * `@stride/layers`: `Module` and the layers, losses and models built on it, in the manner of
 * `torch.nn`. Layers never pick a backend: parameters are created on the active backend (or the
 * `device` option) and `await model.to(device)` moves them.
 *
 * ```ts
 * const model = new LeNet5();
 * const logits = model.forward(images);            // [N, 10]
 * const loss = new CrossEntropyLoss().forward(logits, labels);
 * loss.backward();
 * console.log(summary(model, [1, 1, 28, 28]).table);
 * ```
 *
 * @packageDocumentation
 */

export {
  ELU,
  GELU,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Tanh,
} from './activation.js';
export {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
} from './adaptive.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  type BatchNormLayerOptions,
} from './batchnorm.js';
export { Conv1d, Conv2d, Conv3d, type ConvLayerOptions } from './conv.js';
export {
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  type ConvTransposeLayerOptions,
} from './conv-transpose.js';
export { Dropout, Dropout1d, Dropout2d, Dropout3d } from './dropout.js';
export { Flatten } from './flatten.js';
export { functionalCall } from './functional-call.js';
export { GroupNorm, type GroupNormLayerOptions } from './groupnorm.js';
export { Identity } from './identity.js';
export * as init from './init.js';
export {
  biasUniform,
  calculateGain,
  constant,
  type FactoryOptions,
  fanIn,
  fanOut,
  type InitTarget,
  type KaimingOptions,
  kaimingNormal,
  kaimingUniform,
  type Nonlinearity,
  normal,
  orthogonal,
  truncNormal,
  uniform,
  xavierNormal,
  xavierUniform,
} from './init.js';
export {
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  type InstanceNormLayerOptions,
} from './instancenorm.js';
export type { LayerGeometry, LayerInfo } from './layer-info.js';
export { LayerNorm, type LayerNormLayerOptions } from './layernorm.js';
export { Linear, type LinearOptions } from './linear.js';
export {
  BCELoss,
  type BCELossOptions,
  BCEWithLogitsLoss,
  type BCEWithLogitsLossOptions,
  CrossEntropyLoss,
  type CrossEntropyLossOptions,
  HuberLoss,
  KLDivLoss,
  type KLDivLossOptions,
  L1Loss,
  type LossModuleOptions,
  MSELoss,
  NLLLoss,
  type NLLLossOptions,
  SmoothL1Loss,
} from './loss.js';
export { AlexNet, type AlexNetOptions } from './models/alexnet.js';
export { LeNet5, type LeNet5Options } from './models/lenet.js';
export { SignalNet, type SignalNetOptions } from './models/signalnet.js';
export {
  type ForwardHook,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  Module,
  type StateDict,
} from './module.js';
export { ModuleDict } from './module-dict.js';
export { ModuleList } from './module-list.js';
export {
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  type AvgPoolLayerOptions,
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  type MaxPoolLayerOptions,
  type PoolLayerOptions,
} from './pooling.js';
export { Sequential } from './sequential.js';
export {
  type ModelSummary,
  type SummaryOptions,
  type SummaryRow,
  summary,
} from './summary.js';
export { Upsample, type UpsampleOptions } from './upsample.js';
