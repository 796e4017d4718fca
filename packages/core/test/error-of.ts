import { expect } from 'vitest';
import { StrideError } from '../src/index.js';

/** The message of the StrideError `f` throws, checking that it comes from `fn`. */
export function errorOf(fn: string, f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StrideError);
    expect((e as StrideError).fn).toBe(fn);
    return (e as Error).message;
  }
  throw new Error(`${fn} returned instead of throwing`);
}
