/**
 * Optimizer updates as single ops, so that a backend with a fused kernel (see the optional
 * kernels of the backend contract) runs them in one pass over each parameter.
 */

import { noGrad } from '../autograd.js';
import type { AdamStepParams } from '../backend.js';
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfPair, backendOfTensor, wrap } from '../kernel.js';
import { checkOptions, option } from '../options.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { add, div, mul, sqrt } from './arithmetic.js';

/**
 * `param + direction·(−lr)`: the update of plain gradient descent, as `torch.optim.SGD` computes
 * it (`param.add_(direction, alpha=-lr)`), in one pass on a backend with the fused kernel. Returns
 * a new tensor and records no gradient. Both inputs must share a backend, a shape and a float
 * dtype; `lr` must be a finite number.
 *
 * @example
 * ```ts
 * const p = tensor([1, 2], { dtype: 'float32' });
 * sgdStep(p, tensor([0.5, -1], { dtype: 'float32' }), 0.1).arraySync();   // [0.95, 2.1]
 * ```
 */
export function sgdStep(param: Tensor, direction: Tensor, lr: number): Tensor {
  const fn = 'sgdStep';
  const backend = backendOfTensor(fn, 'param', param);
  backendOfPair(fn, 'param', param, 'direction', direction);
  if (!isFloat(param.dtype)) fail(fn, `param must be a float tensor, got ${param.dtype}`);
  if (direction.dtype !== param.dtype || !shapesEqual(direction.shape, param.shape)) {
    fail(
      fn,
      `direction ${fmtShape(direction.shape)} ${direction.dtype} does not match param ${fmtShape(param.shape)} ${param.dtype}`,
    );
  }
  if (typeof lr !== 'number' || !Number.isFinite(lr)) {
    fail(fn, `lr must be a finite number, got ${String(lr)}`);
  }
  if (backend.sgdStep) {
    return wrap(
      backend,
      backend.sgdStep(param._kernel(), direction._kernel(), lr),
      param.shape,
      param.dtype,
    );
  }
  return tidy(() => noGrad(() => add(param, mul(direction, -lr))));
}

const ADAM_STEP_PARAMS = {
  beta1: option.number({ min: 0, below: 1 }),
  beta2: option.number({ min: 0, below: 1 }),
  stepSize: option.number(),
  biasCorrection2Sqrt: option.number({ above: 0, max: 1 }),
  eps: option.number({ min: 0 }),
} as const;

/** The three new tensors of one `adamStep`, each of the parameter's shape and dtype. */
export interface AdamStepResult {
  /** The updated parameter values. */
  param: Tensor;
  /** The updated first-moment average (β₁-weighted mean of the gradients). */
  expAvg: Tensor;
  /** The updated second-moment average (β₂-weighted mean of the squared gradients). */
  expAvgSq: Tensor;
}

/**
 * One Adam step of one parameter, as PyTorch's single-tensor Adam computes it operation by
 * operation (AdamW passes the decayed parameter as `base`):
 *
 *     expAvg' = expAvg·β₁ + grad·(1 − β₁)
 *     expAvgSq' = expAvgSq·β₂ + (grad·(1 − β₂))·grad
 *     param' = base + (expAvg'·(−stepSize)) / (√expAvgSq' / biasCorrection2Sqrt + eps)
 *
 * Returns new tensors and records no gradient. The four inputs must share a backend, a shape
 * and a float dtype.
 */
export function adamStep(
  base: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  params: AdamStepParams,
): AdamStepResult {
  const fn = 'adamStep';
  const backend = backendOfTensor(fn, 'base', base);
  // Every number is required; a fused kernel would otherwise read undefined as 0 or NaN.
  const given = checkOptions(fn, params, ADAM_STEP_PARAMS, 'params');
  for (const key of Object.keys(ADAM_STEP_PARAMS)) {
    if (!(key in given)) fail(fn, `params.${key} is required`);
  }
  backendOfPair(fn, 'base', base, 'grad', grad);
  backendOfPair(fn, 'base', base, 'expAvg', expAvg);
  backendOfPair(fn, 'base', base, 'expAvgSq', expAvgSq);
  if (!isFloat(base.dtype)) fail(fn, `base must be a float tensor, got ${base.dtype}`);
  for (const [name, t] of [
    ['grad', grad],
    ['expAvg', expAvg],
    ['expAvgSq', expAvgSq],
  ] as const) {
    if (t.dtype !== base.dtype || !shapesEqual(t.shape, base.shape)) {
      fail(
        fn,
        `${name} ${fmtShape(t.shape)} ${t.dtype} does not match base ${fmtShape(base.shape)} ${base.dtype}`,
      );
    }
  }
  if (backend.adamStep) {
    const out = backend.adamStep(
      base._kernel(),
      grad._kernel(),
      expAvg._kernel(),
      expAvgSq._kernel(),
      params,
    );
    return {
      param: wrap(backend, out.param, base.shape, base.dtype),
      expAvg: wrap(backend, out.expAvg, base.shape, base.dtype),
      expAvgSq: wrap(backend, out.expAvgSq, base.shape, base.dtype),
    };
  }
  return tidy(() =>
    noGrad(() => {
      const { beta1, beta2, stepSize, biasCorrection2Sqrt, eps } = params;
      const m = add(mul(expAvg, beta1), mul(grad, 1 - beta1));
      const v = add(mul(expAvgSq, beta2), mul(mul(grad, 1 - beta2), grad));
      const denom = add(div(sqrt(v), biasCorrection2Sqrt), eps);
      return { param: add(base, div(mul(m, -stepSize), denom)), expAvg: m, expAvgSq: v };
    }),
  );
}
