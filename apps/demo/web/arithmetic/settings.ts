/**
 * What the arithmetic panel lets the reader choose: convolution or transposed convolution, 1, 2
 * or 3 spatial axes, one size for every axis of the input and kernel, stride, padding, dilation,
 * output padding, channels and groups, and whether the kernel is flipped. The ranges are the
 * panel's (small enough to draw); which combinations are possible is core's to say.
 */

export type ConvMode = 'conv' | 'transposed';
export type SpatialDims = 1 | 2 | 3;

export interface ArithSettings {
  mode: ConvMode;
  dims: SpatialDims;
  /** Input size W along every spatial axis. */
  input: number;
  /** Kernel size F along every spatial axis. */
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
  /** Transposed convolution only: positions added at the end of each output axis. */
  outputPadding: number;
  inChannels: number;
  outChannels: number;
  groups: number;
  /** Flip the kernel on every spatial axis: true convolution instead of cross-correlation. */
  flip: boolean;
}

export type NumberSetting = Exclude<keyof ArithSettings, 'mode' | 'dims' | 'flip'>;

export const DEFAULT_SETTINGS: Readonly<ArithSettings> = {
  mode: 'conv',
  dims: 2,
  input: 7,
  kernel: 3,
  stride: 1,
  padding: 0,
  dilation: 1,
  outputPadding: 0,
  inChannels: 2,
  outChannels: 2,
  groups: 1,
  flip: false,
};

export interface Limit {
  min: number;
  max: number;
  label: string;
  /** The letter the formula uses, if any. */
  symbol?: string;
}

/** The ranges of the number fields; a 3-d input stays small enough to draw as slices. */
export function limitsFor(dims: SpatialDims): Record<NumberSetting, Limit> {
  return {
    input: { min: 1, max: dims === 3 ? 8 : 32, label: 'Input size', symbol: 'W' },
    kernel: { min: 1, max: dims === 3 ? 5 : 9, label: 'Kernel size', symbol: 'F' },
    stride: { min: 1, max: 5, label: 'Stride', symbol: 'S' },
    padding: { min: 0, max: 6, label: 'Padding', symbol: 'P' },
    dilation: { min: 1, max: 4, label: 'Dilation', symbol: 'D' },
    outputPadding: { min: 0, max: 4, label: 'Output padding', symbol: 'OP' },
    inChannels: { min: 1, max: 6, label: 'In channels' },
    outChannels: { min: 1, max: 6, label: 'Out channels' },
    groups: { min: 1, max: 6, label: 'Groups', symbol: 'G' },
  };
}

/** The settings with every number brought into the ranges of `limitsFor(settings.dims)`. */
export function clampSettings(s: ArithSettings): ArithSettings {
  const limits = limitsFor(s.dims);
  const out = { ...s };
  for (const key of Object.keys(limits) as NumberSetting[]) {
    const { min, max } = limits[key];
    out[key] = Math.max(min, Math.min(max, Math.round(s[key])));
  }
  return out;
}

/** The core function these settings call: `conv2d`, `convTranspose3d`, ... */
export function opName(s: Pick<ArithSettings, 'mode' | 'dims'>): string {
  return `${s.mode === 'conv' ? 'conv' : 'convTranspose'}${s.dims}d`;
}

/**
 * The weight the functional call takes, in PyTorch's layouts: `[out, in / groups, ...kernel]` for
 * a convolution, `[in, out / groups, ...kernel]` for a transposed one. Where groups does not
 * divide a channel count the share is rounded down (at least 1) and core refuses the call.
 */
export function weightShape(s: ArithSettings): number[] {
  const [rows, cols] =
    s.mode === 'conv' ? [s.outChannels, s.inChannels] : [s.inChannels, s.outChannels];
  return [
    rows,
    Math.max(1, Math.floor(cols / s.groups)),
    ...new Array<number>(s.dims).fill(s.kernel),
  ];
}

/** `[1, inChannels, W, ...]`: one example, W along every spatial axis. */
export function inputShape(s: ArithSettings): number[] {
  return [1, s.inChannels, ...new Array<number>(s.dims).fill(s.input)];
}

/**
 * False where no weight can express the settings: a transposed convolution's output channels
 * are `weight.shape[1] * groups`, so with output channels that groups does not divide (and input
 * channels that it does, or core would refuse those first) only the layer, which takes both
 * channel counts, can say what is wrong.
 */
export function functionalFits(s: ArithSettings): boolean {
  return !(
    s.mode === 'transposed' &&
    s.inChannels % s.groups === 0 &&
    s.outChannels % s.groups !== 0
  );
}

/**
 * What is wrong with `raw`, typed into the field of `key`, under `dims` axes: the field's range
 * ("Kernel size: 1–9 for 2-d"), naming the dimensions only where the range depends on them; null
 * when it is a whole number in range. The panel shows this next to the field and no result until
 * it is fixed, so that the numbers it shows are always those of the fields.
 */
export function fieldProblem(key: NumberSetting, raw: string, dims: SpatialDims): string | null {
  const { min, max, label } = limitsFor(dims)[key];
  const v = Number(raw);
  if (raw.trim() !== '' && Number.isInteger(v) && v >= min && v <= max) return null;
  const perDims = ([1, 2, 3] as const).some((d) => limitsFor(d)[key].max !== max);
  return `${label}: ${min}–${max}${perDims ? ` for ${dims}-d` : ''}`;
}
