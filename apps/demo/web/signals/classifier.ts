/**
 * A learned 1-d classifier: `SignalNet` from @stride/layers (Conv1d → BatchNorm1d → ReLU →
 * MaxPool1d blocks, global average pooling, Linear) trained from scratch on the four kinds of
 * signal of `waves.ts`, each step on a fresh seeded batch, so it never sees a signal twice and
 * the held-out set measures what it learned rather than what it remembered.
 */
import {
  checkOptions,
  crossEntropy,
  fail,
  manualSeed,
  noGrad,
  option,
  setBackend,
  softmax,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import { type Conv1d, SignalNet } from '@stride/layers';
import { Adam } from '@stride/optimizers';
import { WAVE_CLASSES, WAVE_LENGTH, type WaveSet, waveSet } from './waves.js';

export interface ClassifierSettings {
  /** Seeds the initial weights and the stream of training batches. */
  seed: number;
  /** The backend to train on ('cpu' by default: the network is small). */
  device: string;
  /** Adam's learning rate. */
  lr: number;
  /** Signals per step. */
  batchSize: number;
}

export const DEFAULT_CLASSIFIER: ClassifierSettings = {
  seed: 1,
  device: 'cpu',
  lr: 0.01,
  batchSize: 32,
};

/** Three blocks of 8, 16 and 32 filters of 15 taps: 128 samples pool down to 32, 8, then 2. */
export const NET_OPTIONS = {
  numClasses: WAVE_CLASSES.length,
  channels: [8, 16, 32],
  kernelSize: 15,
  poolSize: 4,
} as const;

/** The seed of the held-out set, far from any training batch's. */
export const HELD_OUT_SEED = 424_242;

export interface StepResult {
  step: number;
  /** Cross-entropy of this step's batch, before the update. */
  loss: number;
  /** Fraction of this step's batch classified right, before the update. */
  accuracy: number;
}

export interface Probe {
  /** The first layer's responses, `channels × length`, before batch norm and ReLU. */
  responses: Float32Array;
  /** Softmax of the logits, one per class. */
  probabilities: Float32Array;
}

/** The seed of training batch `step` for a run seeded `seed`: a fresh batch every step. */
export function batchSeed(seed: number, step: number): number {
  return (Math.imul(seed, 1_000_003) + step) >>> 0;
}

/**
 * One training run: `step()` trains on one fresh batch; `evaluate()` measures accuracy on a
 * set; `firstLayer()` and `probe()` show what the first convolution learned. Everything a step
 * makes is freed before it returns; only the weights and Adam's state stay.
 *
 * @example
 * ```ts
 * const run = new SignalClassifier({ ...DEFAULT_CLASSIFIER, seed: 3 });
 * for (let i = 0; i < 100; i++) await run.step();
 * (await run.evaluate(waveSet(200, HELD_OUT_SEED))).accuracy; // about 0.95
 * run.dispose();
 * ```
 */
export class SignalClassifier {
  readonly settings: ClassifierSettings;
  readonly model: SignalNet;
  private readonly optimizer: Adam;
  private steps = 0;

  constructor(settings: ClassifierSettings) {
    const fn = 'SignalClassifier';
    const s = checkOptions(
      fn,
      settings,
      {
        seed: option.integer(),
        device: option.string,
        lr: option.number({ above: 0 }),
        batchSize: option.integer({ min: 2, max: 1024 }),
      },
      'settings',
    );
    this.settings = { ...DEFAULT_CLASSIFIER, ...s };
    manualSeed(this.settings.seed);
    this.model = new SignalNet({ ...NET_OPTIONS, device: this.settings.device });
    this.optimizer = new Adam(this.model.parameters(), { lr: this.settings.lr });
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The first convolution: `Conv1d(1, 8, 15)`. */
  get firstConv(): Conv1d {
    return this.model.features.at(0) as Conv1d;
  }

  /** Trains on one fresh batch. */
  async step(): Promise<StepResult> {
    const { batchSize, seed, device } = this.settings;
    await setBackend(device);
    const batch = waveSet(batchSize, batchSeed(seed, this.steps));
    this.model.train();
    const { loss, hits } = tidy(() => {
      const x = tensor(batch.x, { shape: [batchSize, 1, batch.length], device });
      const y = tensor(batch.y, { shape: [batchSize], dtype: 'int32', device });
      const logits = this.model.forward(x);
      const loss = crossEntropy(logits, y);
      this.optimizer.zeroGrad();
      loss.backward();
      this.optimizer.step();
      return { loss: loss.detach(), hits: noGrad(() => logits.argmax(1).eq(y).sum()) };
    });
    this.steps++;
    const result = {
      step: this.steps,
      loss: await readAndDispose(loss),
      accuracy: (await readAndDispose(hits)) / batchSize,
    };
    this.model.eval();
    return result;
  }

  /** Accuracy on `set` (in eval mode: batch norm uses its running statistics). */
  async evaluate(set: WaveSet): Promise<{ accuracy: number; predictions: Int32Array }> {
    const { device } = this.settings;
    this.model.eval();
    const predicted = tidy(() =>
      noGrad(() =>
        this.model
          .forward(tensor(set.x, { shape: [set.count, 1, set.length], device }))
          .argmax(1)
          .cast('int32'),
      ),
    );
    const predictions = Int32Array.from((await predicted.data()) as Int32Array);
    predicted.dispose();
    let correct = 0;
    for (let i = 0; i < set.count; i++) if (predictions[i] === set.y[i]) correct++;
    return { accuracy: correct / set.count, predictions };
  }

  /** The first layer's filters, `channels × taps`, and their shape. */
  async firstLayer(): Promise<{ weights: Float32Array; channels: number; taps: number }> {
    const w = this.firstConv.weight;
    const [channels, , taps] = w.shape as [number, number, number];
    return { weights: Float32Array.from((await w.data()) as Float32Array), channels, taps };
  }

  /**
   * What the network makes of one signal: the first convolution's response per filter (padded
   * to keep the length, as in the network) and the class probabilities.
   */
  async probe(signal: Float32Array): Promise<Probe> {
    if (!(signal instanceof Float32Array) || signal.length !== WAVE_LENGTH) {
      fail('probe', `signal must be a Float32Array of ${WAVE_LENGTH} samples`);
    }
    const { device } = this.settings;
    this.model.eval();
    const [responses, probabilities] = tidy(() =>
      noGrad(() => {
        const x = tensor(signal, { shape: [1, 1, WAVE_LENGTH], device });
        return [this.firstConv.forward(x), softmax(this.model.forward(x), 1)];
      }),
    );
    const out = {
      responses: Float32Array.from((await responses.data()) as Float32Array),
      probabilities: Float32Array.from((await probabilities.data()) as Float32Array),
    };
    responses.dispose();
    probabilities.dispose();
    return out;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

async function readAndDispose(t: Tensor): Promise<number> {
  const v = await t.item();
  t.dispose();
  return v;
}
