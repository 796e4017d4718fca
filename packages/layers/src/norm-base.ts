/**
 * What the normalisation layers share: their affine `weight` and `bias` (all of them) and, for
 * the BatchNorm and InstanceNorm layers, as PyTorch's `_NormBase`, their options and the running
 * statistics as buffers with PyTorch's state-dict names. The layers differ in the defaults and in
 * what they normalise over.
 */
import { type CreateOptions, fmtShape, ones, type Tensor, tensor, zeros } from '@stride/core';
import type { BatchNormLayerOptions } from './batchnorm.js';
import { arg, asCalledBy, checkOptions, factoryRules, option, positiveInt } from './check.js';
import { Module } from './module.js';

/**
 * A new tensor of a normalisation layer (`create` is `ones` or `zeros`). A size no tensor can have
 * (`new BatchNorm2d(1e10)`) is the layer's error, naming the tensor.
 */
export function normTensor(
  fn: string,
  what: string,
  create: typeof ones,
  shape: readonly number[],
  factory: CreateOptions,
): Tensor {
  return asCalledBy(fn, () => create(shape, factory), `${what} ${fmtShape(shape)}: `);
}

/** The affine `weight` (ones) and `bias` (zeros) of a normalisation layer, of `shape`. */
export function affineParams(
  fn: string,
  shape: readonly number[],
  factory: CreateOptions,
): [weight: Tensor, bias: Tensor] {
  return [
    normTensor(fn, 'weight', ones, shape, factory),
    normTensor(fn, 'bias', zeros, shape, factory),
  ];
}

/** The per-channel state of a BatchNorm or InstanceNorm layer. */
export abstract class NormBase extends Module {
  /** The number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance for stability (default 1e-5). */
  readonly eps: number;
  /** Weight of each new batch in the running averages, in [0, 1] (default 0.1). */
  readonly momentum: number;
  /**
   * Whether the layer learns a per-channel `weight` and `bias` (default true for BatchNorm, false
   * for InstanceNorm).
   */
  readonly affine: boolean;
  /**
   * Whether the layer keeps running averages, used in evaluation in place of the statistics of
   * the input (default true for BatchNorm, false for InstanceNorm).
   */
  readonly trackRunningStats: boolean;
  /** Per-channel scale (gamma), `[numFeatures]`; null unless `affine`. */
  weight: Tensor | null;
  /** Per-channel shift (beta), `[numFeatures]`; null unless `affine`. */
  bias: Tensor | null;
  /** State-dict key `running_mean`; null unless `trackRunningStats`. */
  runningMean: Tensor | null;
  /** State-dict key `running_var`; null unless `trackRunningStats`. */
  runningVar: Tensor | null;
  /**
   * int32 scalar, state-dict key `num_batches_tracked` (int64 in PyTorch); null unless
   * `trackRunningStats`. BatchNorm counts its training batches in it; InstanceNorm keeps it at 0,
   * as PyTorch's instance norm does.
   */
  numBatchesTracked: Tensor | null;

  /** `defaults`: `affine` and `trackRunningStats` where the options leave them out. */
  constructor(
    numFeatures: number,
    options: BatchNormLayerOptions | undefined,
    defaults: { readonly affine: boolean; readonly trackRunningStats: boolean },
  ) {
    super();
    const fn = this.typeName;
    const opts = checkOptions(fn, options, {
      eps: option.number({ min: 0 }),
      momentum: option.number({ min: 0, max: 1 }),
      affine: option.boolean,
      trackRunningStats: option.boolean,
      ...factoryRules(),
    });
    this.numFeatures = arg(fn, 'numFeatures', numFeatures, positiveInt);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.affine = opts.affine ?? defaults.affine;
    this.trackRunningStats = opts.trackRunningStats ?? defaults.trackRunningStats;
    const factory = { dtype: opts.dtype ?? 'float32', device: opts.device };
    const shape = [numFeatures];
    // All four tensors have one shape, so the first one made fails, and nothing is left allocated.
    const [weight, bias] = this.affine ? affineParams(fn, shape, factory) : [null, null];
    this.weight = this.param(weight);
    this.bias = this.param(bias);
    const make = (what: string, create: typeof ones): Tensor | null =>
      this.trackRunningStats ? normTensor(fn, what, create, shape, factory) : null;
    this.runningMean = this.buffer(make('running_mean', zeros), 'running_mean');
    this.runningVar = this.buffer(make('running_var', ones), 'running_var');
    this.numBatchesTracked = this.buffer(
      this.trackRunningStats ? tensor(0, { dtype: 'int32', device: opts.device }) : null,
      'num_batches_tracked',
    );
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}
