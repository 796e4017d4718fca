/**
 * Max and average pooling over 1, 2 or 3 spatial dims, and adaptive average and max pooling, with
 * PyTorch's output sizes, argument rules and gradients.
 */
import { isGradEnabled, noGrad, withGrad } from '../autograd.js';
import type { Backend, PoolParams } from '../backend.js';
import { isFloat, TYPED_ARRAY } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOfTensor, checkOutputSize, wrap } from '../kernel.js';
import { checkOptions, option } from '../options.js';
import { sizeOf, stridesOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { tensor } from './creation.js';
import { gather } from './indexing.js';
import { expand, reshape } from './layout.js';
import { bmm } from './matmul.js';
import { axisInts, fmtValue, perAxisOption } from './params.js';
import { argmax } from './reduce.js';

type Ints = number | readonly number[];

/**
 * Options shared by max and average pooling. Per-axis values are one number for every spatial axis
 * or an array with one per axis.
 */
export interface PoolOptions {
  /** Window size per spatial dim (one number for all). */
  kernelSize: Ints;
  /** Step between windows; defaults to `kernelSize`. */
  stride?: Ints | null;
  /** Implicit padding on both sides; at most half the kernel size. Default 0. */
  padding?: Ints;
  /** Round the output size up instead of down (the last window must still start inside). */
  ceilMode?: boolean;
}

/** Options of `maxPool1d`, `maxPool2d` and `maxPool3d`. */
export interface MaxPoolOptions extends PoolOptions {
  /** Spacing between window elements. Default 1. */
  dilation?: Ints;
  /** Also return, as int32, the flat index of each maximum within its input plane or volume. */
  returnIndices?: boolean;
}

/** Options of `avgPool1d`, `avgPool2d` and `avgPool3d`. */
export interface AvgPoolOptions extends PoolOptions {
  /** Count padded zeros in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** The result of max pooling with `returnIndices: true`. */
export interface MaxPoolResult {
  /** The maxima, `[N, C, ...out]` (or `[C, ...out]` for an unbatched input). */
  values: Tensor;
  /** int32, same shape as `values`: positions in each flattened (batch, channel) input plane. */
  indices: Tensor;
}

type MaxArg = MaxPoolOptions | Ints;
type WithIndices = MaxPoolOptions & { returnIndices: true };
type AvgArg = AvgPoolOptions | Ints;

export function maxPool1d(x: Tensor, options: WithIndices): MaxPoolResult;
export function maxPool1d(x: Tensor, options: MaxArg): Tensor;
/** 1-d max pooling of `[N, C, L]` or `[C, L]`; `options` may be just the kernel size. */
export function maxPool1d(x: Tensor, options: MaxArg): Tensor | MaxPoolResult {
  return maxPoolImpl('maxPool1d', 1, x, options);
}

export function maxPool2d(x: Tensor, options: WithIndices): MaxPoolResult;
export function maxPool2d(x: Tensor, options: MaxArg): Tensor;
/**
 * 2-d max pooling of `[N, C, H, W]` or `[C, H, W]`; `options` may be just the kernel size.
 *
 * @example
 * ```ts
 * const x = tensor([[[[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 1], [0, 9, 1, 2]]]], {
 *   dtype: 'float32',
 * });
 * maxPool2d(x, 2).arraySync();                     // [[[[4, 8], [9, 2]]]]
 * const { values, indices } = maxPool2d(x, { kernelSize: 2, returnIndices: true });
 * indices.arraySync();                             // [[[[5, 7], [13, 15]]]]
 * ```
 */
export function maxPool2d(x: Tensor, options: MaxArg): Tensor | MaxPoolResult {
  return maxPoolImpl('maxPool2d', 2, x, options);
}

export function maxPool3d(x: Tensor, options: WithIndices): MaxPoolResult;
export function maxPool3d(x: Tensor, options: MaxArg): Tensor;
/** 3-d max pooling of `[N, C, D, H, W]` or `[C, D, H, W]`. */
export function maxPool3d(x: Tensor, options: MaxArg): Tensor | MaxPoolResult {
  return maxPoolImpl('maxPool3d', 3, x, options);
}

/** 1-d average pooling of `[N, C, L]` or `[C, L]`; `options` may be just the kernel size. */
export function avgPool1d(x: Tensor, options: AvgArg): Tensor {
  return avgPoolImpl('avgPool1d', 1, x, options);
}

/** 2-d average pooling of `[N, C, H, W]` or `[C, H, W]`. */
export function avgPool2d(x: Tensor, options: AvgArg): Tensor {
  return avgPoolImpl('avgPool2d', 2, x, options);
}

/** 3-d average pooling of `[N, C, D, H, W]` or `[C, D, H, W]`. */
export function avgPool3d(x: Tensor, options: AvgArg): Tensor {
  return avgPoolImpl('avgPool3d', 3, x, options);
}

/**
 * PyTorch's pooling output size: floor (or ceil) of the window count, where in ceil mode a last
 * window that would start in the right padding (or beyond) is dropped.
 */
export function poolOutputSize(
  inSize: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const span = dilation * (kernel - 1) + 1;
  let out = Math.floor((inSize + 2 * padding - span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inSize + padding) out--;
  return out;
}

interface Prepared {
  backend: Backend;
  batched: boolean;
  /** The input shape with a batch dim. */
  xShape: number[];
  params: PoolParams;
}

const POOL_OPTIONS = {
  kernelSize: perAxisOption(1),
  stride: option.nullable(perAxisOption(1)),
  padding: perAxisOption(0),
  ceilMode: option.boolean,
} as const;
const MAX_POOL_OPTIONS = {
  ...POOL_OPTIONS,
  dilation: perAxisOption(1),
  returnIndices: option.boolean,
} as const;
const AVG_POOL_OPTIONS = { ...POOL_OPTIONS, countIncludePad: option.boolean } as const;

/** The options of a pooling call, which may be just the kernel size. */
function toOptions<T extends PoolOptions>(fn: string, options: T | Ints, isMax: boolean): T {
  if (typeof options === 'number' || Array.isArray(options)) return { kernelSize: options } as T;
  if (options === null || typeof options !== 'object') {
    fail(
      fn,
      `options must be an object with kernelSize, or a kernel size, got ${fmtValue(options)}`,
    );
  }
  return checkOptions(fn, options, isMax ? MAX_POOL_OPTIONS : AVG_POOL_OPTIONS) as T;
}

function prepare(
  fn: string,
  n: number,
  x: Tensor,
  options: MaxPoolOptions & AvgPoolOptions,
  isMax: boolean,
): Prepared {
  const backend = backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (x.rank !== n + 1 && x.rank !== n + 2) {
    fail(
      fn,
      `expected a ${n + 1}-d (unbatched) or ${n + 2}-d (batched) input [batch, channels, ...${n} spatial dims], got input ${fmtShape(x.shape)}`,
    );
  }
  const batched = x.rank === n + 2;
  const xShape = batched ? [...x.shape] : [1, ...x.shape];
  // Every dim but the batch must be non-empty, as PyTorch requires.
  if (xShape.slice(1).some((d) => d === 0)) {
    fail(
      fn,
      `input ${fmtShape(x.shape)} has an empty channel or spatial dim (only the batch dim may be 0)`,
    );
  }
  if (options.kernelSize === undefined) fail(fn, 'kernelSize is required');
  const kernel = axisInts(fn, 'kernelSize', options.kernelSize, n, 1);
  const stride =
    options.stride == null || (Array.isArray(options.stride) && options.stride.length === 0)
      ? [...kernel]
      : axisInts(fn, 'stride', options.stride, n, 1);
  const padding = axisInts(fn, 'padding', options.padding ?? 0, n, 0);
  const dilation = axisInts(fn, 'dilation', (isMax ? options.dilation : undefined) ?? 1, n, 1);
  const ceilMode = options.ceilMode ?? false;
  const countIncludePad = options.countIncludePad ?? true;
  if (padding.some((p, i) => p > Math.floor((kernel[i] as number) / 2))) {
    fail(
      fn,
      `padding [${padding.join(',')}] must be at most half the kernel size [${kernel.join(',')}] (padding <= floor(kernel / 2))`,
    );
  }
  const inSpatial = xShape.slice(2);
  const outSize = inSpatial.map((s, i) =>
    poolOutputSize(
      s,
      kernel[i] as number,
      stride[i] as number,
      padding[i] as number,
      dilation[i] as number,
      ceilMode,
    ),
  );
  if (outSize.some((o) => o < 1)) {
    const dil = isMax && dilation.some((d) => d !== 1) ? `, dilation [${dilation.join(',')}]` : '';
    fail(
      fn,
      `kernel [${kernel.join(',')}] is too large for input ${fmtShape(x.shape)} with padding [${padding.join(',')}]${dil}: the output size would be [${outSize.join(',')}]`,
    );
  }
  return {
    backend,
    batched,
    xShape,
    params: {
      kernel,
      stride,
      padding,
      dilation,
      outSize,
      countIncludePad: isMax || countIncludePad,
    },
  };
}

function maxPoolImpl(fn: string, n: number, x: Tensor, arg: MaxArg): Tensor | MaxPoolResult {
  const options = toOptions<MaxPoolOptions>(fn, arg, true);
  const { backend, batched, xShape, params } = prepare(fn, n, x, options, true);
  const returnIndices = options.returnIndices ?? false;
  const run = (): Tensor | MaxPoolResult =>
    maxPoolRun(fn, x, backend, batched, xShape, params, returnIndices);
  // With indices the result is a pair, which a trace does not record.
  if (returnIndices) return run();
  const { kernel, stride, padding, dilation } = params;
  const attrs = { kernel, stride, padding, dilation, ceilMode: options.ceilMode ?? false };
  return traced('maxPool', [x], attrs, () => run() as Tensor);
}

function maxPoolRun(
  fn: string,
  x: Tensor,
  backend: Backend,
  batched: boolean,
  xShape: number[],
  params: PoolParams,
  returnIndices: boolean,
): Tensor | MaxPoolResult {
  return tidy(() => {
    const xb = batched ? x : reshape(x, xShape);
    const outShape = [xShape[0] as number, xShape[1] as number, ...params.outSize];
    // Indices are kept only for a gradient or the caller: without either, the maxima alone.
    if (!returnIndices && !(isGradEnabled() && x.requiresGrad) && backend.maxPoolValues) {
      const values = wrap(backend, backend.maxPoolValues(xb._kernel(), params), outShape, x.dtype);
      return batched ? values : reshape(values, outShape.slice(1));
    }
    const raw = backend.maxPool(xb._kernel(), params);
    const indices = wrap(backend, raw.indices, outShape, 'int32');
    const values = withGrad(
      fn,
      wrap(backend, raw.values, outShape, x.dtype),
      [xb],
      [indices],
      (dy, [idx]) => {
        const b = dy.backend;
        const k = (idx as Tensor)._kernel();
        return [wrap(b, b.maxPoolBackward(dy._kernel(), k, xShape, params), xShape, dy.dtype)];
      },
    );
    const unbatch = (t: Tensor): Tensor => (batched ? t : reshape(t, outShape.slice(1)));
    if (returnIndices) return { values: unbatch(values), indices: unbatch(indices) };
    return unbatch(values);
  });
}

function avgPoolImpl(fn: string, n: number, x: Tensor, arg: AvgArg): Tensor {
  const options = toOptions<AvgPoolOptions>(fn, arg, false);
  const { backend, batched, xShape, params } = prepare(fn, n, x, options, false);
  const { kernel, stride, padding, countIncludePad } = params;
  const attrs = { kernel, stride, padding, ceilMode: options.ceilMode ?? false, countIncludePad };
  return traced('avgPool', [x], attrs, () =>
    tidy(() => {
      const xb = batched ? x : reshape(x, xShape);
      const outShape = [xShape[0] as number, xShape[1] as number, ...params.outSize];
      const raw = wrap(backend, backend.avgPool(xb._kernel(), params), outShape, x.dtype);
      const values = withGrad(fn, raw, [xb], [], (dy) => {
        const b = dy.backend;
        return [wrap(b, b.avgPoolBackward(dy._kernel(), xShape, params), xShape, dy.dtype)];
      });
      return batched ? values : reshape(values, outShape.slice(1));
    }),
  );
}

/** An output size per spatial dim; `null` keeps that dim's input size. */
export type AdaptiveSize = number | null | readonly (number | null)[];

/**
 * Adaptive average pooling to a fixed output size: output cell i along a dim of input size `In`
 * and output size `Out` averages input [floor(i*In/Out), ceil((i+1)*In/Out)), as PyTorch.
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveImpl('adaptiveAvgPool1d', 1, x, outputSize);
}

/**
 * 2-d adaptive average pooling of `[N, C, H, W]` or `[C, H, W]` to `outputSize` (see
 * `adaptiveAvgPool1d` for the windows).
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveImpl('adaptiveAvgPool2d', 2, x, outputSize);
}

/**
 * 3-d adaptive average pooling of `[N, C, D, H, W]` or `[C, D, H, W]` to `outputSize` (see
 * `adaptiveAvgPool1d` for the windows).
 */
export function adaptiveAvgPool3d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveImpl('adaptiveAvgPool3d', 3, x, outputSize);
}

/** An adaptive pooling call's checked input: its backend and its spatial sizes in and out. */
interface AdaptiveGeometry {
  backend: Backend;
  /** The number of dims before the spatial ones: 2 for a batched input, 1 for an unbatched one. */
  lead: number;
  inSpatial: number[];
  out: number[];
}

/** The checks adaptive average and max pooling share, and the output size per spatial dim. */
function adaptiveGeometry(
  fn: string,
  n: number,
  x: Tensor,
  outputSize: AdaptiveSize,
): AdaptiveGeometry {
  const backend = backendOfTensor(fn, 'input', x);
  if (!isFloat(x.dtype)) fail(fn, `input must be a float tensor, got ${x.dtype}`);
  if (x.rank !== n + 1 && x.rank !== n + 2) {
    fail(
      fn,
      `expected a ${n + 1}-d (unbatched) or ${n + 2}-d (batched) input, got input ${fmtShape(x.shape)}`,
    );
  }
  const lead = x.rank - n;
  const inSpatial = x.shape.slice(lead);
  if (x.shape.slice(lead - 1).some((d) => d === 0)) {
    fail(
      fn,
      `input ${fmtShape(x.shape)} has an empty channel or spatial dim (only the batch dim may be 0)`,
    );
  }
  const sizes = Array.isArray(outputSize) ? outputSize : [outputSize];
  // A list gives one size per dim, as PyTorch requires; one number serves every dim.
  if (sizes.length !== n && !(sizes.length === 1 && !Array.isArray(outputSize))) {
    fail(fn, `outputSize must be a number or an array of ${n}, got ${fmtValue(outputSize)}`);
  }
  const out = inSpatial.map((s, i) => {
    const v = sizes.length === 1 ? sizes[0] : sizes[i];
    if (v === null) return s;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      fail(
        fn,
        `outputSize must hold positive integers (or null to keep a size), got ${fmtValue(outputSize)}`,
      );
    }
    return v;
  });
  const outShape = [...x.shape.slice(0, lead), ...out];
  checkOutputSize(fn, backend, outShape, x.dtype, () => `input ${fmtShape(x.shape)}`);
  return { backend, lead, inSpatial, out };
}

/** An adaptive pooling window along one axis: input positions [start, end). */
type Window = [start: number, end: number];

/** PyTorch's adaptive window of output cell `o`: input [floor(o*In/Out), ceil((o+1)*In/Out)). */
function adaptiveWindow(o: number, inSize: number, outSize: number): Window {
  return [Math.floor((o * inSize) / outSize), Math.ceil(((o + 1) * inSize) / outSize)];
}

function adaptiveImpl(fn: string, n: number, x: Tensor, outputSize: AdaptiveSize): Tensor {
  const { backend, lead, inSpatial, out } = adaptiveGeometry(fn, n, x, outputSize);
  // The window weights of one axis are an [out, in] matrix.
  out.forEach((o, i) => {
    checkOutputSize(
      fn,
      backend,
      [o, inSpatial[i] as number],
      x.dtype,
      () => `input ${fmtShape(x.shape)}`,
    );
  });
  return traced('adaptiveAvgPool', [x], { outputSize: out }, () =>
    adaptiveAvgRun(fn, n, x, lead, inSpatial, out),
  );
}

function adaptiveAvgRun(
  fn: string,
  n: number,
  x: Tensor,
  lead: number,
  inSpatial: readonly number[],
  out: readonly number[],
): Tensor {
  return tidy(() => {
    // Evenly divisible sizes are plain average pooling, which the backend runs in one kernel.
    if (inSpatial.every((s, i) => s % (out[i] as number) === 0)) {
      const kernel = inSpatial.map((s, i) => s / (out[i] as number));
      return avgPoolImpl(fn, n, x, { kernelSize: kernel });
    }
    // Otherwise average one axis at a time with a [Out, In] matrix of window weights:
    // viewing x as [before, In, after] makes that a batched product with no transposes.
    let y = x;
    for (let i = 0; i < n; i++) {
      const axis = lead + i;
      const inSize = inSpatial[i] as number;
      const outSz = out[i] as number;
      if (inSize === outSz) continue;
      const weights = new TYPED_ARRAY[x.dtype as 'float32' | 'float64'](outSz * inSize);
      for (let o = 0; o < outSz; o++) {
        const [start, end] = adaptiveWindow(o, inSize, outSz);
        for (let j = start; j < end; j++) weights[o * inSize + j] = 1 / (end - start);
      }
      const m = tensor(weights, { shape: [1, outSz, inSize], dtype: x.dtype, device: x.device });
      const shape = y.shape;
      const pre = sizeOf(shape.slice(0, axis));
      const post = sizeOf(shape.slice(axis + 1));
      const prod = bmm(m, reshape(y, [pre, inSize, post]));
      y = reshape(prod, [...shape.slice(0, axis), outSz, ...shape.slice(axis + 1)]);
    }
    return y === x ? reshape(x, x.shape) : y;
  });
}

/** Options of `adaptiveMaxPool1d`, `adaptiveMaxPool2d` and `adaptiveMaxPool3d`. */
export interface AdaptiveMaxPoolOptions {
  /** Also return, as int32, the flat index of each maximum within its input plane or volume. */
  returnIndices?: boolean;
}

type AdaptiveWithIndices = AdaptiveMaxPoolOptions & { returnIndices: true };

export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options: AdaptiveWithIndices,
): MaxPoolResult;
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: AdaptiveMaxPoolOptions,
): Tensor;
/**
 * Adaptive max pooling of `[N, C, L]` or `[C, L]` to a fixed output size: output cell i takes the
 * maximum of input [floor(i*L/Out), ceil((i+1)*L/Out)), as PyTorch; with `returnIndices`, also
 * where each maximum is (the first one on ties, and the first NaN of a window that holds several,
 * where PyTorch's kernel takes the last). The gradient goes to that element alone.
 */
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: AdaptiveMaxPoolOptions,
): Tensor | MaxPoolResult {
  return adaptiveMaxImpl('adaptiveMaxPool1d', 1, x, outputSize, options);
}

