/**
 * `P4LiftConv2d` and `P4Conv2d`: the p4 convolutions as layers, with their filters and bias as
 * parameters (`weight`, `bias`, as `Conv2d` names them) and `Conv2d`'s initialisation.
 */
import {
  type ConvPadding,
  checkOptions,
  type DType,
  fail,
  fmtShape,
  listBackends,
  option,
  StrideError,
  type Tensor,
} from '@stride/core';
import { biasUniform, kaimingUniform, type LayerInfo, Module } from '@stride/layers';
import { show } from './check.js';
import { p4Conv2d, p4LiftConv2d } from './conv.js';
import { LAYOUT_OPTIONS } from './conv-options.js';

/** Options of `P4LiftConv2d` and `P4Conv2d`. Per-axis values are one number or one per axis. */
export interface P4ConvLayerOptions {
  /** Step between output positions (default 1). */
  stride?: number | readonly number[];
  /** Zero padding (default 0); see core's `ConvPadding`. `'same'` keeps the size at stride 1. */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Learn a per-output-channel bias, shared by its four rotations (default true). */
  bias?: boolean;
  /** Parameter dtype: `'float32'` (default) or `'float64'`. */
  dtype?: DType;
  /** Backend name; defaults to the active backend. */
  device?: string;
}

const positiveInt = option.integer({ min: 1 });

/** The shared implementation; `lift` tells the input's group (Z² or p4). */
abstract class P4ConvLayer extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output, each with its four rotations. */
  readonly outChannels: number;
  /** The side of the square kernel. */
  readonly kernelSize: number;
  /** Step between output positions, `[sH, sW]`. */
  readonly stride: readonly number[];
  /** Zero padding as given (a number, per-axis entries, `'valid'` or `'same'`). */
  readonly padding: ConvPadding;
  /** Spacing between kernel elements, `[dH, dW]`. */
  readonly dilation: readonly number[];
  /** `[out, in, k, k]` for the lifting layer, `[out, in, 4, k, k]` for the group layer. */
  weight: Tensor;
  /** `[outChannels]`, or null without bias. */
  bias: Tensor | null;

  constructor(
    private readonly lift: boolean,
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: P4ConvLayerOptions | undefined,
  ) {
    super();
    const fn = lift ? 'P4LiftConv2d' : 'P4Conv2d';
    const names = listBackends();
    const opts = checkOptions(fn, options, {
      ...LAYOUT_OPTIONS,
      bias: option.boolean,
      dtype: option.oneOf('float32', 'float64'),
      device: option.custom<string>(
        `the name of a registered backend (${names.length ? names.map((n) => `'${n}'`).join(', ') : 'none is registered'})`,
        (v) => typeof v === 'string' && names.includes(v),
      ),
    });
    for (const [name, value] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['kernelSize', kernelSize],
    ] as const) {
      if (!positiveInt.test(value)) {
        fail(fn, `${name} must be ${positiveInt.expected}, got ${show(value)}`);
      }
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    const pair = (v: number | readonly number[]): number[] =>
      typeof v === 'number' ? [v, v] : [v[0] as number, (v[1] ?? v[0]) as number];
    this.stride = pair(opts.stride ?? 1);
    this.dilation = pair(opts.dilation ?? 1);
    const padding = opts.padding ?? 0;
    // A copy: the caller's array changing later must not change the layer.
    this.padding = (
      Array.isArray(padding) ? padding.map((p) => (Array.isArray(p) ? [...p] : p)) : padding
    ) as ConvPadding;
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) {
      fail(fn, `padding 'same' needs stride 1, got stride ${show(this.stride)}`);
    }
    const factory = { dtype: opts.dtype, device: opts.device };
    const shape = lift
      ? [outChannels, inChannels, kernelSize, kernelSize]
      : [outChannels, inChannels, 4, kernelSize, kernelSize];
    // Conv2d's initialisation, over the inputs one output value sums: U(±1/√fan) with fan the
    // weight's size per output channel (C·k·k, and C·4·k·k for the group convolution).
    const fan = shape.slice(1).reduce((a, b) => a * b, 1);
    this.weight = this.param(
      asLayerError(fn, `weight ${fmtShape(shape)}: `, () =>
        kaimingUniform(shape, Math.sqrt(5), factory),
      ),
    );
    const withBias = opts.bias ?? true;
    this.bias = this.param(withBias ? biasUniform(outChannels, fan, factory) : null);
  }

  forward(x: Tensor): Tensor {
    const options = {
      bias: this.bias,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
    };
    return this.lift ? p4LiftConv2d(x, this.weight, options) : p4Conv2d(x, this.weight, options);
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    const outputs = output.reduce((a, b) => a * b, 1);
    const perOutput = this.weight.size / this.outChannels;
    return {
      flops: 2 * outputs * perOutput + (this.bias ? outputs : 0),
      geometry: {
        kernel: [this.kernelSize, this.kernelSize],
        stride: this.stride,
        dilation: this.dilation,
      },
    };
  }

  protected override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}`];
    if (this.stride.some((s) => s !== 1)) parts.push(`stride=${show(this.stride)}`);
    if (this.padding !== 0) parts.push(`padding=${show(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${show(this.dilation)}`);
    if (!this.bias) parts.push('bias=false');
    return parts.join(', ');
  }
}

/**
 * `make()`, with a size error of the tensor it creates (a weight no tensor can hold, as in
 * `new P4Conv2d(1e5, 1e5, 3)`) reported as the layer's, after `context`.
 */
function asLayerError<T>(fn: string, context: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof StrideError) || e.fn === fn) throw e;
    fail(fn, `${context}${e.message.slice(e.fn.length + 2)}`);
  }
}

/**
 * The lifting convolution Z² → p4 as a layer (`p4LiftConv2d`): `[N, inChannels, H, W]` →
 * `[N, outChannels, 4, H', W']`, weight `[outChannels, inChannels, k, k]`.
 *
 * @example
 * ```ts
 * const lift = new P4LiftConv2d(1, 10, 3, { padding: 1 });
 * lift.forward(randn([8, 1, 28, 28])).shape;      // [8, 10, 4, 28, 28]
 * ```
 */
export class P4LiftConv2d extends P4ConvLayer {
  static override readonly typeName = 'P4LiftConv2d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options?: P4ConvLayerOptions,
  ) {
    super(true, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * The group convolution p4 → p4 as a layer (`p4Conv2d`): `[N, inChannels, 4, H, W]` →
 * `[N, outChannels, 4, H', W']`, weight `[outChannels, inChannels, 4, k, k]`. It holds 4 times the
 * parameters of a `Conv2d` with the same channels, and computes 16 times its multiply-adds.
 *
 * @example
 * ```ts
 * const conv = new P4Conv2d(10, 10, 3, { padding: 1 });
 * conv.forward(randn([8, 10, 4, 28, 28])).shape;  // [8, 10, 4, 28, 28]
 * ```
 */
export class P4Conv2d extends P4ConvLayer {
  static override readonly typeName = 'P4Conv2d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options?: P4ConvLayerOptions,
  ) {
    super(false, inChannels, outChannels, kernelSize, options);
  }
}
