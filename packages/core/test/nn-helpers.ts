// Helpers shared by the tests of the neural-network ops (conv, pool, norm, loss, activations).
import { assert, expect } from 'vitest';
import { gradcheck, randn, StrideError, type Tensor, tensor } from '../src/index.js';

/** A float64 tensor of standard normal values from a fixed seed. */
export const f64 = (shape: number[], seed: number): Tensor =>
  randn(shape, { dtype: 'float64', seed });

/** A float64 tensor from host values. */
export const t64 = (values: Parameters<typeof tensor>[0]): Tensor =>
  tensor(values, { dtype: 'float64' });

/** The flat values of a tensor as a plain array. */
export const flat = (t: Tensor): number[] => Array.from(t.dataSync());

/** Element-wise |a - b| <= tol, with a message naming the first difference. */
export function expectClose(
  actual: Tensor | ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-9,
): void {
  const a = 'dataSync' in actual ? flat(actual) : Array.from(actual);
  expect(a.length).toBe(expected.length);
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs((a[i] as number) - (expected[i] as number));
    if (!(diff <= tol)) {
      assert.fail(`element ${i}: got ${a[i]}, expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}

/** Central finite differences in float64 must agree with autograd for every input element. */
export async function expectGradOk(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
): Promise<void> {
  const r = await gradcheck(fn, inputs);
  if (!r.ok) assert.fail(`gradcheck failed: ${JSON.stringify(r.worst)} (max error ${r.maxError})`);
  expect(r.maxError).toBeLessThan(1e-5);
}

/** `fn` must throw a StrideError whose message contains every one of `parts`. */
export function expectStrideError(fn: () => unknown, ...parts: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(StrideError);
  for (const p of parts) expect((error as Error).message).toContain(p);
}

/** Calls `cb` with every multi-index of `shape`, in row-major order. */
export function forEachIndex(shape: readonly number[], cb: (idx: number[]) => void): void {
  const total = shape.reduce((a, b) => a * b, 1);
  const idx = shape.map(() => 0);
  for (let n = 0; n < total; n++) {
    cb(idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
}

/** Row-major flat offset of `idx` in `shape`. */
export function offsetOf(shape: readonly number[], idx: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < shape.length; d++) off = off * (shape[d] as number) + (idx[d] as number);
  return off;
}
