/**
 * The panel's small example, computed by core: the shape `conv*d` / `convTranspose*d` returns
 * for the settings, or the `StrideError` it throws, and the output values on small whole numbers
 * (exact in float32, so every partial sum the panel shows adds up exactly).
 */
import {
  type ConvOptions,
  type ConvTransposeOptions,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  flip,
  noGrad,
  StrideError,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@stride/core';
import { ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from '@stride/layers';
import { seededRandom } from '../ui/seeded-random.js';
import { type ArithSettings, functionalFits, inputShape, opName, weightShape } from './settings.js';

export type ConvFn = (x: Tensor, w: Tensor, options: ConvOptions & ConvTransposeOptions) => Tensor;

/** Core's convolutions by name (`opName`: `conv2d`, `convTranspose3d`, ...). */
export const CONV_OPS: Record<string, ConvFn> = {
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
};

const LAYERS = { 1: ConvTranspose1d, 2: ConvTranspose2d, 3: ConvTranspose3d } as const;

/**
 * Above this many multiply-adds, or output cells per channel, the panel shows the shape but not
 * the numbers: they would take long to compute on every keystroke and be too small to read.
 */
export const MAX_WORK = 4_000_000;
export const MAX_OUTPUT_CELLS = 4096;

export interface ExampleBase {
  /** The core function the settings call, e.g. `'convTranspose2d'`. */
  op: string;
  xShape: number[];
  wShape: number[];
}

export interface ExampleOk extends ExampleBase {
  ok: true;
  /** The shape core returned. */
  shape: number[];
  /** The input, `xShape`, row-major: whole numbers 0–3. */
  x: Float32Array;
  /** The weight as stored (before any flip), `wShape`, row-major: whole numbers −1–2. */
  w: Float32Array;
  /**
   * Core's output for `x` and the weight (flipped when the settings say so), or null when the
   * example is too big to show numbers for (see `tooBig`).
   */
  y: Float32Array | null;
  /** Why `y` is null, for the reader; empty when it is not. */
  tooBig: string;
}

export interface ExampleError extends ExampleBase {
  ok: false;
  /** The `StrideError`'s message, as core (or the layer, see `functionalFits`) words it. */
  message: string;
}

export type Example = ExampleOk | ExampleError;

/** Whole numbers in [lo, hi], the same ones for the same count every time. */
function smallIntegers(count: number, lo: number, hi: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => lo + Math.floor(random() * (hi - lo + 1)));
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The options the settings pass to the core function (the generated calls spell the same). */
export function callOptions(s: ArithSettings): ConvOptions & ConvTransposeOptions {
  return s.mode === 'conv'
    ? { stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups }
    : {
        stride: s.stride,
        padding: s.padding,
        outputPadding: s.outputPadding,
        dilation: s.dilation,
        groups: s.groups,
      };
}

/** The spatial axes of the weight, which `flip` reverses: `[2]`, `[2, 3]` or `[2, 3, 4]`. */
export function spatialAxes(s: Pick<ArithSettings, 'dims'>): number[] {
  return Array.from({ length: s.dims }, (_, i) => i + 2);
}

/** Runs the settings' call in core (on the CPU backend) and returns what it gave. */
export function runExample(s: ArithSettings): Example {
  const op = opName(s);
  const fn = CONV_OPS[op] as ConvFn;
  const xShape = inputShape(s);
  const wShape = weightShape(s);
  const base = { op, xShape, wShape };
  const options = callOptions(s);
  if (!functionalFits(s)) return { ...base, ok: false, message: layerMessage(s) };
  const call = (x: Tensor, w: Tensor) => fn(x, s.flip ? flip(w, spatialAxes(s)) : w, options);

  // A batch of 0 costs nothing and core checks everything else as it would for 1: the shape,
  // or the error, comes from core itself whatever the sizes.
  let shape: number[];
  try {
    shape = tidy(() =>
      noGrad(() =>
        call(
          zeros([0, ...xShape.slice(1)], { device: 'cpu' }),
          zeros(wShape, { device: 'cpu' }),
        ).shape.slice(),
      ),
    );
    shape[0] = 1;
  } catch (error) {
    if (!(error instanceof StrideError)) throw error;
    // Again with the real batch of 1, so that the message shows the shapes the panel shows.
    return {
      ...base,
      ok: false,
      message: errorOf(() =>
        call(zeros(xShape, { device: 'cpu' }), zeros(wShape, { device: 'cpu' })),
      ),
    };
  }

  const x = smallIntegers(product(xShape), 0, 3, 1);
  const w = smallIntegers(product(wShape), -1, 2, 2);
  const perChannel = product(shape.slice(2));
  const work =
    s.mode === 'conv'
      ? product(shape) * product(wShape.slice(1))
      : product(xShape) * product(wShape.slice(1));
  const tooBig =
    work > MAX_WORK
      ? `${work.toLocaleString('en')} multiply-adds is more than this page computes on every change (${MAX_WORK.toLocaleString('en')})`
      : perChannel > MAX_OUTPUT_CELLS
        ? `${perChannel.toLocaleString('en')} output cells per channel are too many to draw (at most ${MAX_OUTPUT_CELLS.toLocaleString('en')})`
        : '';
  const y = tooBig
    ? null
    : tidy(() =>
        noGrad(() => {
          const out = call(
            tensor(x, { shape: xShape, dtype: 'float32', device: 'cpu' }),
            tensor(w, { shape: wShape, dtype: 'float32', device: 'cpu' }),
          );
          return Float32Array.from(out.dataSync() as Float32Array);
        }),
      );
  return { ...base, ok: true, shape, x, w, y, tooBig };
}

/** The message of the `StrideError` that `run` throws. */
function errorOf(run: () => Tensor): string {
  try {
    tidy(() => noGrad(run));
  } catch (error) {
    if (error instanceof StrideError) return error.message;
    throw error;
  }
  throw new Error('expected core to refuse these settings');
}

/** The transposed-convolution layer's refusal of output channels that groups does not divide. */
function layerMessage(s: ArithSettings): string {
  const Layer = LAYERS[s.dims];
  try {
    const layer = new Layer(s.inChannels, s.outChannels, s.kernel, {
      stride: s.stride,
      padding: s.padding,
      outputPadding: s.outputPadding,
      dilation: s.dilation,
      groups: s.groups,
      device: 'cpu',
    });
    layer.dispose();
  } catch (error) {
    if (error instanceof StrideError) return error.message;
    throw error;
  }
  throw new Error(`expected ${Layer.name} to refuse these channels and groups`);
}
