import { fail } from '@stride/core';

/** Bins of a histogram: the live view's weight and activation histograms. */
export interface Histogram {
  /** `bins + 1` increasing edges; bin i holds the values v with edges[i] ≤ v < edges[i + 1]. */
  edges: Float64Array;
  /** How many values fell in each bin; they add up to the number of values. */
  counts: Uint32Array;
  /** Values below zero (what a ReLU after this layer sets to zero). */
  negative: number;
}

/**
 * Counts `values` in `bins` equal bins over [−m, m], where m is their largest absolute value:
 * symmetric, so that zero is an edge (for an even number of bins) and the sign of a weight or an
 * activation reads off the picture. The last bin also holds m itself, so every value is counted
 * exactly once. All zeros (m = 0) count over [−1, 1].
 *
 * @example
 * ```ts
 * histogram(Float32Array.of(-1, 0.2, 0.5, 1), 4).counts; // [1, 0, 1, 2]: edges −1, −0.5, 0, 0.5, 1
 * ```
 */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  if (!Number.isInteger(bins) || bins < 1) {
    fail('histogram', `bins must be a positive integer, got ${bins}`);
  }
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      fail('histogram', `values[${i}] is ${v}; only finite values can be binned`);
    }
    m = Math.max(m, Math.abs(v));
  }
  if (m === 0) m = 1;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = -m + (2 * m * i) / bins;
  edges[bins] = m;
  const counts = new Uint32Array(bins);
  let negative = 0;
  const width = (2 * m) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < 0) negative++;
    // The arithmetic guess can be one bin off where a value sits on an edge after rounding; the
    // comparisons with the edges themselves decide, so the bins match their stated edges exactly.
    let b = Math.min(bins - 1, Math.max(0, Math.floor((v + m) / width)));
    while (b > 0 && v < (edges[b] as number)) b--;
    while (b < bins - 1 && v >= (edges[b + 1] as number)) b++;
    counts[b] = (counts[b] as number) + 1;
  }
  return { edges, counts, negative };
}
