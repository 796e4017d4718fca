/** `Upsample`: core's `interpolate` as a module, like `torch.nn.Upsample`. */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { type InterpolateMode, interpolate, type Tensor } from '@stride/core';
import { asCalledBy, checkOptions, fail, noExtraArgs, option, show } from './check.js';
import { type LayerInfo, numel } from './layer-info.js';
import { Module } from './module.js';

/** Options of `Upsample`: exactly one of `size` and `scaleFactor`. */
export interface UpsampleOptions {
  /** The output's spatial size: one number for every spatial axis or one per axis. */
  size?: number | readonly number[];
  /** Multiplies each spatial size (rounded down): one number or one per spatial axis. */
  scaleFactor?: number | readonly number[];
  /**
   * `'nearest'` (default), `'linear'` (inputs `[N, C, L]`), `'bilinear'` (`[N, C, H, W]`) or
   * `'trilinear'` (`[N, C, D, H, W]`).
   */
  mode?: InterpolateMode;
  /** Linear modes only: keep the corner pixels' values (default false, as PyTorch). */
  alignCorners?: boolean;
}

const ints = option.either(option.integer({ min: 1 }), option.arrayOf(option.integer({ min: 1 })));
const factors = option.either(
  option.number({ above: 0 }),
  option.arrayOf(option.number({ above: 0 })),
);

/**
 * Resizes the spatial dims of its input with `interpolate`; it has no parameters. The options
 * are checked when the layer is built; whether the mode suits the input's rank, when it runs.
 *
 * @example
 * ```ts
 * const up = new Upsample({ scaleFactor: 2, mode: 'bilinear' });
 * up.forward(randn([1, 3, 8, 8])).shape;          // [1, 3, 16, 16]
 * ```
 */
export class Upsample extends Module {
  static override readonly typeName = 'Upsample';

  /** The output's spatial size, or null when `scaleFactor` sets it. */
  readonly size: number | readonly number[] | null;
  /** The factor each spatial size is multiplied by, or null when `size` is given. */
  readonly scaleFactor: number | readonly number[] | null;
  /** How output positions are computed from the input positions around them. */
  readonly mode: InterpolateMode;
  /** Linear modes: whether the corner pixels keep their values; null for `'nearest'`. */
  readonly alignCorners: boolean | null;

  constructor(options: UpsampleOptions) {
    noExtraArgs('Upsample', arguments, ['options']);
    super();
    const fn = 'Upsample';
    const opts = checkOptions(fn, options, {
      size: ints,
      scaleFactor: factors,
      mode: option.oneOf('nearest', 'linear', 'bilinear', 'trilinear'),
      alignCorners: option.boolean,
    });
    if (opts.size !== undefined && opts.scaleFactor !== undefined) {
      fail(
        fn,
        `give only one of size and scaleFactor, got size ${show(opts.size)} and scaleFactor ${show(opts.scaleFactor)}`,
      );
    }
    if (opts.size === undefined && opts.scaleFactor === undefined) {
      fail(fn, 'give either size (the output size) or scaleFactor (to multiply the input size by)');
    }
    this.mode = opts.mode ?? 'nearest';
    if (this.mode === 'nearest' && opts.alignCorners !== undefined) {
      fail(
        fn,
        `alignCorners only applies to the modes 'linear', 'bilinear' and 'trilinear', not to 'nearest' (leave it out)`,
      );
    }
    // Copies: the caller's arrays changing later must not change the layer.
    const copy = <T>(v: T | readonly T[] | undefined): T | readonly T[] | null =>
      v === undefined ? null : Array.isArray(v) ? [...v] : (v as T);
    this.size = copy(opts.size);
    this.scaleFactor = copy(opts.scaleFactor);
    this.alignCorners = this.mode === 'nearest' ? null : (opts.alignCorners ?? false);
  }

  forward(x: Tensor): Tensor {
    return asCalledBy('Upsample', () =>
      interpolate(x, {
        ...(this.size === null ? {} : { size: this.size }),
        ...(this.scaleFactor === null ? {} : { scaleFactor: this.scaleFactor }),
        mode: this.mode,
        ...(this.alignCorners === null ? {} : { alignCorners: this.alignCorners }),
      }),
    );
  }

  override layerInfo(input: readonly number[], output: readonly number[]): LayerInfo {
    const n = output.length - 2;
    const linear = this.mode !== 'nearest';
    // Each output blends 2^n inputs (2^n products, 2^n - 1 sums); nearest copies one.
    const flops = linear ? (2 ** (n + 1) - 1) * numel(output) : 0;
    const inSpatial = input.slice(2);
    const outSpatial = output.slice(2);
    return {
      flops,
      // In input positions: outputs are in / out apart, and a linear one blends two neighbours,
      // except along an axis whose size does not change, which interpolate copies.
      geometry: {
        kernel: outSpatial.map((o, i) => (linear && o !== inSpatial[i] ? 2 : 1)),
        stride: outSpatial.map((o, i) => (inSpatial[i] as number) / o),
        dilation: new Array<number>(n).fill(1),
      },
    };
  }

  protected override extraRepr(): string {
    const parts = [
      this.size === null ? `scaleFactor=${show(this.scaleFactor)}` : `size=${show(this.size)}`,
      `mode=${show(this.mode)}`,
    ];
    if (this.alignCorners !== null) parts.push(`alignCorners=${this.alignCorners}`);
    return parts.join(', ');
  }
}
