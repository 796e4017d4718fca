import type { Backend, Shape } from '../backend.js';
import { DTYPES, type DType, isFloat, TYPED_ARRAY, type TypedArray } from '../dtype.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfTensor, checkDtypeSupported, checkOutputSize, wrap } from '../kernel.js';
import { checkOptions, option, showValue } from '../options.js';
import { backendByName, getBackend } from '../registry.js';
import { checkShape, checkSize, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { constantMaker } from '../trace.js';

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

/**
 * Typed arrays `tensor` converts when `dtype` says to what (their values are checked to fit):
 * Stride has no dtype of its own for them.
 */
export type ConvertibleArray =
  | Int8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Uint32Array;

/** Values as nested arrays (one level per dimension, not ragged), or a single number or boolean. */
export type NestedNumbers = number | boolean | readonly NestedNumbers[];

/**
 * The backend for a `device` option: the named backend (which must be initialised), or the active
 * one when `device` is undefined. Throws a StrideError naming `fn` otherwise.
 */
export function resolveDevice(fn: string, device: string | undefined): Backend {
  if (device === undefined) {
    if (!engine.active) {
      fail(
        fn,
        'no backend is active: call registerBackend(cpu()) (from @stride/backend-cpu) first',
      );
    }
    return getBackend();
  }
  if (typeof device !== 'string')
    fail(fn, `device must be a backend name, got ${showValue(device)}`);
  return backendByName(fn, device);
}

/** The rules of `CreateOptions`, shared by every creation function. */
export const CREATE_OPTIONS = {
  dtype: option.oneOf(...DTYPES),
  device: option.string,
  requiresGrad: option.boolean,
} as const;

/** Reads `CreateOptions` through `checkOptions`. */
export function createOptions(fn: string, options: unknown): CreateOptions {
  return checkOptions(fn, options, CREATE_OPTIONS);
}

/** The backend `options.device` picks, checked to store `dtype` and to allow `requiresGrad`. */
function creationBackend(fn: string, dtype: DType, options: CreateOptions): Backend {
  // Checked before anything is allocated, so a refused tensor leaves nothing behind.
  if (options.requiresGrad && !isFloat(dtype)) {
    fail(fn, `requiresGrad needs a float dtype, got ${dtype}`);
  }
  const backend = resolveDevice(fn, options.device);
  checkDtypeSupported(fn, backend, dtype);
  return backend;
}

function finish(t: Tensor, options: CreateOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
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
  const backend = creationBackend(fn, dtype, options);
  checkOutputSize(fn, backend, shape, dtype);
  // Values from the host: a trace records the tensor as a constant.
  return constantMaker(fn, () =>
    finish(wrap(backend, backend.upload(values, dtype), shape, dtype), options),
  );
}

/** Typed arrays whose values have one exact Stride dtype, which `tensor` infers. */
const INFERRED: readonly [abstract new (...args: never) => object, DType][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int32Array, 'int32'],
];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Throws unless `value` is stored exactly by `dtype`: int32 takes integers within its range
 * (no wrapping, no NaN); floats take any number (float32 rounds, as PyTorch's conversion does);
 * bool takes anything, non-zero meaning true.
 */
export function checkValueFits(
  fn: string,
  arg: string,
  value: number,
  dtype: DType,
  remedy = "pass { dtype: 'float32' } or 'float64' to store it as a float",
): void {
  if (dtype !== 'int32') return;
  if (!Number.isInteger(value)) {
    fail(fn, `${arg} must be an integer for dtype int32, got ${value}`);
  }
  if (value < INT32_MIN || value > INT32_MAX) {
    fail(fn, `${arg} ${value} is outside int32's range [${INT32_MIN}, ${INT32_MAX}]; ${remedy}`);
  }
}

/** The name a typed array shows in messages, e.g. `Uint16Array`. */
function kindOf(values: ArrayBufferView): string {
  return values.constructor?.name ?? 'typed array';
}

/** Copies `typed` into the host array of `dtype`, checking that every value is kept exactly. */
function convertTyped(fn: string, typed: TypedArray, dtype: DType): TypedArray {
  // upload copies, so values already of the dtype's array type need no copy of their own.
  if (typed instanceof TYPED_ARRAY[dtype] && dtype !== 'bool') return typed;
  const data = new TYPED_ARRAY[dtype](typed.length);
  for (let i = 0; i < typed.length; i++) {
    const v = typed[i] as number;
    if (dtype === 'bool') data[i] = v !== 0 ? 1 : 0;
    else {
      checkValueFits(fn, `values[${i}]`, v, dtype);
      data[i] = v;
    }
  }
  return data;
}

function fromTyped(
  fn: string,
  values: ArrayBufferView,
  options: CreateOptions & { shape?: readonly number[] },
): Tensor {
  const name = kindOf(values);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    fail(
      fn,
      `values is a ${name}; Stride has no 64-bit integer dtype: convert it to an Int32Array ` +
        '(values within int32) or a Float64Array first',
    );
  }
  if (values instanceof DataView) fail(fn, 'values is a DataView; pass a typed array');
  const typed = values as TypedArray;
  const shape = options.shape ? checkShape(fn, 'shape', options.shape) : [typed.length];
  if (sizeOf(shape) !== typed.length) {
    fail(
      fn,
      `shape ${fmtShape(shape)} needs ${sizeOf(shape)} values but ${typed.length} were given`,
    );
  }
  const dtype = options.dtype ?? INFERRED.find(([type]) => typed instanceof type)?.[1];
  if (dtype === undefined) {
    fail(
      fn,
      `a ${name} has no dtype of its own in Stride (the dtypes are ${DTYPES.join(', ')}); ` +
        "say which with { dtype }, e.g. { dtype: 'int32' }, or pass a Float32Array, Float64Array or Int32Array",
    );
  }
  return fromValues(fn, convertTyped(fn, typed, dtype), shape, dtype, options);
}

