/**
 * PyTorch's size queries, `numel()`, `size(dim)` and `view_as`, under names that fit beside
 * Stride's `size` property (the number of elements, as in NumPy and TensorFlow.js).
 */
import { fail, fmtShape } from '../errors.js';
import { describe } from '../kernel.js';
import { isTensor, type Tensor } from '../tensor.js';
import { reshapeNamed } from './layout.js';

/** Throws unless `t` is a tensor; sizes stay readable after `dispose()`, so that is not checked. */
function checkTensor(fn: string, arg: string, t: unknown): asserts t is Tensor {
  if (!isTensor(t)) fail(fn, `${arg} must be a Tensor, got ${describe(t)}`);
}

/**
 * PyTorch's `numel()`: the number of elements, the product of the shape (1 for a 0-d tensor).
 * The same number as `x.size`.
 *
 * @example
 * ```ts
 * numel(zeros([2, 3, 4]));                         // 24
 * ```
 */
export function numel(x: Tensor): number {
  checkTensor('numel', 'input', x);
  return x.size;
}

/**
 * PyTorch's `x.size(dim)`: the size of dim `dim` (negative counts from the end). Stride's
 * `x.size` is the number of elements and `x.shape` the whole shape (PyTorch's `x.size()`), so the
 * size of one dim has this name.
 *
 * @example
 * ```ts
 * const x = zeros([2, 3, 4]);
 * sizeAt(x, 1);                                    // 3
 * sizeAt(x, -1);                                   // 4
 * ```
 */
export function sizeAt(x: Tensor, dim: number): number {
  const fn = 'sizeAt';
  checkTensor(fn, 'input', x);
  const rank = x.rank;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -rank || dim >= rank) {
    fail(
      fn,
      rank === 0
        ? `dim ${String(dim)} is out of range: a 0-d tensor has no dims`
        : `dim ${String(dim)} is out of range for a tensor of rank ${rank} (${fmtShape(x.shape)}): use -${rank} to ${rank - 1}`,
    );
  }
  return x.shape[dim < 0 ? dim + rank : dim] as number;
}

/**
 * PyTorch's `view_as`: `x` reshaped to `other`'s shape (they must have as many elements). Only
 * `other`'s shape is used: its values, dtype and device do not matter.
 *
 * @example
 * ```ts
 * const flat = arange(6);
 * viewAs(flat, zeros([2, 3])).shape;               // [2, 3]
 * ```
 */
export function viewAs(x: Tensor, other: Tensor): Tensor {
  const fn = 'viewAs';
  checkTensor(fn, 'input', x);
  checkTensor(fn, 'other', other);
  if (x.size !== other.size) {
    fail(
      fn,
      `input ${fmtShape(x.shape)} has ${x.size} elements but other ${fmtShape(other.shape)} has ${other.size}`,
    );
  }
  return reshapeNamed(fn, x, other.shape);
}
