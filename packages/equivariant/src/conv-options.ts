/**
 * The options of the p4 convolutions (core's conv options without `groups`) and the geometry they
 * give: read through `checkOptions`, then checked against the input size here, so that a bad
 * stride or padding is reported with the p4 shapes the user passed, not with the stacked filter
 * bank that the p4 functions hand to `conv2d`.
 */
import { type ConvPadding, checkOptions, fail, fmtShape, option, type Tensor } from '@stride/core';
import { pairOf, perAxis, show } from './check.js';

/**
 * Options of `p4LiftConv2d` and `p4Conv2d`: those of core's `conv2d` but `groups`. Per-axis values
 * are one number for both spatial axes or an array with one per axis.
 */
export interface P4ConvOptions {
  /** `[outChannels]`, added to every rotation and position of its channel. */
  bias?: Tensor | null;
  /** Step between output positions (default 1). */
  stride?: number | readonly number[];
  /** Zero padding of the spatial dims, as core's `conv2d` takes it (default 0). */
  padding?: ConvPadding;
  /** Spacing between kernel elements (default 1). */
  dilation?: number | readonly number[];
}

/** The options resolved to one value per spatial axis, as `conv2d` takes them explicitly. */
export interface P4ConvGeometry {
  readonly bias: Tensor | null;
  readonly stride: [number, number];
  readonly dilation: [number, number];
  /** `[before, after]` zero padding of H and of W. */
  readonly padding: [[number, number], [number, number]];
  /** The output's spatial size `[H', W']`. */
  readonly output: [number, number];
}

const nonNegative = option.integer({ min: 0 });
const paddingEntry = (p: unknown): boolean =>
  nonNegative.test(p) ||
  (Array.isArray(p) && p.length === 2 && p.every((v) => nonNegative.test(v)));

/** The rules of the layout options, which the layers take too. */
export const LAYOUT_OPTIONS = {
  stride: perAxis(1),
  padding: option.custom<ConvPadding>(
    `${nonNegative.expected}, 'valid', 'same' or an array of 2 (integers ≥ 0 or [before, after] pairs)`,
    (v) =>
      v === 'valid' ||
      v === 'same' ||
      nonNegative.test(v) ||
      (Array.isArray(v) && v.length === 2 && v.every(paddingEntry)),
  ),
  dilation: perAxis(1),
} as const;

const P4_CONV_OPTIONS = { bias: option.nullable(option.tensor), ...LAYOUT_OPTIONS } as const;

/**
 * Reads `options` for `fn` and resolves them for an input of spatial size `inSpatial` and a
 * square kernel of size `k`. `shapes` names the user's tensors for the messages.
 */
export function convGeometryOf(
  fn: string,
  options: P4ConvOptions | undefined,
  inSpatial: readonly [number, number],
  k: number,
  shapes: string,
): P4ConvGeometry {
  const o = checkOptions(fn, options, P4_CONV_OPTIONS);
  const stride = pairOf(o.stride ?? 1);
  const dilation = pairOf(o.dilation ?? 1);
  const span = dilation.map((d) => d * (k - 1) + 1) as [number, number];
  let padding: [[number, number], [number, number]];
  const p = o.padding ?? 0;
  if (p === 'same') {
    if (stride.some((s) => s !== 1)) {
      fail(
        fn,
        `padding 'same' is not supported for strided convolutions (stride ${show(stride)}); use stride 1 or explicit padding`,
      );
    }
    // Any odd total goes after, as in PyTorch (and then the grid is no longer centred).
    padding = span.map((s) => [Math.floor((s - 1) / 2), Math.ceil((s - 1) / 2)]) as typeof padding;
  } else if (p === 'valid') {
    padding = [
      [0, 0],
      [0, 0],
    ];
  } else if (typeof p === 'number') {
    padding = [
      [p, p],
      [p, p],
    ];
  } else {
    padding = p.map((e) => (typeof e === 'number' ? [e, e] : [e[0], e[1]])) as typeof padding;
  }
  const padded = inSpatial.map((s, i) => s + padding[i][0] + padding[i][1]);
  if (padded.some((size, i) => size < span[i])) {
    const dilated = dilation.some((d) => d !== 1) ? ` (dilated to [${span.join(',')}])` : '';
    fail(
      fn,
      `kernel [${k},${k}]${dilated} is larger than the padded input [${padded.join(',')}] (${shapes}, padding ${show(padding)})`,
    );
  }
  const output = padded.map((size, i) => Math.floor((size - span[i]) / stride[i]) + 1) as [
    number,
    number,
  ];
  return { bias: o.bias ?? null, stride, dilation, padding, output };
}

/** The message part that shows the tensors of a call: `input [1,2,9,9], weight [3,2,3,3]`. */
export function shapesOf(args: readonly (readonly [string, Tensor])[]): string {
  return args.map(([name, t]) => `${name} ${fmtShape(t.shape)}`).join(', ');
}
