/** `Linear`: y = x Wᵀ + b over the last dim, like `torch.nn.Linear`. */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { fmtShape, linear, type Tensor } from '@stride/core';
import {
  arg,
  asCalledBy,
  checkOptions,
  factoryRules,
  noExtraArgs,
  option,
  positiveInt,
} from './check.js';
import { biasUniform, type FactoryOptions, kaimingUniform } from './init.js';
import type { LayerInfo } from './layer-info.js';
import { numel } from './layer-info.js';
import { Module } from './module.js';

/** Options of `Linear`. */
export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * A fully connected layer, `y = x Wᵀ + b` over the last dim, like `torch.nn.Linear`, initialised as
 * PyTorch does: weight and bias from U(-1/√inFeatures, 1/√inFeatures).
 */
export class Linear extends Module {
  static override readonly typeName = 'Linear';

  /** Size of the input's last dim. */
  readonly inFeatures: number;
  /** Size of the output's last dim. */
  readonly outFeatures: number;
  /** `[outFeatures, inFeatures]`. */
  weight: Tensor;
  /** `[outFeatures]`, or null without bias. */
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions) {
    noExtraArgs('Linear', arguments, ['inFeatures', 'outFeatures', 'options']);
    super();
    const fn = 'Linear';
    const opts = checkOptions(fn, options, { bias: option.boolean, ...factoryRules() });
    this.inFeatures = arg(fn, 'inFeatures', inFeatures, positiveInt);
    this.outFeatures = arg(fn, 'outFeatures', outFeatures, positiveInt);
    const withBias = opts.bias ?? true;
    const factory = { dtype: opts.dtype, device: opts.device };
    const shape = [outFeatures, inFeatures];
    // A size no tensor can have (`new Linear(2, 1e10)`) is this layer's error, shown on the weight
    // (the bias is smaller, so it fails only if the weight did).
    this.weight = this.param(
      asCalledBy(
        fn,
        () => kaimingUniform(shape, Math.sqrt(5), factory),
        `weight ${fmtShape(shape)}: `,
      ),
    );
    this.bias = this.param(withBias ? biasUniform(outFeatures, inFeatures, factory) : null);
  }

  /** `[..., inFeatures]` to `[..., outFeatures]`. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    const outputs = numel(output);
    const flops = 2 * outputs * this.inFeatures + (this.bias ? outputs : 0);
    // On flattened features every output sees the whole input; on a longer shape it works
    // position by position along the leading dims.
    return output.length === 2 ? { flops, geometry: 'global' } : { flops };
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
