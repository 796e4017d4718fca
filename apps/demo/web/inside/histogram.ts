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
 * symmetric, so that zero is an edge (exactly, for an even number of bins) and the sign of a
 * weight or an activation reads off the picture. The last bin also holds m itself, so every value
 * is counted exactly once. All zeros (m = 0) count over [−1, 1].
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
  const n = values.length;
  let m = 0;
  let bad = -1;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(values[i] as number);
    if (a > m) m = a;
    else if (Number.isNaN(a) && bad < 0) bad = i;
  }
  if (bad < 0 && m === Number.POSITIVE_INFINITY) {
    bad = 0;
    while (Number.isFinite(values[bad])) bad++;
  }
  if (bad >= 0) {
    fail('histogram', `values[${bad}] is ${values[bad]}; only finite values can be binned`);
  }
  if (m === 0) m = 1;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = -m + (2 * m * i) / bins;
  edges[bins] = m;
  const even = bins % 2 === 0;
  // Rounding can leave the middle edge a hair off zero; it must be zero for the count below.
  if (even) edges[bins / 2] = 0;
  const counts = new Uint32Array(bins);
  const scale = bins / (2 * m);
  const last = bins - 1;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const x = (v + m) * scale;
    let b = x | 0;
    // Rounding can put a value that sits on an edge one bin off; only there (x next to a whole
    // number) do the edges themselves decide, so the bins match their stated edges exactly
    // without comparing every value.
    const f = x - b;
    if (f < 1e-6 || f > 1 - 1e-6) {
      if (b > last) b = last;
      if (b > 0 && v < (edges[b] as number)) b--;
      else if (b < last && v >= (edges[b + 1] as number)) b++;
    }
    counts[b] = (counts[b] as number) + 1;
  }
  // With zero an edge, the negative values are exactly those of the left half's bins (counting
  // them one by one costs as much as the binning: their signs are a coin toss for the CPU).
  let negative = 0;
  if (even) {
    for (let b = 0; b < bins / 2; b++) negative += counts[b] as number;
  } else {
    for (let i = 0; i < n; i++) if ((values[i] as number) < 0) negative++;
  }
  return { edges, counts, negative };
}