export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options: AdaptiveWithIndices,
): MaxPoolResult;
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: AdaptiveMaxPoolOptions,
): Tensor;
/**
 * 2-d adaptive max pooling of `[N, C, H, W]` or `[C, H, W]` to `outputSize` (see
 * `adaptiveMaxPool1d` for the windows); indices are flat offsets within each `[H, W]` plane.
 *
 * @example
 * ```ts
 * const x = tensor([[[[1, 2, 5], [3, 4, 7], [0, 9, 1]]]], { dtype: 'float32' });
 * adaptiveMaxPool2d(x, 2).arraySync();                  // [[[[4, 7], [9, 9]]]]
 * const { indices } = adaptiveMaxPool2d(x, 2, { returnIndices: true });
 * indices.arraySync();                                  // [[[[4, 5], [7, 7]]]]
 * ```
 */
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: AdaptiveMaxPoolOptions,
): Tensor | MaxPoolResult {
  return adaptiveMaxImpl('adaptiveMaxPool2d', 2, x, outputSize, options);
}

export function adaptiveMaxPool3d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options: AdaptiveWithIndices,
): MaxPoolResult;
export function adaptiveMaxPool3d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: AdaptiveMaxPoolOptions,
): Tensor;
/**
 * 3-d adaptive max pooling of `[N, C, D, H, W]` or `[C, D, H, W]` to `outputSize` (see
 * `adaptiveMaxPool1d` for the windows); indices are flat offsets within each volume.
 */