/** The most dims nested arrays may have: far beyond any model, short of a stack overflow. */
const MAX_NESTING = 64;

/** The shape and flat values of nested arrays, checked to be rectangular and hole-free. */
function flatten(
  fn: string,
  values: unknown,
): { shape: number[]; flat: (number | boolean)[]; kind: 'bool' | 'int' | 'float' } {
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    if (shape.length === MAX_NESTING) {
      fail(
        fn,
        `values nest more than ${MAX_NESTING} arrays deep; a tensor has at most ${MAX_NESTING} dims`,
      );
    }
    shape.push(probe.length);
    probe = probe[0];
  }
  checkSize(fn, sizeOf(shape), () => `values of shape ${fmtShape(shape)}`);
  const flat: (number | boolean)[] = [];
  let kind: 'bool' | 'int' | 'float' = 'bool';
  const walk = (v: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v === 'boolean') {
        flat.push(v);
        return;
      }
      if (typeof v !== 'number') {
        fail(fn, `expected a number or boolean at values${path}, got ${showValue(v)}`);
      }
      if (kind !== 'float') kind = Number.isInteger(v) ? 'int' : 'float';
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      fail(
        fn,
        `values are ragged: values${path} should be an array of length ${shape[dim]} (shape ${fmtShape(shape)}), got ${Array.isArray(v) ? `length ${v.length}` : showValue(v)}`,
      );
    }
    for (let i = 0; i < v.length; i++) {
      // A hole (`[1, , 3]`) is not undefined to forEach: it would silently shorten the data.
      if (!(i in v)) fail(fn, `values${path} has a hole at index ${i} (a sparse array)`);
      walk(v[i], dim + 1, `${path}[${i}]`);
    }
  };
  walk(values, 0, '');
  return { shape, flat, kind };
}

/**
 * A tensor from nested arrays, a number, or a flat typed array (with `shape` to reshape it).
 * Like PyTorch, integer values give int32, any fractional value float32, booleans bool; a
 * Float32Array, Float64Array or Int32Array keeps its type. Values are stored exactly or refused:
 * an integer outside int32's range, or a fraction or NaN for an int32 tensor, is an error, as is
 * a typed array of a type Stride has no dtype for unless `dtype` says what to convert it to.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]).dtype;                  // 'int32', shape [2, 2]
 * tensor([0.5, 1]).dtype;                          // 'float32'
 * tensor([1, 2], { dtype: 'float32', requiresGrad: true });
 * tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).shape; // [2, 3]
 * tensor(new Uint8Array([0, 255]), { dtype: 'int32' }).dtype; // 'int32'
 * ```
 */
