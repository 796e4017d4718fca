/**
 * The signals panel's silence detector, checked by its values: the response against a direct
 * computation with plain loops (edges of 'same' padding and strides included), the silent
 * stretches it marks against where the generator put its pauses, the generator itself, and the
 * resampling of a microphone recording.
 */
import { cpu } from '@stride/backend-cpu';
import { conv1d, memory, registerBackend, StrideError, tensor, tidy } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  type DetectorSettings,
  detectorResponse,
  fromDecibels,
  samePadding,
  silentStretches,
  toDecibels,
  windowSpan,
  windowTaps,
} from '../web/signals/detector.js';
import { resample } from '../web/signals/microphone.js';
import { NOISE_FLOOR, speechLike } from '../web/signals/speech.js';
import { seededRandom } from '../web/ui/seeded-random.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

/** Average energy around each `stride`-th sample, written out: no tensors, no padding helper. */
function direct(x: Float32Array, s: DetectorSettings): number[] {
  const w: number[] = [];
  for (let a = 0; a < s.window; a++) {
    w.push(s.shape === 'box' ? 1 : Math.sin((Math.PI * (a + 1)) / (s.window + 1)) ** 2);
  }
  const sum = w.reduce((p, v) => p + v, 0);
  // 'same': the window of output t starts floor((k − 1) / 2) samples before sample t.
  const before = Math.floor((s.window - 1) / 2);
  const out: number[] = [];
  for (let t = 0; t < x.length; t += s.stride) {
    let e = 0;
    for (let a = 0; a < s.window; a++) {
      const i = t - before + a;
      const v = i >= 0 && i < x.length ? (x[i] as number) : 0;
      e += ((w[a] as number) / sum) * v * v;
    }
    out.push(e);
  }
  return out;
}

function noise(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}

