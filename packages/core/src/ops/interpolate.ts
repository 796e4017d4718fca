/**
 * Resizing of the spatial dims (`torch.nn.functional.interpolate` of PyTorch 1.13): nearest
 * neighbour and (bi/tri)linear. One spatial axis at a time, each a selection of input positions
 * (`gather`) and, for the linear modes, a weighted sum of two of them, so gradients and every
 * backend come from those ops.
 */

import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfTensor, checkOutputSize } from '../kernel.js';
import { checkOptions, option, showValue } from '../options.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { add, mul } from './arithmetic.js';
import { tensor } from './creation.js';
import { gather } from './indexing.js';
import { expand, reshape } from './layout.js';
import { fmtValue } from './params.js';

/** How `interpolate` computes an output position from the input positions around it. */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'trilinear';

/** Options of `interpolate`: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** The output's spatial size: one number for every spatial axis or one per axis. */
  size?: number | readonly number[];
  /**
   * Multiplies each spatial size (rounded down): one number for every spatial axis or one per
   * axis. The positions sampled follow the factor itself, as in PyTorch, not the rounded size.
   */
  scaleFactor?: number | readonly number[];
  /**
   * `'nearest'` (default; any of 1 to 3 spatial dims), or `'linear'` (3-d input `[N, C, L]`),
   * `'bilinear'` (4-d) or `'trilinear'` (5-d).
   */
  mode?: InterpolateMode;
  /**
   * Linear modes only: map the corner pixels' centres onto each other, so that the corners keep
   * their values (`true`), or treat pixels as areas and their edges as aligned (`false`, the
   * default, as PyTorch).
   */
  alignCorners?: boolean;
}

const positiveInts = option.either(
  option.integer({ min: 1 }),
  option.arrayOf(option.integer({ min: 1 })),
);
const positiveNumbers = option.either(
  option.number({ above: 0 }),
  option.arrayOf(option.number({ above: 0 })),
);

const INTERPOLATE_OPTIONS = {
  size: positiveInts,
  scaleFactor: positiveNumbers,
  mode: option.oneOf('nearest', 'linear', 'bilinear', 'trilinear'),
  alignCorners: option.boolean,
} as const;

/** The input rank each linear mode needs. */
const LINEAR_RANK: Readonly<Record<string, number>> = { linear: 3, bilinear: 4, trilinear: 5 };
const LINEAR_MODE: Readonly<Record<number, string>> = {
  3: 'linear',
  4: 'bilinear',
  5: 'trilinear',
};
const LAYOUT: Readonly<Record<number, string>> = {
  3: '[N, C, L]',
  4: '[N, C, H, W]',
  5: '[N, C, D, H, W]',
};

/** `interpolate`'s options, checked and with their defaults. */
interface CheckedInterpolateOptions {
  readonly size: number | readonly number[] | undefined;
  readonly scaleFactor: number | readonly number[] | undefined;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean;
}

/**
 * The checks of `interpolate`'s options that need no input, as `fn`'s: the names and values, one
 * of size and scaleFactor, and alignCorners only with a linear mode. Whether the mode and the
 * number of sizes suit the input is for the call.
 */
export function checkInterpolateOptions(fn: string, options: unknown): CheckedInterpolateOptions {
  const opts = checkOptions(fn, options, INTERPOLATE_OPTIONS);
  const mode = opts.mode ?? 'nearest';
  if (mode === 'nearest' && opts.alignCorners !== undefined) {
    fail(
      fn,
      `alignCorners only applies to the modes 'linear', 'bilinear' and 'trilinear', not to 'nearest' (leave it out)`,
    );
  }
  const { size, scaleFactor } = opts;
  if (size !== undefined && scaleFactor !== undefined) {
    fail(
      fn,
      `give only one of size and scaleFactor, got size ${fmtValue(size)} and scaleFactor ${fmtValue(scaleFactor)}`,
    );
  }
  if (size === undefined && scaleFactor === undefined) {
    fail(fn, 'give either size (the output size) or scaleFactor (to multiply the input size by)');
  }
  return { size, scaleFactor, mode, alignCorners: opts.alignCorners ?? false };
}

