import type { Backend, Shape } from '../backend.js';
import { DTYPES, type DType, isFloat, TYPED_ARRAY, type TypedArray } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { checkDtypeSupported, wrap } from '../kernel.js';
import { backendByName, getBackend } from '../registry.js';
import { checkShape, checkSize, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Options of the creation functions (`tensor`, `zeros`, `full`, ...). */
export interface CreateOptions {
  /**
   * Element type. Default: inferred from the values for `tensor`, float32 for the others (bool for
   * `full` with a boolean value); the `*Like` functions default to the model tensor's.
   */
  dtype?: DType;
  /** Backend name; defaults to the active backend. */
  device?: string;
  /** Make the new tensor a leaf that records gradients. Needs a float dtype. Default false. */
  requiresGrad?: boolean;
}

/** Values as nested arrays (one level per dimension, not ragged), or a single number or boolean. */
export type NestedNumbers = number | boolean | readonly NestedNumbers[];

/**
 * The backend for a `device` option: the named backend (which must be initialised), or the active
 * one when `device` is undefined. Throws a StrideError naming `fn` otherwise.
 */
export function resolveDevice(fn: string, device: string | undefined): Backend {
  return device === undefined ? getBackend() : backendByName(fn, device);
}

function checkDtype(fn: string, dtype: unknown): DType {
  if (!DTYPES.includes(dtype as DType)) {
    fail(fn, `dtype must be one of ${DTYPES.join(', ')}, got ${String(dtype)}`);
  }
  return dtype as DType;
}

function finish(fn: string, t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) {
    if (!isFloat(t.dtype)) fail(fn, `requiresGrad needs a float dtype, got ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

/** Uploads host values as a tensor of `shape` on the backend picked by `options.device`. */
export function fromValues(
  fn: string,
  values: TypedArray,
  shape: Shape,
  dtype: DType,
  options: CreateOptions,
): Tensor {
  const backend = resolveDevice(fn, options.device);
  checkDtypeSupported(fn, backend, dtype);
  return finish(fn, wrap(backend, backend.upload(values, dtype), shape, dtype), options);
}

function dtypeOfTyped(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  return 'bool';
}

/**
 * A tensor from nested arrays, a number, or a flat typed array (with `shape` to reshape it).
 * Like PyTorch, integer values give int32, any fractional value float32, booleans bool.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]).dtype;                  // 'int32', shape [2, 2]
 * tensor([0.5, 1]).dtype;                          // 'float32'
 * tensor([1, 2], { dtype: 'float32', requiresGrad: true });
 * tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).shape; // [2, 3]
 * ```
 */
export function tensor(
  values: NestedNumbers | TypedArray,
  options: CreateOptions & {
    /** The shape of a flat typed array `values` (default `[values.length]`); only for those. */
    shape?: readonly number[];
  } = {},
): Tensor {
  const fn = 'tensor';
  if (options.dtype !== undefined) checkDtype(fn, options.dtype);
  if (ArrayBuffer.isView(values)) {
    const typed = values as TypedArray;
    const shape = options.shape ? checkShape(fn, 'shape', options.shape) : [typed.length];
    if (sizeOf(shape) !== typed.length) {
      fail(
        fn,
        `shape ${fmtShape(shape)} needs ${sizeOf(shape)} values but ${typed.length} were given`,
      );
    }
    const dtype = options.dtype ?? dtypeOfTyped(typed);
    // upload copies, so values already of the dtype's array type need no copy of their own.
    const data = typed instanceof TYPED_ARRAY[dtype] ? typed : new TYPED_ARRAY[dtype](typed.length);
    if (data !== typed) data.set(typed);
    return fromValues(fn, data, shape, dtype, options);
  }
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: (number | boolean)[] = [];
  let kind: 'bool' | 'int' | 'float' = 'bool';
  const walk = (v: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v === 'boolean') {
        flat.push(v);
        return;
      }
      if (typeof v !== 'number')
        fail(fn, `expected a number at ${path || 'the top'}, got ${typeof v}`);
      if (kind !== 'float') kind = Number.isInteger(v) ? 'int' : 'float';
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      fail(
        fn,
        `values are ragged: ${path || 'the top'} should be a list of length ${shape[dim]} (shape ${fmtShape(shape)})`,
      );
    }
    v.forEach((x, i) => {
      walk(x, dim + 1, `${path}[${i}]`);
    });
  };
  walk(values, 0, '');
  if (options.shape) fail(fn, 'shape is only used with a flat typed array');
  const dtype =
    options.dtype ??
    (flat.length === 0
      ? 'float32'
      : kind === 'bool'
        ? 'bool'
        : kind === 'int'
          ? 'int32'
          : 'float32');
  const data = new TYPED_ARRAY[dtype](flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = Number(flat[i]);
  return fromValues(fn, data, shape, dtype, options);
}

/** A scalar tensor on a given backend (used to lift numbers in `x.add(1)`). */
export function scalarOn(backend: Backend, value: number, dtype: DType): Tensor {
  return wrap(backend, backend.fill(1, dtype, value), [], dtype);
}

/** A tensor of `shape` filled with `value`. */
export function full(
  shape: readonly number[],
  value: number | boolean,
  options: CreateOptions = {},
): Tensor {
  return fullNamed('full', shape, value, options);
}

function fullNamed(
  fn: string,
  shape: readonly number[],
  value: number | boolean,
  options: CreateOptions,
): Tensor {
  const s = checkShape(fn, 'shape', shape);
  if (typeof value !== 'number' && typeof value !== 'boolean')
    fail(fn, `value must be a number, got ${typeof value}`);
  const dtype =
    options.dtype !== undefined
      ? checkDtype(fn, options.dtype)
      : typeof value === 'boolean'
        ? 'bool'
        : 'float32';
  const backend = resolveDevice(fn, options.device);
  checkDtypeSupported(fn, backend, dtype);
  return finish(
    fn,
    wrap(backend, backend.fill(sizeOf(s), dtype, Number(value)), s, dtype),
    options,
  );
}

/** A tensor of `shape` filled with 0 (float32 unless `options.dtype` says otherwise). */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return fullNamed('zeros', shape, 0, options);
}

/** A tensor of `shape` filled with 1 (float32 unless `options.dtype` says otherwise). */
export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return fullNamed('ones', shape, 1, options);
}

