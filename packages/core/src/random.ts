/**
 * The counter-based random generator every backend implements identically, so the same seed
 * gives the same numbers on the CPU and on a GPU. Element i of a stream is a pure function of
 * (seed, i): a backend can compute any element independently, in any order, in parallel.
 *
 * The mixing function is Chris Wellons' `lowbias32` integer hash; only 32-bit integer
 * multiplies, xors and shifts are used, which WGSL and JavaScript agree on exactly.
 */

/** `lowbias32`: a 32-bit integer hash with good avalanche behaviour. */
export function hash32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32 random bits for position `index` of the stream `seed`. */
export function bitsAt(seed: number, index: number): number {
  return hash32((index >>> 0) ^ hash32((seed ^ 0x9e3779b9) >>> 0));
}

/** Uniform in [0, 1) with 24 bits of precision: exactly representable in float32. */
export function uniformAt(seed: number, index: number): number {
  return (bitsAt(seed, index) >>> 8) / 16777216;
}

/** The seed of the independent stream used for normal variates. */
export function normalSeed(seed: number): number {
  return hash32((seed ^ 0x6a09e667) >>> 0);
}

/**
 * Standard normal by Box–Muller from the uniforms at 2i and 2i+1 of the normal stream.
 * `1 - u1` is in (0, 1], so the logarithm is finite.
 */
export function normalAt(seed: number, index: number): number {
  const s = normalSeed(seed);
  const i = (index * 2) >>> 0;
  const u1 = uniformAt(s, i);
  const u2 = uniformAt(s, (i + 1) >>> 0);
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
