/**
 * Training a network from the builder on MNIST: a fixed number of Adam steps on shuffled batches
 * with cross-entropy, as the training panel's session does for LeNet-5, but for any `Sequential`
 * the builder makes, and with an end. The loop yields to the page between steps (reading results
 * back only then, since a GPU read stalls the queue), so the page stays live and Stop works.
 */
import { crossEntropy, manualSeed, noGrad, setBackend, type Tensor, tidy } from '@stride/core';
import { type ArrayDataset, DataLoader } from '@stride/datasets';
import type { Sequential } from '@stride/layers';
import { Adam } from '@stride/optimizers';
import { buildNetwork } from './analysis.js';
import type { NetworkSpec } from './spec.js';

export interface BuilderTrainSettings {
  /** Backend to train on ('cpu' or 'webgpu'). */
  device: string;
  /** Steps to run, unless stopped first. */
  steps: number;
  batchSize: number;
  /** Adam's learning rate. */
  lr: number;
  seed: number;
}

/** The page's defaults: a few hundred steps take well under a minute on the CPU backend. */
export const DEFAULT_TRAINING: Omit<BuilderTrainSettings, 'device'> = {
  steps: 300,
  batchSize: 64,
  lr: 0.002,
  seed: 0,
};

export interface BuilderStep {
  step: number;
  /** This step's batch loss. */
  loss: number;
  /** Correct predictions in this step's batch, as a fraction. */
  accuracy: number;
}

/** One training run of `spec`'s network, with fresh weights from `settings.seed`. */
export class NetworkTraining {
  readonly model: Sequential;
  private readonly optimizer: Adam;
  private stopped = false;
  private running: Promise<number> | null = null;

  constructor(
    readonly spec: NetworkSpec,
    readonly settings: BuilderTrainSettings,
    private readonly data: ArrayDataset,
    /** Yields to the page between steps; the page passes a frame wait, Node tests nothing. */
    private readonly pause: () => Promise<void> = () => Promise.resolve(),
  ) {
    manualSeed(settings.seed);
    this.model = buildNetwork(spec, settings.device);
    this.optimizer = new Adam(this.model.parameters(), { lr: settings.lr });
  }

  /** Runs the steps (or until `stop()`), calling `report` after each in order; resolves to the steps run. */
  run(report: (r: BuilderStep) => void): Promise<number> {
    this.running ??= this.loop(report);
    return this.running;
  }

  /** Asks the loop to finish its current step; resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(report: (r: BuilderStep) => void): Promise<number> {
    const { device, batchSize, seed, steps } = this.settings;
    await setBackend(device);
    const loader = new DataLoader(this.data, {
      batchSize,
      shuffle: true,
      seed,
      device,
      dropLast: true,
    });
    // The CPU backend computes synchronously: read back (and yield) after every step. On WebGPU a
    // step only queues work; reading every 4 steps keeps the GPU fed.
    const readEvery = device === 'cpu' ? 1 : 4;
    let step = 0;
    let pending: { loss: Tensor; hits: Tensor; step: number }[] = [];
    const flush = async () => {
      for (const p of pending) {
        const loss = await p.loss.item();
        const hits = await p.hits.item();
        p.loss.dispose();
        p.hits.dispose();
        report({ step: p.step, loss, accuracy: hits / batchSize });
      }
      pending = [];
      await this.pause();
    };
    this.model.train();
    try {
      while (step < steps && !this.stopped) {
        for (const batch of loader) {
          const result = tidy(() => {
            const logits = this.model.forward(batch.x);
            const loss = crossEntropy(logits, batch.y);
            this.optimizer.zeroGrad();
            loss.backward();
            this.optimizer.step();
            return { loss: loss.detach(), hits: noGrad(() => logits.argmax(1).eq(batch.y).sum()) };
          });
          batch.x.dispose();
          batch.y.dispose();
          step++;
          pending.push({ ...result, step });
          if (pending.length >= readEvery) await flush();
          if (this.stopped || step >= steps) break;
        }
      }
      await flush();
    } finally {
      for (const p of pending) {
        p.loss.dispose();
        p.hits.dispose();
      }
      this.model.eval();
    }
    return step;
  }

  /** Accuracy on the first `n` images of `test`, in batches, yielding between them. */
  async evaluate(test: ArrayDataset, n: number): Promise<number> {
    this.model.eval();
    const subset = test.slice(0, n);
    let correct = 0;
    for (const batch of new DataLoader(subset, { batchSize: 250, device: this.settings.device })) {
      const hits = tidy(() =>
        noGrad(() => this.model.forward(batch.x).argmax(1).eq(batch.y).sum()),
      );
      correct += await hits.item();
      for (const t of [hits, batch.x, batch.y]) t.dispose();
      await this.pause();
    }
    return correct / subset.length;
  }

  /** A copy of the model on the CPU backend, in eval mode (for downloads; the GPU's copy can go). */
  async cpuCopy(): Promise<Sequential> {
    const weights = this.model.stateDict();
    const moved: Record<string, Tensor> = {};
    try {
      for (const [name, t] of Object.entries(weights)) moved[name] = await t.to('cpu');
      const copy = buildNetwork(this.spec, 'cpu');
      copy.loadStateDict(moved);
      copy.eval();
      return copy;
    } finally {
      for (const t of [...Object.values(weights), ...Object.values(moved)]) t.dispose();
    }
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
