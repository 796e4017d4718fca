/**
 * Instance normalisation: each channel of each sample standardised over its own positions (style
 * transfer, small-batch image models), optionally with running statistics as PyTorch keeps them.
 * A composite of ops, so its gradient is theirs.
 */
import { noGrad } from '../autograd.js';
import { isFloat } from '../dtype.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf } from '../kernel.js';
import { checkOptions, option } from '../options.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { add, mul, rsqrt, sub } from './arithmetic.js';
import { reshape } from './layout.js';
import { checkParamShapes, standardize } from './moments.js';
import type { BatchNormResult } from './norm.js';
import { mean } from './reduce.js';

/** Options of `instanceNorm`. */
export interface InstanceNormOptions {
  /** Per-channel running mean `[C]`: updated from the input's statistics, or used in their place. */
  runningMean?: Tensor | null;
  /** Per-channel running variance `[C]`, given together with `runningMean`. */
  runningVar?: Tensor | null;
  /** Per-channel scale `[C]` (gamma). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (beta). */
  bias?: Tensor | null;
  /**
   * Normalise with each instance's own statistics (default true); false normalises with the
   * running statistics instead, which must then be given.
   */
  useInputStats?: boolean;
  /** Weight of the new statistics in the running averages. Default 0.1. */
  momentum?: number;
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
}

/**
 * What `instanceNorm` returns: the output and the running statistics to keep, as `batchNorm`
 * returns them (new tensors without gradient, or null where none were given).
 */
export type InstanceNormResult = BatchNormResult;

const INSTANCE_NORM_OPTIONS = {
  runningMean: option.nullable(option.tensor),
  runningVar: option.nullable(option.tensor),
  weight: option.nullable(option.tensor),
  bias: option.nullable(option.tensor),
  useInputStats: option.boolean,
  momentum: option.number(),
  eps: option.number({ min: 0 }),
} as const;

/**
 * `torch.nn.functional.instance_norm` of `[N, C, L]`, `[N, C, H, W]` or `[N, C, D, H, W]`: each
 * (sample, channel) plane standardised over its positions (biased variance), then scaled by
 * `weight` and shifted by `bias` (`[C]`) when given. With running statistics and
 * `useInputStats` (the default), they are updated as PyTorch does: the batch average of the
 * instance means and of the unbiased instance variances, folded in with `momentum`. With
 * `useInputStats: false` the running statistics normalise instead (PyTorch's evaluation mode
 * of a layer that tracks them). Running statistics are returned, never changed in place.
 *
 * @example
 * ```ts
 * const x = randn([2, 3, 8, 8]);
 * const { output } = instanceNorm(x);                   // each [8, 8] plane standardised
 * const r = instanceNorm(x, { runningMean: zeros([3]), runningVar: ones([3]) });
 * r.runningMean;                                         // 0.1 * mean of the instance means
 * ```
 */
export function instanceNorm(x: Tensor, opts: InstanceNormOptions = {}): InstanceNormResult {
  const fn = 'instanceNorm';
  const {
    runningMean: rm = null,
    runningVar: rv = null,
    weight = null,
    bias = null,
    useInputStats = true,
    momentum = 0.1,
    eps = 1e-5,
  } = checkOptions(fn, opts, INSTANCE_NORM_OPTIONS);
  const params: [string, Tensor][] = [];
  if (rm) params.push(['runningMean', rm]);
  if (rv) params.push(['runningVar', rv]);
  if (weight) params.push(['weight', weight]);
  if (bias) params.push(['bias', bias]);
  backendOf(fn, [['input', x], ...params]);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (x.rank < 3 || x.rank > 5) {
    fail(
      fn,
      `expected a 3-d, 4-d or 5-d input [N, C, ...spatial dims], got input ${fmtShape(x.shape)}`,
    );
  }
  const [n, channels] = x.shape as [number, number];
  checkParamShapes(fn, x, params, [channels], `one per channel of input ${fmtShape(x.shape)}`);
  if ((rm === null) !== (rv === null)) {
    fail(fn, 'runningMean and runningVar must be given together (or both null)');
  }
  if (!useInputStats && rm === null) {
    fail(fn, 'runningMean and runningVar are required when useInputStats is false');
  }
  const positions = x.shape.slice(2).reduce((a, d) => a * d, 1);
  if (useInputStats && positions === 1) {
    fail(
      fn,
      `expected more than 1 spatial element per channel when using input statistics, got input ${fmtShape(x.shape)}`,
    );
  }
  const axes = x.shape.slice(2).map((_, i) => i + 2);
  const channelShape = [1, channels, ...axes.map(() => 1)];

  const run = (): InstanceNormResult =>
    tidy(() => {
      let output: Tensor;
      let newMean: Tensor | null = null;
      let newVar: Tensor | null = null;
      if (useInputStats) {
        const s = standardize(x, axes, eps);
        output = s.output;
        if (rm && rv) {
          // Buffers, not part of the differentiated computation. An empty batch has no statistics
          // to fold in (PyTorch's would be NaN), so the running ones are kept.
          [newMean, newVar] = noGrad(() => {
            if (n === 0) return [reshape(rm, [channels]), reshape(rv, [channels])];
            const batchMean = reshape(mean(s.mean, 0), [channels]);
            const batchVar = reshape(mean(s.variance, 0), [channels]);
            const unbiased = positions / (positions - 1);
            return [
              add(mul(rm, 1 - momentum), mul(batchMean, momentum)),
              add(mul(rv, 1 - momentum), mul(batchVar, momentum * unbiased)),
            ];
          }) as [Tensor, Tensor];
        }
      } else {
        const [m, v] = [rm as Tensor, rv as Tensor];
        output = mul(sub(x, reshape(m, channelShape)), rsqrt(add(reshape(v, channelShape), eps)));
        [newMean, newVar] = noGrad(() => [reshape(m, [channels]), reshape(v, [channels])]);
      }
      if (weight) output = mul(output, reshape(weight, channelShape));
      if (bias) output = add(output, reshape(bias, channelShape));
      return { output, runningMean: newMean, runningVar: newVar };
    });
  if (engine.trace === null) return run();
  let result: InstanceNormResult | undefined;
  const attrs = { useInputStats, momentum, eps };
  traced('instanceNorm', [x, rm, rv, weight, bias], attrs, () => {
    result = run();
    return result.output;
  });
  return result as InstanceNormResult;
}
