/**
 * What batch, layer, group and instance normalisation share: standardising over some axes, and
 * the checks of their per-channel (or per-feature) tensors. The normalisations differ only in
 * which axes they reduce, so composing this from ops gives every one of them its gradient.
 */
import { fail, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { add, mul, rsqrt, square, sub } from './arithmetic.js';
import { mean } from './reduce.js';

/** The result of `standardize`; statistics keep the reduced axes as size 1. */
export interface Standardized {
  /** `(x - mean) / sqrt(variance + eps)`, the input's shape. */
  output: Tensor;
  /** The mean over the axes. */
  mean: Tensor;
  /** The biased variance (divided by the count, not count - 1) over the axes. */
  variance: Tensor;
}

/**
 * Standardises `x` over `axes` with the biased variance, as every PyTorch normalisation does.
 * The variance is taken of the centred values (two passes), which keeps float32 accurate when
 * the mean is large next to the spread. Call inside `tidy`: the intermediates are not disposed.
 */
export function standardize(x: Tensor, axes: readonly number[], eps: number): Standardized {
  const mu = mean(x, axes, true);
  const centered = sub(x, mu);
  const variance = mean(square(centered), axes, true);
  return { output: mul(centered, rsqrt(add(variance, eps))), mean: mu, variance };
}

/**
 * Checks that each given tensor (a weight, a bias, running statistics) has `shape` and the
 * input's dtype; `what` says where the shape comes from, e.g. `one per channel of input [4,3,5]`.
 */
export function checkParamShapes(
  fn: string,
  x: Tensor,
  params: readonly (readonly [string, Tensor])[],
  shape: readonly number[],
  what: string,
): void {
  for (const [name, t] of params) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      fail(fn, `${name} must be ${fmtShape(shape)} (${what}), got ${name} ${fmtShape(t.shape)}`);
    }
    if (t.dtype !== x.dtype) fail(fn, `${name} is ${t.dtype} but input is ${x.dtype}`);
  }
}
