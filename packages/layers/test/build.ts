/** Builds the Stride module a fixture case describes (`new <layer>(...args, options)`). */
import type { Tensor } from '@stride/core';
import * as L from '../src/index.js';

type Spec = [string, unknown[], Record<string, unknown>];
type Ctor = new (...args: never[]) => L.Module;

const CLASSES: Record<string, Ctor> = {
  Linear: L.Linear,
  Conv1d: L.Conv1d,
  Conv2d: L.Conv2d,
  Conv3d: L.Conv3d,
  ConvTranspose1d: L.ConvTranspose1d,
  ConvTranspose2d: L.ConvTranspose2d,
  ConvTranspose3d: L.ConvTranspose3d,
  Upsample: L.Upsample,
  MaxPool1d: L.MaxPool1d,
  MaxPool2d: L.MaxPool2d,
  MaxPool3d: L.MaxPool3d,
  AvgPool1d: L.AvgPool1d,
  AvgPool2d: L.AvgPool2d,
  AvgPool3d: L.AvgPool3d,
  AdaptiveAvgPool1d: L.AdaptiveAvgPool1d,
  AdaptiveAvgPool2d: L.AdaptiveAvgPool2d,
  BatchNorm1d: L.BatchNorm1d,
  BatchNorm2d: L.BatchNorm2d,
  BatchNorm3d: L.BatchNorm3d,
  LayerNorm: L.LayerNorm,
  GroupNorm: L.GroupNorm,
  InstanceNorm1d: L.InstanceNorm1d,
  InstanceNorm2d: L.InstanceNorm2d,
  InstanceNorm3d: L.InstanceNorm3d,
  AdaptiveMaxPool1d: L.AdaptiveMaxPool1d,
  AdaptiveMaxPool2d: L.AdaptiveMaxPool2d,
  AdaptiveMaxPool3d: L.AdaptiveMaxPool3d,
  ReLU: L.ReLU,
  LeakyReLU: L.LeakyReLU,
  ELU: L.ELU,
  GELU: L.GELU,
  SiLU: L.SiLU,
  Sigmoid: L.Sigmoid,
  Tanh: L.Tanh,
  Softmax: L.Softmax,
  LogSoftmax: L.LogSoftmax,
  Flatten: L.Flatten,
  CrossEntropyLoss: L.CrossEntropyLoss,
  NLLLoss: L.NLLLoss,
  MSELoss: L.MSELoss,
  L1Loss: L.L1Loss,
  BCEWithLogitsLoss: L.BCEWithLogitsLoss,
  BCELoss: L.BCELoss,
  SmoothL1Loss: L.SmoothL1Loss,
  HuberLoss: L.HuberLoss,
  KLDivLoss: L.KLDivLoss,
};

/** Layers whose only argument is an options object. */
const OPTIONS_ONLY = new Set(['GELU', 'LeNet5', 'SignalNet', 'Upsample']);

/**
 * `weights` supplies the tensors that loss modules take as options (`weight`, `pos_weight`);
 * the module keeps them.
 */
export function buildModule(
  layer: string,
  args: unknown[],
  options: Record<string, unknown>,
  weights: Record<string, Tensor> = {},
): L.Module {
  if (layer === 'Sequential') {
    return new L.Sequential(...(args as Spec[]).map(([l, a, o]) => buildModule(l, a, o)));
  }
  if (layer === 'LeNet5') return new L.LeNet5(options);
  if (layer === 'SignalNet') return new L.SignalNet(options);
  const Cls = CLASSES[layer];
  if (!Cls) throw new Error(`no builder for ${layer}`);
  if (layer.endsWith('Loss')) {
    const opts: Record<string, unknown> = { ...options };
    if (weights.weight) opts.weight = weights.weight;
    if (weights.pos_weight) opts.posWeight = weights.pos_weight;
    return new (Cls as new (o: unknown) => L.Module)(opts);
  }
  if (OPTIONS_ONLY.has(layer)) return new (Cls as new (o: unknown) => L.Module)(options);
  // Layers without options take only their positional arguments (Flatten, activations).
  const takesOptions = Object.keys(options).length > 0;
  const all = takesOptions ? [...args, options] : args;
  return new (Cls as unknown as new (...a: unknown[]) => L.Module)(...all);
}
