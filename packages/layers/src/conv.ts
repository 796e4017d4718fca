/**
 * `Conv1d`, `Conv2d`, `Conv3d`: convolution layers with every option of core's `conv*d`
 * (stride, zero padding as a number, per-axis pairs, `'valid'` or `'same'`, dilation, groups)
 * and PyTorch's initialisation.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { type ConvPadding, conv1d, conv2d, conv3d, type Tensor } from '@stride/core';
import { checkOptions, fail, noExtraArgs, option, show } from './check.js';
import { CONV_ARGS, ConvBase, convRules } from './conv-base.js';
import type { FactoryOptions } from './init.js';
import { type LayerInfo, numel } from './layer-info.js';

/**
 * Options of `Conv1d`, `Conv2d` and `Conv3d`. Per-axis values are one number for every spatial axis
 * or an array with one per axis.
 */
export interface ConvLayerOptions extends FactoryOptions {
  /** Step between output positions (default 1). */
  stride?: number | readonly number[];
  /** Zero padding (default 0); see core's `ConvPadding`. */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
  /** Learn a per-output-channel bias (default true). */
  bias?: boolean;
}

const OPS = { 1: conv1d, 2: conv2d, 3: conv3d } as const;

/** Zero padding: a number, `'valid'`, `'same'`, or per axis a number or a [before, after] pair. */
function paddingRule(n: number) {
  const int = option.integer({ min: 0 });
  const entry = (p: unknown): boolean =>
    int.test(p) || (Array.isArray(p) && p.length === 2 && p.every((v) => int.test(v)));
  return option.custom<ConvPadding>(
    `${int.expected}, 'valid', 'same' or an array of ${n} (integers ≥ 0 or [before, after] pairs)`,
    (v) =>
      v === 'valid' ||
      v === 'same' ||
      int.test(v) ||
      (Array.isArray(v) && v.length === n && v.every(entry)),
  );
}

/** The shared implementation; `n` is the number of spatial dims. */
export abstract class ConvNd extends ConvBase {
  /** Zero padding as given (a number, per-axis entries, `'valid'` or `'same'`). */
  readonly padding: ConvPadding;

  constructor(
    private readonly n: 1 | 2 | 3,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions | undefined,
  ) {
    const fn = `Conv${n}d`;
    const opts = checkOptions(fn, options, convRules(n, { padding: paddingRule(n) }));
    const padding = opts.padding ?? 0;
    super(fn, n, inChannels, outChannels, kernelSize, opts, false, (layer) => {
      if (padding === 'same' && layer.stride.some((s) => s !== 1)) {
        fail(fn, `padding 'same' needs stride 1, got stride ${show(layer.stride)}`);
      }
    });
    // A copy: the caller's array changing later must not change the layer.
    this.padding = (
      Array.isArray(padding) ? padding.map((p) => (Array.isArray(p) ? [...p] : p)) : padding
    ) as ConvPadding;
  }

  forward(x: Tensor): Tensor {
    return this.convolve(x, undefined);
  }

  /**
   * `relu(this.forward(x))`, the same numbers and gradients, in one pass over the output where
   * the backend fuses the two (core's `activation: 'relu'`). `Sequential` and the models use it
   * for a convolution followed by a `ReLU` when neither has a forward hook.
   */
  forwardRelu(x: Tensor): Tensor {
    return this.convolve(x, 'relu');
  }

  private convolve(x: Tensor, activation: 'relu' | undefined): Tensor {
    return OPS[this.n](x, this.weight, {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      ...(activation ? { activation } : {}),
    });
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    const outputs = numel(output);
    const macs = outputs * (this.inChannels / this.groups) * numel(this.kernelSize);
    return {
      flops: 2 * macs + (this.bias ? outputs : 0),
      geometry: { kernel: this.kernelSize, stride: this.stride, dilation: this.dilation },
    };
  }

  protected override paddingRepr(): string[] {
    return this.padding === 0 ? [] : [`padding=${show(this.padding)}`];
  }
}

/** 1-d convolution over `[N, C, L]`: weight `[outChannels, inChannels / groups, k]`. */
export class Conv1d extends ConvNd {
  static override readonly typeName = 'Conv1d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvLayerOptions,
  ) {
    noExtraArgs('Conv1d', arguments, CONV_ARGS);
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 2-d convolution over `[N, C, H, W]`: weight `[outChannels, inChannels / groups, kH, kW]`.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(1, 6, 5, { padding: 2 });
 * conv.weight.shape;                               // [6, 1, 5, 5]
 * conv.forward(randn([8, 1, 28, 28])).shape;       // [8, 6, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  static override readonly typeName = 'Conv2d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvLayerOptions,
  ) {
    noExtraArgs('Conv2d', arguments, CONV_ARGS);
    super(2, inChannels, outChannels, kernelSize, options);
  }
}

/** 3-d convolution over `[N, C, D, H, W]`: weight `[outChannels, inChannels / groups, kD, kH, kW]`. */
export class Conv3d extends ConvNd {
  static override readonly typeName = 'Conv3d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvLayerOptions,
  ) {
    noExtraArgs('Conv3d', arguments, CONV_ARGS);
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
