/**
 * Cumulative sums, composed from padded shifts and adds (Hillis–Steele): ⌈log₂ n⌉ steps, each
 * adding the running sums shifted by 1, 2, 4, … positions, so memory stays O(size) and a GPU
 * runs a handful of whole-tensor kernels instead of n dependent ones.
 */
import { noGrad, withGrad } from '../autograd.js';
import { fail } from '../errors.js';
import { backendOfTensor } from '../kernel.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { add, cast } from './arithmetic.js';
import { pad, reshape } from './layout.js';

/**
 * The running sums along `axis`, from the start (`reverse` false) or from the end (true); no
 * gradient is recorded. Float results may differ from a sequential sum in the last bits, as
 * sums in another order do.
 */
function scan(x: Tensor, axis: number, reverse: boolean): Tensor {
  // A 0-d tensor is its own running sum, as a 1-element dim is.
  const n = x.shape[axis] ?? 1;
  return noGrad(() =>
    tidy(() => {
      let y = reshape(x, x.shape);
      for (let s = 1; s < n; s *= 2) {
        // (before, after) pairs from the last dim: pad s zeros on one end, crop s on the other.
        const pairs = new Array<number>(2 * (x.rank - axis)).fill(0);
        const at = 2 * (x.rank - 1 - axis);
        pairs[at] = reverse ? -s : s;
        pairs[at + 1] = reverse ? s : -s;
        y = add(y, pad(y, pairs));
      }
      return y;
    }),
  );
}

/**
 * `torch.cumsum`: `y[..., i, ...] = x[..., 0, ...] + … + x[..., i, ...]` along `dim`. Integer and
 * bool inputs give int32 (PyTorch gives int64, which Stride lacks: sums past 2³¹ wrap). The
 * gradient is the reverse cumulative sum of the output gradient.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
 * cumsum(x, 1).arraySync();                        // [[1, 3, 6], [4, 9, 15]]
 * cumsum(x, 0).arraySync();                        // [[1, 2, 3], [5, 7, 9]]
 * ```
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  const fn = 'cumsum';
  backendOfTensor(fn, 'input', x);
  if (dim === undefined) fail(fn, 'dim is required: the dim to sum along');
  const axis = normalizeAxis(fn, dim, x.rank);
  const input = x.dtype === 'bool' ? noGrad(() => cast(x, 'int32')) : x;
  const out = scan(input, axis, false);
  if (input !== x) input.dispose();
  return withGrad(fn, out, [x], [], (dy) => [scan(dy, axis, true)]);
}
