/**
 * What `conv*d` and `convTranspose*d` check alike: their shared options and their tensors'
 * backends, dtypes and ranks. Internal: not exported from the package.
 */
import type { Backend } from '../backend.js';
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf } from '../kernel.js';
import { option } from '../options.js';
import type { Tensor } from '../tensor.js';
import { perAxisOption } from './params.js';

/** The option rules both take; each adds its own `padding` (and `outputPadding`). */
export const CONV_COMMON_OPTIONS = {
  bias: option.nullable(option.tensor),
  stride: perAxisOption(1),
  dilation: perAxisOption(1),
  groups: option.integer({ min: 1 }),
} as const;

/**
 * Float tensors of one dtype on one backend, an input of `n + 1` (unbatched) or `n + 2` dims and
 * a weight of `n + 2` dims laid out as `weightLayout` (`'outChannels, inChannels/groups'`).
 * Returns the backend.
 */
export function checkConvTensors(
  fn: string,
  n: number,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  weightLayout: string,
): Backend {
  const args: [string, Tensor][] = [
    ['input', x],
    ['weight', w],
  ];
  if (bias) args.push(['bias', bias]);
  const backend = backendOf(fn, args);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (w.dtype !== x.dtype) fail(fn, `weight is ${w.dtype} but input is ${x.dtype}`);
  if (bias && bias.dtype !== x.dtype) fail(fn, `bias is ${bias.dtype} but input is ${x.dtype}`);
  if (x.rank !== n + 1 && x.rank !== n + 2) {
    fail(
      fn,
      `expected a ${n + 1}-d (unbatched) or ${n + 2}-d (batched) input [batch, channels, ...${n} spatial dims], got input ${fmtShape(x.shape)}`,
    );
  }
  if (w.rank !== n + 2) {
    fail(
      fn,
      `weight must be ${n + 2}-d [${weightLayout}, ...${n} kernel dims], got weight ${fmtShape(w.shape)}`,
    );
  }
  return backend;
}
