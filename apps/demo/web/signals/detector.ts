/**
 * A silence detector made of one convolution: square the signal (its energy, sample by sample),
 * then slide an averaging window over it with `conv1d`. Where the average energy stays under a
 * threshold, nothing is being said. The window is the convolution's filter, its length and shape
 * are the user's to change, and the stride turns the sliding window into frames with a hop.
 */
import { checkOptions, conv1d, fail, noGrad, option, pad, tensor, tidy } from '@stride/core';

export type WindowShape = 'box' | 'hann';

export interface DetectorSettings {
  /** Taps of the filter, in samples. */
  window: number;
  /** 'box': every sample in the window counts the same; 'hann': the middle counts most. */
  shape: WindowShape;
  /** Samples between two window positions (1: every position). */
  stride: number;
}

export const DEFAULT_DETECTOR: DetectorSettings = { window: 160, shape: 'box', stride: 1 };

/** The limits of the page's controls, which `checkDetector` enforces. */
export const WINDOW_LIMITS = { min: 2, max: 1024 } as const;
export const STRIDE_LIMITS = { min: 1, max: 256 } as const;

export function checkDetector(fn: string, settings: unknown): DetectorSettings {
  if (settings === undefined) fail(fn, 'settings are required: { window, shape, stride }');
  const s = checkOptions(
    fn,
    settings,
    {
      window: option.integer(WINDOW_LIMITS),
      shape: option.oneOf('box', 'hann'),
      stride: option.integer(STRIDE_LIMITS),
    },
    'settings',
  );
  for (const key of ['window', 'shape', 'stride'] as const) {
    if (s[key] === undefined) fail(fn, `settings.${key} is required`);
  }
  return s as DetectorSettings;
}

/**
 * The filter's taps, which add up to 1 so that the response is an average energy: a box of
 * `1 / length` each, or a Hann window (a raised cosine, zero just outside both ends) scaled to
 * the same sum.
 */
export function windowTaps(length: number, shape: WindowShape): Float32Array {
  const taps = new Float32Array(length);
  let sum = 0;
  for (let a = 0; a < length; a++) {
    const v = shape === 'box' ? 1 : Math.sin((Math.PI * (a + 1)) / (length + 1)) ** 2;
    taps[a] = v;
    sum += v;
  }
  for (let a = 0; a < length; a++) taps[a] = (taps[a] as number) / sum;
  return taps;
}

/**
 * Zeros before and after the signal for `padding: 'same'`: `window − 1` in all, the odd one at the
 * end, as PyTorch does. At stride 1 the output then has one value per sample, and the window of
 * output `t` is centred on sample `t` (for an even window, just after it).
 */
export function samePadding(window: number): [number, number] {
  const before = Math.floor((window - 1) / 2);
  return [before, window - 1 - before];
}

/** The samples that the window of output `j` covers, first and last (either may be padding). */
export function windowSpan(j: number, settings: DetectorSettings): [number, number] {
  const first = j * settings.stride - samePadding(settings.window)[0];
  return [first, first + settings.window - 1];
}

/**
 * The detector's response: `conv1d` of the squared signal with the window's taps, padded 'same'
 * and with the given stride, so output `j` is the average energy around sample `j · stride`. At
 * stride 1 that is `conv1d(x², w, { padding: 'same' })`; a larger stride keeps every
 * `stride`-th of those values (frames with a hop of `stride` samples), `ceil(L / stride)` in all.
 *
 * @example
 * ```ts
 * const energy = detectorResponse(samples, { window: 160, shape: 'box', stride: 1 });
 * energy.length === samples.length; // true
 * ```
 */
export function detectorResponse(
  samples: Float32Array,
  settings: DetectorSettings,
): Float32Array<ArrayBuffer> {
  const fn = 'detectorResponse';
  if (!(samples instanceof Float32Array) || samples.length === 0) {
    fail(fn, 'samples must be a non-empty Float32Array');
  }
  const s = checkDetector(fn, settings);
  const [before, after] = samePadding(s.window);
  return noGrad(() =>
    tidy(() => {
      const x = tensor(samples, { shape: [1, 1, samples.length], device: 'cpu' });
      const w = tensor(windowTaps(s.window, s.shape), { shape: [1, 1, s.window], device: 'cpu' });
      // 'same' padding is only defined at stride 1 (the output would not keep the length), so the
      // zeros are added here and the convolution itself pads nothing.
      const energy = pad(x.square(), [before, after]);
      const y = conv1d(energy, w, { stride: s.stride });
      return Float32Array.from(y.dataSync() as Float32Array);
    }),
  );
}

/** Converts an energy (mean square, 1 = full scale) to decibels, floored at `floor`. */
export function toDecibels(energy: number, floor = -80): number {
  return energy > 0 ? Math.max(floor, 10 * Math.log10(energy)) : floor;
}

export function fromDecibels(db: number): number {
  return 10 ** (db / 10);
}

/**
 * The silent stretches, in samples: output `j` under the threshold marks samples
 * `j · stride` to `j · stride + stride − 1` (the hop it stands for) as silent, and neighbouring
 * marks merge. Each stretch is `[start, end)`, clipped to the signal.
 */
export function silentStretches(
  response: Float32Array,
  threshold: number,
  stride: number,
  length: number,
): { start: number; end: number }[] {
  const stretches: { start: number; end: number }[] = [];
  for (let j = 0; j < response.length; j++) {
    if ((response[j] as number) >= threshold) continue;
    const start = j * stride;
    const end = Math.min(length, start + stride);
    const last = stretches[stretches.length - 1];
    if (last && last.end === start) last.end = end;
    else stretches.push({ start, end });
  }
  return stretches;
}
