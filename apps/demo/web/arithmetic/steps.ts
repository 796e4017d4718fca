/**
 * The timestep scrubber's steps: one per output value, output channel by output channel, each
 * position in row-major order. A step lists every product the kernel forms at that placement
 * (input cell × weight, zeros of padding included), sums them per input channel, and adds those
 * partial sums: the tests check that total against the value core computed.
 */
import type { ExampleOk } from './example.js';
import { type AxisMap, axisMap } from './geometry.js';
import type { ArithSettings } from './settings.js';

export interface Term {
  /** The input channel. */
  channel: number;
  /** The grid cell the tap reads, one coordinate per spatial axis. */
  cell: number[];
  /** The input position it holds, or null for a zero of padding or of the spread-out input. */
  input: number[] | null;
  /** The tap's index into the stored weight's spatial axes. */
  weight: number[];
  x: number;
  w: number;
}

export interface Partial {
  channel: number;
  sum: number;
}

export interface Step {
  index: number;
  outChannel: number;
  /** The output position, one coordinate per spatial axis. */
  position: number[];
  /** Channel by channel, tap by tap (the first axis slowest). */
  terms: Term[];
  /** One per input channel of the output channel's group, in channel order. */
  partials: Partial[];
  /** The sum of the partial sums: the output value. */
  total: number;
}

export interface Stepper {
  count: number;
  /** One map per spatial axis. */
  axes: AxisMap[];
  /** Output size per spatial axis (core's). */
  outSpatial: number[];
  /** Input channels per group, output channels per group. */
  inPerGroup: number;
  outPerGroup: number;
  /** The group of an output channel. */
  groupOf(outChannel: number): number;
  at(index: number): Step;
  /** Core's value for step `index`, read from the example's output. */
  coreValue(index: number): number;
}

/** Row-major coordinates of flat index `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let rest = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    const n = shape[a] as number;
    out[a] = rest % n;
    rest = Math.floor(rest / n);
  }
  return out;
}

/** Row-major flat index of `coords` in `shape`. */
export function ravel(coords: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let a = 0; a < shape.length; a++) i = i * (shape[a] as number) + (coords[a] as number);
  return i;
}

/** The steps of an example core computed (one with values: `example.y` not null). */
export function stepper(s: ArithSettings, example: ExampleOk): Stepper {
  const y = example.y;
  if (!y) throw new Error('stepper: the example has no values (too big)');
  const outSpatial = example.shape.slice(2);
  const inSpatial = example.xShape.slice(2);
  const kernel = example.wShape.slice(2);
  const axes = outSpatial.map((n) => axisMap(s, n));
  const perOut = outSpatial.reduce((a, b) => a * b, 1);
  const perIn = inSpatial.reduce((a, b) => a * b, 1);
  const taps = kernel.reduce((a, b) => a * b, 1);
  const inPerGroup = s.inChannels / s.groups;
  const outPerGroup = s.outChannels / s.groups;
  const groupOf = (o: number) => Math.floor(o / outPerGroup);
  const weightAt = (o: number, c: number, k: number[]): number => {
    const g = groupOf(o);
    // conv: [out, in / groups, ...]; transposed: [in, out / groups, ...].
    const [row, col, cols] =
      s.mode === 'conv'
        ? [o, c - g * inPerGroup, inPerGroup]
        : [c, o - g * outPerGroup, outPerGroup];
    return example.w[(row * cols + col) * taps + ravel(k, kernel)] as number;
  };

  const at = (index: number): Step => {
    const o = Math.floor(index / perOut);
    const position = unravel(index % perOut, outSpatial);
    const g = groupOf(o);
    const tapCells = axes.map((axis, a) => axis.taps(position[a] as number));
    const terms: Term[] = [];
    const partials: Partial[] = [];
    for (let c = g * inPerGroup; c < (g + 1) * inPerGroup; c++) {
      let sum = 0;
      for (let t = 0; t < taps; t++) {
        const k = unravel(t, kernel);
        const cell = k.map((kk, a) => (tapCells[a] as number[])[kk] as number);
        const held = cell.map((q, a) => (axes[a] as AxisMap).cell(q));
        const input = held.every((h) => h.kind === 'input')
          ? held.map((h) => (h as { index: number }).index)
          : null;
        const weight = k.map((kk, a) => (axes[a] as AxisMap).weightIndex(kk));
        const x = input ? (example.x[c * perIn + ravel(input, inSpatial)] as number) : 0;
        const w = weightAt(o, c, weight);
        terms.push({ channel: c, cell, input, weight, x, w });
        sum += x * w;
      }
      partials.push({ channel: c, sum });
    }
    const total = partials.reduce((acc, p) => acc + p.sum, 0);
    return { index, outChannel: o, position, terms, partials, total };
  };

  return {
    count: s.outChannels * perOut,
    axes,
    outSpatial,
    inPerGroup,
    outPerGroup,
    groupOf,
    at,
    coreValue: (index) => y[index] as number,
  };
}
