/**
 * Argument checks shared by the layer constructors. Every failure is a `StrideError` that names
 * the layer (`Conv2d`, `BatchNorm1d`, ...) and the argument, so a typo in a model definition is
 * reported where the model is built, not at the first forward pass.
 */
import { fail } from '@stride/core';

export { fail };

/** A value as an error message shows it: `[1,0]`, `1.5`, `'same'`, `undefined`. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || typeof v !== 'object') return String(v);
  return v.constructor?.name ?? 'an object';
}

function isIntAtLeast(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** An integer of at least `min` (1 for sizes and counts, 0 for paddings). */
export function intAtLeast(fn: string, arg: string, v: unknown, min: 0 | 1): number {
  if (!isIntAtLeast(v, min)) {
    fail(fn, `${arg} must be a ${min === 1 ? 'positive' : 'non-negative'} integer, got ${show(v)}`);
  }
  return v;
}

/**
 * Expands a number, or an array of 1 or `n` numbers (as PyTorch accepts), to `n` integers of at
 * least `min`.
 */
export function axisInts(fn: string, arg: string, v: unknown, n: number, min: 0 | 1): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(intAtLeast(fn, arg, v, min));
  if (Array.isArray(v) && (v.length === n || v.length === 1)) {
    const what = min === 1 ? 'positive' : 'non-negative';
    if (!v.every((x) => isIntAtLeast(x, min))) {
      fail(fn, `${arg} must hold ${what} integers, got ${show(v)}`);
    }
    return v.length === n ? [...v] : new Array<number>(n).fill(v[0]);
  }
  return fail(fn, `${arg} must be an integer or an array of ${n} integers, got ${show(v)}`);
}

/** A probability in [0, 1]. */
export function probability(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || v > 1) {
    fail(fn, `${arg} must be a probability between 0 and 1, got ${show(v)}`);
  }
  return v;
}

/** A finite number. */
export function finite(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail(fn, `${arg} must be a finite number, got ${show(v)}`);
  }
  return v;
}

export function bool(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(fn, `${arg} must be a boolean, got ${show(v)}`);
  return v;
}

/** The options argument: a plain object or absent. */
export function options<T extends object>(fn: string, v: T | undefined): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    fail(fn, `options must be an object, got ${show(v)}`);
  }
  return v;
}
