/**
 * Group normalisation: the channels of each sample split into groups, each group standardised
 * over its channels and positions, independent of the batch size. A composite of ops.
 */
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf } from '../kernel.js';
import { checkOptions, option, showValue } from '../options.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { add, mul } from './arithmetic.js';
import { reshape } from './layout.js';
import { checkParamShapes, standardize } from './moments.js';

/** Options of `groupNorm`. */
export interface GroupNormOptions {
  /** Per-channel scale `[C]` (gamma). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (beta). */
  bias?: Tensor | null;
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
}

const GROUP_NORM_OPTIONS = {
  weight: option.nullable(option.tensor),
  bias: option.nullable(option.tensor),
  eps: option.number({ min: 0 }),
} as const;

/**
 * `torch.nn.functional.group_norm` of `[N, C, ...]`: the C channels form `numGroups` groups of
 * consecutive channels, and each group of each sample is standardised over its channels and
 * positions (biased variance); then `weight` and `bias` (`[C]`) scale and shift each channel.
 * One group is layer normalisation over `[C, ...]`; C groups is instance normalisation.
 *
 * @example
 * ```ts
 * const x = randn([2, 6, 4, 4]);
 * const y = groupNorm(x, 3, { weight: ones([6]), bias: zeros([6]) });   // [2, 6, 4, 4]
 * ```
 */
export function groupNorm(x: Tensor, numGroups: number, opts: GroupNormOptions = {}): Tensor {
  const fn = 'groupNorm';
  const { weight = null, bias = null, eps = 1e-5 } = checkOptions(fn, opts, GROUP_NORM_OPTIONS);
  const params: [string, Tensor][] = [];
  if (weight) params.push(['weight', weight]);
  if (bias) params.push(['bias', bias]);
  backendOf(fn, [['input', x], ...params]);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (x.rank < 2) {
    fail(fn, `expected an input [N, C, ...] with at least 2 dims, got input ${fmtShape(x.shape)}`);
  }
  if (!Number.isSafeInteger(numGroups) || numGroups < 1) {
    fail(fn, `numGroups must be an integer ≥ 1, got ${showValue(numGroups)}`);
  }
  const [n, channels] = x.shape as [number, number];
  if (channels % numGroups !== 0) {
    fail(
      fn,
      `numGroups ${numGroups} must divide the ${channels} channels of input ${fmtShape(x.shape)}`,
    );
  }
  checkParamShapes(fn, x, params, [channels], `one per channel of input ${fmtShape(x.shape)}`);
  const perGroup = (channels / numGroups) * x.shape.slice(2).reduce((a, d) => a * d, 1);
  // PyTorch refuses a lone value over the whole batch and group (its variance is 0/0 in spirit):
  // the output would be the bias alone, whatever the input.
  if (n * perGroup === 1) {
    fail(
      fn,
      `expected more than 1 value per group over the batch, got input ${fmtShape(x.shape)} with ${numGroups} groups`,
    );
  }
  const channelShape = [channels, ...x.shape.slice(2).map(() => 1)];
  return traced('groupNorm', [x, weight, bias], { numGroups, eps }, () =>
    tidy(() => {
      // A group's channels are consecutive, so [N, G, C/G * positions] holds one group per row.
      const grouped = reshape(x, [n, numGroups, perGroup]);
      let out = reshape(standardize(grouped, [2], eps).output, x.shape);
      if (weight) out = mul(out, reshape(weight, channelShape));
      if (bias) out = add(out, reshape(bias, channelShape));
      return out;
    }),
  );
}
