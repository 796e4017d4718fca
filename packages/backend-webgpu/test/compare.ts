import type { TypedArray } from '@stride/core';
import { assert } from 'vitest';

/**
 * Fails unless `actual` matches `expected` element by element: exactly for integers and bools;
 * for floats within atol + rtol·|e|, with NaN matching NaN and infinities matching exactly.
 */
export function expectClose(
  what: string,
  actual: TypedArray,
  expected: TypedArray,
  { rtol = 1e-6, atol = 0 }: { rtol?: number; atol?: number } = {},
  inputs?: ArrayLike<number>,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.equal(actual.constructor, expected.constructor, `${what}: typed array`);
  const exact = !(expected instanceof Float32Array);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const ok = !exact && Number.isFinite(e) && Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      const input = inputs ? ` (input ${inputs[i]})` : '';
      assert.fail(`${what}: element ${i}${input}: got ${a}, expected ${e}`);
    }
  }
}
