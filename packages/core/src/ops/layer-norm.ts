/**
 * Layer normalisation: each sample standardised over its last dims, as transformers and many
 * small CNNs use where batch statistics are unreliable. A composite, so its gradient is the ops'.
 */
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf } from '../kernel.js';
import { allEntries, checkOptions, option, showValue } from '../options.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { add, mul } from './arithmetic.js';
import { checkParamShapes, standardize } from './moments.js';

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Element-wise scale of the `normalizedShape` (gamma). */
  weight?: Tensor | null;
  /** Element-wise shift of the `normalizedShape` (beta). */
  bias?: Tensor | null;
  /** Added to the variance for stability. Default 1e-5. */
  eps?: number;
}

const LAYER_NORM_OPTIONS = {
  weight: option.nullable(option.tensor),
  bias: option.nullable(option.tensor),
  eps: option.number({ min: 0 }),
} as const;

/**
 * `torch.nn.functional.layer_norm`: standardises over the last dims of `x`, which must equal
 * `normalizedShape` (one size, or several for the last several dims), with the biased variance;
 * then scales by `weight` and shifts by `bias` (both of `normalizedShape`) when given.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [10, 10, 40]], { dtype: 'float32' });
 * layerNorm(x, 3).arraySync();   // ≈ [[-1.22, 0, 1.22], [-0.71, -0.71, 1.41]]
 * layerNorm(x, [3], { weight: ones([3]), bias: zeros([3]), eps: 1e-6 });   // the same
 * ```
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  opts: LayerNormOptions = {},
): Tensor {
  const fn = 'layerNorm';
  const { weight = null, bias = null, eps = 1e-5 } = checkOptions(fn, opts, LAYER_NORM_OPTIONS);
  const params: [string, Tensor][] = [];
  if (weight) params.push(['weight', weight]);
  if (bias) params.push(['bias', bias]);
  backendOf(fn, [['input', x], ...params]);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    !allEntries(shape, (d) => Number.isSafeInteger(d) && (d as number) >= 0)
  ) {
    fail(
      fn,
      `normalizedShape must be an integer ≥ 0 or a non-empty array of them, got ${showValue(normalizedShape)}`,
    );
  }
  const k = shape.length;
  const lead = x.rank - k;
  if (lead < 0 || shape.some((d, i) => x.shape[lead + i] !== d)) {
    fail(
      fn,
      `expected input [*,${shape.join(',')}] for normalizedShape ${fmtShape(shape)}, got input ${fmtShape(x.shape)}`,
    );
  }
  checkParamShapes(fn, x, params, shape, 'normalizedShape');
  const axes = shape.map((_, i) => lead + i);
  return traced('layerNorm', [x, weight, bias], { axis: lead, eps }, () =>
    tidy(() => {
      // weight and bias line up with the last dims, so plain broadcasting applies them.
      let out = standardize(x, axes, eps).output;
      if (weight) out = mul(out, weight);
      if (bias) out = add(out, bias);
      return out;
    }),
  );
}
