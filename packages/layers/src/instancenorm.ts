/**
 * `InstanceNorm1d/2d/3d` with PyTorch's defaults (no affine parameters, no running statistics):
 * each channel of each sample standardised over its own positions. With `trackRunningStats`,
 * training folds the statistics into running averages (`num_batches_tracked` stays 0, as in
 * PyTorch) and evaluation normalises with them.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { fmtShape, instanceNorm, isTensor, reshape, type Tensor, tidy } from '@stride/core';
import type { BatchNormLayerOptions } from './batchnorm.js';
import { asCalledBy, fail, noExtraArgs, show } from './check.js';
import type { LayerInfo } from './layer-info.js';
import { normFlops } from './layernorm.js';
import { NormBase } from './norm-base.js';

/**
 * Options of `InstanceNorm1d`, `InstanceNorm2d` and `InstanceNorm3d`: those of the BatchNorm
 * layers, but `affine` and `trackRunningStats` default to false.
 */
export type InstanceNormLayerOptions = BatchNormLayerOptions;

const LAYOUT: Record<number, string> = {
  1: 'a 2-d [C, L] or 3-d [N, C, L] input',
  2: 'a 3-d [C, H, W] or 4-d [N, C, H, W] input',
  3: 'a 4-d [C, D, H, W] or 5-d [N, C, D, H, W] input',
};

abstract class InstanceNormNd extends NormBase {
  constructor(
    private readonly n: 1 | 2 | 3,
    numFeatures: number,
    options: InstanceNormLayerOptions | undefined,
  ) {
    super(numFeatures, options, { affine: false, trackRunningStats: false });
  }

  forward(x: Tensor): Tensor {
    const fn = this.typeName;
    if (!isTensor(x)) fail(fn, `input must be a Tensor, got ${show(x)}`);
    const { n } = this;
    if (x.rank !== n + 1 && x.rank !== n + 2) {
      fail(fn, `expected ${LAYOUT[n]}, got input ${fmtShape(x.shape)}`);
    }
    const batched = x.rank === n + 2;
    const channels = x.shape[batched ? 1 : 0];
    if (channels !== this.numFeatures) {
      fail(
        fn,
        `expected ${this.numFeatures} channels (numFeatures), got input ${fmtShape(x.shape)} with ${channels}`,
      );
    }
    const { runningMean, runningVar } = this;
    // instanceNorm's errors are this layer's; for an unbatched input they show the batch of one
    // it was given.
    const context = batched ? '' : `input ${fmtShape(x.shape)} as a batch of one: `;
    return asCalledBy(
      fn,
      () =>
        tidy(() => {
          // An unbatched input is a batch of one, as PyTorch handles it.
          const xb = batched ? x : reshape(x, [1, ...x.shape]);
          const result = instanceNorm(xb, {
            runningMean,
            runningVar,
            weight: this.weight,
            bias: this.bias,
            // Without running averages each instance's statistics are used in evaluation too.
            useInputStats: this.training || runningMean === null,
            momentum: this.momentum,
            eps: this.eps,
          });
          if (this.training && runningMean && runningVar) {
            runningMean.assign(result.runningMean as Tensor);
            runningVar.assign(result.runningVar as Tensor);
          }
          return batched ? result.output : reshape(result.output, x.shape);
        }),
      context,
    );
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    return { flops: normFlops(output, this.affine) };
  }
}

/**
 * Instance normalisation of `[N, C, L]` (or `[C, L]`), as `torch.nn.InstanceNorm1d`.
 *
 * @example
 * ```ts
 * const norm = new InstanceNorm1d(4, { affine: true });
 * norm.forward(randn([2, 4, 16])).shape;          // [2, 4, 16]
 * ```
 */
export class InstanceNorm1d extends InstanceNormNd {
  static override readonly typeName = 'InstanceNorm1d';

  constructor(numFeatures: number, options?: InstanceNormLayerOptions) {
    noExtraArgs('InstanceNorm1d', arguments, ['numFeatures', 'options']);
    super(1, numFeatures, options);
  }
}

/**
 * Instance normalisation of `[N, C, H, W]` (or `[C, H, W]`), as `torch.nn.InstanceNorm2d`: each
 * `[H, W]` plane standardised on its own, as style-transfer networks use.
 */
export class InstanceNorm2d extends InstanceNormNd {
  static override readonly typeName = 'InstanceNorm2d';

  constructor(numFeatures: number, options?: InstanceNormLayerOptions) {
    noExtraArgs('InstanceNorm2d', arguments, ['numFeatures', 'options']);
    super(2, numFeatures, options);
  }
}

/** Instance normalisation of `[N, C, D, H, W]` (or `[C, D, H, W]`), as `torch.nn.InstanceNorm3d`. */
export class InstanceNorm3d extends InstanceNormNd {
  static override readonly typeName = 'InstanceNorm3d';

  constructor(numFeatures: number, options?: InstanceNormLayerOptions) {
    noExtraArgs('InstanceNorm3d', arguments, ['numFeatures', 'options']);
    super(3, numFeatures, options);
  }
}
