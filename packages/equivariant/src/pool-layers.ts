/**
 * `P4Pool` and `P4MaxPool2d`: the pooling of p4 feature maps as layers, without parameters, so
 * that a p4 network is a `Sequential` like any other.
 */
import { checkOptions, fail, type Tensor } from '@stride/core';
import { type LayerInfo, Module } from '@stride/layers';
import { pairOf, show } from './check.js';
import {
  checkMode,
  P4_MAX_POOL_OPTIONS,
  type P4MaxPoolOptions,
  type P4PoolMode,
  p4MaxPool2d,
  p4Pool,
} from './pool.js';

/**
 * Group pooling as a layer (`p4Pool`): `[N, C, 4, H, W]` → `[N, C, H, W]`, the maximum (default)
 * or the mean over the four rotations of each channel.
 *
 * @example
 * ```ts
 * new P4Pool().forward(randn([8, 10, 4, 7, 7])).shape;       // [8, 10, 7, 7]
 * new P4Pool('mean').forward(randn([8, 10, 4, 7, 7])).shape; // [8, 10, 7, 7]
 * ```
 */
export class P4Pool extends Module {
  static override readonly typeName = 'P4Pool';

  /** `'max'` or `'mean'` over the rotation axis. */
  readonly mode: P4PoolMode;

  constructor(mode: P4PoolMode = 'max') {
    super();
    this.mode = checkMode('P4Pool', mode);
  }

  forward(x: Tensor): Tensor {
    return p4Pool(x, this.mode);
  }

  protected override extraRepr(): string {
    return show(this.mode);
  }
}

/**
 * Spatial max pooling of p4 feature maps as a layer (`p4MaxPool2d`): `[N, C, 4, H, W]` →
 * `[N, C, 4, H', W']`. The stride defaults to the kernel size.
 *
 * @example
 * ```ts
 * new P4MaxPool2d(2).forward(randn([8, 10, 4, 28, 28])).shape; // [8, 10, 4, 14, 14]
 * ```
 */
export class P4MaxPool2d extends Module {
  static override readonly typeName = 'P4MaxPool2d';

  /** Window size, `[kH, kW]`. */
  readonly kernelSize: readonly number[];
  /** Step between windows, `[sH, sW]` (default the kernel size). */
  readonly stride: readonly number[];
  /** Implicit padding on both sides, `[pH, pW]` (default 0). */
  readonly padding: readonly number[];

  constructor(
    kernelSize: number | readonly number[],
    options?: Omit<P4MaxPoolOptions, 'kernelSize'>,
  ) {
    super();
    const fn = 'P4MaxPool2d';
    const { kernelSize: kernelRule, ...rules } = P4_MAX_POOL_OPTIONS;
    const opts = checkOptions(fn, options, rules);
    if (!kernelRule.test(kernelSize)) {
      fail(fn, `kernelSize must be ${kernelRule.expected}, got ${show(kernelSize)}`);
    }
    this.kernelSize = pairOf(kernelSize);
    this.stride = opts.stride == null ? [...this.kernelSize] : pairOf(opts.stride);
    this.padding = pairOf(opts.padding ?? 0);
    if (this.padding.some((p, i) => p > Math.floor((this.kernelSize[i] as number) / 2))) {
      fail(
        fn,
        `padding ${show(this.padding)} must be at most half the kernel size ${show(this.kernelSize)}`,
      );
    }
  }

  forward(x: Tensor): Tensor {
    return p4MaxPool2d(x, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
    });
  }

  override layerInfo(_input: readonly number[], _output: readonly number[]): LayerInfo {
    return {
      flops: 0,
      geometry: { kernel: this.kernelSize, stride: this.stride, dilation: [1, 1] },
    };
  }

  protected override extraRepr(): string {
    const parts = [`kernelSize=${show(this.kernelSize)}`];
    if (this.stride.some((s, i) => s !== this.kernelSize[i]))
      parts.push(`stride=${show(this.stride)}`);
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=${show(this.padding)}`);
    return parts.join(', ');
  }
}
