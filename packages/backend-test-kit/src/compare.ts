/**
 * Comparison of a backend's results with the fixtures.
 *
 * The fixtures are computed in float64 and rounded to float32 once at the end. A float32 backend
 * accumulates in float32 (or in float64 and rounds, or in another order: blocked GEMM, tree
 * reductions on a GPU), so its results differ from the reference in the last bits, by an amount
 * that grows with the number of terms summed and with their magnitude, not with the magnitude
 * of each individual output (a dot product of large terms may be small after cancellation).
 * Hence the default rule for float32:
 *
 *   |actual - expected| <= atol + rtol * |expected|,  rtol = 1e-5,  atol = 1e-5 * max|expected|
 *
 * where the maximum is taken over the whole expected tensor. A gradient computed from an output
 * gradient `dy` combines terms of the size of `dy` even where they cancel to almost nothing
 * (softmax of saturated logits has gradients of 1e-10 made of O(1) terms), so for gradients the
 * scale is max(max|expected|, max|dy|). Integer and bool outputs (pooling indices, argmax) must
 * match exactly. Shapes and dtypes must always match exactly.
 */
import type { DecodedTensor } from './fixtures.js';

/** A tolerance override for one op (or `'*'` for all); see `ConformanceOptions.tolerance`. */
export interface Tolerance {
  /** Relative tolerance; default 1e-5. */
  readonly rtol?: number;
  /**
   * Absolute tolerance; default 1e-5 times the largest magnitude in the expected tensor (or in
   * the output gradient `dy`, for gradients, if that is larger).
   */
  readonly atol?: number;
}

/** The default relative tolerance of float32 comparisons (an override's `rtol` replaces it). */
export const DEFAULT_RTOL = 1e-5;
/**
 * The default absolute tolerance as a multiple of the largest magnitude in the expected tensor (or
 * in `dy`, for a gradient, if that is larger); an override's `atol` replaces the product.
 */
export const DEFAULT_ATOL_SCALE = 1e-5;

export interface Actual {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly values: ArrayLike<number>;
}

/** Formats a flat index as a multi-index of `shape`, e.g. `[0,2,1]`. */
function position(flat: number, shape: readonly number[]): string {
  const idx: number[] = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] as number;
    idx[d] = rest % n;
    rest = Math.floor(rest / n);
  }
  return `[${idx.join(',')}]`;
}

/** The largest magnitude in `values` (0 when empty). */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}

/**
 * Compares `actual` with `expected`; returns null when they agree, else a message that says how
 * many elements differ, the worst one, and the tolerance applied. `scale` raises the magnitude
 * the default `atol` is relative to (the largest |dy| for a gradient).
 */
export function compareTensors(
  what: string,
  actual: Actual,
  expected: DecodedTensor,
  tolerance: Tolerance = {},
  scale = 0,
): string | null {
  const shapeOk =
    actual.shape.length === expected.shape.length &&
    actual.shape.every((d, i) => d === expected.shape[i]);
  if (!shapeOk) {
    return `${what}: shape [${actual.shape.join(',')}], expected [${expected.shape.join(',')}]`;
  }
  if (actual.dtype !== expected.dtype)
    return `${what}: dtype ${actual.dtype}, expected ${expected.dtype}`;
  const want = expected.values;
  const got = actual.values;
  const exact = expected.dtype !== 'float32';
  const rtol = exact ? 0 : (tolerance.rtol ?? DEFAULT_RTOL);
  const atol = exact ? 0 : (tolerance.atol ?? DEFAULT_ATOL_SCALE * Math.max(maxAbs(want), scale));
  let bad = 0;
  let worst = -1;
  let worstExcess = -1;
  for (let i = 0; i < want.length; i++) {
    const e = want[i] as number;
    const a = got[i] as number;
    const err = Math.abs(a - e);
    const allowed = atol + rtol * Math.abs(e);
    // Written so that NaN in `actual` counts as a mismatch.
    if (!(err <= allowed)) {
      bad++;
      const excess = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err - allowed;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (bad === 0) return null;
  const e = want[worst] as number;
  const a = got[worst] as number;
  const rule = exact ? 'exact match' : `|a-e| <= ${atol.toExponential(2)} + ${rtol} * |e|`;
  return (
    `${what}: ${bad} of ${want.length} elements differ; worst at ${position(worst, expected.shape)}: ` +
    `got ${a}, expected ${e} (|diff| ${Math.abs(a - e).toExponential(3)}; rule ${rule})`
  );
}
