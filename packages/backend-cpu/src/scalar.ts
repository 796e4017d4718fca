/** Scalar functions whose JavaScript built-ins differ from C/PyTorch, or that JavaScript lacks. */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/**
 * The error function to double precision. Below 3 it uses the series
 * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)), whose terms are all
 * positive (no cancellation). From 3 on it uses the continued fraction of erfc, which converges
 * fast there; erf is 1 in double precision beyond 6.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = x < 0 ? -x : x;
  if (ax < 3) {
    const x2 = x * x;
    const t2 = 2 * x2;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= t2 / (2 * n + 1);
      sum += term;
      if ((term < 0 ? -term : term) <= 1e-17 * (sum < 0 ? -sum : sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax >= 6) return x > 0 ? 1 : -1;
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))), evaluated from
  // the tail; 60 levels are far more than double precision needs for x >= 3.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = (ONE_OVER_SQRT_PI * Math.exp(-ax * ax)) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Round half to even (banker's rounding), as PyTorch and NumPy do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends halves up; step back to the even neighbour when that landed on an odd one.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C `pow`: unlike Math.pow, 1^y is 1 and (-1)^(+-inf) is 1 even when y is NaN or infinite. */
export function powFloat(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return a ** b;
}

/** int32 power with wrap-around, by squaring. Negative exponents give the truncated result. */
export function powInt(a: number, b: number): number {
  if (b < 0) {
    if (a === 1) return 1;
    if (a === -1) return b & 1 ? -1 : 1;
    return 0;
  }
  let result = 1;
  let base = a | 0;
  let e = b | 0;
  while (e > 0) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e >>>= 1;
  }
  return result;
}

/** Floored modulo, sign of the divisor (Python `%`, `torch.remainder`). */
export function modFloat(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Floored int32 modulo; a zero divisor gives 0 rather than a NaN that cannot be stored. */
export function modInt(a: number, b: number): number {
  const r = (a % b) | 0;
  return r !== 0 && (r ^ b) < 0 ? r + b : r;
}
