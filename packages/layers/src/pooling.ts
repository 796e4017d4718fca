/**
 * Max and average pooling layers over 1, 2 or 3 spatial dims (`MaxPool2d(2)`,
 * `AvgPool2d(3, { stride: 2, padding: 1 })`), with PyTorch's defaults: stride = kernel size,
 * no padding, floor rounding.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import {
  avgPool1d,
  avgPool2d,
  avgPool3d,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  type Tensor,
} from '@stride/core';
import { arg, checkOptions, expand, fail, noExtraArgs, option, perAxis, show } from './check.js';
import { type LayerInfo, numel } from './layer-info.js';
import { Module } from './module.js';

type Ints = number | readonly number[];

/**
 * Options shared by the pooling layers. Per-axis values are one number for every spatial axis or an
 * array with one per axis.
 */
export interface PoolLayerOptions {
  /** Step between windows; defaults to the kernel size. */
  stride?: Ints | null;
  /** Implicit padding on both sides, at most half the kernel (default 0). */
  padding?: Ints;
  /** Round output sizes up instead of down (default false). */
  ceilMode?: boolean;
}

/** Options of `MaxPool1d`, `MaxPool2d` and `MaxPool3d`. */
export interface MaxPoolLayerOptions extends PoolLayerOptions {
  /** Spacing between window elements (default 1). */
  dilation?: Ints;
}

/** Options of `AvgPool1d`, `AvgPool2d` and `AvgPool3d`. */
export interface AvgPoolLayerOptions extends PoolLayerOptions {
  /** Count padded zeros in each window's divisor (default true). */
  countIncludePad?: boolean;
}

abstract class PoolNd extends Module {
  /** Window size, one entry per spatial axis. */
  readonly kernelSize: readonly number[];
  /** Step between windows, one entry per spatial axis (default the kernel size). */
  readonly stride: readonly number[];
  /** Implicit padding on both sides, one entry per spatial axis (default 0). */
  readonly padding: readonly number[];
  /** Spacing between window elements, one entry per spatial axis (always 1 for average pooling). */
  readonly dilation: readonly number[];
  /** Whether output sizes round up instead of down (default false). */
  readonly ceilMode: boolean;

  /** `opts` has been checked by the subclass (`poolRules`). */
  constructor(
    fn: string,
    n: number,
    kernelSize: Ints,
    opts: MaxPoolLayerOptions & AvgPoolLayerOptions,
  ) {
    super();
    this.kernelSize = expand(arg(fn, 'kernelSize', kernelSize, perAxis(n, 1)), n);
    this.stride = opts.stride == null ? [...this.kernelSize] : expand(opts.stride, n);
    this.padding = expand(opts.padding ?? 0, n);
    this.dilation = expand(opts.dilation ?? 1, n);
    this.ceilMode = opts.ceilMode ?? false;
    if (this.padding.some((p, i) => p > Math.floor((this.kernelSize[i] as number) / 2))) {
      fail(
        fn,
        `padding ${show(this.padding)} must be at most half the kernel size ${show(this.kernelSize)}`,
      );
    }
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    return {
      // One comparison or addition per window element.
      flops: numel(output) * numel(this.kernelSize),
      geometry: { kernel: this.kernelSize, stride: this.stride, dilation: this.dilation },
    };
  }

  protected override extraRepr(): string {
    const parts = [`kernelSize=${show(this.kernelSize)}`, `stride=${show(this.stride)}`];
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=${show(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${show(this.dilation)}`);
    if (this.ceilMode) parts.push('ceilMode=true');
    return parts.join(', ');
  }
}

/** The options every pooling layer takes. */
function poolRules(n: number) {
  return {
    stride: option.nullable(perAxis(n, 1)),
    padding: perAxis(n, 0),
    ceilMode: option.boolean,
  };
}

const MAX = { 1: maxPool1d, 2: maxPool2d, 3: maxPool3d } as const;
const AVG = { 1: avgPool1d, 2: avgPool2d, 3: avgPool3d } as const;

abstract class MaxPoolNd extends PoolNd {
  constructor(
    private readonly n: 1 | 2 | 3,
    kernelSize: Ints,
    options: MaxPoolLayerOptions | undefined,
  ) {
    const fn = `MaxPool${n}d`;
    const opts = checkOptions(fn, options, { ...poolRules(n), dilation: perAxis(n, 1) });
    super(fn, n, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return MAX[this.n](x, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
}

abstract class AvgPoolNd extends PoolNd {
  /** Whether padded zeros count in each window's divisor (default true). */
  readonly countIncludePad: boolean;

  constructor(
    private readonly n: 1 | 2 | 3,
    kernelSize: Ints,
    options: AvgPoolLayerOptions | undefined,
  ) {
    const fn = `AvgPool${n}d`;
    const opts = checkOptions(fn, options, { ...poolRules(n), countIncludePad: option.boolean });
    super(fn, n, kernelSize, opts);
    this.countIncludePad = opts.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    return AVG[this.n](x, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
}

/** Max pooling over `[N, C, L]`. */
export class MaxPool1d extends MaxPoolNd {
  static override readonly typeName = 'MaxPool1d';

  constructor(kernelSize: Ints, options?: MaxPoolLayerOptions) {
    noExtraArgs('MaxPool1d', arguments, ['kernelSize', 'options']);
    super(1, kernelSize, options);
  }
}

/** Max pooling over `[N, C, H, W]`. */
export class MaxPool2d extends MaxPoolNd {
  static override readonly typeName = 'MaxPool2d';

  constructor(kernelSize: Ints, options?: MaxPoolLayerOptions) {
    noExtraArgs('MaxPool2d', arguments, ['kernelSize', 'options']);
    super(2, kernelSize, options);
  }
}

/** Max pooling over `[N, C, D, H, W]`. */
export class MaxPool3d extends MaxPoolNd {
  static override readonly typeName = 'MaxPool3d';

  constructor(kernelSize: Ints, options?: MaxPoolLayerOptions) {
    noExtraArgs('MaxPool3d', arguments, ['kernelSize', 'options']);
    super(3, kernelSize, options);
  }
}

/** Average pooling over `[N, C, L]`. */
export class AvgPool1d extends AvgPoolNd {
  static override readonly typeName = 'AvgPool1d';

  constructor(kernelSize: Ints, options?: AvgPoolLayerOptions) {
    noExtraArgs('AvgPool1d', arguments, ['kernelSize', 'options']);
    super(1, kernelSize, options);
  }
}

/** Average pooling over `[N, C, H, W]`. */
export class AvgPool2d extends AvgPoolNd {
  static override readonly typeName = 'AvgPool2d';

  constructor(kernelSize: Ints, options?: AvgPoolLayerOptions) {
    noExtraArgs('AvgPool2d', arguments, ['kernelSize', 'options']);
    super(2, kernelSize, options);
  }
}

/** Average pooling over `[N, C, D, H, W]`. */
export class AvgPool3d extends AvgPoolNd {
  static override readonly typeName = 'AvgPool3d';

  constructor(kernelSize: Ints, options?: AvgPoolLayerOptions) {
    noExtraArgs('AvgPool3d', arguments, ['kernelSize', 'options']);
    super(3, kernelSize, options);
  }
}
