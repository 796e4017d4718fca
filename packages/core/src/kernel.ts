import type { Backend, Shape } from './backend.js';
import type { DType } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { fromStorage, type Tensor } from './tensor.js';

/**
 * Checks that every tensor argument of `fn` is alive and on one backend, and returns it.
 * The error for mixed backends names both arguments and both backends.
 */
export function backendOf(fn: string, args: readonly (readonly [string, Tensor])[]): Backend {
  let first: readonly [string, Tensor] | undefined;
  for (const entry of args) {
    const [name, t] = entry;
    if (!t || typeof (t as Tensor)._check !== 'function') {
      fail(fn, `${name} must be a Tensor, got ${describe(t)}`);
    }
    t._check(fn, name);
    if (!first) first = entry;
    else if (t.backend !== first[1].backend) {
      fail(
        fn,
        `${first[0]} is on '${first[1].device}' but ${name} is on '${t.device}' ` +
          `(${first[0]} ${fmtShape(first[1].shape)}, ${name} ${fmtShape(t.shape)}); move one with await t.to(...)`,
      );
    }
  }
  if (!first) throw new Error(`internal: ${fn} called backendOf with no tensors`);
  return first[1].backend;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : `${typeof v} ${String(v)}`;
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

/** Wraps a kernel result as a tensor. */
export function wrap(backend: Backend, storage: unknown, shape: Shape, dtype: DType): Tensor {
  return fromStorage(backend, storage, shape, dtype);
}
