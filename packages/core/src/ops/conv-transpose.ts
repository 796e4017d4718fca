/**
 * Transposed convolution over 1, 2 or 3 spatial dims (`torch.nn.functional.conv_transpose*d`):
 * the input gradient of the convolution whose weight is the given weight. It is built on the
 * backend's three convolution kernels, so every backend has it without a kernel of its own: the
 * forward is `convBackwardInput`, its input gradient is `conv` and its weight gradient is
 * `convBackwardFilter` with the roles of input and output gradient swapped.
 */
import { withGrad } from '../autograd.js';
import type { ConvParams } from '../backend.js';
import { fail, fmtShape } from '../errors.js';
import { checkOutputSize, wrap } from '../kernel.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { traced } from '../trace.js';
import { add } from './arithmetic.js';
import { CONV_COMMON_OPTIONS, checkConvTensors } from './conv-checks.js';
import { pad, reshape } from './layout.js';
import { axisInts, fmtValue, perAxisOption } from './params.js';

/**
 * Options of `convTranspose1d`, `convTranspose2d` and `convTranspose3d`. Each per-axis value is
 * one number for every spatial axis or an array with one per axis.
 */
export interface ConvTransposeOptions {
  /** `[outChannels]`, added to every output position. */
  bias?: Tensor | null;
  /** Step between the output positions of neighbouring input positions. Default 1. */
  stride?: number | readonly number[];
  /**
   * `dilation * (kernel - 1) - padding` zeros are added to both sides of the input, as in
   * PyTorch: the output loses `padding` positions at each end. Default 0.
   */
  padding?: number | readonly number[];
  /**
   * Positions added at the end of each spatial axis of the output, to pick one of the sizes a
   * strided convolution maps to the same size. Smaller than the stride or the dilation. Default 0.
   */
  outputPadding?: number | readonly number[];
  /** Spacing between kernel elements. Default 1. */
  dilation?: number | readonly number[];
  /** Input and output channels split into this many independent groups. Default 1. */
  groups?: number;
}

/**
 * 1-d transposed convolution: input `[N, Cin, L]` (or `[Cin, L]`), weight
 * `[Cin, Cout/groups, K]`; the output is `[N, Cout, (L - 1) * stride - 2 * padding +
 * dilation * (K - 1) + outputPadding + 1]`.
 */
export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTransposeImpl('convTranspose1d', 1, x, weight, options);
}

/**
 * 2-d transposed convolution, as `torch.nn.functional.conv_transpose2d`: input `[N, Cin, H, W]`
 * (or `[Cin, H, W]`), weight `[Cin, Cout/groups, kH, kW]`. Along each axis the output size is
 * `(in - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1`, so a stride-2
 * transposed convolution undoes the downsampling of a stride-2 convolution. It is the adjoint of
 * `conv2d` with the same weight and options: `<conv2d(x, w), y> = <x, convTranspose2d(y, w)>`.
 *
 * @example
 * ```ts
 * const z = randn([1, 16, 7, 7]);                   // [N, Cin, H, W]
 * const w = randn([16, 8, 4, 4]);                   // [Cin, Cout, kH, kW]
 * convTranspose2d(z, w, { stride: 2, padding: 1 }).shape;    // [1, 8, 14, 14]
 * const w3 = randn([16, 8, 3, 3]);
 * convTranspose2d(z, w3, { stride: 2, padding: 1, outputPadding: 1 }).shape; // [1, 8, 14, 14]
 * ```
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTransposeImpl('convTranspose2d', 2, x, weight, options);
}

/**
 * 3-d transposed convolution: input `[N, Cin, D, H, W]` (or unbatched), weight
 * `[Cin, Cout/groups, kD, kH, kW]`.
 */
export function convTranspose3d(
  x: Tensor,
  weight: Tensor,
  options: ConvTransposeOptions = {},
): Tensor {
  return convTransposeImpl('convTranspose3d', 3, x, weight, options);
}

const CONV_TRANSPOSE_OPTIONS = {
  bias: CONV_COMMON_OPTIONS.bias,
  stride: CONV_COMMON_OPTIONS.stride,
  padding: perAxisOption(0),
  outputPadding: perAxisOption(0),
  dilation: CONV_COMMON_OPTIONS.dilation,
  groups: CONV_COMMON_OPTIONS.groups,
} as const;

