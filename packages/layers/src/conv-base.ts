/**
 * What the convolution and transposed-convolution layers share: the channel counts, kernel,
 * stride, dilation and groups and their checks, the weight and bias with PyTorch's
 * initialisation, and the printed options. Each kind adds its padding and its op.
 */
import { fmtShape, type OptionRule, type Tensor } from '@stride/core';
import {
  arg,
  asCalledBy,
  expand,
  factoryRules,
  fail,
  option,
  perAxis,
  positiveInt,
  show,
} from './check.js';
import { biasUniform, type FactoryOptions, kaimingUniform } from './init.js';
import { numel } from './layer-info.js';
import { Module } from './module.js';

/** The positional arguments of every convolution layer's constructor (for `noExtraArgs`). */
export const CONV_ARGS = ['inChannels', 'outChannels', 'kernelSize', 'options'];

/** The options every convolution layer takes besides its padding, as checked. */
export interface ConvBaseOptions extends FactoryOptions {
  stride?: number | readonly number[];
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
}

/**
 * The rules of `ConvBaseOptions` for `n` spatial axes, with each kind's padding rules after the
 * stride, so that errors list the options in PyTorch's order.
 */
export function convRules<P extends Record<string, OptionRule<unknown>>>(n: number, padding: P) {
  return {
    stride: perAxis(n, 1),
    ...padding,
    dilation: perAxis(n, 1),
    groups: positiveInt,
    bias: option.boolean,
    ...factoryRules(),
  };
}

/** The shared part of `ConvNd` and `ConvTransposeNd`. */
export abstract class ConvBase extends Module {
  /** Channels C of the input `[N, C, ...]`. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** Kernel size, one entry per spatial axis. */
  readonly kernelSize: readonly number[];
  /**
   * Step between output positions (transposed: between the outputs of neighbouring inputs), one
   * entry per spatial axis.
   */
  readonly stride: readonly number[];
  /** Spacing between kernel elements, one entry per spatial axis. */
  readonly dilation: readonly number[];
  /** The number of independent channel groups; both channel counts are divisible by it. */
  readonly groups: number;
  /**
   * `[outChannels, inChannels / groups, ...kernelSize]`, or for a transposed convolution
   * `[inChannels, outChannels / groups, ...kernelSize]` (PyTorch's layouts).
   */
  weight: Tensor;
  /** `[outChannels]`, or null without bias. */
  bias: Tensor | null;

  /**
   * `opts` has been checked with `convRules`. `check` runs the checks of the layer's own options
   * once the shared ones pass, before any tensor is made. `transposed`: the weight's layout is
   * `[inChannels, outChannels / groups, ...kernelSize]`.
   */
  constructor(
    fn: string,
    n: number,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    opts: ConvBaseOptions,
    transposed: boolean,
    check: (layer: ConvBase) => void,
  ) {
    super();
    this.inChannels = arg(fn, 'inChannels', inChannels, positiveInt);
    this.outChannels = arg(fn, 'outChannels', outChannels, positiveInt);
    this.kernelSize = expand(arg(fn, 'kernelSize', kernelSize, perAxis(n, 1)), n);
    this.stride = expand(opts.stride ?? 1, n);
    this.dilation = expand(opts.dilation ?? 1, n);
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      fail(
        fn,
        `groups ${this.groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`,
      );
    }
    check(this);
    const factory = { dtype: opts.dtype, device: opts.device };
    // PyTorch's fan-in: the channels per group on the weight's second axis times the kernel,
    // for weight and bias alike.
    const [rows, cols] = transposed ? [inChannels, outChannels] : [outChannels, inChannels];
    const shape = [rows, cols / this.groups, ...this.kernelSize];
    // A size no tensor can have (`new Conv2d(1, 1e10, 3)`) is this layer's error, shown on the
    // weight (the bias is smaller, so it fails only if the weight did).
    this.weight = this.param(
      asCalledBy(
        fn,
        () => kaimingUniform(shape, Math.sqrt(5), factory),
        `weight ${fmtShape(shape)}: `,
      ),
    );
    const fan = (cols / this.groups) * numel(this.kernelSize);
    this.bias = this.param((opts.bias ?? true) ? biasUniform(outChannels, fan, factory) : null);
  }

  /** The padding options as `toString()` shows them, those left at their default left out. */
  protected abstract paddingRepr(): string[];

  protected override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${show(this.kernelSize)}`];
    if (this.stride.some((s) => s !== 1)) parts.push(`stride=${show(this.stride)}`);
    parts.push(...this.paddingRepr());
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${show(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=false');
    return parts.join(', ');
  }
}