/**
 * Resizes the spatial dims of a batched input `[N, C, L]`, `[N, C, H, W]` or `[N, C, D, H, W]`,
 * as `torch.nn.functional.interpolate` (PyTorch 1.13) does. `'nearest'` takes input position
 * `floor(out * scale)` with scale `in / out` (or `1 / scaleFactor` when given); the linear modes
 * blend the two nearest input positions of `(out + 0.5) * scale - 0.5` (clamped at 0), or of
 * `out * (in - 1) / (out - 1)` with `alignCorners`.
 *
 * @example
 * ```ts
 * const x = randn([1, 3, 8, 8]);
 * interpolate(x, { scaleFactor: 2 }).shape;                        // [1, 3, 16, 16], nearest
 * interpolate(x, { size: [12, 10], mode: 'bilinear' }).shape;      // [1, 3, 12, 10]
 * interpolate(x, { scaleFactor: 0.5, mode: 'bilinear', alignCorners: true }).shape; // [1, 3, 4, 4]
 * ```
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const fn = 'interpolate';
  const { size, scaleFactor, mode, alignCorners } = checkInterpolateOptions(fn, options);
  const backend = backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (x.rank < 3 || x.rank > 5) {
    fail(
      fn,
      `expected a 3-d, 4-d or 5-d input [batch, channels, ...1 to 3 spatial dims], got input ${fmtShape(x.shape)}`,
    );
  }
  const n = x.rank - 2;
  const needs = LINEAR_RANK[mode];
  if (needs !== undefined && needs !== x.rank) {
    fail(
      fn,
      `mode '${mode}' needs a ${needs}-d input ${LAYOUT[needs]}, got input ${fmtShape(x.shape)} (a ${x.rank}-d input takes '${LINEAR_MODE[x.rank]}' or 'nearest')`,
    );
  }
  const given = (size ?? scaleFactor) as number | readonly number[];
  const name = size !== undefined ? 'size' : 'scaleFactor';
  if (Array.isArray(given) && given.length !== n) {
    fail(
      fn,
      `${name} must be a number or an array of ${n} (one per spatial dim of input ${fmtShape(x.shape)}), got ${showValue(given)}`,
    );
  }
  const perAxis = (v: number | readonly number[]): number[] =>
    typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  const inSpatial = x.shape.slice(2);
  const scales = scaleFactor === undefined ? null : perAxis(scaleFactor);
  const outSpatial =
    size !== undefined
      ? perAxis(size)
      : inSpatial.map((s, i) => Math.floor(s * (scales?.[i] as number)));
  const outShape = [...x.shape.slice(0, 2), ...outSpatial];
  checkOutputSize(fn, backend, outShape, x.dtype, () => `input ${fmtShape(x.shape)}`);
  if (inSpatial.some((s) => s === 0) || outSpatial.some((s) => s === 0)) {
    fail(
      fn,
      `input and output spatial sizes must be at least 1, got input ${fmtShape(x.shape)} and output ${fmtShape(outShape)}${scales ? ` (scaleFactor ${fmtValue(scaleFactor)})` : ''}`,
    );
  }
  // Only the batch may be empty, as in PyTorch: zero channels would resample nothing.
  if (x.shape[1] === 0) {
    fail(fn, `input has 0 channels; only the batch may be empty, got input ${fmtShape(x.shape)}`);
  }
  const attrs = { size: outSpatial, scales, mode, alignCorners };
  return traced(fn, [x], attrs, () =>
    resample(x, n, inSpatial, outSpatial, scales, mode, alignCorners),
  );
}

function resample(
  x: Tensor,
  n: number,
  inSpatial: readonly number[],
  outSpatial: readonly number[],
  scales: readonly number[] | null,
  mode: InterpolateMode,
  alignCorners: boolean,
): Tensor {
  return tidy(() => {
    let y = x;
    for (let i = 0; i < n; i++) {
      const inSize = inSpatial[i] as number;
      const outSize = outSpatial[i] as number;
      const scale = scales ? (scales[i] as number) : null;
      y =
        mode === 'nearest'
          ? nearestAxis(y, i + 2, nearestIndices(inSize, outSize, scale))
          : linearAxis(y, i + 2, linearWeights(inSize, outSize, scale, alignCorners));
    }
    return y === x ? reshape(x, x.shape) : y;
  });
}

/**
 * PyTorch's (legacy) nearest rule, in float32 as its CPU kernel computes it:
 * `min(floor(dst * scale), in - 1)` with `scale = in / out`, or `1 / scaleFactor` when given.
 * In float64 some positions land on the neighbouring input (in 31, scaleFactor 1.3).
 */
