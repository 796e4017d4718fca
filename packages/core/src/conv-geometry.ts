import type { ConvParams, Shape } from './backend.js';
import { fail } from './errors.js';

/**
 * The geometry of an N-d convolution (N = 1, 2, 3) lifted to 3-d by prepending unit axes, so a
 * backend writes one set of loops (or one shader) for every rank. For backend authors.
 */
export interface ConvGeometry {
  /** Input spatial size [D, H, W]. */
  readonly input: readonly [number, number, number];
  /** Kernel spatial size [KD, KH, KW]. */
  readonly kernel: readonly [number, number, number];
  /**
   * Output spatial size [OD, OH, OW] (0 along an axis where the dilated kernel is larger than the
   * padded input).
   */
  readonly output: readonly [number, number, number];
  /** Step between output positions along each axis; 1 on the prepended axes. */
  readonly stride: readonly [number, number, number];
  /** Padding before each axis; padding after only shortens the output, already counted. */
  readonly pad: readonly [number, number, number];
  /** Spacing between kernel elements along each axis; 1 on the prepended axes. */
  readonly dilation: readonly [number, number, number];
  /** D·H·W, KD·KH·KW, OD·OH·OW. */
  readonly inSize: number;
  /** KD·KH·KW, the number of kernel positions. */
  readonly kernelSize: number;
  /** OD·OH·OW, the number of output positions. */
  readonly outSize: number;
}

type Triple = [number, number, number];

function lift(values: readonly number[], fill: number): Triple {
  const t: Triple = [fill, fill, fill];
  for (let i = 0; i < values.length; i++) t[3 - values.length + i] = values[i] as number;
  return t;
}

/** `inSpatial` and `kernel` are the spatial parts of the input and weight shapes. */
export function convGeometry(inSpatial: Shape, kernel: Shape, params: ConvParams): ConvGeometry {
  const n = Array.isArray(inSpatial) ? inSpatial.length : -1;
  const perAxis = (v: unknown) => Array.isArray(v) && v.length === n;
  if (
    n < 0 ||
    !perAxis(kernel) ||
    params === null ||
    typeof params !== 'object' ||
    !['stride', 'padBefore', 'padAfter', 'dilation'].every((k) =>
      perAxis((params as unknown as Record<string, unknown>)[k]),
    )
  ) {
    fail(
      'convGeometry',
      'expected (inSpatial, kernel, params) with one entry per spatial dim in kernel and in params.stride, padBefore, padAfter and dilation',
    );
  }
  const out: number[] = [];
  for (let i = 0; i < inSpatial.length; i++) {
    const span = (params.dilation[i] as number) * ((kernel[i] as number) - 1) + 1;
    const padded =
      (inSpatial[i] as number) + (params.padBefore[i] as number) + (params.padAfter[i] as number);
    out.push(Math.max(0, Math.floor((padded - span) / (params.stride[i] as number)) + 1));
  }
  const input = lift(inSpatial, 1);
  const k = lift(kernel, 1);
  const output = lift(out, 1);
  return {
    input,
    kernel: k,
    output,
    stride: lift(params.stride, 1),
    pad: lift(params.padBefore, 0),
    dilation: lift(params.dilation, 1),
    inSize: input[0] * input[1] * input[2],
    kernelSize: k[0] * k[1] * k[2],
    outSize: output[0] * output[1] * output[2],
  };
}
