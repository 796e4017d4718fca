import type { Shape } from './backend.js';
import { fail, fmtShape } from './errors.js';

/** The number of elements of a tensor of `shape`: the product of its sizes (1 for `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i] as number;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] as number;
  }
  return strides;
}

/**
 * Strides that read a dense tensor of `shape` as if it were broadcast to `outShape` (NumPy
 * rules): missing leading axes and axes of length 1 get stride 0.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const rank = outShape.length;
  const lead = rank - shape.length;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i + lead] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i] as number;
  }
  return strides;
}

/** An iteration space after `coalesce`, with each operand's strides over it. */
export interface Coalesced {
  /** The merged iteration shape (rank at least 1). */
  readonly shape: number[];
  /** For each operand, in the order given, its strides over `shape`. */
  readonly strides: number[][];
}

/**
 * Drops axes of length 1 and merges neighbouring axes that every operand walks as one, so that
 * kernels loop over as few and as long rows as possible (a same-shape element-wise op becomes
 * rank 1). `strides` holds each operand's strides over `shape`. The result has rank >= 1.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Coalesced {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i] as number;
    if (d === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let j = 0; merge && j < strides.length; j++) {
      if (out[j][last] !== strides[j][i] * d) merge = false;
    }
    if (merge) {
      dims[last] *= d;
      for (let j = 0; j < strides.length; j++) out[j][last] = strides[j][i];
    } else {
      dims.push(d);
      for (let j = 0; j < strides.length; j++) out[j].push(strides[j][i]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    for (const o of out) o.push(0);
  }
  return { shape: dims, strides: out };
}

export function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** The most elements one tensor may hold: typed arrays and GPU buffers stop near here. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Throws unless a tensor of `size` elements can be allocated at all; `what` names it, formatted
 * only when the check fails.
 */
export function checkSize(fn: string, size: number, what: () => string): void {
  if (size > MAX_ELEMENTS) {
    fail(
      fn,
      `${what()} would hold ${size} elements, more than the ${MAX_ELEMENTS} a tensor can hold`,
    );
  }
}

/** Validates a user-given shape: an array of non-negative integers of allocatable size. */
export function checkShape(fn: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) fail(fn, `${arg} must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (!isNonNegativeInt(d)) {
      fail(fn, `${arg} must hold non-negative integers, got [${shape.map(String).join(',')}]`);
    }
  }
  checkSize(fn, sizeOf(shape), () => `${arg} [${shape.join(',')}]`);
  return [...shape];
}

/** NumPy broadcasting of two shapes, or a `StrideError` naming both. */
export function broadcastShapes(fn: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(fn, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative axis against `rank`, or throws naming the function. */
export function normalizeAxis(fn: string, axis: unknown, rank: number, arg = 'dim'): number {
  const r = Math.max(rank, 1);
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -r || axis >= r) {
    fail(fn, `${arg} ${String(axis)} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + r : axis;
}

/** Resolves an axis list (or all axes when undefined) to sorted, distinct, non-negative axes. */
export function normalizeAxes(
  fn: string,
  axes: number | readonly number[] | undefined,
  rank: number,
  arg = 'dim',
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axes !== 'number' && !Array.isArray(axes)) {
    // shape.ts sits below options.ts (showValue), so it formats the few cases itself.
    const bad: unknown = axes;
    const shown =
      typeof bad === 'string'
        ? `'${bad}'`
        : bad !== null && typeof bad === 'object'
          ? 'an object'
          : String(bad);
    fail(fn, `${arg} must be an integer or an array of integers, got ${shown}`);
  }
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => normalizeAxis(fn, a, rank, arg));
  if (new Set(out).size !== out.length) fail(fn, `${arg} repeats an axis: [${list.join(',')}]`);
  return out.sort((x, y) => x - y);
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
