/**
 * Four kinds of short signal for a 1-d classifier to tell apart, made from a seed: a sine, a
 * square wave, white noise and a chirp (a tone whose pitch sweeps up or down). Pitch, phase and
 * loudness are random, and a little noise is added to every signal, so that no single sample
 * value gives the class away: the network has to look at shapes over time.
 */
import { checkOptions, fail, option } from '@stride/core';
import { seededRandom } from '../ui/seeded-random.js';
import { gaussian } from './speech.js';

export const WAVE_CLASSES = ['sine', 'square', 'noise', 'chirp'] as const;
export type WaveClass = (typeof WAVE_CLASSES)[number];

/** Samples per signal: 128 survives the three ×4 poolings of the classifier (to 2). */
export const WAVE_LENGTH = 128;

/** Frequencies in cycles per sample: periods of 6 to 40 samples. */
const F_MIN = 0.025;
const F_MAX = 0.16;

export interface WaveSet {
  /** `count × length` samples, one signal after another (the layout of `[N, 1, L]`). */
  x: Float32Array;
  /** The class of each signal, an index into `WAVE_CLASSES`. */
  y: Int32Array;
  count: number;
  length: number;
}

/** One signal of class `kind`, drawn with `random`. */
export function waveExample(
  kind: WaveClass,
  random: () => number,
  length = WAVE_LENGTH,
): Float32Array {
  const gauss = gaussian(random);
  const out = new Float32Array(length);
  const amplitude = 0.5 + 0.5 * random();
  const phase = 2 * Math.PI * random();
  const f = F_MIN + (F_MAX - F_MIN) * random();
  // A chirp sweeps at least half the band, up or down, so it cannot pass for a steady tone.
  const span = (0.5 + 0.5 * random()) * (F_MAX - F_MIN);
  const low = F_MIN + (F_MAX - F_MIN - span) * random();
  const [fa, fb] = random() < 0.5 ? [low, low + span] : [low + span, low];
  for (let t = 0; t < length; t++) {
    let v: number;
    switch (kind) {
      case 'sine':
        v = Math.sin(2 * Math.PI * f * t + phase);
        break;
      case 'square':
        v = Math.sin(2 * Math.PI * f * t + phase) >= 0 ? 1 : -1;
        break;
      case 'noise':
        v = 0.6 * gauss();
        break;
      case 'chirp': {
        // The phase is the running sum of the frequency, which moves linearly from fa to fb.
        v = Math.sin(2 * Math.PI * (fa * t + ((fb - fa) * t * t) / (2 * (length - 1))) + phase);
        break;
      }
    }
    out[t] = amplitude * v + 0.05 * gauss();
  }
  return out;
}

/**
 * `count` signals for `seed`, the classes in turn (so any prefix is balanced) and everything else
 * random. Different seeds give independent sets: a training stream and a held-out set.
 *
 * @example
 * ```ts
 * const test = waveSet(200, 99);  // 50 of each class
 * test.x.length;                   // 200 × 128
 * ```
 */
export function waveSet(count: number, seed: number, options?: { length?: number }): WaveSet {
  const fn = 'waveSet';
  if (!Number.isSafeInteger(count) || count < 1) {
    fail(fn, `count must be an integer ≥ 1, got ${String(count)}`);
  }
  if (!Number.isSafeInteger(seed)) fail(fn, `seed must be an integer, got ${String(seed)}`);
  const length =
    checkOptions(fn, options, { length: option.integer({ min: 8 }) }).length ?? WAVE_LENGTH;
  const random = seededRandom(seed);
  const x = new Float32Array(count * length);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % WAVE_CLASSES.length;
    y[i] = c;
    x.set(waveExample(WAVE_CLASSES[c] as WaveClass, random, length), i * length);
  }
  return { x, y, count, length };
}
