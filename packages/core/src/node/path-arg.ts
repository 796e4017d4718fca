import { fail } from '../errors.js';
import { showValue } from '../options.js';

/**
 * A file path argument: a non-empty string without NUL characters, which no file system allows
 * and which Node would reject with a TypeError of its own.
 */
export function checkPath(fn: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') {
    fail(fn, `path must be a non-empty string, got ${showValue(path)}`);
  }
  if (path.includes('\0')) {
    fail(fn, `path must not contain a NUL character, got ${JSON.stringify(path)}`);
  }
}
