/**
 * `ConvTranspose1d`, `ConvTranspose2d`, `ConvTranspose3d`: transposed convolution layers with
 * every option of core's `convTranspose*d`, PyTorch's parameter names and shapes (`weight`
 * `[inChannels, outChannels / groups, ...kernelSize]`, `bias` `[outChannels]`) and its
 * initialisation.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { convTranspose1d, convTranspose2d, convTranspose3d, type Tensor } from '@stride/core';
import { asCalledBy, checkOptions, expand, fail, noExtraArgs, perAxis, show } from './check.js';
import { CONV_ARGS, ConvBase, convRules } from './conv-base.js';
import type { FactoryOptions } from './init.js';
import { type LayerGeometry, type LayerInfo, numel } from './layer-info.js';

/**
 * Options of `ConvTranspose1d`, `ConvTranspose2d` and `ConvTranspose3d`. Per-axis values are one
 * number for every spatial axis or an array with one per axis.
 */
export interface ConvTransposeLayerOptions extends FactoryOptions {
  /** Step between the output positions of neighbouring input positions (default 1). */
  stride?: number | readonly number[];
  /** Positions cropped from each end of every spatial axis of the output (default 0). */
  padding?: number | readonly number[];
  /**
   * Positions added at the end of every spatial axis of the output, smaller than the stride or
   * the dilation (default 0): picks one of the input sizes a strided convolution maps to the same
   * output size.
   */
  outputPadding?: number | readonly number[];
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
  /** Learn a per-output-channel bias (default true). */
  bias?: boolean;
}

const OPS = { 1: convTranspose1d, 2: convTranspose2d, 3: convTranspose3d } as const;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The inputs one output of a transposed convolution sees, as a window in input positions for
 * `summary()`. Input i reaches output o through kernel element k where i·s + k·d = o + padding:
 * the k that reach one output differ by multiples of s / g (g = gcd(s, d)), so its inputs are
 * d / g apart and at most ⌊(kernel - 1)·g / s⌋ + 1 of them (1 for kernel 2, stride 2; 2 for
 * kernel 4, stride 2). Neighbouring outputs are 1 / s input positions apart.
 */
function transposedWindow(
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): LayerGeometry {
  const g = stride.map((s, i) => gcd(s, dilation[i] as number));
  return {
    kernel: kernel.map(
      (k, i) => Math.floor(((k - 1) * (g[i] as number)) / (stride[i] as number)) + 1,
    ),
    stride: stride.map((s) => 1 / s),
    dilation: dilation.map((d, i) => d / (g[i] as number)),
  };
}

/** The shared implementation; `n` is the number of spatial dims. */
abstract class ConvTransposeNd extends ConvBase {
  /** Positions cropped from each end of the output, one entry per spatial axis. */
  readonly padding: readonly number[];
  /** Positions added at the end of the output, one entry per spatial axis. */
  readonly outputPadding: readonly number[];

  constructor(
    private readonly n: 1 | 2 | 3,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvTransposeLayerOptions | undefined,
  ) {
    const fn = `ConvTranspose${n}d`;
    const opts = checkOptions(
      fn,
      options,
      convRules(n, { padding: perAxis(n, 0), outputPadding: perAxis(n, 0) }),
    );
    const outputPadding = expand(opts.outputPadding ?? 0, n);
    super(fn, n, inChannels, outChannels, kernelSize, opts, true, (layer) => {
      // Found here rather than at the first forward pass, where core would report it.
      const { stride, dilation } = layer;
      if (
        outputPadding.some((op, i) => op >= (stride[i] as number) && op >= (dilation[i] as number))
      ) {
        fail(
          fn,
          `outputPadding ${show(outputPadding)} must be smaller than the stride ${show(stride)} or the dilation ${show(dilation)} on each axis`,
        );
      }
    });
    this.padding = expand(opts.padding ?? 0, n);
    this.outputPadding = outputPadding;
  }

  forward(x: Tensor): Tensor {
    return asCalledBy(this.typeName, () =>
      OPS[this.n](x, this.weight, {
        bias: this.bias,
        stride: this.stride,
        padding: this.padding,
        outputPadding: this.outputPadding,
        dilation: this.dilation,
        groups: this.groups,
      }),
    );
  }

  override layerInfo(input: readonly number[], output: readonly number[]): LayerInfo {
    // Every input element meets outChannels / groups · kernel weights.
    const macs = numel(input) * (this.outChannels / this.groups) * numel(this.kernelSize);
    return {
      flops: 2 * macs + (this.bias ? numel(output) : 0),
      geometry: transposedWindow(this.kernelSize, this.stride, this.dilation),
    };
  }

  protected override paddingRepr(): string[] {
    const parts: string[] = [];
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=${show(this.padding)}`);
    if (this.outputPadding.some((p) => p !== 0)) {
      parts.push(`outputPadding=${show(this.outputPadding)}`);
    }
    return parts;
  }
}

/** 1-d transposed convolution over `[N, C, L]`: weight `[inChannels, outChannels / groups, k]`. */
export class ConvTranspose1d extends ConvTransposeNd {
  static override readonly typeName = 'ConvTranspose1d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvTransposeLayerOptions,
  ) {
    noExtraArgs('ConvTranspose1d', arguments, CONV_ARGS);
    super(1, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 2-d transposed convolution over `[N, C, H, W]`: weight
 * `[inChannels, outChannels / groups, kH, kW]`. With kernel 4, stride 2 and padding 1 it doubles
 * the height and width, as in a decoder or a GAN generator.
 *
 * @example
 * ```ts
 * const up = new ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * up.weight.shape;                                 // [16, 8, 4, 4]
 * up.forward(randn([1, 16, 7, 7])).shape;          // [1, 8, 14, 14]
 * ```
 */
export class ConvTranspose2d extends ConvTransposeNd {
  static override readonly typeName = 'ConvTranspose2d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvTransposeLayerOptions,
  ) {
    noExtraArgs('ConvTranspose2d', arguments, CONV_ARGS);
    super(2, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * 3-d transposed convolution over `[N, C, D, H, W]`: weight
 * `[inChannels, outChannels / groups, kD, kH, kW]`.
 */
export class ConvTranspose3d extends ConvTransposeNd {
  static override readonly typeName = 'ConvTranspose3d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options?: ConvTransposeLayerOptions,
  ) {
    noExtraArgs('ConvTranspose3d', arguments, CONV_ARGS);
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
