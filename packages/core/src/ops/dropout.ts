/**
 * Inverted dropout: zeroes entries (or, for `dropout1d/2d/3d`, whole channels) with probability
 * `p` and scales the rest by 1 / (1 - p).
 */
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfTensor } from '../kernel.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { cast, lt, mul } from './arithmetic.js';
import { reshape } from './layout.js';
import { fmtValue } from './params.js';
import { rand } from './random.js';

/** Checks what every dropout takes: a float input, a probability and a training flag. */
function checkDropout(fn: string, x: Tensor, p: unknown, training: unknown): void {
  backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0 || p > 1) {
    fail(fn, `p must be a probability between 0 and 1, got ${fmtValue(p)}`);
  }
  if (typeof training !== 'boolean') {
    fail(fn, `training must be a boolean, got ${fmtValue(training)}`);
  }
}

/**
 * `x` times a mask of `maskShape` (which broadcasts against `x`): each mask entry is 1 / (1 - p)
 * with probability 1 - p and 0 otherwise, drawn from the global generator (`manualSeed`).
 */
function applyMask(x: Tensor, maskShape: readonly number[], p: number, training: boolean): Tensor {
  return traced('dropout', [x], { p, training }, () => maskRun(x, maskShape, p, training));
}

function maskRun(x: Tensor, maskShape: readonly number[], p: number, training: boolean): Tensor {
  // A new tensor even when nothing changes, so callers can dispose input and output separately.
  if (!training || p === 0) return reshape(x, x.shape);
  if (p === 1) return mul(x, 0);
  return tidy(() => {
    const u = rand(maskShape, { dtype: x.dtype, device: x.device });
    // Keeping u < 1 - p keeps each entry with probability exactly 1 - p (u is uniform in [0, 1)).
    const scale = mul(cast(lt(u, 1 - p), x.dtype), 1 / (1 - p));
    return mul(x, scale);
  });
}

/**
 * Like `torch.nn.functional.dropout`. Outside training (or with p = 0) the input passes through
 * unchanged; p = 1 gives zeros. The mask comes from the global generator (`manualSeed`).
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkDropout('dropout', x, p, training);
  return applyMask(x, x.shape, p, training);
}

/**
 * Channel dropout of `[N, C, ...]` (or an unbatched `[C, ...]`): every channel of every sample
 * is zeroed whole with probability `p`, the rest scaled by 1 / (1 - p).
 */
function channelDropout(
  fn: string,
  ranks: readonly number[],
  layout: string,
  x: Tensor,
  p: number,
  training: boolean,
): Tensor {
  checkDropout(fn, x, p, training);
  if (!ranks.includes(x.rank)) fail(fn, `expected ${layout}, got input ${fmtShape(x.shape)}`);
  // One draw per (sample, channel): the channel dims of the mask are 1 and broadcast.
  const channelDims = x.rank === Math.max(...ranks) ? 2 : 1;
  const maskShape = x.shape.map((d, i) => (i < channelDims ? d : 1));
  return applyMask(x, maskShape, p, training);
}

/**
 * Like `torch.nn.functional.dropout1d`: in training, zeroes each channel of `[N, C, L]` (or
 * `[C, L]`) whole with probability `p` and scales the others by 1 / (1 - p), which suits
 * features whose neighbours are correlated. Outside training (or with p = 0) the input passes
 * through; p = 1 gives zeros. The mask comes from the global generator (`manualSeed`).
 *
 * @example
 * ```ts
 * manualSeed(0);
 * const y = dropout1d(ones([2, 4, 5]), 0.5);   // each [5] row all 0 or all 2
 * ```
 */
export function dropout1d(x: Tensor, p = 0.5, training = true): Tensor {
  return channelDropout('dropout1d', [2, 3], 'a 2-d [C, L] or 3-d [N, C, L] input', x, p, training);
}

/**
 * Like `torch.nn.functional.dropout2d` on `[N, C, H, W]`: zeroes whole `[H, W]` channels with
 * probability `p` in training (see `dropout1d`). A 3-d input is refused: PyTorch 1.13 treats it
 * as `[N, C, L]` and later versions as an unbatched `[C, H, W]`; use `dropout1d` for the first
 * and `[1, C, H, W]` for the second.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  const fn = 'dropout2d';
  if (x?.rank === 3) {
    checkDropout(fn, x, p, training);
    fail(
      fn,
      `a 3-d input is ambiguous (PyTorch 1.13 treats it as [N, C, L], later versions as an unbatched [C, H, W]): call dropout1d for [N, C, L], or pass [1, C, H, W]; got input ${fmtShape(x.shape)}`,
    );
  }
  return channelDropout(fn, [4], 'a 4-d input [N, C, H, W]', x, p, training);
}

/**
 * Like `torch.nn.functional.dropout3d`: zeroes whole `[D, H, W]` channels of `[N, C, D, H, W]`
 * (or `[C, D, H, W]`) with probability `p` in training (see `dropout1d`).
 */
export function dropout3d(x: Tensor, p = 0.5, training = true): Tensor {
  return channelDropout(
    'dropout3d',
    [4, 5],
    'a 4-d [C, D, H, W] or 5-d [N, C, D, H, W] input',
    x,
    p,
    training,
  );
}
