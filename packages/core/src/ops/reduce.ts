import { withGrad } from '../autograd.js';
import type { ReduceOp } from '../backend.js';
import { isFloat } from '../dtype.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfTensor, wrap } from '../kernel.js';
import { checkOptions, option, showValue } from '../options.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { abs, add, cast, div, eq, exp, log, mul, sqrt, sub, where } from './arithmetic.js';
import { expand, reshape } from './layout.js';

/** Axes to reduce: one, several, or (undefined) all. */
export type Dims = number | readonly number[] | undefined;

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function droppedShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/**
 * The axes a reduction runs over: those of `dim`, or all of them when `dim` is omitted, null or
 * empty (PyTorch 1.13 reduces everything for `dim=[]` as for `dim=None`). Also checks `keepDims`.
 */
function reductionAxes(fn: string, x: Tensor, dim: unknown, keepDims: unknown): number[] {
  if (typeof keepDims !== 'boolean') {
    fail(fn, `keepDims must be a boolean, got ${showValue(keepDims)}`);
  }
  const all = dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0);
  const axes = normalizeAxes(fn, all ? undefined : (dim as Dims), x.rank);
  // A 0-d tensor takes dim 0 or -1 (PyTorch's rule) but has no axis to reduce.
  return x.rank === 0 ? [] : axes;
}

/** Runs a reduce kernel; the result keeps reduced axes as size 1. */
function reduceRaw(fn: string, op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  const backend = backendOfTensor(fn, 'input', x);
  const outDtype = op === 'argmax' || op === 'argmin' ? 'int32' : x.dtype;
  return wrap(backend, backend.reduce(op, x._kernel(), axes), keptShape(x.shape, axes), outDtype);
}

function finishShape(t: Tensor, x: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  if (keepDims) return t;
  const r = reshape(t, droppedShape(x.shape, axes));
  t.dispose();
  return r;
}

/** Broadcasts a reduced gradient (with or without kept axes) back over `shape`. */
function spread(dy: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return expand(reshape(dy, keptShape(shape, axes)), shape);
}

/**
 * Sum over `dim` (one axis, several, or all when omitted); reduced axes are dropped unless
 * `keepDims`. Bool is summed as int32; other dtypes keep theirs.
 */
export function sum(x: Tensor, dim?: Dims, keepDims = false): Tensor {
  const fn = 'sum';
  backendOfTensor(fn, 'input', x);
  const axes = reductionAxes(fn, x, dim, keepDims);
  return traced(fn, [x], { axes, keepDims }, () => {
    const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
    const shape = x.shape;
    const raw = withGrad(fn, reduceRaw(fn, 'sum', input, axes), [input], [], (dy) => [
      spread(dy, shape, axes),
    ]);
    if (input !== x) input.dispose();
    return finishShape(raw, x, axes, keepDims);
  });
}

/**
 * Mean over `dim` (one axis, several, or all when omitted); reduced axes are dropped unless
 * `keepDims`. Float inputs only: throws a StrideError for integers and bool.
 */
