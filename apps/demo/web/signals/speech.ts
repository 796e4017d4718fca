/**
 * A speech-like test signal, made from a seed: bursts of sound (voiced ones, a buzzing tone with
 * harmonics like a vowel; unvoiced ones, a hiss like "s" or "sh") separated by pauses that hold
 * only a faint noise floor, as a quiet room does. The generator says where it put each pause, so
 * that what a silence detector finds can be checked against the truth.
 */
import { checkOptions, fail, option } from '@stride/core';
import { seededRandom } from '../ui/seeded-random.js';

export type SegmentKind = 'silence' | 'voiced' | 'unvoiced';

/** Samples `start` (included) to `end` (excluded) of one kind. */
export interface Segment {
  kind: SegmentKind;
  start: number;
  end: number;
}

export interface SpeechSignal {
  samples: Float32Array;
  sampleRate: number;
  /** Consecutive, covering every sample once, in order. */
  segments: Segment[];
}

export interface SpeechOptions {
  /** Number of samples (default 16000: two seconds at 8 kHz). */
  length?: number;
  /** Samples per second (default 8000, telephone quality: plenty for a loudness detector). */
  sampleRate?: number;
}

/** Standard deviation of the noise floor in the pauses: about −50 dB of full scale. */
export const NOISE_FLOOR = 0.003;

/** Pauses last 120–400 ms, bursts 180–500 ms; every burst fades in and out over 12 ms. */
const PAUSE_MS: [number, number] = [120, 400];
const BURST_MS: [number, number] = [180, 500];
const FADE_MS = 12;

/**
 * Makes the signal for `seed`: a pause first, then bursts and pauses in turn until `length`
 * samples are filled, ending with a pause. The same seed always gives the same samples.
 *
 * @example
 * ```ts
 * const { samples, segments } = speechLike(7);
 * segments.filter((s) => s.kind === 'silence'); // where the pauses are, in samples
 * ```
 */
export function speechLike(seed: number, options?: SpeechOptions): SpeechSignal {
  const fn = 'speechLike';
  if (!Number.isSafeInteger(seed)) fail(fn, `seed must be an integer, got ${String(seed)}`);
  const opts = checkOptions(fn, options, {
    length: option.integer({ min: 1, max: 1 << 22 }),
    sampleRate: option.integer({ min: 1000, max: 192000 }),
  });
  const length = opts.length ?? 16000;
  const sampleRate = opts.sampleRate ?? 8000;
  const random = seededRandom(seed);
  const gauss = gaussian(random);
  const samples = new Float32Array(length);
  const segments: Segment[] = [];
  const ms = (range: [number, number]) =>
    Math.round(((range[0] + random() * (range[1] - range[0])) * sampleRate) / 1000);

  // The signal starts and ends with a pause: a burst never runs into the end, where it would be
  // cut off mid-word.
  const lastPause = Math.round((PAUSE_MS[0] * sampleRate) / 1000);
  const shortestBurst = Math.round((BURST_MS[0] * sampleRate) / 1000);
  let at = 0;
  let silent = true;
  while (at < length) {
    if (silent) {
      let end = Math.min(length, at + ms(PAUSE_MS));
      // No room left for a whole burst and the closing pause: this pause runs to the end.
      if (length - end < shortestBurst + lastPause) end = length;
      for (let t = at; t < end; t++) samples[t] = NOISE_FLOOR * gauss();
      segments.push({ kind: 'silence', start: at, end });
      at = end;
    } else {
      // At least `shortestBurst` fits here, as the pause before made sure.
      const end = Math.min(at + ms(BURST_MS), length - lastPause);
      const kind: SegmentKind = random() < 0.7 ? 'voiced' : 'unvoiced';
      burst(samples, at, end, kind, sampleRate, random, gauss);
      segments.push({ kind, start: at, end });
      at = end;
    }
    silent = !silent;
  }
  return { samples, sampleRate, segments };
}

/**
 * One burst, written into `out[start..end)`: a voiced one is a glottal-like buzz (a fundamental
 * of 90–240 Hz that drifts a little, with harmonics at 1/n) and an unvoiced one is white noise
 * with its low frequencies removed (a first difference), both under a syllable-like envelope that
 * swells and dips (never below half its peak) and fades at both ends. The noise floor runs on
 * under the burst, as it would in a room.
 */
function burst(
  out: Float32Array,
  start: number,
  end: number,
  kind: SegmentKind,
  sampleRate: number,
  random: () => number,
  gauss: () => number,
): void {
  const n = end - start;
  const peak = 0.35 + 0.55 * random();
  const fade = Math.max(1, Math.min(Math.round((FADE_MS * sampleRate) / 1000), n >> 1));
  const wobble = 2 + 4 * random();
  const wobblePhase = 2 * Math.PI * random();
  const f0 = 90 + 150 * random();
  const drift = (random() - 0.5) * 0.4;
  const harmonics = 3 + Math.floor(random() * 4);
  let phase = 2 * Math.PI * random();
  let previous = gauss();
  for (let i = 0; i < n; i++) {
    const s = i / sampleRate;
    const ramp = Math.min(1, i / fade, (n - 1 - i) / fade);
    const fadeGain = 0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, ramp));
    const swell = 0.75 + 0.25 * Math.sin(2 * Math.PI * wobble * s + wobblePhase);
    let v: number;
    if (kind === 'voiced') {
      phase += (2 * Math.PI * f0 * (1 + drift * (i / n))) / sampleRate;
      v = 0;
      for (let k = 1; k <= harmonics; k++) v += Math.sin(k * phase) / k;
      v *= 0.6;
    } else {
      const next = gauss();
      v = 0.35 * (next - previous);
      previous = next;
    }
    out[start + i] = peak * fadeGain * swell * v + NOISE_FLOOR * gauss();
  }
}

/** Standard normal numbers from a uniform generator (Box–Muller, one value per call). */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}