export function adaptiveMaxPool3d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: AdaptiveMaxPoolOptions,
): Tensor | MaxPoolResult {
  return adaptiveMaxImpl('adaptiveMaxPool3d', 3, x, outputSize, options);
}

/** Each axis's adaptive windows, and the size of the largest window over all axes. */
function adaptiveWindows(
  inSpatial: readonly number[],
  out: readonly number[],
): { windows: Window[][]; k: number } {
  const windows = out.map((o, a) =>
    Array.from({ length: o }, (_, i) => adaptiveWindow(i, inSpatial[a] as number, o)),
  );
  const k = sizeOf(windows.map((w) => w.reduce((most, [s, e]) => Math.max(most, e - s), 0)));
  return { windows, k };
}

/**
 * For every output cell (row-major), the flat input offsets of its window's elements in
 * row-major order, padded to the largest window (`k` entries a cell) with the window's first
 * element: a repeat cannot change a maximum, nor which element is the first to reach it.
 */
function windowTable(inSpatial: readonly number[], windows: Window[][], k: number): Int32Array {
  const out = windows.map((w) => w.length);
  const strides = stridesOf(inSpatial);
  const offsets = new Int32Array(sizeOf(out) * k);
  let cellStart = 0;
  forEachIndex(out, (cell) => {
    const bounds = cell.map((c, a) => (windows[a] as Window[])[c] as Window);
    let filled = cellStart;
    forEachIndex(
      bounds.map(([s, e]) => e - s),
      (pos) => {
        offsets[filled++] = bounds.reduce(
          (sum, [s], a) => sum + (s + (pos[a] as number)) * (strides[a] as number),
          0,
        );
      },
    );
    offsets.fill(offsets[cellStart] as number, filled, cellStart + k);
    cellStart += k;
  });
  return offsets;
}

