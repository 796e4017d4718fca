import { fail } from './errors.js';

/**
 * A warning: something Stride had to give up (a fast path, threads) and what brings it back.
 * Each cause is given once per process, however many backends or calls run into it, so a
 * warning is seen but never floods a log.
 */
export interface StrideWarning {
  /** The cause, stable across releases, e.g. `'cpu:no-relaxed-simd'`: one warning per key. */
  readonly key: string;
  /** The text as printed, starting with `Stride: `: the cause, then the fix. */
  readonly message: string;
}

/** Receives every warning instead of `console.warn`. */
export type WarningHandler = (warning: StrideWarning) => void;

let handler: WarningHandler | null = null;
const given = new Set<string>();

/**
 * Gives the warning `Stride: <message>` unless one with `key` was given before in this process,
 * and returns whether it did. It goes to the handler set with `setWarningHandler`, else to
 * `console.warn`. A handler that throws makes the call throw (a test can turn warnings into
 * errors that way); the key counts as given all the same.
 */
export function warnOnce(key: string, message: string): boolean {
  if (typeof key !== 'string' || key === '') {
    fail('warnOnce', `key must be a non-empty string, got ${String(key)}`);
  }
  if (typeof message !== 'string' || message === '') {
    fail('warnOnce', `message must be a non-empty string, got ${String(message)}`);
  }
  if (given.has(key)) return false;
  given.add(key);
  const warning: StrideWarning = { key, message: `Stride: ${message}` };
  if (handler) handler(warning);
  else console.warn(warning.message);
  return true;
}

/**
 * Sends warnings to `fn` instead of `console.warn` (`() => {}` silences them; a function that
 * collects them lets a test assert them), or back to `console.warn` with `null`. Returns the
 * handler it replaces, so a caller can put it back.
 */
export function setWarningHandler(fn: WarningHandler | null): WarningHandler | null {
  if (fn !== null && typeof fn !== 'function') {
    fail('setWarningHandler', `fn must be a function or null, got ${typeof fn}`);
  }
  const previous = handler;
  handler = fn;
  return previous;
}

/** Forgets which warnings were given, so that each is given again (for tests). */
export function resetWarnings(): void {
  given.clear();
}