function convTransposeImpl(
  fn: string,
  n: number,
  x: Tensor,
  w: Tensor,
  opts: ConvTransposeOptions,
): Tensor {
  const options = checkOptions(fn, opts, CONV_TRANSPOSE_OPTIONS);
  const bias = options.bias ?? null;
  const backend = checkConvTensors(fn, n, x, w, bias, 'inChannels, outChannels/groups');
  // Formatted only for a message: the calls that fail are few.
  const shapes = (): string => `input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}`;
  const groups = options.groups ?? 1;
  const batched = x.rank === n + 2;
  const xShape = batched ? [...x.shape] : [1, ...x.shape];
  const channels = xShape[1] as number;
  const kernel = w.shape.slice(2);
  if (channels !== w.shape[0]) {
    fail(fn, `input has ${channels} channels but weight expects ${w.shape[0]} (${shapes()})`);
  }
  if (channels % groups !== 0) {
    fail(
      fn,
      `input has ${channels} channels, which groups ${groups} does not divide (${shapes()})`,
    );
  }
  const outChannels = (w.shape[1] as number) * groups;
  if (kernel.some((k) => k === 0)) {
    fail(fn, `kernel sizes must be positive, got weight ${fmtShape(w.shape)}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outChannels)) {
    const perGroup = groups === 1 ? '' : `: ${w.shape[1]} per group x ${groups} groups`;
    fail(
      fn,
      `bias must be [${outChannels}] (one per output channel${perGroup}), got bias ${fmtShape(bias.shape)} for weight ${fmtShape(w.shape)}`,
    );
  }
  const stride = axisInts(fn, 'stride', options.stride ?? 1, n, 1);
  const dilation = axisInts(fn, 'dilation', options.dilation ?? 1, n, 1);
  const padding = axisInts(fn, 'padding', options.padding ?? 0, n, 0);
  const outputPadding = axisInts(fn, 'outputPadding', options.outputPadding ?? 0, n, 0);
  // Larger output padding would add positions no input reaches in any convolution of this
  // geometry: PyTorch refuses it too.
  if (outputPadding.some((op, i) => op >= (stride[i] as number) && op >= (dilation[i] as number))) {
    fail(
      fn,
      `outputPadding ${fmtValue(outputPadding)} must be smaller than the stride ${fmtValue(stride)} or the dilation ${fmtValue(dilation)} on each axis`,
    );
  }
  const inSpatial = xShape.slice(2);
  // An empty axis would give a non-empty output of zeros (and bias) from nothing: PyTorch refuses
  // both, and so does conv for an empty spatial axis.
  if (inSpatial.some((s) => s === 0)) {
    fail(fn, `input has an empty spatial dim; only the batch may be empty (${shapes()})`);
  }
  if (channels === 0) {
    fail(fn, `input and weight have 0 channels; at least 1 is needed (${shapes()})`);
  }
  if (outChannels === 0)
    fail(fn, `weight has 0 output channels; at least 1 is needed (${shapes()})`);
  const outSpatial = inSpatial.map(
    (s, i) =>
      (s - 1) * (stride[i] as number) -
      2 * (padding[i] as number) +
      (dilation[i] as number) * ((kernel[i] as number) - 1) +
      (outputPadding[i] as number) +
      1,
  );
  if (outSpatial.some((s) => s < 1)) {
    fail(
      fn,
      `the output would be [${outSpatial.join(',')}], which is empty: each size is (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1 (${shapes()}, stride ${fmtValue(stride)}, padding ${fmtValue(padding)}, dilation ${fmtValue(dilation)}, outputPadding ${fmtValue(outputPadding)})`,
    );
  }
  const outShape = [xShape[0] as number, outChannels, ...outSpatial];
  checkOutputSize(fn, backend, outShape, x.dtype, shapes);

  // The convolution this is the adjoint of takes an input of the output's size, padded by
  // `padding` before and `padding - outputPadding` after. Kernels take no negative padding, so
  // where outputPadding exceeds padding the kernel computes the shorter output that padding 0
  // after gives, and the positions beyond it, which no input position reaches, are zeros. Where
  // even that leaves nothing (padding crops every reachable position), the kernel computes one
  // position before the output's start and it is cropped.
  const tail = outputPadding.map((op, i) => Math.max(0, op - (padding[i] as number)));
  const reach = outSpatial.map((s, i) => s - (tail[i] as number));
  const lead = reach.map((r) => Math.max(0, 1 - r));
  const computed = reach.map((r, i) => r + (lead[i] as number));
  const params: ConvParams = {
    stride,
    padBefore: padding.map((p, i) => p - (lead[i] as number)),
    padAfter: padding.map((p, i) => Math.max(0, p - (outputPadding[i] as number))),
    dilation,
    groups,
  };
  const attrs = { stride, padding, outputPadding, dilation, groups };
  return traced('convTranspose', [x, w, bias], attrs, () =>
    tidy(() => {
      const xb = batched ? x : reshape(x, xShape);
      const convShape = [xShape[0] as number, outChannels, ...computed];
      const raw = wrap(
        backend,
        backend.convBackwardInput(xb._kernel(), w._kernel(), convShape, params),
        convShape,
        x.dtype,
      );
      // Each gradient needs only the other operand: keep just what a requested gradient uses.
      const needX = xb.requiresGrad;
      const needW = w.requiresGrad;
      const wShape = w.shape;
      const save = [...(needW ? [xb] : []), ...(needX ? [w] : [])];
      let y = withGrad(fn, raw, [xb, w], save, (dy, saved) => {
        const sx = needW ? (saved[0] as Tensor) : null;
        const sw = needX ? (saved[needW ? 1 : 0] as Tensor) : null;
        const b = dy.backend;
        const gx = sw
          ? wrap(b, b.conv(dy._kernel(), sw._kernel(), params), xShape, dy.dtype)
          : null;
        // The convolution's weight gradient with its input (here dy) and output gradient (here x).
        const gw = sx
          ? wrap(
              b,
              b.convBackwardFilter(dy._kernel(), sx._kernel(), wShape, params),
              wShape,
              dy.dtype,
            )
          : null;
        return [gx, gw];
      });
      if (tail.some((t) => t > 0) || lead.some((l) => l > 0)) {
        // `pad` lists (before, after) from the last dim; a negative before crops.
        const pads: number[] = [];
        for (let i = n - 1; i >= 0; i--) {
          const keep = Math.max(0, reach[i] as number);
          pads.push(keep - (computed[i] as number), (outSpatial[i] as number) - keep);
        }
        y = pad(y, pads);
      }
      if (bias) y = add(y, reshape(bias, [outChannels, ...new Array<number>(n).fill(1)]));
      return batched ? y : reshape(y, outShape.slice(1));
    }),
  );
}