function likeOptions(t: Tensor, options: CreateOptions): CreateOptions {
  t._check('like', 'tensor');
  return { dtype: t.dtype, device: t.device, ...options };
}

/**
 * A tensor of `t`'s shape filled with `value`, on `t`'s backend with `t`'s dtype unless `options`
 * says otherwise.
 */
export function fullLike(t: Tensor, value: number, options: CreateOptions = {}): Tensor {
  return full(t.shape, value, likeOptions(t, options));
}

/**
 * A tensor of `t`'s shape filled with 0, on `t`'s backend with `t`'s dtype unless `options` says
 * otherwise.
 */
export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return full(t.shape, 0, likeOptions(t, options));
}

/**
 * A tensor of `t`'s shape filled with 1, on `t`'s backend with `t`'s dtype unless `options` says
 * otherwise.
 */
export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return full(t.shape, 1, likeOptions(t, options));
}

/** `[start, end)` in steps of `step`, like `torch.arange` (int32 when all arguments are integers). */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const fn = 'arange';
  let lo = start;
  let hi = end;
  if (hi === undefined) {
    hi = start;
    lo = 0;
  }
  for (const [name, v] of [
    ['start', lo],
    ['end', hi],
    ['step', step],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(fn, `${name} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) fail(fn, 'step must be non-zero');
  if ((hi - lo) / step < 0)
    fail(fn, `upper bound and step are inconsistent (start ${lo}, end ${hi}, step ${step})`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  checkSize(fn, n, `the range from ${lo} to ${hi} in steps of ${step}`);
  const dtype = options.dtype ?? ([lo, hi, step].every(Number.isInteger) ? 'int32' : 'float32');
  const data = new TYPED_ARRAY[dtype](n);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return fromValues(fn, data, [n], dtype, options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(
  start: number,
  end: number,
  steps: number,
  options: CreateOptions = {},
): Tensor {
  const fn = 'linspace';
  if (!Number.isInteger(steps) || steps < 0)
    fail(fn, `steps must be a non-negative integer, got ${steps}`);
  checkSize(fn, steps, 'linspace');
  const dtype = options.dtype ?? 'float32';
  const data = new TYPED_ARRAY[dtype](steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Symmetric fill, as PyTorch does, so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++)
    data[i] = i < half ? start + i * delta : end - (steps - 1 - i) * delta;
  return fromValues(fn, data, [steps], dtype, options);
}

/** The identity matrix `[n, m]` (m defaults to n). */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  const fn = 'eye';
  checkShape(fn, 'size', [n, m]);
  const dtype = options.dtype ?? 'float32';
  const data = new TYPED_ARRAY[dtype](n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromValues(fn, data, [n, m], dtype, options);
}
