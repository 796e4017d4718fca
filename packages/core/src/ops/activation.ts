/**
 * Activation functions. `sigmoid` and `tanh` live with the element-wise ops, `softmax` and
 * `logSoftmax` with the reductions. The composites here take their gradients from their parts,
 * which also gives PyTorch's choice of derivative at the kinks (see each function).
 */
import { isFloat } from '../dtype.js';
import { fail } from '../errors.js';
import { backendOfTensor } from '../kernel.js';
import { checkOptions, option } from '../options.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import {
  add,
  clamp,
  erf,
  exp,
  expm1,
  gt,
  log1p,
  mul,
  sigmoid,
  tanh,
  unary,
  where,
} from './arithmetic.js';
import { fmtValue } from './params.js';
import { reluGrad } from './relu-grad.js';

/**
 * `max(x, 0)` element-wise, any numeric dtype (not bool). The gradient at 0 is 0, as in PyTorch.
 */
export function relu(x: Tensor): Tensor {
  backendOfTensor('relu', 'input', x);
  return unary('relu', 'relu', x, reluGrad);
}

function checkFloat(fn: string, x: Tensor): void {
  backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
}

function checkNumber(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail(fn, `${arg} must be a finite number, got ${fmtValue(v)}`);
  }
  return v;
}

/** `x` where positive, else `negativeSlope * x`. The gradient at 0 is `negativeSlope` (PyTorch). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  const fn = 'leakyRelu';
  checkFloat(fn, x);
  const slope = checkNumber(fn, 'negativeSlope', negativeSlope);
  return traced(fn, [x], { negativeSlope: slope }, () =>
    tidy(() => where(gt(x, 0), x, mul(x, slope))),
  );
}

/** `x` where positive, else `alpha * (exp(x) - 1)`. The gradient at 0 is `alpha` (PyTorch). */
export function elu(x: Tensor, alpha = 1): Tensor {
  const fn = 'elu';
  checkFloat(fn, x);
  const a = checkNumber(fn, 'alpha', alpha);
  // exp is taken of min(x, 0) so that large inputs cannot overflow into the unused branch;
  // clamp (unlike minimum) passes the whole gradient at the bound, keeping elu'(0) = alpha.
  return traced(fn, [x], { alpha: a }, () =>
    tidy(() => where(gt(x, 0), x, mul(expm1(clamp(x, undefined, 0)), a))),
  );
}

/** Options of `gelu`. */
export interface GeluOptions {
  /** `'none'` (default): x * Φ(x) with erf; `'tanh'`: the tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** Gaussian error linear unit, exact (erf) or with PyTorch's tanh approximation. */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  const fn = 'gelu';
  checkFloat(fn, x);
  const { approximate = 'none' } = checkOptions(fn, opts, {
    approximate: option.oneOf('none', 'tanh'),
  });
  return traced(fn, [x], { approximate }, () => geluImpl(x, approximate));
}

function geluImpl(x: Tensor, approximate: 'none' | 'tanh'): Tensor {
  return tidy(() => {
    const inner =
      approximate === 'none'
        ? erf(mul(x, Math.SQRT1_2))
        : tanh(mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI)));
    return mul(mul(x, 0.5), add(inner, 1));
  });
}

/** `x * sigmoid(x)` (also called swish). */
export function silu(x: Tensor): Tensor {
  checkFloat('silu', x);
  return traced('silu', [x], {}, () => tidy(() => mul(x, sigmoid(x))));
}

/**
 * `log(1 + exp(beta * x)) / beta`, and `x` itself where `beta * x > threshold` (PyTorch's
 * linear regime, which also keeps exp from overflowing).
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const fn = 'softplus';
  checkFloat(fn, x);
  const b = checkNumber(fn, 'beta', beta);
  if (b === 0) fail(fn, 'beta must be non-zero');
  const t = checkNumber(fn, 'threshold', threshold);
  return traced(fn, [x], { beta: b, threshold: t }, () =>
    tidy(() => {
      const bx = mul(x, b);
      const soft = mul(log1p(exp(clamp(bx, undefined, t))), 1 / b);
      return where(gt(bx, t), x, soft);
    }),
  );
}
