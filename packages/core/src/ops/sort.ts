/**
 * `sort` and `topk`. A backend may sort with its own kernel (the optional `sort` of the
 * contract); otherwise core composes the sort from the required kernels as a bitonic sorting
 * network: O(n log² n) work in ⌈log₂ n⌉(⌈log₂ n⌉+1)/2 steps of a few whole-tensor ops each, which
 * suits a GPU, where a data-dependent sort has no kernel. Both give PyTorch's stable order: ties
 * keep their original order, and NaN sorts as the largest value.
 */
import { noGrad, withGrad } from '../autograd.js';
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfTensor, wrap } from '../kernel.js';
import { checkOptions, option, showValue } from '../options.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import {
  add,
  cast,
  eq,
  ge,
  gt,
  isnan,
  logicalAnd,
  logicalOr,
  logicalXor,
  lt,
  mul,
  remainder,
  where,
} from './arithmetic.js';
import { arange, tensor, zeros } from './creation.js';
import { gather, scatterAdd } from './indexing.js';
import { concat, expand, pad, reshape, slice, transpose } from './layout.js';

/** What `sort` and `topk` return. */
export interface SortResult {
  /** The values in sorted order (differentiable: the gradient goes back to each value's place). */
  values: Tensor;
  /** int32: where each value was along the sorted dim. */
  indices: Tensor;
}

/** Options of `sort`. */
export interface SortOptions {
  /** The dim to sort along; default -1, the last. */
  dim?: number;
  /** Largest first. Default false. */
  descending?: boolean;
  /**
   * Keep ties in their original order. Stride's sort always does (PyTorch's unstable order is
   * unspecified, so the stable one is also a valid answer); accepted for PyTorch code.
   */
  stable?: boolean;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The dim to pick along; default -1, the last. */
  dim?: number;
  /** The k largest (default true), or the k smallest. */
  largest?: boolean;
  /**
   * Return them in sorted order. Stride always does (PyTorch's order for `sorted: false` is
   * unspecified); accepted for PyTorch code.
   */
  sorted?: boolean;
}

const SORT_OPTIONS = { dim: option.integer(), descending: option.boolean, stable: option.boolean };
const TOPK_OPTIONS = { dim: option.integer(), largest: option.boolean, sorted: option.boolean };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Sorts every row of the last dim of `x` (numeric, not bool, rank ≥ 1) with the bitonic network;
 * no gradient. Exported for tests, which compare it with a backend's kernel.
 *
 * Each element gets a key, `class · m + position`, where m is the row length padded to a power
 * of two and the class puts NaN (as the largest value) and the padding in their place; values
 * compare first, keys break ties, so the order is total and stable. NaN and the padding compare
 * as ±Infinity, and their class keeps them after (or, for NaN descending, before) a real infinity.
 */
export function bitonicSort(x: Tensor, descending: boolean): SortResult {
  const shape = x.shape;
  const n = shape[shape.length - 1] as number;
  if (x.size === 0 || n <= 1) {
    return {
      values: reshape(x, shape),
      indices: zeros(shape, { dtype: 'int32', device: x.device }),
    };
  }
  let m = 1;
  while (m < n) m *= 2;
  if (3 * m - 1 > INT32_MAX) {
    fail('sort', `dim of size ${n} is too long to sort without a sort kernel (at most 2^29)`);
  }
  const rows = x.size / n;
  const device = x.device;
  return tidy(() => {
    const flat = reshape(x, [rows, n]);
    const float = isFloat(x.dtype);
    const top = float ? Infinity : INT32_MAX;
    // Ascending: real values, then NaN, then padding. Descending: NaN, real values, padding.
    const [normalClass, nanClass] = descending ? [1, 0] : [0, 1];
    const padValue = descending ? (float ? -Infinity : INT32_MIN) : top;
    const padded = pad(flat, [0, m - n], 'constant', padValue);
    const position = arange(0, m, 1, { device });
    const classOf = where(ge(position, n), 2, normalClass);
    let key = add(mul(classOf, m), position);
    let value = padded;
    if (float) {
      const nan = isnan(padded);
      value = where(nan, Infinity, padded);
      key = where(nan, add(position, nanClass * m), key);
    } else {
      key = expand(key, [rows, m]);
    }
    const before = descending ? gt : lt;
    for (let k = 2; k <= m; k *= 2) {
      for (let j = k / 2; j >= 1; j /= 2) {
        [value, key] = compareExchange(value, key, rows, m, k, j, before);
      }
    }
    const indices = remainder(slice(key, 1, 0, n), m);
    return { values: reshape(gather(flat, 1, indices), shape), indices: reshape(indices, shape) };
  });
}

/**
 * One step of the network: each element at i (with bit j clear) meets its partner at i + j, and
 * the pair is put in order, ascending within blocks of k where bit k of i is clear and descending
 * where it is set.
 */
