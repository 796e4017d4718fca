/** The gradient of relu, shared by `relu` and by a convolution with `activation: 'relu'`. */
import { isFloat } from '../dtype.js';
import { wrap } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { gt, mul, where } from './arithmetic.js';

/**
 * `dy` where `x > 0`, else 0 (also where `x` is NaN): the gradient of relu at `x`, or at its
 * output, which is positive exactly where `x` is. One pass on a backend with `reluBackward`.
 */
export function reluGrad(dy: Tensor, x: Tensor): Tensor {
  if (!isFloat(x.dtype)) return mul(dy, 0);
  const b = dy.backend;
  if (b.reluBackward) {
    return wrap(b, b.reluBackward(dy._kernel(), x._kernel()), dy.shape, dy.dtype);
  }
  return where(gt(x, 0), dy, 0);
}
