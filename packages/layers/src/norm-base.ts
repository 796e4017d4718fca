/**
 * What the BatchNorm and InstanceNorm layers share, as PyTorch's `_NormBase`: their options, a
 * per-channel affine `weight` and `bias`, and the running statistics as buffers with PyTorch's
 * state-dict names. The layers differ in the defaults and in what they normalise over.
 */
import { fmtShape, ones, type Tensor, tensor, zeros } from '@stride/core';
import type { BatchNormLayerOptions } from './batchnorm.js';
import { arg, asCalledBy, checkOptions, factoryRules, option, positiveInt } from './check.js';
import { Module } from './module.js';

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
    // A size no tensor can have (`new BatchNorm2d(1e10)`) is this layer's error. All four tensors
    // have one shape, so the first one made fails, and nothing is left allocated.
    const make = (what: string, create: typeof ones): Tensor =>
      asCalledBy(fn, () => create(shape, factory), `${what} ${fmtShape(shape)}: `);
    this.weight = this.param(this.affine ? make('weight', ones) : null);
    this.bias = this.param(this.affine ? make('bias', zeros) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.buffer(track ? make('running_mean', zeros) : null, 'running_mean');
    this.runningVar = this.buffer(track ? make('running_var', ones) : null, 'running_var');
    this.numBatchesTracked = this.buffer(
      track ? tensor(0, { dtype: 'int32', device: opts.device }) : null,
      'num_batches_tracked',
    );
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}
