/**
 * Batch normalisation as a composite of element-wise ops and reductions, so its gradient comes
 * from theirs (a backend may later offer a fused kernel).
 */
import { noGrad } from '../autograd.js';
import { isFloat } from '../dtype.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf } from '../kernel.js';
import { checkOptions, option, showValue } from '../options.js';
import { isTensor, type Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { add, mul, rsqrt, sub } from './arithmetic.js';
import { reshape } from './layout.js';
import { checkParamShapes, standardize } from './moments.js';

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Per-channel scale `[C]` (gamma). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (beta). */
  bias?: Tensor | null;
  /** Normalise with the batch's statistics and update the running ones. Default false. */
  training?: boolean;
  /** Weight of the new batch statistic in the running average. Default 0.1. */
  momentum?: number;
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
}

/** What `batchNorm` returns: the normalised input and the running statistics to keep. */
export interface BatchNormResult {
  /** The normalised (and scaled and shifted) input, the input's shape. */
  output: Tensor;
  /**
   * The running statistics to keep: new tensors without gradient (in training the updated
   * averages, in evaluation the given ones), or null where none were given.
   */
  runningMean: Tensor | null;
  /** The running variance to keep, `[C]`, like `runningMean`. */
  runningVar: Tensor | null;
}

/**
 * `torch.nn.functional.batch_norm` over the channel dim 1 of `[N, C, ...]` (`[N, C]`, `[N, C, L]`,
 * `[N, C, H, W]`, `[N, C, D, H, W]`). Training normalises with the biased batch variance and
 * updates the running variance with the unbiased one, as PyTorch does.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null | undefined,
  runningVar: Tensor | null | undefined,
  opts: BatchNormOptions = {},
): BatchNormResult {
  const fn = 'batchNorm';
  const options = checkOptions(fn, opts, {
    weight: option.nullable(option.tensor),
    bias: option.nullable(option.tensor),
    training: option.boolean,
    momentum: option.number(),
    eps: option.number({ min: 0 }),
  });
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  const rm = runningMean ?? null;
  const rv = runningVar ?? null;
  for (const [name, t] of [
    ['runningMean', rm],
    ['runningVar', rv],
  ] as const) {
    if (t !== null && !isTensor(t))
      fail(fn, `${name} must be a tensor or null, got ${showValue(t)}`);
  }
  const args: [string, Tensor][] = [['input', x]];
  if (rm) args.push(['runningMean', rm]);
  if (rv) args.push(['runningVar', rv]);
  if (weight) args.push(['weight', weight]);
  if (bias) args.push(['bias', bias]);
  backendOf(fn, args);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (x.rank < 2) {
    fail(fn, `expected an input [N, C, ...] with at least 2 dims, got input ${fmtShape(x.shape)}`);
  }
  const channels = x.shape[1] as number;
  checkParamShapes(
    fn,
    x,
    args.slice(1),
    [channels],
    `one per channel of input ${fmtShape(x.shape)}`,
  );
  if ((rm === null) !== (rv === null)) {
    fail(fn, 'runningMean and runningVar must be given together (or both null)');
  }
  const count = x.size / Math.max(channels, 1);
  if (training && count <= 1 && x.size > 0) {
    fail(
      fn,
      `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
    );
  }
  if (!training && rm === null) {
    fail(fn, 'runningMean and runningVar are required in evaluation mode (training: false)');
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const run = (): BatchNormResult =>
    batchNormRun(x, rm, rv, weight, bias, training, momentum, eps, axes, count);
  if (engine.trace === null) return run();
  let result: BatchNormResult | undefined;
  traced('batchNorm', [x, rm, rv, weight, bias], { training, momentum, eps }, () => {
    result = run();
    return result.output;
  });
  return result as BatchNormResult;
}

function batchNormRun(
  x: Tensor,
  rm: Tensor | null,
  rv: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
  axes: readonly number[],
  count: number,
): BatchNormResult {
  const channels = x.shape[1] as number;
  const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
  return tidy(() => {
    let output: Tensor;
    let newMean: Tensor | null = null;
    let newVar: Tensor | null = null;
    if (training) {
      const { output: standardized, mean: mu, variance: biasedVar } = standardize(x, axes, eps);
      output = standardized;
      if (rm && rv) {
        // Running statistics are buffers, not part of the differentiated computation.
        const [m, v] = noGrad(() => [
          add(mul(rm, 1 - momentum), mul(reshape(mu, [channels]), momentum)),
          add(
            mul(rv, 1 - momentum),
            mul(reshape(biasedVar, [channels]), (momentum * count) / (count - 1)),
          ),
        ]);
        newMean = m as Tensor;
        newVar = v as Tensor;
      }
    } else {
      const [m, v] = [rm as Tensor, rv as Tensor];
      output = mul(sub(x, reshape(m, statShape)), rsqrt(add(reshape(v, statShape), eps)));
      newMean = noGrad(() => reshape(m, [channels]));
      newVar = noGrad(() => reshape(v, [channels]));
    }
    if (weight) output = mul(output, reshape(weight, statShape));
    if (bias) output = add(output, reshape(bias, statShape));
    return { output, runningMean: newMean, runningVar: newVar };
  });
}
