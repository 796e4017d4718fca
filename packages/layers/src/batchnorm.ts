/**
 * `BatchNorm1d/2d/3d` with PyTorch's semantics: in training, normalise with the batch's
 * statistics and fold them into running averages (momentum 0.1, unbiased running variance,
 * `num_batches_tracked` counted); in evaluation, normalise with the running averages.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { batchNorm, isTensor, noGrad, type Tensor, tidy } from '@stride/core';
import { fail, noExtraArgs, show } from './check.js';
import type { FactoryOptions } from './init.js';
import { type LayerInfo, numel } from './layer-info.js';
import { NormBase } from './norm-base.js';

/** Options of `BatchNorm1d`, `BatchNorm2d` and `BatchNorm3d`. */
export interface BatchNormLayerOptions extends FactoryOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Weight of each new batch in the running averages, in [0, 1] (default 0.1). */
  momentum?: number;
  /** Learn a per-channel scale `weight` and shift `bias` (default true). */
  affine?: boolean;
  /**
   * Keep running averages (default true). Without them the layer always normalises with the
   * batch's statistics, in evaluation too.
   */
  trackRunningStats?: boolean;
}

const LAYOUT: Record<number, string> = {
  2: '[N, C]',
  3: '[N, C, L]',
  4: '[N, C, H, W]',
  5: '[N, C, D, H, W]',
};

abstract class BatchNormNd extends NormBase {
  constructor(
    private readonly ranks: readonly number[],
    numFeatures: number,
    options: BatchNormLayerOptions | undefined,
  ) {
    super(numFeatures, options, { affine: true, trackRunningStats: true });
  }

  forward(x: Tensor): Tensor {
    const fn = this.typeName;
    if (!isTensor(x)) fail(fn, `input must be a Tensor, got ${show(x)}`);
    if (!this.ranks.includes(x.rank)) {
      const want = this.ranks.map((r) => `${r}-d input ${LAYOUT[r]}`).join(' or a ');
      fail(fn, `expected a ${want}, got input [${x.shape.join(',')}]`);
    }
    if (x.shape[1] !== this.numFeatures) {
      fail(
        fn,
        `expected ${this.numFeatures} channels (numFeatures), got input [${x.shape.join(',')}] with ${x.shape[1]}`,
      );
    }
    const { runningMean, runningVar, numBatchesTracked } = this;
    // Without running averages the batch statistics are used in evaluation too, as PyTorch does.
    const useBatchStats = this.training || runningMean === null;
    const result = batchNorm(x, runningMean, runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: this.momentum,
      eps: this.eps,
    });
    if (this.training && runningMean && runningVar && numBatchesTracked) {
      // assign swaps in the new numbers and releases the old ones: nothing leaks per step.
      runningMean.assign(result.runningMean as Tensor);
      runningVar.assign(result.runningVar as Tensor);
      tidy(() => noGrad(() => numBatchesTracked.assign(numBatchesTracked.add(1))));
    }
    result.runningMean?.dispose();
    result.runningVar?.dispose();
    return result.output;
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    // Normalising is one multiply-add per element (statistics folded into scale and shift).
    return { flops: 2 * numel(output) };
  }
}

/** Batch normalisation of `[N, C]` or `[N, C, L]` over every dim but the channels. */
export class BatchNorm1d extends BatchNormNd {
  static override readonly typeName = 'BatchNorm1d';

  constructor(numFeatures: number, options?: BatchNormLayerOptions) {
    noExtraArgs('BatchNorm1d', arguments, ['numFeatures', 'options']);
    super([2, 3], numFeatures, options);
  }
}

/** Batch normalisation of `[N, C, H, W]`. */
export class BatchNorm2d extends BatchNormNd {
  static override readonly typeName = 'BatchNorm2d';

  constructor(numFeatures: number, options?: BatchNormLayerOptions) {
    noExtraArgs('BatchNorm2d', arguments, ['numFeatures', 'options']);
    super([4], numFeatures, options);
  }
}

/** Batch normalisation of `[N, C, D, H, W]`. */
export class BatchNorm3d extends BatchNormNd {
  static override readonly typeName = 'BatchNorm3d';

  constructor(numFeatures: number, options?: BatchNormLayerOptions) {
    noExtraArgs('BatchNorm3d', arguments, ['numFeatures', 'options']);
    super([5], numFeatures, options);
  }
}
