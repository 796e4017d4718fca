/** Inverted dropout: zeroes entries with probability `p` and scales the rest by 1 / (1 - p). */
import { isFloat } from '../dtype.js';
import { fail } from '../errors.js';
import { backendOfTensor } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { cast, lt, mul } from './arithmetic.js';
import { reshape } from './layout.js';
import { fmtValue } from './params.js';
import { rand } from './random.js';

/**
 * Like `torch.nn.functional.dropout`. Outside training (or with p = 0) the input passes through
 * unchanged; p = 1 gives zeros. The mask comes from the global generator (`manualSeed`).
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  const fn = 'dropout';
  backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0 || p > 1) {
    fail(fn, `p must be a probability between 0 and 1, got ${fmtValue(p)}`);
  }
  if (typeof training !== 'boolean') {
    fail(fn, `training must be a boolean, got ${fmtValue(training)}`);
  }
  // A new tensor even when nothing changes, so callers can dispose input and output separately.
  if (!training || p === 0) return reshape(x, x.shape);
  if (p === 1) return mul(x, 0);
  return tidy(() => {
    const u = rand(x.shape, { dtype: x.dtype, device: x.device });
    // Keeping u < 1 - p keeps each entry with probability exactly 1 - p (u is uniform in [0, 1)).
    const scale = mul(cast(lt(u, 1 - p), x.dtype), 1 / (1 - p));
    return mul(x, scale);
  });
}