describe('the detector’s response', () => {
  it('is the average of x² over the window, by hand on four samples (both edges padded)', () => {
    const x = Float32Array.of(1, 2, 3, 4);
    const box3 = detectorResponse(x, { window: 3, shape: 'box', stride: 1 });
    // Odd window: one zero before, one after.
    const odd = [(0 + 1 + 4) / 3, (1 + 4 + 9) / 3, (4 + 9 + 16) / 3, (9 + 16 + 0) / 3];
    for (let t = 0; t < 4; t++) expect(box3[t]).toBeCloseTo(odd[t] as number, 5);
    // Even window: one zero before, two after (PyTorch's 'same').
    expect(samePadding(4)).toEqual([1, 2]);
    const box4 = detectorResponse(x, { window: 4, shape: 'box', stride: 1 });
    const expected = [0 + 1 + 4 + 9, 1 + 4 + 9 + 16, 4 + 9 + 16 + 0, 9 + 16 + 0 + 0].map(
      (v) => v / 4,
    );
    for (let t = 0; t < 4; t++) expect(box4[t]).toBeCloseTo(expected[t] as number, 5);
    // Stride 2 keeps outputs 0 and 2.
    const hop = detectorResponse(x, { window: 4, shape: 'box', stride: 2 });
    expect(hop).toHaveLength(2);
    expect(hop[0]).toBeCloseTo(expected[0] as number, 6);
    expect(hop[1]).toBeCloseTo(expected[2] as number, 6);
  });

  it('equals plain loops for every window, shape and stride, edges included', () => {
    const x = noise(61, 5);
    let checked = 0;
    for (const shape of ['box', 'hann'] as const) {
      for (const window of [2, 3, 4, 7, 16, 60, 64]) {
        for (const stride of [1, 2, 3, 8]) {
          const s = { window, shape, stride };
          const got = detectorResponse(x, s);
          const want = direct(x, s);
          expect(got, JSON.stringify(s)).toHaveLength(Math.ceil(x.length / stride));
          for (let j = 0; j < want.length; j++) {
            expect(got[j], `${JSON.stringify(s)} output ${j}`).toBeCloseTo(want[j] as number, 6);
          }
          checked += want.length;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('at stride 1 is conv1d(x², w, { padding: "same" }), and stride keeps every stride-th value', () => {
    const x = noise(200, 9);
    for (const window of [5, 8, 33]) {
      const taps = windowTaps(window, 'hann');
      const same = tidy(() =>
        Array.from(
          conv1d(
            tensor(x, { shape: [1, 1, x.length] }).square(),
            tensor(taps, { shape: [1, 1, window] }),
            { padding: 'same' },
          ).dataSync() as Float32Array,
        ),
      );
      const one = detectorResponse(x, { window, shape: 'hann', stride: 1 });
      const five = detectorResponse(x, { window, shape: 'hann', stride: 5 });
      for (let t = 0; t < x.length; t++) expect(one[t]).toBeCloseTo(same[t] as number, 6);
      for (let j = 0; j < five.length; j++) expect(five[j]).toBeCloseTo(same[j * 5] as number, 6);
    }
  });

  it('has taps that add up to 1: a box of 1/k, a symmetric Hann window peaking in the middle', () => {
    expect(Array.from(windowTaps(4, 'box'))).toEqual([0.25, 0.25, 0.25, 0.25]);
    const hann = windowTaps(9, 'hann');
    expect(hann.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    for (let a = 0; a < 9; a++) expect(hann[a]).toBeCloseTo(hann[8 - a] as number, 7);
    expect(Math.max(...hann)).toBe(hann[4]);
    expect(hann[0]).toBeGreaterThan(0);
  });

  it('says which samples each window covers', () => {
    expect(windowSpan(0, { window: 5, shape: 'box', stride: 1 })).toEqual([-2, 2]);
    expect(windowSpan(3, { window: 4, shape: 'box', stride: 8 })).toEqual([23, 26]);
  });

  it('leaks no tensors', () => {
    const x = noise(500, 1);
    detectorResponse(x, { window: 16, shape: 'box', stride: 1 });
    const before = memory().numTensors;
    for (let i = 0; i < 5; i++) detectorResponse(x, { window: 16 + i, shape: 'hann', stride: 2 });
    expect(memory().numTensors).toBe(before);
  });

  it('refuses bad settings, naming them', () => {
    const x = noise(10, 1);
    const call = (s: unknown) => () => detectorResponse(x, s as DetectorSettings);
    expect(call({ window: 4, shape: 'box', stride: 1, hop: 2 })).toThrow(
      /detectorResponse: unknown option 'hop'/,
    );
    expect(call({ window: 0, shape: 'box', stride: 1 })).toThrow(StrideError);
    expect(call({ window: 0, shape: 'box', stride: 1 })).toThrow(/window/);
    expect(call({ window: 4, shape: 'triangle', stride: 1 })).toThrow(/shape/);
    expect(call({ window: 4, shape: 'box' })).toThrow(/settings.stride is required/);
    expect(() =>
      detectorResponse(new Float32Array(0), { window: 4, shape: 'box', stride: 1 }),
    ).toThrow(/detectorResponse: samples must be a non-empty Float32Array/);
  });
});

describe('the silent stretches it marks', () => {
  it('are where the generator put its pauses, to within the window length', () => {
    const threshold = fromDecibels(-35);
    let pauses = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const { samples, segments } = speechLike(seed);
      const silences = segments.filter((s) => s.kind === 'silence');
      for (const window of [80, 160, 400]) {
        for (const stride of [1, 8]) {
          for (const shape of ['box', 'hann'] as const) {
            const where = `seed ${seed}, ${shape} window ${window}, stride ${stride}`;
            const response = detectorResponse(samples, { window, shape, stride });
            const marked = silentStretches(response, threshold, stride, samples.length);
            // Nothing is marked where somebody speaks: every stretch overlaps a pause...
            for (const m of marked) {
              const pause = silences.find((s) => s.start < m.end && m.start < s.end);
              expect(pause, `${where}: stretch ${m.start}–${m.end}`).toBeDefined();
            }
            // ...and every pause of at least two windows is found once, its ends within a
            // window length (exactly at the signal's own ends).
            for (const s of silences.filter((p) => p.end - p.start >= 2 * window)) {
              const found = marked.filter((m) => s.start < m.end && m.start < s.end);
              expect(found, `${where}: pause ${s.start}–${s.end}`).toHaveLength(1);
              const m = found[0] as { start: number; end: number };
              if (s.start === 0) expect(m.start).toBe(0);
              else expect(Math.abs(m.start - s.start), where).toBeLessThanOrEqual(window);
              if (s.end === samples.length) expect(m.end).toBe(samples.length);
              else expect(Math.abs(m.end - s.end), where).toBeLessThanOrEqual(window);
              pauses++;
            }
          }
        }
      }
    }
    expect(pauses).toBeGreaterThan(150);
  });

  it('merge neighbouring marks into stretches of samples', () => {
    const r = Float32Array.of(1, 0, 0, 1, 0, 1, 1, 0);
    expect(silentStretches(r, 0.5, 1, 8)).toEqual([
      { start: 1, end: 3 },
      { start: 4, end: 5 },
      { start: 7, end: 8 },
    ]);
    // Stride 4 on 10 samples: output 2 stands for samples 8 and 9 only.
    expect(silentStretches(Float32Array.of(0, 1, 0), 0.5, 4, 10)).toEqual([
      { start: 0, end: 4 },
      { start: 8, end: 10 },
    ]);
  });

  it('converts energies to decibels and back', () => {
    expect(toDecibels(0.001)).toBeCloseTo(-30, 9);
    expect(toDecibels(0)).toBe(-80);
    expect(toDecibels(1e-12, -60)).toBe(-60);
    expect(fromDecibels(-35)).toBeCloseTo(3.1623e-4, 7);
  });
});

describe('the speech-like signal', () => {
  it('is the same for a seed, different for another, and its segments cover it in order', () => {
    const a = speechLike(3);
    expect(speechLike(3).samples).toEqual(a.samples);
    expect(speechLike(4).samples).not.toEqual(a.samples);
    expect(a.samples).toHaveLength(16000);
    expect(a.sampleRate).toBe(8000);
    let at = 0;
    for (const s of a.segments) {
      expect(s.start).toBe(at);
      expect(s.end).toBeGreaterThan(s.start);
      at = s.end;
    }
    expect(at).toBe(16000);
    expect(a.segments[0]?.kind).toBe('silence');
    expect(a.segments.at(-1)?.kind).toBe('silence');
    const kinds = new Set(
      [1, 2, 3, 4, 5, 6].flatMap((seed) => speechLike(seed).segments.map((s) => s.kind)),
    );
    expect([...kinds].sort()).toEqual(['silence', 'unvoiced', 'voiced']);
  });

  it('holds only the noise floor in its pauses, and is loud in its bursts', () => {
    const { samples, segments } = speechLike(2, { length: 24000 });
    expect(samples).toHaveLength(24000);
    for (const s of segments) {
      const part = samples.subarray(s.start, s.end);
      const rms = Math.sqrt(part.reduce((p, v) => p + v * v, 0) / part.length);
      if (s.kind === 'silence') {
        expect(Math.max(...part.map(Math.abs))).toBeLessThan(6 * NOISE_FLOOR);
      } else {
        expect(rms).toBeGreaterThan(30 * NOISE_FLOOR);
      }
    }
  });

  it('refuses bad options', () => {
    expect(() => speechLike(1, { lenght: 5 } as never)).toThrow(
      /unknown option 'lenght'.*'length'/,
    );
    expect(() => speechLike(1.5)).toThrow(/speechLike: seed must be an integer/);
  });
});

describe('resampling a recording', () => {
  it('keeps a 440 Hz tone a 440 Hz tone from 48 kHz to 8 kHz', () => {
    const from = 48000;
    const input = Float32Array.from({ length: 4800 }, (_, i) =>
      Math.sin((2 * Math.PI * 440 * i) / from),
    );
    const out = resample(input, from, 8000);
    expect(out).toHaveLength(800);
    // The average over 6 input samples (samples i − 3 to i + 2, centred half a sample early)
    // shrinks the tone by sin(πf·6) / (πf·6) ≈ 0.997, with f = 440 / 48000 cycles per sample.
    const gain = Math.sin((Math.PI * 440 * 6) / from) / ((Math.PI * 440 * 6) / from);
    for (let j = 10; j < 790; j++) {
      const t = j * 6 - 0.5;
      expect(out[j], `output ${j}`).toBeCloseTo(gain * Math.sin((2 * Math.PI * 440 * t) / from), 2);
    }
    expect(() => resample(input, 0, 8000)).toThrow(/resample: rates must be positive/);
  });
});
