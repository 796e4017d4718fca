/**
 * The signals panel's learned classifier: SignalNet trained on sines, square waves, noise and
 * chirps from a fixed seed reaches a stated accuracy on a held-out set in few steps, the same
 * every run; memory stays flat over the training loop; the first layer's responses it shows are
 * the convolution of the signal with its filters, computed here with plain loops.
 */
import { cpu } from '@stride/backend-cpu';
import { memory, registerBackend, StrideError } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  batchSeed,
  DEFAULT_CLASSIFIER,
  HELD_OUT_SEED,
  NET_OPTIONS,
  SignalClassifier,
} from '../web/signals/classifier.js';
import { curveScale, formatAccuracy, formatLoss } from '../web/signals/readout.js';
import { WAVE_CLASSES, WAVE_LENGTH, waveExample, waveSet } from '../web/signals/waves.js';
import { seededRandom } from '../web/ui/seeded-random.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

const STEPS = 60;

describe('the readouts', () => {
  it('keep the digits of a small loss instead of writing 0.000', () => {
    expect(formatLoss(1.386294)).toBe('1.386');
    expect(formatLoss(0.0123)).toBe('0.012');
    expect(formatLoss(0.000123)).toBe('1.2 × 10⁻⁴');
    expect(formatLoss(0.0099)).toBe('9.9 × 10⁻³');
    expect(formatLoss(4.2e-12)).toBe('4.2 × 10⁻¹²');
    expect(formatLoss(0)).toBe('0.000');
    expect(formatLoss(Number.NaN)).toBe('–');
  });

  it('write both accuracies with one decimal, and the curve’s scale in words', () => {
    expect(formatAccuracy(1)).toBe('100.0%');
    expect(formatAccuracy(0.96875)).toBe('96.9%');
    expect(formatAccuracy(0)).toBe('0.0%');
    expect(curveScale(200, 1.5)).toBe(
      'Steps 0 to 200 across. Bottom to top: loss 0 to 1.50 (blue), accuracy 0% to 100% (green).',
    );
  });
});

describe('the synthetic signals', () => {
  it('are seeded, balanced, and of the stated kinds', () => {
    const a = waveSet(40, 7);
    expect(a.x).toHaveLength(40 * WAVE_LENGTH);
    expect(waveSet(40, 7).x).toEqual(a.x);
    expect(waveSet(40, 8).x).not.toEqual(a.x);
    expect(Array.from(a.y.slice(0, 8))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(WAVE_CLASSES).toEqual(['sine', 'square', 'noise', 'chirp']);
    // A square wave sits at ±amplitude (plus a little noise); a sine spends little time there.
    const r = seededRandom(3);
    const square = waveExample('square', r);
    const peak = Math.max(...square.map(Math.abs));
    const nearPeak = square.filter((v) => Math.abs(v) > 0.7 * peak).length;
    expect(nearPeak).toBeGreaterThan(0.8 * WAVE_LENGTH);
    const sine = waveExample('sine', r);
    const sinePeak = Math.max(...sine.map(Math.abs));
    expect(sine.filter((v) => Math.abs(v) > 0.7 * sinePeak).length).toBeLessThan(0.6 * WAVE_LENGTH);
  });

  it('give every training step its own batch', () => {
    expect(batchSeed(1, 0)).not.toBe(batchSeed(1, 1));
    expect(batchSeed(1, 5)).not.toBe(batchSeed(2, 5));
    expect(batchSeed(1, 5)).not.toBe(HELD_OUT_SEED);
  });

  it('refuses bad input', () => {
    expect(() => waveSet(0, 1)).toThrow(/waveSet: count must be an integer ≥ 1/);
    expect(() => waveSet(4, 1, { lenght: 3 } as never)).toThrow(StrideError);
  });
});

describe('SignalNet trained on them', () => {
  it(`reaches ≥ 95% on 400 held-out signals in ${STEPS} steps of seed 1, from chance`, async () => {
    const test = waveSet(400, HELD_OUT_SEED);
    const run = new SignalClassifier({ ...DEFAULT_CLASSIFIER, seed: 1 });
    const untrained = await run.evaluate(test);
    expect(untrained.accuracy).toBeLessThan(0.5);
    const losses: number[] = [];
    for (let i = 0; i < STEPS; i++) losses.push((await run.step()).loss);
    expect(run.stepCount).toBe(STEPS);
    const trained = await run.evaluate(test);
    expect(trained.accuracy).toBeGreaterThanOrEqual(0.95);
    // Every class is learned, not just most of them.
    for (let c = 0; c < WAVE_CLASSES.length; c++) {
      let right = 0;
      for (let i = c; i < test.count; i += 4) if (trained.predictions[i] === c) right++;
      expect(right / (test.count / 4), WAVE_CLASSES[c]).toBeGreaterThanOrEqual(0.85);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.3 * mean(losses.slice(0, 5)));
    run.dispose();

    // The same seed gives the same run.
    const again = new SignalClassifier({ ...DEFAULT_CLASSIFIER, seed: 1 });
    for (let i = 0; i < STEPS; i++) await again.step();
    expect((await again.evaluate(test)).accuracy).toBe(trained.accuracy);
    again.dispose();
  });

  it('keeps memory flat over the training loop, and frees everything when disposed', async () => {
    const start = memory().numTensors;
    const run = new SignalClassifier({ ...DEFAULT_CLASSIFIER, seed: 2 });
    const example = waveExample('chirp', seededRandom(1));
    // Adam makes its state on the first step; after that nothing may grow.
    await run.step();
    const after1 = memory();
    for (let i = 0; i < 10; i++) {
      await run.step();
      if (i % 3 === 0) await run.probe(example);
    }
    await run.evaluate(waveSet(40, 5));
    const after = memory();
    expect(after.numTensors).toBe(after1.numTensors);
    expect(after.numBytes).toBe(after1.numBytes);
    run.dispose();
    expect(memory().numTensors).toBe(start);
  });

  it('shows first-layer responses that are the filters slid over the signal (plain loops)', async () => {
    const run = new SignalClassifier({ ...DEFAULT_CLASSIFIER, seed: 3 });
    for (let i = 0; i < 5; i++) await run.step();
    const { weights, channels, taps } = await run.firstLayer();
    expect([channels, taps]).toEqual([NET_OPTIONS.channels[0], NET_OPTIONS.kernelSize]);
    const signal = waveExample('square', seededRandom(11));
    const { responses, probabilities } = await run.probe(signal);
    expect(responses).toHaveLength(channels * WAVE_LENGTH);
    const half = (taps - 1) / 2;
    for (let c = 0; c < channels; c++) {
      for (let t = 0; t < WAVE_LENGTH; t++) {
        let sum = 0;
        for (let a = 0; a < taps; a++) {
          const i = t + a - half;
          if (i >= 0 && i < WAVE_LENGTH)
            sum += (weights[c * taps + a] as number) * (signal[i] as number);
        }
        expect(responses[c * WAVE_LENGTH + t], `filter ${c}, t ${t}`).toBeCloseTo(sum, 5);
      }
    }
    expect(probabilities).toHaveLength(4);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await expect(run.probe(new Float32Array(5))).rejects.toThrow(/probe: signal must be/);
    run.dispose();
  });

  it('refuses unknown settings', () => {
    expect(() => new SignalClassifier({ ...DEFAULT_CLASSIFIER, rate: 1 } as never)).toThrow(
      /SignalClassifier: unknown option 'rate'/,
    );
    expect(() => new SignalClassifier({ ...DEFAULT_CLASSIFIER, lr: 0 })).toThrow(/lr/);
  });
});