/** Calls `cb` with every multi-index of `shape` in row-major order (none when a dim is 0). */
function forEachIndex(shape: readonly number[], cb: (idx: readonly number[]) => void): void {
  const total = sizeOf(shape);
  const idx = shape.map(() => 0);
  for (let i = 0; i < total; i++) {
    cb(idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
}

function adaptiveMaxImpl(
  fn: string,
  n: number,
  x: Tensor,
  outputSize: AdaptiveSize,
  options: AdaptiveMaxPoolOptions | undefined,
): Tensor | MaxPoolResult {
  const { returnIndices = false } = checkOptions(fn, options, {
    returnIndices: option.boolean,
  });
  const { lead, inSpatial, out } = adaptiveGeometry(fn, n, x, outputSize);
  const run = (): Tensor | MaxPoolResult =>
    adaptiveMaxRun(fn, n, x, lead, inSpatial, out, returnIndices);
  if (returnIndices) return run();
  return traced('adaptiveMaxPool', [x], { outputSize: out }, () => run() as Tensor);
}

function adaptiveMaxRun(
  fn: string,
  n: number,
  x: Tensor,
  lead: number,
  inSpatial: readonly number[],
  out: readonly number[],
  returnIndices: boolean,
): Tensor | MaxPoolResult {
  const backend = x.backend;
  // Evenly divisible sizes are plain max pooling (the same indices), one backend kernel.
  if (inSpatial.every((s, i) => s % (out[i] as number) === 0)) {
    const kernel = inSpatial.map((s, i) => s / (out[i] as number));
    return maxPoolImpl(fn, n, x, { kernelSize: kernel, returnIndices });
  }
  const planes = sizeOf(x.shape.slice(0, lead));
  const cells = sizeOf(out);
  const { windows, k } = adaptiveWindows(inSpatial, out);
  // The window elements of every cell of every plane are gathered at once.
  const gathered = [Math.max(planes, 1), cells, k];
  checkOutputSize(fn, backend, gathered, x.dtype, () => `input ${fmtShape(x.shape)}`);
  const table = windowTable(inSpatial, windows, k);
  const outShape = [...x.shape.slice(0, lead), ...out];
  return tidy(() => {
    const flat = reshape(x, [planes, sizeOf(inSpatial)]);
    const offsets = expand(
      tensor(table, { shape: [1, cells, k], dtype: 'int32', device: x.device }),
      [planes, cells, k],
    );
    // Which window element is the maximum is not differentiated; taking the value at that
    // offset is, so the gradient reaches the maximum once per window, as in PyTorch.
    const argmaxOffsets = noGrad(() => {
      const candidates = reshape(gather(flat, 1, reshape(offsets, [planes, cells * k])), [
        planes,
        cells,
        k,
      ]);
      return reshape(gather(offsets, 2, argmax(candidates, 2, true)), [planes, cells]);
    });
    const values = reshape(gather(flat, 1, argmaxOffsets), outShape);
    if (!returnIndices) return values;
    return { values, indices: reshape(argmaxOffsets, outShape) };
  });
}
