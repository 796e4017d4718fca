/**
 * Argument checks shared by the optimizers, schedulers and clipping functions. Every failure is
 * a `StrideError` whose message starts with the public name (`Adam`, `StepLR`, `clipGradNorm`)
 * and names the option and the value that was given.
 */
import { fail } from '@stride/core';

export { fail };

/** A value as an error message shows it. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return value.constructor?.name ?? 'an object';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A number (not NaN) at least `min`; PyTorch's `not 0.0 <= x` rejects NaN the same way. */
export function checkAtLeast(fn: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !(value >= min)) {
    const what = min === 0 ? 'a non-negative number' : `a number ≥ ${min}`;
    fail(fn, `${name} must be ${what}, got ${show(value)}`);
  }
  return value;
}

export function checkFinite(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(fn, `${name} must be a finite number, got ${show(value)}`);
  }
  return value;
}

/** In [0, 1), as PyTorch requires of Adam's betas. */
export function checkUnitInterval(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    fail(fn, `${name} must be in [0, 1), got ${show(value)}`);
  }
  return value;
}

export function checkBoolean(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(fn, `${name} must be true or false, got ${show(value)}`);
  return value;
}

export function checkPositiveInt(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    fail(fn, `${name} must be a positive integer, got ${show(value)}`);
  }
  return value;
}

export function checkInt(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(fn, `${name} must be an integer, got ${show(value)}`);
  }
  return value;
}

export function checkNumberArray(fn: string, name: string, value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && !Number.isNaN(v))) {
    fail(fn, `${name} must be an array of numbers, got ${show(value)}`);
  }
  return [...value];
}

/** Rejects option names the callee does not know, so a typo never passes silently. */
export function checkKnownKeys(
  fn: string,
  what: string,
  value: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      fail(fn, `unknown ${what} '${key}'; expected one of ${known.join(', ')}`);
    }
  }
}
