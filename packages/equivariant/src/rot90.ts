/**
 * `rot90`: a tensor rotated by a multiple of 90° in the plane of two dims, as `torch.rot90`. Core
 * has no such op; it is a flip and a transpose (for odd turns), so it is exact, has a gradient,
 * and runs on every backend.
 */
import { fail, flip, fmtShape, reshape, type Tensor, transpose } from '@stride/core';
import { show, tensorArg } from './check.js';

/**
 * `x` rotated by `k` quarter turns in the plane of `dims`, from the first dim towards the second
 * (`torch.rot90(x, k, dims)`): for an image `[..., H, W]` with `dims = [-2, -1]` and k = 1 that is
 * a counter-clockwise turn as the image is displayed, row 0 at the top. `k` may be negative or
 * beyond 3 (it counts modulo 4). The defaults, k = 1 and dims = [0, 1], are PyTorch's.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * await rot90(x).array();                  // [[2, 4], [1, 3]]
 * await rot90(x, 2).array();               // [[4, 3], [2, 1]]
 * rot90(randn([8, 3, 28, 30]), 1, [-2, -1]).shape; // [8, 3, 30, 28]
 * ```
 */
export function rot90(x: Tensor, k = 1, dims: readonly [number, number] = [0, 1]): Tensor {
  const fn = 'rot90';
  tensorArg(fn, 'input', x);
  if (!Number.isSafeInteger(k)) fail(fn, `k must be an integer (quarter turns), got ${show(k)}`);
  const [a, b] = rotationDims(fn, x, dims);
  switch (((k % 4) + 4) % 4) {
    case 1:
      return transpose(flip(x, b), a, b);
    case 2:
      return flip(x, [a, b]);
    case 3:
      return transpose(flip(x, a), a, b);
    default:
      // A new tensor with the same values (sharing storage, as reshape does: tensors are
      // values, and assign() gives a parameter new storage rather than writing into this one).
      return reshape(x, x.shape);
  }
}

/** The two plane dims of `rot90`, as non-negative axes. */
function rotationDims(fn: string, x: Tensor, dims: unknown): [number, number] {
  if (x.rank < 2) {
    fail(fn, `input must have at least 2 dims to rotate, got input ${fmtShape(x.shape)}`);
  }
  if (!Array.isArray(dims) || dims.length !== 2 || !dims.every((d) => Number.isSafeInteger(d))) {
    fail(fn, `dims must be an array of 2 integers (the plane to rotate in), got ${show(dims)}`);
  }
  const axes = (dims as number[]).map((d) => {
    if (d < -x.rank || d >= x.rank) {
      fail(
        fn,
        `dims ${show(dims)} are out of range for input ${fmtShape(x.shape)} (expected each in [${-x.rank}, ${x.rank - 1}])`,
      );
    }
    return d < 0 ? d + x.rank : d;
  }) as [number, number];
  if (axes[0] === axes[1]) {
    fail(fn, `dims must be two different dims, got ${show(dims)} for input ${fmtShape(x.shape)}`);
  }
  return axes;
}
