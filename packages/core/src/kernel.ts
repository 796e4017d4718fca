import { type Backend, DEFAULT_MAX_STORAGE_BYTES, type Shape } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';
import { engine } from './engine.js';
import { fail, fmtBytes, fmtShape } from './errors.js';
import { showValue } from './options.js';
import { sizeOf } from './shape.js';
import { fromStorage, type Tensor } from './tensor.js';
import { noteCaller } from './trace.js';

/**
 * Checks that every tensor argument of `fn` is alive and on one backend, and returns it.
 * The error for mixed backends names both arguments and both backends.
 */
export function backendOf(fn: string, args: readonly (readonly [string, Tensor])[]): Backend {
  let first: readonly [string, Tensor] | undefined;
  for (const entry of args) {
    const [name, t] = entry;
    if (!first) {
      backendOfTensor(fn, name, t);
      first = entry;
    } else backendOfPair(fn, first[0], first[1], name, t);
  }
  if (!first) throw new Error(`internal: ${fn} called backendOf with no tensors`);
  return first[1].backend;
}

/** `backendOf` for one argument, without building the argument list (ops call it constantly). */
export function backendOfTensor(fn: string, name: string, t: Tensor): Backend {
  if (engine.trace !== null) noteCaller(fn);
  if (!t || typeof (t as Tensor)._check !== 'function') {
    fail(fn, `${name} must be a Tensor, got ${describe(t)}`);
  }
  return t._check(fn, name).backend;
}

/** `backendOf` for a second argument `b`, once `a` has passed `backendOfTensor`. */
export function backendOfPair(
  fn: string,
  nameA: string,
  a: Tensor,
  nameB: string,
  b: Tensor,
): Backend {
  const backend = a.backend;
  if (backendOfTensor(fn, nameB, b) !== backend) {
    fail(
      fn,
      `${nameA} is on '${a.device}' but ${nameB} is on '${b.device}' ` +
        `(${nameA} ${fmtShape(a.shape)}, ${nameB} ${fmtShape(b.shape)}); move one with await t.to(...)`,
    );
  }
  return backend;
}

/** A value given where a tensor belongs, as an error shows it: `number 3`, `an array`, `a Map`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  // Objects and functions by their class (a callable layers Module is a function object).
  if (typeof v === 'object' || typeof v === 'function') return showValue(v);
  return `${typeof v} ${String(v)}`;
}

/** Throws unless `backend` can store `dtype` (e.g. float64 on a GPU). */
export function checkDtypeSupported(fn: string, backend: Backend, dtype: DType): void {
  if (!backend.dtypes.includes(dtype)) {
    fail(
      fn,
      `the '${backend.name}' backend does not support ${dtype} (it supports ${backend.dtypes.join(', ')})`,
    );
  }
}

/**
 * Throws before a kernel runs when an output of `shape` would not fit in one storage of
 * `backend` (its `maxStorageBytes`), so that a huge request is a clear error instead of an
 * allocator's RangeError or a lost GPU device. A bool counts 4 bytes, as GPUs store it.
 * `inputs` names the arguments the shape came from, e.g. `input [64,3,28,28], weight [6,3,5,5]`,
 * formatted only when the check fails (a hot path pays nothing for the message).
 */
export function checkOutputSize(
  fn: string,
  backend: Backend,
  shape: Shape,
  dtype: DType,
  inputs?: () => string,
): void {
  const limit = backend.maxStorageBytes ?? DEFAULT_MAX_STORAGE_BYTES;
  const bytes = sizeOf(shape) * Math.max(bytesPerElement(dtype), dtype === 'bool' ? 4 : 0);
  if (bytes > limit) {
    fail(
      fn,
      `the output ${fmtShape(shape)} ${dtype} would take ${fmtBytes(bytes)}, more than the ` +
        `'${backend.name}' backend's limit of ${fmtBytes(limit)} for one tensor` +
        (inputs ? ` (${inputs()})` : ''),
    );
  }
}

/** Wraps a kernel result as a tensor. */
export function wrap(backend: Backend, storage: unknown, shape: Shape, dtype: DType): Tensor {
  return fromStorage(backend, storage, shape, dtype);
}
