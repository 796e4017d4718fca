/**
 * Helpers of the matmul and convolution tests: deterministic random inputs, and a comparison
 * whose tolerance is the float32 summation error bound of each element.
 */
import type { TypedArray } from '@stride/core';
import { assert } from 'vitest';

/** Deterministic values in [-1, 1) from a linear congruential generator. */
export function randoms(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * Fails unless every element of `actual` is within the float32 summation bound of `expected`
 * (which was summed in float64 and rounded once): |a − e| ≤ (K + 2)·2⁻²⁴·bound, where `bound` is
 * the element's Σ|terms| (|A|·|B| for a product) and K the number of terms. A sum of K float32
 * terms in any order is within γ_K·Σ|terms| of the exact sum, γ_K ≈ K·2⁻²⁴; the 2 covers the
 * rounding of each result.
 */
export function expectGemmClose(
  what: string,
  actual: TypedArray,
  expected: TypedArray,
  bound: TypedArray,
  k: number,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const gamma = (k + 2) * 2 ** -24;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= gamma * bound[i] + 1e-30)) {
      assert.fail(
        `${what}: element ${i}: got ${actual[i]}, expected ${expected[i]} ` +
          `(allowed ${gamma * bound[i]})`,
      );
    }
  }
}
