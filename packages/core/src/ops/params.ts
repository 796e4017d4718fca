/**
 * Parsing of the per-axis integer arguments that convolution and pooling share (`stride`,
 * `padding`, `dilation`, `kernelSize`): a number for every spatial axis, or one per axis.
 */
import { fail } from '../errors.js';
import { describe } from '../kernel.js';
import { allEntries, option } from '../options.js';

/** A value as an error message shows it: `[1,0]`, `1.5`, `NaN`, `'same'`. */
export function fmtValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(',')}]`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'undefined';
  return describe(v);
}

/** Sizes, strides, paddings and dilations reach kernels as int32. */
const MAX_AXIS_INT = 2 ** 31 - 1;

function isIntAtLeast(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_AXIS_INT;
}

/**
 * Expands `value` (a number, or an array of 1 or `n` numbers, as PyTorch accepts) to `n` integers
 * of at least `min` (1 for sizes, strides and dilations; 0 for paddings).
 */
export function axisInts(fn: string, arg: string, value: unknown, n: number, min: 0 | 1): number[] {
  const what = min === 1 ? 'positive integer' : 'non-negative integer';
  if (typeof value === 'number') {
    if (!isIntAtLeast(value, min)) fail(fn, `${arg} must be a ${what}, got ${fmtValue(value)}`);
    return new Array<number>(n).fill(value);
  }
  if (Array.isArray(value)) {
    if (value.length !== n && value.length !== 1) {
      fail(fn, `${arg} must have ${n} entries (one per spatial dim), got ${fmtValue(value)}`);
    }
    if (!allEntries(value, (v) => isIntAtLeast(v, min))) {
      fail(fn, `${arg} must hold ${what}s, got ${fmtValue(value)}`);
    }
    return value.length === n ? [...value] : new Array<number>(n).fill(value[0]);
  }
  return fail(fn, `${arg} must be a ${what} or an array of ${n}, got ${fmtValue(value)}`);
}

/**
 * The option rule of a per-axis integer (`stride`, `dilation`, `kernelSize`): a number or an
 * array; `axisInts` then checks the values and the count with the axis count in its message.
 */
export function perAxisOption(min: 0 | 1) {
  const what = min === 1 ? 'a positive integer' : 'a non-negative integer';
  return option.custom<number | readonly number[]>(
    `${what} or an array of them (one per spatial dim)`,
    (v) => typeof v === 'number' || Array.isArray(v),
  );
}

/** Checks that an options argument is a plain object (or absent) and returns it. */
export function optionsObject<T extends object>(fn: string, options: T | undefined): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail(fn, `options must be an object, got ${fmtValue(options)}`);
  }
  return options;
}
