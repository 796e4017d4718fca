/**
 * Convolution (cross-correlation, as in PyTorch) over 1, 2 or 3 spatial dims, with stride,
 * zero padding (symmetric, asymmetric, 'valid' or 'same'), dilation, groups and bias.
 */
import { withGrad } from '../autograd.js';
import type { ConvParams } from '../backend.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf, checkOutputSize, wrap } from '../kernel.js';
import { allEntries, checkOptions, option } from '../options.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced, tracing } from '../trace.js';
import { relu } from './activation.js';
import { add } from './arithmetic.js';
import { CONV_COMMON_OPTIONS, checkConvTensors } from './conv-checks.js';
import { reshape } from './layout.js';
import { axisInts, fmtValue } from './params.js';
import { sum } from './reduce.js';
import { reluGrad } from './relu-grad.js';

/**
 * Zero padding of the spatial dims: the same on every side (a number), per axis (an array whose
 * entries are a number or a `[before, after]` pair), none (`'valid'`), or whatever keeps the
 * output the size of the input at stride 1 (`'same'`; any odd extra goes after, as PyTorch).
 */
export type ConvPadding =
  | number
  | 'valid'
  | 'same'
  | readonly (number | readonly [number, number])[];

/**
 * Options of `conv1d`, `conv2d`, `conv3d` and `convNd`. Each per-axis value is one number for every
 * spatial axis or an array with one per axis.
 */
export interface ConvOptions {
  /** `[outChannels]`, added to every output position. */
  bias?: Tensor | null;
  /** Step between output positions, per spatial axis. Default 1. */
  stride?: number | readonly number[];
  /** Zero padding of the spatial dims (see `ConvPadding`). Default 0. */
  padding?: ConvPadding;
  /** Spacing between kernel elements, per spatial axis. Default 1. */
  dilation?: number | readonly number[];
  /** Input and output channels split into this many independent groups. */
  groups?: number;
  /**
   * `'relu'`: the result is `relu(conv + bias)`, in one pass over the output on a backend with
   * the fused kernel (`convBiasRelu`), saving the separate relu's read and write of it. Left
   * out, no activation (PyTorch's functional convolutions have none).
   */
  activation?: 'relu';
}

/** 1-d convolution: input `[N, C, L]` (or `[C, L]`), weight `[O, C/groups, K]`. */
export function conv1d(x: Tensor, weight: Tensor, options: ConvOptions = {}): Tensor {
  return convImpl('conv1d', 1, x, weight, options);
}

/**
 * 2-d convolution: input `[N, C, H, W]` (or `[C, H, W]`), weight `[O, C/groups, kH, kW]`.
 * A cross-correlation, as `torch.nn.functional.conv2d`; the output is
 * `[N, O, (H + 2 * padding - dilation * (kH - 1) - 1) / stride + 1, ...]`, rounded down.
 *
 * @example
 * ```ts
 * const x = randn([1, 3, 32, 32]);                 // [N, C, H, W]
 * const w = randn([8, 3, 3, 3]);                   // [out, in, kH, kW]
 * conv2d(x, w, { padding: 1 }).shape;              // [1, 8, 32, 32]
 * conv2d(x, w, { stride: 2 }).shape;               // [1, 8, 15, 15]
 * conv2d(x, w, { padding: 'same', bias: zeros([8]) }).shape; // [1, 8, 32, 32]
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, options: ConvOptions = {}): Tensor {
  return convImpl('conv2d', 2, x, weight, options);
}

/** 3-d convolution: input `[N, C, D, H, W]` (or unbatched), weight `[O, C/groups, kD, kH, kW]`. */
export function conv3d(x: Tensor, weight: Tensor, options: ConvOptions = {}): Tensor {
  return convImpl('conv3d', 3, x, weight, options);
}

/** Convolution whose spatial rank (1, 2 or 3) is taken from the weight's rank. */
export function convNd(x: Tensor, weight: Tensor, options: ConvOptions = {}): Tensor {
  const fn = 'convNd';
  backendOf(fn, [['weight', weight]]);
  const n = weight.rank - 2;
  if (n < 1 || n > 3) {
    fail(
      fn,
      `weight must be 3-d, 4-d or 5-d [outChannels, inChannels/groups, ...kernel], got ${fmtShape(weight.shape)}`,
    );
  }
  return convImpl(fn, n, x, weight, options);
}

/** Output spatial size along one axis (ConvParams' formula). */
function outSize(
  inSize: number,
  k: number,
  s: number,
  before: number,
  after: number,
  d: number,
): number {
  return Math.floor((inSize + before + after - d * (k - 1) - 1) / s) + 1;
}

