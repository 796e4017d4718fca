/**
 * Adaptive pooling layers: a fixed output size whatever the input size, as torchvision models
 * use in front of their classifier (`AdaptiveAvgPool2d([6, 6])`), as global average pooling
 * (`AdaptiveAvgPool1d(1)`) and as global max pooling (`AdaptiveMaxPool2d(1)`).
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import {
  type AdaptiveSize,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  type Tensor,
} from '@stride/core';
import { asCalledBy, fail, noExtraArgs, show } from './check.js';
import { type LayerInfo, numel } from './layer-info.js';
import { Module } from './module.js';

type AdaptiveOp = (x: Tensor, outputSize: AdaptiveSize) => Tensor;

const AVG: Record<1 | 2 | 3, AdaptiveOp> = {
  1: adaptiveAvgPool1d,
  2: adaptiveAvgPool2d,
  3: adaptiveAvgPool3d,
};
const MAX: Record<1 | 2 | 3, AdaptiveOp> = {
  1: (x, size) => adaptiveMaxPool1d(x, size),
  2: (x, size) => adaptiveMaxPool2d(x, size),
  3: (x, size) => adaptiveMaxPool3d(x, size),
};

/** The largest window of adaptive pooling from `inSize` to `outSize` cells (PyTorch's split). */
function largestWindow(inSize: number, outSize: number): number {
  let most = 0;
  for (let o = 0; o < outSize; o++) {
    const start = Math.floor((o * inSize) / outSize);
    const end = Math.ceil(((o + 1) * inSize) / outSize);
    most = Math.max(most, end - start);
  }
  return most;
}

abstract class AdaptivePoolNd extends Module {
  /** Output size per spatial dim; null keeps that dim's input size. */
  readonly outputSize: readonly (number | null)[];

  constructor(
    private readonly n: 1 | 2 | 3,
    private readonly op: AdaptiveOp,
    outputSize: AdaptiveSize,
  ) {
    super();
    const fn = this.typeName;
    const sizes = Array.isArray(outputSize) ? [...outputSize] : [outputSize as number | null];
    const valid = (v: unknown): boolean =>
      v === null || (Number.isSafeInteger(v) && (v as number) >= 1);
    // An array has one size per spatial dim, as in core's adaptiveAvgPool and PyTorch (where
    // AdaptiveAvgPool2d([2]) fails); one number serves every dim.
    if (sizes.length !== (Array.isArray(outputSize) ? n : 1) || !sizes.every(valid)) {
      fail(
        fn,
        `outputSize must be an integer ≥ 1 (or null) or an array of ${n} of them, got ${show(outputSize)}`,
      );
    }
    this.outputSize = Array.isArray(outputSize) ? sizes : new Array(n).fill(sizes[0]);
  }

  forward(x: Tensor): Tensor {
    return asCalledBy(this.typeName, () => this.op(x, this.outputSize));
  }

  override layerInfo(input: readonly number[], output: readonly number[]): LayerInfo {
    // One addition or comparison per window element.
    const inSpatial = input.slice(input.length - this.n);
    const outSpatial = output.slice(output.length - this.n);
    const kernel = inSpatial.map((s, i) => largestWindow(s, outSpatial[i] as number));
    return {
      flops: numel(output) * numel(kernel),
      // Windows of unequal sizes have no single stride: the mean step In/Out stands for it.
      geometry: {
        kernel,
        stride: inSpatial.map((s, i) => s / (outSpatial[i] as number)),
        dilation: kernel.map(() => 1),
      },
    };
  }

  protected override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/** Average pooling of `[N, C, L]` to `[N, C, outputSize]`. */
export class AdaptiveAvgPool1d extends AdaptivePoolNd {
  static override readonly typeName = 'AdaptiveAvgPool1d';

  constructor(outputSize: AdaptiveSize) {
    noExtraArgs('AdaptiveAvgPool1d', arguments, ['outputSize']);
    super(1, AVG[1], outputSize);
  }
}

/** Average pooling of `[N, C, H, W]` to `[N, C, ...outputSize]`. */
export class AdaptiveAvgPool2d extends AdaptivePoolNd {
  static override readonly typeName = 'AdaptiveAvgPool2d';

  constructor(outputSize: AdaptiveSize) {
    noExtraArgs('AdaptiveAvgPool2d', arguments, ['outputSize']);
    super(2, AVG[2], outputSize);
  }
}

/** Average pooling of `[N, C, D, H, W]` to `[N, C, ...outputSize]`. */
export class AdaptiveAvgPool3d extends AdaptivePoolNd {
  static override readonly typeName = 'AdaptiveAvgPool3d';

  constructor(outputSize: AdaptiveSize) {
    noExtraArgs('AdaptiveAvgPool3d', arguments, ['outputSize']);
    super(3, AVG[3], outputSize);
  }
}

/**
 * Max pooling of `[N, C, L]` (or `[C, L]`) to `[N, C, outputSize]`, as `torch.nn.AdaptiveMaxPool1d`:
 * output cell i is the maximum of input [floor(i*L/Out), ceil((i+1)*L/Out)).
 */
export class AdaptiveMaxPool1d extends AdaptivePoolNd {
  static override readonly typeName = 'AdaptiveMaxPool1d';

  constructor(outputSize: AdaptiveSize) {
    noExtraArgs('AdaptiveMaxPool1d', arguments, ['outputSize']);
    super(1, MAX[1], outputSize);
  }
}

/**
 * Max pooling of `[N, C, H, W]` (or `[C, H, W]`) to `[N, C, ...outputSize]`, as
 * `torch.nn.AdaptiveMaxPool2d`.
 *
 * @example
 * ```ts
 * const pool = new AdaptiveMaxPool2d(1);          // global max pooling
 * pool.forward(randn([8, 64, 7, 7])).shape;       // [8, 64, 1, 1]
 * ```
 */
export class AdaptiveMaxPool2d extends AdaptivePoolNd {
  static override readonly typeName = 'AdaptiveMaxPool2d';

  constructor(outputSize: AdaptiveSize) {
    noExtraArgs('AdaptiveMaxPool2d', arguments, ['outputSize']);
    super(2, MAX[2], outputSize);
  }
}

/**
 * Max pooling of `[N, C, D, H, W]` (or `[C, D, H, W]`) to `[N, C, ...outputSize]`, as
 * `torch.nn.AdaptiveMaxPool3d`.
 */
export class AdaptiveMaxPool3d extends AdaptivePoolNd {
  static override readonly typeName = 'AdaptiveMaxPool3d';

  constructor(outputSize: AdaptiveSize) {
    noExtraArgs('AdaptiveMaxPool3d', arguments, ['outputSize']);
    super(3, MAX[3], outputSize);
  }
}
