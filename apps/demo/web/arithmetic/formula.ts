/**
 * The output-size formula with the reader's numbers put in, as text. The number after "=" is
 * the size core returned, passed in: the panel never shows a size core did not compute.
 *
 *   convolution:            ⌊(W + 2P − D·(F − 1) − 1) / S⌋ + 1
 *   transposed convolution: (W − 1)·S − 2P + D·(F − 1) + OP + 1
 */
import type { ArithSettings } from './settings.js';

/** The formula in letters. */
export function formulaInLetters(s: Pick<ArithSettings, 'mode'>): string {
  return s.mode === 'conv'
    ? '⌊(W + 2P − D·(F − 1) − 1) / S⌋ + 1'
    : '(W − 1)·S − 2P + D·(F − 1) + OP + 1';
}

/** The formula with the settings' numbers in place of the letters. */
export function formulaWithNumbers(s: ArithSettings): string {
  const { input: w, kernel: f, stride: st, padding: p, dilation: d } = s;
  return s.mode === 'conv'
    ? `⌊(${w} + 2·${p} − ${d}·(${f} − 1) − 1) / ${st}⌋ + 1`
    : `(${w} − 1)·${st} − 2·${p} + ${d}·(${f} − 1) + ${s.outputPadding} + 1`;
}

/**
 * "letters = numbers = size" along one axis, where `size` is core's output size, or without
 * the size when core refused the settings (its message says why).
 */
export function formulaLine(s: ArithSettings, size: number | null): string {
  const head = `${formulaInLetters(s)} = ${formulaWithNumbers(s)}`;
  return size === null ? head : `${head} = ${size}`;
}
