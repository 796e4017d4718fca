/**
 * `Conv1d`, `Conv2d`, `Conv3d`: convolution layers with every option of core's `conv*d`
 * (stride, zero padding as a number, per-axis pairs, `'valid'` or `'same'`, dilation, groups)
 * and PyTorch's initialisation.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { type ConvPadding, conv1d, conv2d, conv3d, fmtShape, type Tensor } from '@stride/core';
import {
  arg,
  asCalledBy,
  checkOptions,
  expand,
  factoryRules,
  fail,
  noExtraArgs,
  option,
  perAxis,
  positiveInt,
  show,
} from './check.js';
import { biasUniform, type FactoryOptions, kaimingUniform } from './init.js';
import { type LayerInfo, numel } from './layer-info.js';
import { Module } from './module.js';

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
abstract class ConvNd extends Module {
  /** Channels C of the input `[N, C, ...]`. */
  readonly inChannels: number;
  /** Channels of the output, one per filter. */
  readonly outChannels: number;
  /** Kernel size, one entry per spatial axis. */
  readonly kernelSize: readonly number[];
  /** Step between output positions, one entry per spatial axis. */
  readonly stride: readonly number[];
  /** Zero padding as given (a number, per-axis entries, `'valid'` or `'same'`). */
  readonly padding: ConvPadding;
  /** Spacing between kernel elements, one entry per spatial axis. */
  readonly dilation: readonly number[];
  /** The number of independent channel groups; both channel counts are divisible by it. */
  readonly groups: number;
  /** `[outChannels, inChannels / groups, ...kernelSize]`. */
  weight: Tensor;
  /** `[outChannels]`, or null without bias. */
  bias: Tensor | null;

  constructor(
    private readonly n: 1 | 2 | 3,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions | undefined,
  ) {
    super();
    const fn = `Conv${n}d`;
    const opts = checkOptions(fn, options, {
      stride: perAxis(n, 1),
      padding: paddingRule(n),
      dilation: perAxis(n, 1),
      groups: positiveInt,
      bias: option.boolean,
      ...factoryRules(),
    });
    this.inChannels = arg(fn, 'inChannels', inChannels, positiveInt);
    this.outChannels = arg(fn, 'outChannels', outChannels, positiveInt);
    this.kernelSize = expand(arg(fn, 'kernelSize', kernelSize, perAxis(n, 1)), n);
    this.stride = expand(opts.stride ?? 1, n);
    this.dilation = expand(opts.dilation ?? 1, n);
    // A copy: the caller's array changing later must not change the layer.
    const padding = opts.padding ?? 0;
    this.padding = (
      Array.isArray(padding) ? padding.map((p) => (Array.isArray(p) ? [...p] : p)) : padding
    ) as ConvPadding;
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      fail(
        fn,
        `groups ${this.groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`,
      );
    }
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) {
      fail(fn, `padding 'same' needs stride 1, got stride ${show(this.stride)}`);
    }
    const withBias = opts.bias ?? true;
    const factory = { dtype: opts.dtype, device: opts.device };
    const shape = [outChannels, inChannels / this.groups, ...this.kernelSize];
    // A size no tensor can have (`new Conv2d(1, 1e10, 3)`) is this layer's error, shown on the
    // weight (the bias is smaller, so it fails only if the weight did).
    this.weight = this.param(
      asCalledBy(
        fn,
        () => kaimingUniform(shape, Math.sqrt(5), factory),
        `weight ${fmtShape(shape)}: `,
      ),
    );
    const fan = (inChannels / this.groups) * numel(this.kernelSize);
    this.bias = this.param(withBias ? biasUniform(outChannels, fan, factory) : null);
  }

  forward(x: Tensor): Tensor {
    return OPS[this.n](x, this.weight, {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
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

  protected override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${show(this.kernelSize)}`];
    if (this.stride.some((s) => s !== 1)) parts.push(`stride=${show(this.stride)}`);
    if (this.padding !== 0) parts.push(`padding=${show(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${show(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=false');
    return parts.join(', ');
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
    noExtraArgs('Conv1d', arguments, ['inChannels', 'outChannels', 'kernelSize', 'options']);
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
    noExtraArgs('Conv2d', arguments, ['inChannels', 'outChannels', 'kernelSize', 'options']);
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
    noExtraArgs('Conv3d', arguments, ['inChannels', 'outChannels', 'kernelSize', 'options']);
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