export function tensor(
  values: NestedNumbers | TypedArray | ConvertibleArray,
  options: CreateOptions & {
    /** The shape of a flat typed array `values` (default `[values.length]`); only for those. */
    shape?: readonly number[];
  } = {},
): Tensor {
  const fn = 'tensor';
  const o = checkOptions(fn, options, {
    ...CREATE_OPTIONS,
    shape: option.arrayOf(option.integer({ min: 0 })),
  });
  if (ArrayBuffer.isView(values)) return fromTyped(fn, values, o);
  if (o.shape) fail(fn, 'shape is only used with a flat typed array');
  const { shape, flat, kind } = flatten(fn, values);
  const dtype =
    o.dtype ??
    (flat.length === 0
      ? 'float32'
      : kind === 'bool'
        ? 'bool'
        : kind === 'int'
          ? 'int32'
          : 'float32');
  const data = new TYPED_ARRAY[dtype](flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = Number(flat[i]);
    if (dtype === 'bool') data[i] = v !== 0 ? 1 : 0;
    else {
      checkValueFits(
        fn,
        `values${shape.length ? `[${unravel(i, shape).join('][')}]` : ''}`,
        v,
        dtype,
      );
      data[i] = v;
    }
  }
  return fromValues(fn, data, shape, dtype, o);
}

/** The multi-index of flat position `i` in `shape`, for messages. */
function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] as number;
    out[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return out;
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
  return fullNamed('full', shape, value, createOptions('full', options));
}

function fullNamed(
  fn: string,
  shape: readonly number[],
  value: number | boolean,
  options: CreateOptions,
): Tensor {
  const s = checkShape(fn, 'shape', shape);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    fail(fn, `value must be a number or boolean, got ${showValue(value)}`);
  }
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  checkValueFits(fn, 'value', Number(value), dtype);
  const backend = creationBackend(fn, dtype, options);
  checkOutputSize(fn, backend, s, dtype);
  const stored = dtype === 'bool' ? Number(Number(value) !== 0) : Number(value);
  return constantMaker(fn, () =>
    finish(wrap(backend, backend.fill(sizeOf(s), dtype, stored), s, dtype), options),
  );
}

/** A tensor of `shape` filled with 0 (float32 unless `options.dtype` says otherwise). */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return fullNamed('zeros', shape, 0, createOptions('zeros', options));
}

/** A tensor of `shape` filled with 1 (float32 unless `options.dtype` says otherwise). */
export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return fullNamed('ones', shape, 1, createOptions('ones', options));
}

/** `fullNamed` for the `*Like` functions: `t`'s shape, dtype and device unless options say. */
function fullLikeNamed(fn: string, t: Tensor, value: number, options: CreateOptions): Tensor {
  backendOfTensor(fn, 'input', t);
  const o = createOptions(fn, options);
  return fullNamed(fn, t.shape, value, { dtype: t.dtype, device: t.device, ...o });
}

/**
 * A tensor of `t`'s shape filled with `value`, on `t`'s backend with `t`'s dtype unless `options`
 * says otherwise.
 */
export function fullLike(t: Tensor, value: number, options: CreateOptions = {}): Tensor {
  return fullLikeNamed('fullLike', t, value, options);
}

/**
 * A tensor of `t`'s shape filled with 0, on `t`'s backend with `t`'s dtype unless `options` says
 * otherwise.
 */
export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return fullLikeNamed('zerosLike', t, 0, options);
}

/**
 * A tensor of `t`'s shape filled with 1, on `t`'s backend with `t`'s dtype unless `options` says
 * otherwise.
 */
export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return fullLikeNamed('onesLike', t, 1, options);
}

/** An options object given where a number goes, as in `arange(10, { dtype: 'float32' })`. */
function isOptionsObject(v: unknown): v is CreateOptions {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function checkFinite(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail(fn, `${arg} must be a finite number, got ${showValue(v)}`);
  }
  return v;
}

/**
 * `[start, end)` in steps of `step`, like `torch.arange` (int32 when all arguments are integers).
 * As in PyTorch, one number is the end: `arange(5)` is `[0, 1, 2, 3, 4]`. The options may follow
 * any of the numbers: `arange(5, { dtype: 'float32' })`, `arange(0, 1, 0.25, { device: 'cpu' })`.
 */