function resolvePadding(
  fn: string,
  padding: unknown,
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): { before: number[]; after: number[] } {
  const n = kernel.length;
  if (padding === undefined || padding === 'valid') {
    return { before: new Array<number>(n).fill(0), after: new Array<number>(n).fill(0) };
  }
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) {
      fail(
        fn,
        `padding 'same' is not supported for strided convolutions (stride ${fmtValue(stride)}); use stride 1 or explicit padding`,
      );
    }
    const total = kernel.map((k, i) => (dilation[i] as number) * (k - 1));
    const before = total.map((t) => Math.floor(t / 2));
    return { before, after: total.map((t, i) => t - (before[i] as number)) };
  }
  if (typeof padding === 'string') {
    fail(fn, `padding must be a number, an array, 'valid' or 'same', got ${fmtValue(padding)}`);
  }
  if (Array.isArray(padding) && padding.some((p) => Array.isArray(p))) {
    if (padding.length !== n) {
      fail(fn, `padding must have ${n} entries (one per spatial dim), got ${fmtValue(padding)}`);
    }
    const before: number[] = [];
    const after: number[] = [];
    for (const p of padding as unknown[]) {
      const pair = Array.isArray(p) ? p : [p, p];
      if (
        pair.length !== 2 ||
        !allEntries(pair, (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)
      ) {
        fail(
          fn,
          `padding entries must be non-negative integers or [before, after] pairs of them, got ${fmtValue(padding)}`,
        );
      }
      before.push(pair[0] as number);
      after.push(pair[1] as number);
    }
    return { before, after };
  }
  const sym = axisInts(fn, 'padding', padding, n, 0);
  return { before: sym, after: [...sym] };
}

// In the order an unknown-key error lists them: the signature's order.
const CONV_OPTIONS = {
  bias: CONV_COMMON_OPTIONS.bias,
  stride: CONV_COMMON_OPTIONS.stride,
  padding: option.custom<ConvPadding>(
    "a non-negative integer, 'valid', 'same' or an array (one entry per spatial dim)",
    (v) => typeof v === 'number' || v === 'valid' || v === 'same' || Array.isArray(v),
  ),
  dilation: CONV_COMMON_OPTIONS.dilation,
  groups: CONV_COMMON_OPTIONS.groups,
  activation: option.oneOf('relu'),
} as const;