export function mean(x: Tensor, dim?: Dims, keepDims = false): Tensor {
  const fn = 'mean';
  backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}; cast it first`);
  const axes = reductionAxes(fn, x, dim, keepDims);
  const count = axes.reduce((n, a) => n * (x.shape[a] as number), 1);
  return traced(fn, [x], { axes, keepDims }, () => {
    const s = sum(x, axes, keepDims);
    const out = div(s, count);
    s.dispose();
    return out;
  });
}

/** `amax`/`amin`: the gradient is shared evenly among tied extremes (PyTorch's rule). */
function extreme(fn: string, op: 'max' | 'min', x: Tensor, dim: Dims, keepDims: boolean): Tensor {
  backendOfTensor(fn, 'input', x);
  if (x.dtype === 'bool') fail(fn, 'input is a bool tensor; cast it first');
  const axes = reductionAxes(fn, x, dim, keepDims);
  for (const a of axes) {
    if (x.shape[a] === 0)
      fail(fn, `cannot reduce over an empty dimension ${a} of ${fmtShape(x.shape)}`);
  }
  const shape = x.shape;
  const raw = withGrad(fn, reduceRaw(fn, op, x, axes), [x], [x], (dy, [sx]) => {
    return [extremeGrad(sx as Tensor, dy, shape, axes, op)];
  });
  return finishShape(raw, x, axes, keepDims);
}

function extremeGrad(
  x: Tensor,
  dy: Tensor,
  shape: readonly number[],
  axes: readonly number[],
  op: ReduceOp,
): Tensor {
  const m = spread(reduceRaw('backward', op, x, axes), shape, axes);
  const mask = cast(eq(x, m), x.dtype);
  const count = spread(sum(mask, axes, true), shape, axes);
  return div(mul(spread(dy, shape, axes), mask), count);
}

/**
 * Largest value over `dim` (one axis, several, or all when omitted); NaN propagates. Tied maxima
 * share the gradient evenly. Throws a StrideError for bool or an empty reduced axis.
 */
export function max(x: Tensor, dim?: Dims, keepDims = false): Tensor {
  return extreme('max', 'max', x, dim, keepDims);
}

/**
 * Smallest value over `dim` (one axis, several, or all when omitted); NaN propagates. Tied minima
 * share the gradient evenly. Throws a StrideError for bool or an empty reduced axis.
 */
export function min(x: Tensor, dim?: Dims, keepDims = false): Tensor {
  return extreme('min', 'min', x, dim, keepDims);
}

function argExtreme(
  fn: string,
  op: 'argmax' | 'argmin',
  x: Tensor,
  dim?: number,
  keepDims = false,
): Tensor {
  backendOfTensor(fn, 'input', x);
  if (typeof keepDims !== 'boolean') {
    fail(fn, `keepDims must be a boolean, got ${showValue(keepDims)}`);
  }
  if (x.dtype === 'bool') fail(fn, 'input is a bool tensor; cast it to int32 or float first');
  if (dim === undefined || dim === null) {
    if (x.size === 0) fail(fn, `cannot take ${op} of an empty tensor ${fmtShape(x.shape)}`);
    const flat = reshape(x, [x.size]);
    const r = argExtreme(fn, op, flat, 0, false);
    flat.dispose();
    if (!keepDims) return r;
    const k = reshape(
      r,
      x.shape.map(() => 1),
    );
    r.dispose();
    return k;
  }
  const axis = normalizeAxis(fn, dim, x.rank);
  if (x.shape[axis] === 0)
    fail(fn, `cannot take ${op} over an empty dimension of ${fmtShape(x.shape)}`);
  return finishShape(reduceRaw(fn, op, x, [axis]), x, [axis], keepDims);
}

/** Index of the largest value along `dim` (of the flattened tensor when `dim` is omitted). */
export function argmax(x: Tensor, dim?: number, keepDims = false): Tensor {
  return argExtreme('argmax', 'argmax', x, dim, keepDims);
}

/**
 * Index of the smallest value along `dim` (of the flattened tensor when `dim` is omitted), int32;
 * the first one on ties.
 */
export function argmin(x: Tensor, dim?: number, keepDims = false): Tensor {
  return argExtreme('argmin', 'argmin', x, dim, keepDims);
}

/** Options of `variance` and `std`. */
export interface VarOptions {
  /** Subtracted from the element count in the divisor: 1 (default) is Bessel's correction. */
  correction?: number;
  /** Keep the reduced axes as size 1. Default false. */
  keepDims?: boolean;
}

const VAR_OPTIONS = { correction: option.integer({ min: 0 }), keepDims: option.boolean } as const;

/**
 * Variance over `dim` (all axes when omitted): the sum of squared deviations from the mean divided
 * by (count − `correction`). Float inputs only.
 */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return varianceNamed('variance', x, dim, options);
}

function varianceNamed(fn: string, x: Tensor, dim: Dims | undefined, opts: VarOptions): Tensor {
  const options = checkOptions(fn, opts, VAR_OPTIONS);
  backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  const axes = reductionAxes(fn, x, dim, options.keepDims ?? false);
  const correction = options.correction ?? 1;
  const n = axes.reduce((k, a) => k * (x.shape[a] as number), 1);
  const m = mean(x, axes, true);
  const centered = sub(x, m);
  const sq = mul(centered, centered);
  const s = sum(sq, axes, options.keepDims ?? false);
  const out = div(s, Math.max(n - correction, 0));
  for (const t of [m, centered, sq, s]) t.dispose();
  return out;
}

/** Standard deviation over `dim`: the square root of `variance` with the same options. */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const v = varianceNamed('std', x, dim, options);
  const out = sqrt(v);
  v.dispose();
  return out;
}

/** log(Σ exp(x)) computed stably (the maximum is subtracted; all -∞ gives -∞). */
export function logsumexp(x: Tensor, dim?: Dims, keepDims = false): Tensor {
  const fn = 'logsumexp';
  backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  const axes = reductionAxes(fn, x, dim, keepDims);
  const r = tidy(() => {
    const rawMax = reduceRaw(fn, 'max', x, axes);
    // An infinite maximum shifts by 0: +∞ stays +∞ and all -∞ gives -∞, never ∞ - ∞ = NaN.
    const finite = where(eq(abs(rawMax), Number.POSITIVE_INFINITY), 0, rawMax);
    return add(log(sum(exp(sub(x, finite)), axes, true)), finite);
  });
  return finishShape(r, x, axes, keepDims);
}

/** Records `softmax`/`logSoftmax` with the axis as a non-negative index. */
function tracedSoftmax(fn: string, x: Tensor, dim: number, logOut: boolean): Tensor {
  if (engine.trace === null) return softmaxOp(fn, x, dim, logOut);
  backendOfTensor(fn, 'input', x);
  const axis = x.rank === 0 ? 0 : normalizeAxis(fn, dim, x.rank);
  return traced(fn, [x], { axis }, () => softmaxOp(fn, x, dim, logOut));
}

function softmaxOp(fn: string, x: Tensor, dim: number, logOut: boolean): Tensor {
  const backend = backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  const axis = normalizeAxis(fn, dim, x.rank);
  if (x.rank === 0) {
    // A scalar is a row of one: kernels only ever see at least one dimension.
    return tidy(() => reshape(softmaxOp(fn, reshape(x, [1]), 0, logOut), []));
  }
  const out = wrap(backend, backend.softmax(x._kernel(), axis, logOut), x.shape, x.dtype);
  return withGrad(fn, out, [x], [out], (dy, [y]) => {
    const yy = y as Tensor;
    if (logOut) return [sub(dy, mul(exp(yy), sum(dy, axis, true)))];
    return [mul(yy, sub(dy, sum(mul(dy, yy), axis, true)))];
  });
}

/** `exp(x) / Σ exp(x)` along `dim` (default the last), computed stably. Float inputs only. */
export function softmax(x: Tensor, dim = -1): Tensor {
  return tracedSoftmax('softmax', x, dim, false);
}

/** `log(softmax(x))` along `dim` (default the last), computed stably. Float inputs only. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return tracedSoftmax('logSoftmax', x, dim, true);
}