export function arange(
  start: number,
  end?: number | CreateOptions,
  step?: number | CreateOptions,
  options?: CreateOptions,
): Tensor {
  const fn = 'arange';
  // Options may come right after the numbers given, as keyword arguments would in PyTorch.
  let opts: unknown = options;
  let hiArg: unknown = end;
  let stepArg: unknown = step ?? 1;
  if (isOptionsObject(end)) {
    if (step !== undefined || options !== undefined) {
      fail(fn, 'the options object must be the last argument');
    }
    opts = end;
    hiArg = undefined;
  } else if (isOptionsObject(step)) {
    if (options !== undefined) fail(fn, 'the options object must be the last argument');
    opts = step;
    stepArg = 1;
  }
  const o = createOptions(fn, opts);
  let lo = checkFinite(fn, 'start', start);
  let hi: number;
  if (hiArg === undefined) {
    hi = lo;
    lo = 0;
  } else hi = checkFinite(fn, 'end', hiArg);
  const by = checkFinite(fn, 'step', stepArg);
  if (by === 0) fail(fn, 'step must be non-zero');
  if ((hi - lo) / by < 0) {
    fail(fn, `upper bound and step are inconsistent (start ${lo}, end ${hi}, step ${by})`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / by));
  checkSize(fn, n, () => `the range from ${lo} to ${hi} in steps of ${by}`);
  const dtype = o.dtype ?? ([lo, hi, by].every(Number.isInteger) ? 'int32' : 'float32');
  if (dtype === 'bool') fail(fn, 'dtype bool is not supported: a range holds numbers');
  if (dtype === 'int32' && n > 0) {
    checkValueFits(fn, 'start', lo, dtype);
    checkValueFits(fn, 'the last value', lo + (n - 1) * by, dtype);
  }
  const backend = creationBackend(fn, dtype, o);
  checkOutputSize(fn, backend, [n], dtype);
  const data = new TYPED_ARRAY[dtype](n);
  for (let i = 0; i < n; i++) data[i] = lo + i * by;
  return fromValues(fn, data, [n], dtype, o);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(
  start: number,
  end: number,
  steps: number,
  options: CreateOptions = {},
): Tensor {
  const fn = 'linspace';
  const o = createOptions(fn, options);
  const from = checkFinite(fn, 'start', start);
  const to = checkFinite(fn, 'end', end);
  if (!Number.isSafeInteger(steps) || steps < 0) {
    fail(fn, `steps must be a non-negative integer, got ${showValue(steps)}`);
  }
  checkSize(fn, steps, () => 'linspace');
  const dtype = o.dtype ?? 'float32';
  if (dtype === 'int32' || dtype === 'bool') {
    fail(fn, `dtype must be a float dtype (float32 or float64), got ${dtype}`);
  }
  const backend = creationBackend(fn, dtype, o);
  checkOutputSize(fn, backend, [steps], dtype);
  const data = new TYPED_ARRAY[dtype](steps);
  const delta = steps > 1 ? (to - from) / (steps - 1) : 0;
  // Symmetric fill, as PyTorch does, so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++)
    data[i] = i < half ? from + i * delta : to - (steps - 1 - i) * delta;
  // One step is the start, as in PyTorch.
  if (steps === 1) data[0] = from;
  return fromValues(fn, data, [steps], dtype, o);
}

/** The identity matrix `[n, m]` (m defaults to n). */
export function eye(n: number, m?: number | CreateOptions, options?: CreateOptions): Tensor {
  const fn = 'eye';
  // `eye(3, { dtype })`: the options may follow `n`, as a keyword argument would.
  if (isOptionsObject(m) && options !== undefined) {
    fail(fn, 'the options object must be the last argument');
  }
  const [cols, opts] = isOptionsObject(m) ? [n, m] : [m ?? n, options];
  const o = createOptions(fn, opts);
  const [rows, width] = checkShape(fn, 'size', [n, cols]) as [number, number];
  const dtype = o.dtype ?? 'float32';
  const backend = creationBackend(fn, dtype, o);
  checkOutputSize(fn, backend, [rows, width], dtype);
  const data = new TYPED_ARRAY[dtype](rows * width);
  for (let i = 0; i < Math.min(rows, width); i++) data[i * width + i] = 1;
  return fromValues(fn, data, [rows, width], dtype, o);
}