function convImpl(fn: string, n: number, x: Tensor, w: Tensor, opts: ConvOptions): Tensor {
  const options = checkOptions(fn, opts, CONV_OPTIONS);
  const bias = options.bias ?? null;
  const backend = checkConvTensors(fn, n, x, w, bias, 'outChannels, inChannels/groups');
  // Formatted only for a message: the calls that fail are few.
  const shapes = (): string => `input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}`;
  const groups = options.groups ?? 1;
  const batched = x.rank === n + 2;
  const xShape = batched ? [...x.shape] : [1, ...x.shape];
  const channels = xShape[1] as number;
  const outChannels = w.shape[0] as number;
  const perGroup = w.shape[1] as number;
  const kernel = w.shape.slice(2);
  if (channels % groups !== 0) {
    fail(
      fn,
      `input has ${channels} channels, which groups ${groups} does not divide (${shapes()})`,
    );
  }
  if (channels !== perGroup * groups) {
    const expects =
      groups === 1
        ? `${perGroup}`
        : `${perGroup * groups} (${perGroup} per group x ${groups} groups)`;
    fail(fn, `input has ${channels} channels but weight expects ${expects} (${shapes()})`);
  }
  if (outChannels % groups !== 0) {
    fail(
      fn,
      `weight has ${outChannels} output channels, which groups ${groups} does not divide (weight ${fmtShape(w.shape)})`,
    );
  }
  if (kernel.some((k) => k === 0)) {
    fail(fn, `kernel sizes must be positive, got weight ${fmtShape(w.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outChannels)) {
    fail(
      fn,
      `bias must be [${outChannels}] (one per output channel), got bias ${fmtShape(bias.shape)} for weight ${fmtShape(w.shape)}`,
    );
  }
  const stride = axisInts(fn, 'stride', options.stride ?? 1, n, 1);
  const dilation = axisInts(fn, 'dilation', options.dilation ?? 1, n, 1);
  const { before, after } = resolvePadding(fn, options.padding, kernel, stride, dilation);
  const inSpatial = xShape.slice(2);
  const padded = inSpatial.map((s, i) => s + (before[i] as number) + (after[i] as number));
  const span = kernel.map((k, i) => (dilation[i] as number) * (k - 1) + 1);
  if (padded.some((p, i) => p < (span[i] as number))) {
    const dilated = dilation.some((d) => d !== 1) ? ` (dilated to [${span.join(',')}])` : '';
    fail(
      fn,
      `kernel [${kernel.join(',')}]${dilated} is larger than the padded input [${padded.join(',')}] (${shapes()}, padding before [${before.join(',')}], after [${after.join(',')}])`,
    );
  }
  const outSpatial = inSpatial.map((s, i) =>
    outSize(
      s,
      kernel[i] as number,
      stride[i] as number,
      before[i] as number,
      after[i] as number,
      dilation[i] as number,
    ),
  );
  const params: ConvParams = { stride, padBefore: before, padAfter: after, dilation, groups };
  checkOutputSize(fn, backend, [xShape[0] as number, outChannels, ...outSpatial], x.dtype, shapes);
  const attrs = { stride, padBefore: before, padAfter: after, dilation, groups };
  const withRelu = options.activation === 'relu';
  // A trace records the convolution and the relu apart, as the graph formats have them.
  if (withRelu && tracing()) {
    return tidy(() =>
      relu(
        traced('conv', [x, w, bias], attrs, () =>
          convRun(fn, x, w, bias, params, outSpatial, false),
        ),
      ),
    );
  }
  return traced('conv', [x, w, bias], attrs, () =>
    convRun(fn, x, w, bias, params, outSpatial, withRelu),
  );
}

/**
 * The convolution itself, once `convImpl` has checked its arguments, then relu where `withRelu`:
 * one kernel where the backend fuses what is asked for (`convBiasRelu`, `convBias`), else the
 * kernels and ops that compose it.
 */
function convRun(
  fn: string,
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  params: ConvParams,
  outSpatial: readonly number[],
  withRelu: boolean,
): Tensor {
  const backend = x.backend;
  const n = w.rank - 2;
  const batched = x.rank === n + 2;
  const xShape = batched ? [...x.shape] : [1, ...x.shape];
  const outChannels = w.shape[0] as number;
  return tidy(() => {
    const xb = batched ? x : reshape(x, xShape);
    const outShape = [xShape[0] as number, outChannels, ...outSpatial];
    const fusedRelu = withRelu && backend.convBiasRelu !== undefined;
    // With a fused bias the kernel adds it, and the node also returns the bias gradient.
    const fusedBias = bias !== null && (fusedRelu || backend.convBias !== undefined);
    const xk = xb._kernel();
    const wk = w._kernel();
    let storage: unknown;
    if (fusedRelu) {
      const kernel = backend.convBiasRelu as NonNullable<typeof backend.convBiasRelu>;
      storage = kernel(xk, wk, bias ? bias._kernel() : null, params);
    } else if (fusedBias && bias) {
      const kernel = backend.convBias as NonNullable<typeof backend.convBias>;
      storage = kernel(xk, wk, bias._kernel(), params);
    } else storage = backend.conv(xk, wk, params);
    const raw = wrap(backend, storage, outShape, x.dtype);
    // Each gradient needs only the other operand: keep just what a requested gradient uses, and
    // the output of a fused relu, which is positive exactly where the relu passed the gradient.
    const needX = xb.requiresGrad;
    const needW = w.requiresGrad;
    const wShape = w.shape;
    const save = [...(needW ? [xb] : []), ...(needX ? [w] : []), ...(fusedRelu ? [raw] : [])];
    const inputs = fusedBias && bias ? [xb, w, bias] : [xb, w];
    // The bias gradient sums dy over the batch and every spatial axis.
    const biasAxes = [0, ...outSpatial.map((_, i) => i + 2)];
    let y = withGrad(fn, raw, inputs, save, (dyOut, saved) => {
      const sx = needW ? (saved[0] as Tensor) : null;
      const sw = needX ? (saved[needW ? 1 : 0] as Tensor) : null;
      const dy = fusedRelu ? reluGrad(dyOut, saved[saved.length - 1] as Tensor) : dyOut;
      const b = dy.backend;
      const gx = sw
        ? wrap(b, b.convBackwardInput(dy._kernel(), sw._kernel(), xShape, params), xShape, dy.dtype)
        : null;
      const gw = sx
        ? wrap(
            b,
            b.convBackwardFilter(sx._kernel(), dy._kernel(), wShape, params),
            wShape,
            dy.dtype,
          )
        : null;
      if (!fusedBias) return [gx, gw];
      return [gx, gw, bias?.requiresGrad ? sum(dy, biasAxes) : null];
    });
    if (bias && !fusedBias)
      y = add(y, reshape(bias, [outChannels, ...new Array<number>(n).fill(1)]));
    if (withRelu && !fusedRelu) y = relu(y);
    return batched ? y : reshape(y, outShape.slice(1));
  });
}
