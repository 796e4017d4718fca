/**
 * How the signals classifier's readouts write their numbers. A loss that training drives towards
 * zero keeps its first digits in scientific notation instead of reading "0.000", and both
 * accuracies (the batch's and the held-out set's) take one decimal, so that they can be compared
 * at a glance.
 *
 * @example
 * formatLoss(0.4567); // "0.457"
 * formatLoss(0.000123); // "1.2 × 10⁻⁴"
 * formatAccuracy(1); // "100.0%"
 */

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** A loss: three decimals from 0.01 up, two significant digits and a power of ten below. */
export function formatLoss(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0 || Math.abs(v) >= 0.01) return v.toFixed(3);
  const [mantissa, exponent] = v.toExponential(1).split('e') as [string, string];
  const power = [...exponent.replace('+', '')].map((c) => SUPERSCRIPT[c] ?? c).join('');
  return `${mantissa} × 10${power}`;
}

/** A fraction in [0, 1] as a percentage with one decimal. */
export function formatAccuracy(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}

/**
 * The scale of the training curve, in words for the caption under it: the steps along the
 * bottom, and for each line what the bottom and the top of the plot stand for.
 */
export function curveScale(steps: number, lossTop: number): string {
  return `Steps 0 to ${steps} across. Bottom to top: loss 0 to ${lossTop.toFixed(2)} (blue), accuracy 0% to 100% (green).`;
}