function nearestIndices(inSize: number, outSize: number, scaleFactor: number | null): Int32Array {
  const f = Math.fround;
  const scale = scaleFactor !== null ? f(1 / scaleFactor) : f(inSize / outSize);
  const idx = new Int32Array(outSize);
  for (let d = 0; d < outSize; d++) idx[d] = Math.min(Math.floor(f(d * scale)), inSize - 1);
  return idx;
}

/** For each output position: the two input positions blended and the weight of the second. */
interface LinearWeights {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly t: Float64Array;
}

/**
 * PyTorch's linear source positions: `dst * (in - 1) / (out - 1)` with `alignCorners`, else
 * `(dst + 0.5) * scale - 0.5` clamped at 0 (scale `in / out`, or `1 / scaleFactor` when given).
 * An axis whose size does not change is copied, whatever the scale factor, as PyTorch does.
 */
function linearWeights(
  inSize: number,
  outSize: number,
  scaleFactor: number | null,
  alignCorners: boolean,
): LinearWeights | null {
  if (inSize === outSize) return null;
  const scale = alignCorners
    ? outSize > 1
      ? (inSize - 1) / (outSize - 1)
      : 0
    : scaleFactor !== null
      ? 1 / scaleFactor
      : inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = alignCorners ? d * scale : Math.max(0, (d + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    lo[d] = i0;
    hi[d] = Math.min(i0 + 1, inSize - 1);
    t[d] = src - i0;
  }
  return { lo, hi, t };
}

/** `x` viewed as `[before, size, after]` around `axis`. */
function around(x: Tensor, axis: number): [number, number, number] {
  return [sizeOf(x.shape.slice(0, axis)), x.shape[axis] as number, sizeOf(x.shape.slice(axis + 1))];
}

/** The positions `idx` of `axis`, in order (repeats allowed). */
function select(x: Tensor, axis: number, idx: Int32Array): Tensor {
  const [before, , after] = around(x, axis);
  const index = expand(
    tensor(idx, { shape: [1, idx.length, 1], dtype: 'int32', device: x.device }),
    [before, idx.length, after],
  );
  const out = gather(reshape(x, around(x, axis)), 1, index);
  const shape = [...x.shape];
  shape[axis] = idx.length;
  return reshape(out, shape);
}

function nearestAxis(x: Tensor, axis: number, idx: Int32Array): Tensor {
  const inSize = x.shape[axis] as number;
  const outSize = idx.length;
  if (outSize === inSize && idx.every((v, d) => v === d)) return x;
  // An integer upsampling factor repeats each position: a broadcast, with no index to check.
  const factor = outSize / inSize;
  if (Number.isInteger(factor) && idx.every((v, d) => v === Math.floor(d / factor))) {
    const [before, , after] = around(x, axis);
    const shape = [...x.shape];
    shape[axis] = outSize;
    return reshape(
      expand(reshape(x, [before, inSize, 1, after]), [before, inSize, factor, after]),
      shape,
    );
  }
  return select(x, axis, idx);
}

function linearAxis(x: Tensor, axis: number, w: LinearWeights | null): Tensor {
  if (w === null) return x;
  const lower = select(x, axis, w.lo);
  if (w.t.every((t) => t === 0)) return lower;
  const shape = x.shape.map((_, d) => (d === axis ? w.t.length : 1));
  const upperWeight = tensor(w.t, { shape, dtype: x.dtype, device: x.device });
  const lowerWeight = tensor(
    w.t.map((t) => 1 - t),
    { shape, dtype: x.dtype, device: x.device },
  );
  // lower * (1 - t) + upper * t, as PyTorch weighs the two.
  return add(mul(lower, lowerWeight), mul(select(x, axis, w.hi), upperWeight));
}
