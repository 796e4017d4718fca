/**
 * `GroupNorm` with PyTorch's parameters: the channels split into groups, each standardised over
 * its channels and positions per sample, then a per-channel `weight` (ones) and `bias` (zeros).
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { fmtShape, groupNorm, isTensor, type Tensor } from '@stride/core';
import {
  arg,
  asCalledBy,
  checkOptions,
  factoryRules,
  fail,
  noExtraArgs,
  option,
  positiveInt,
  show,
} from './check.js';
import type { FactoryOptions } from './init.js';
import type { LayerInfo } from './layer-info.js';
import { normFlops } from './layernorm.js';
import { Module } from './module.js';
import { affineParams } from './norm-base.js';

/** Options of `GroupNorm`. */
export interface GroupNormLayerOptions extends FactoryOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Learn a per-channel `weight` and `bias` (default true). */
  affine?: boolean;
}

/**
 * Group normalisation of `[N, C, ...]`, as `torch.nn.GroupNorm`: the C channels form `numGroups`
 * groups of consecutive channels, each standardised over its channels and positions per sample
 * (independent of the batch, so it suits small batches), then scaled and shifted per channel.
 * State-dict keys `weight` and `bias`.
 *
 * @example
 * ```ts
 * const norm = new GroupNorm(4, 32);              // 4 groups of 8 channels
 * norm.forward(randn([2, 32, 8, 8])).shape;       // [2, 32, 8, 8]
 * ```
 */
export class GroupNorm extends Module {
  static override readonly typeName = 'GroupNorm';

  /** The number of groups the channels are split into. */
  readonly numGroups: number;
  /** The number of channels C (dim 1 of the input), a multiple of `numGroups`. */
  readonly numChannels: number;
  /** Added to the variance for stability (default 1e-5). */
  readonly eps: number;
  /** Whether the layer learns `weight` and `bias` (default true). */
  readonly affine: boolean;
  /** Per-channel scale `[numChannels]`, ones at first; null unless `affine`. */
  weight: Tensor | null;
  /** Per-channel shift `[numChannels]`, zeros at first; null unless `affine`. */
  bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, options?: GroupNormLayerOptions) {
    noExtraArgs('GroupNorm', arguments, ['numGroups', 'numChannels', 'options']);
    super();
    const fn = 'GroupNorm';
    const opts = checkOptions(fn, options, {
      eps: option.number({ min: 0 }),
      affine: option.boolean,
      ...factoryRules(),
    });
    this.numGroups = arg(fn, 'numGroups', numGroups, positiveInt);
    this.numChannels = arg(fn, 'numChannels', numChannels, positiveInt);
    if (numChannels % numGroups !== 0) {
      fail(fn, `numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    const factory = { dtype: opts.dtype ?? 'float32', device: opts.device };
    const [weight, bias] = this.affine ? affineParams(fn, [numChannels], factory) : [null, null];
    this.weight = this.param(weight);
    this.bias = this.param(bias);
  }

  forward(x: Tensor): Tensor {
    const fn = this.typeName;
    if (!isTensor(x)) fail(fn, `input must be a Tensor, got ${show(x)}`);
    if (x.rank < 2 || x.shape[1] !== this.numChannels) {
      fail(
        fn,
        `expected an input [N, ${this.numChannels}, ...] (numChannels ${this.numChannels}), got input ${fmtShape(x.shape)}`,
      );
    }
    return asCalledBy(fn, () =>
      groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps }),
    );
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    return { flops: normFlops(output, this.affine) };
  }

  protected override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