function compareExchange(
  value: Tensor,
  key: Tensor,
  rows: number,
  m: number,
  k: number,
  j: number,
  before: typeof lt,
): [Tensor, Tensor] {
  return tidy(() => {
    const blocks = m / (2 * j);
    const v = reshape(value, [rows, blocks, 2, j]);
    const q = reshape(key, [rows, blocks, 2, j]);
    const vLo = slice(v, 2, 0, 1);
    const vHi = slice(v, 2, 1, 2);
    const qLo = slice(q, 2, 0, 1);
    const qHi = slice(q, 2, 1, 2);
    // Whether the upper element belongs first: a smaller value, or an equal one with a smaller key.
    let swap = logicalOr(before(vHi, vLo), logicalAnd(eq(vHi, vLo), lt(qHi, qLo)));
    if (k < m) {
      const flags = new Uint8Array(blocks);
      for (let b = 0; b < blocks; b++) flags[b] = (b * 2 * j) & k ? 1 : 0;
      const reversed = tensor(flags, {
        shape: [1, blocks, 1, 1],
        dtype: 'bool',
        device: value.device,
      });
      swap = logicalXor(swap, reversed);
    }
    const nextValue = concat([where(swap, vHi, vLo), where(swap, vLo, vHi)], 2);
    const nextKey = concat([where(swap, qHi, qLo), where(swap, qLo, qHi)], 2);
    return [reshape(nextValue, [rows, m]), reshape(nextKey, [rows, m])] as [Tensor, Tensor];
  });
}

/** Sorts `x` along `axis` (no gradient): the backend's kernel, or the bitonic network. */
function sortAlong(x: Tensor, axis: number, descending: boolean): SortResult {
  const backend = x.backend;
  return noGrad(() =>
    tidy(() => {
      // A 0-d tensor sorts as one element.
      const t = x.rank === 0 ? reshape(x, [1]) : x;
      const last = t.rank - 1;
      const moved = axis === last || x.rank === 0 ? t : transpose(t, axis, last);
      // Booleans sort as 0 and 1.
      const numeric = moved.dtype === 'bool' ? cast(moved, 'int32') : moved;
      let values: Tensor;
      let indices: Tensor;
      if (backend.sort) {
        const out = backend.sort(numeric._kernel(), descending);
        values = wrap(backend, out.values, numeric.shape, numeric.dtype);
        indices = wrap(backend, out.indices, numeric.shape, 'int32');
      } else {
        ({ values, indices } = bitonicSort(numeric, descending));
      }
      if (x.dtype === 'bool') values = cast(values, 'bool');
      if (moved !== t) {
        values = transpose(values, axis, last);
        indices = transpose(indices, axis, last);
      }
      if (x.rank === 0) {
        values = reshape(values, []);
        indices = reshape(indices, []);
      }
      return { values, indices };
    }),
  );
}

/** Records the gradient of `values` picked from `x` at `indices` along `axis`. */
function pickedWithGrad(fn: string, x: Tensor, axis: number, picked: SortResult): SortResult {
  const xShape = x.shape;
  const values = withGrad(fn, picked.values, [x], [picked.indices], (dy, [idx]) => {
    if (xShape.length === 0) return [dy];
    const base = zeros(xShape, { dtype: dy.dtype, device: dy.device });
    return [scatterAdd(base, axis, idx as Tensor, dy)];
  });
  return { values, indices: picked.indices };
}

/**
 * `torch.sort`: the values of `x` sorted along `dim` (default the last), and where each came from
 * (int32 `indices`). Ties keep their original order (PyTorch's `stable=True`), and NaN sorts as
 * the largest value: last ascending, first descending. Booleans sort as false < true.
 *
 * @example
 * ```ts
 * const x = tensor([3, 1, NaN, 1, 2], { dtype: 'float32' });
 * const { values, indices } = sort(x);
 * values.arraySync();                              // [1, 1, 2, 3, NaN]
 * indices.arraySync();                             // [1, 3, 4, 0, 2]
 * sort(x, { descending: true }).indices.arraySync(); // [2, 0, 4, 1, 3]
 * ```
 */
export function sort(x: Tensor, options: SortOptions = {}): SortResult {
  const fn = 'sort';
  backendOfTensor(fn, 'input', x);
  const o = checkOptions(fn, options, SORT_OPTIONS);
  const axis = normalizeAxis(fn, o.dim ?? -1, x.rank);
  return pickedWithGrad(fn, x, axis, sortAlong(x, axis, o.descending ?? false));
}

/**
 * `torch.topk`: the `k` largest values of `x` along `dim` (default the last), largest first, or
 * with `largest: false` the `k` smallest, smallest first; and their int32 `indices`. NaN counts as
 * the largest value. Among equal values the one earlier in `x` comes first.
 *
 * @example
 * ```ts
 * const logits = tensor([[0.1, 2.5, 0.7, 1.9]], { dtype: 'float32' });
 * const { values, indices } = topk(logits, 2);
 * indices.arraySync();                             // [[1, 3]]
 * topk(logits, 1, { largest: false }).indices.arraySync(); // [[0]]
 * ```
 */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): SortResult {
  const fn = 'topk';
  backendOfTensor(fn, 'input', x);
  // As PyTorch's: sort orders bools, topk does not pick among them.
  if (x.dtype === 'bool') fail(fn, 'input must be a float or int32 tensor, got bool');
  const o = checkOptions(fn, options, TOPK_OPTIONS);
  const axis = normalizeAxis(fn, o.dim ?? -1, x.rank);
  const n = x.rank === 0 ? 1 : (x.shape[axis] as number);
  if (!Number.isSafeInteger(k) || k < 0 || k > n) {
    fail(
      fn,
      `k must be an integer from 0 to ${n} (the size of dim ${axis} of input ${fmtShape(x.shape)}), got ${showValue(k)}`,
    );
  }
  const sorted = sortAlong(x, axis, o.largest ?? true);
  if (x.rank === 0 || k === n) return pickedWithGrad(fn, x, axis, sorted);
  const picked = noGrad(() => ({
    values: slice(sorted.values, axis, 0, k),
    indices: slice(sorted.indices, axis, 0, k),
  }));
  sorted.values.dispose();
  sorted.indices.dispose();
  return pickedWithGrad(fn, x, axis, picked);
}
