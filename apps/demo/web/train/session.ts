import {
  crossEntropy,
  manualSeed,
  noGrad,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import { type ArrayDataset, DataLoader, randomShift, type Transform } from '@stride/datasets';
import { LeNet5, type Module } from '@stride/layers';
import { Adam, AdamW, type Optimizer, RMSprop, SGD } from '@stride/optimizers';
import {
  type InsideSnapshot,
  type RecordedStep,
  readSnapshot,
  recordedStep,
} from '../inside/training-snapshot.js';
import { copyToCpu } from '../model.js';
import { nextFrame } from '../ui/dom.js';

export type OptimizerName = 'adam' | 'adamw' | 'sgd' | 'rmsprop';

/** A learning rate that trains LeNet-5 well with each optimizer (the page's defaults). */
export const DEFAULT_LR: Record<OptimizerName, number> = {
  adam: 0.002,
  adamw: 0.002,
  sgd: 0.05,
  rmsprop: 0.001,
};

export interface TrainSettings {
  device: string;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  seed: number;
  /** Steps to run unless stopped first; without it the run lasts until `stop()`. */
  steps?: number;
}

/** What a session trains: a fresh model on a device, and how its training images are varied. */
export interface SessionModel<M extends Module> {
  /** Builds the model on `device` (after the seed is set: same seed, same start). */
  build: (device: string) => M;
  /** Applied to every training batch. */
  transforms?: Transform[];
}

/** LeNet-5 as the training panel and the CLI train it: one-pixel random shifts of the digits. */
export const LENET5: SessionModel<LeNet5> = {
  build: (device) => new LeNet5({ device }),
  transforms: [randomShift(1)],
};

export interface StepReport {
  step: number;
  epoch: number;
  /** Loss and accuracy of this step's batch. */
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
}

/**
 * Who watches the inside of the network while it trains (the look-inside panel): every
 * `every()` steps, and on the first, the step records what the live view shows (see
 * `recordedStep`), and the loop reads it back and hands it over before the next step.
 */
export interface InsideWatch {
  /** Steps between two snapshots; asked at every step, so that it can change during a run. */
  every: () => number;
  /** The probe digit, 28×28 row-major, shown at every layer. */
  probe: Float32Array;
  onSnapshot: (s: InsideSnapshot) => void;
}

function makeOptimizer(s: TrainSettings, model: Module): Optimizer {
  const params = model.parameters();
  switch (s.optimizer) {
    case 'adam':
      return new Adam(params, { lr: s.lr });
    case 'adamw':
      return new AdamW(params, { lr: s.lr, weightDecay: 1e-2 });
    case 'sgd':
      return new SGD(params, { lr: s.lr, momentum: 0.9, nesterov: true });
    case 'rmsprop':
      return new RMSprop(params, { lr: s.lr });
  }
}

/**
 * One training run of a model on MNIST (LeNet-5 in the training panel, the builder's network in
 * its panel), as the CLI does it (shuffled batches, cross-entropy) but with a constant learning
 * rate, until `settings.steps` or `stop()`. The browser must stay responsive, so the loop yields
 * (`pause`, a frame by default) after every few steps, and reads results back from the device
 * only then (a GPU read stalls the queue).
 */
export class TrainingSession<M extends Module = LeNet5> {
  readonly model: M;
  private readonly optimizer: Optimizer;
  private stopped = false;
  private running: Promise<number> | null = null;

  constructor(
    readonly settings: TrainSettings,
    private readonly data: ArrayDataset,
    private readonly what: SessionModel<M>,
    /** Yields to the page between steps; Node tests may pass one that does not wait. */
    private readonly pause: () => Promise<void> = nextFrame,
  ) {
    manualSeed(settings.seed);
    this.model = what.build(settings.device);
    this.optimizer = makeOptimizer(settings, this.model);
  }

  /**
   * Trains until `settings.steps` or `stop()`, calling `report` for every step in order, and (for
   * LeNet-5) `watch.onSnapshot` every few steps (after the reports up to that step) when watched.
   * Resolves to the number of steps run.
   */
  run(report: (r: StepReport) => void): Promise<number>;
  run(
    this: TrainingSession<LeNet5>,
    report: (r: StepReport) => void,
    watch?: InsideWatch,
  ): Promise<number>;
  run(report: (r: StepReport) => void, watch?: InsideWatch): Promise<number> {
    this.running ??= this.loop(report, watch);
    return this.running;
  }

  /** Asks the loop to finish its current step; resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(report: (r: StepReport) => void, watch?: InsideWatch): Promise<number> {
    const { device, batchSize, seed, steps = Number.POSITIVE_INFINITY } = this.settings;
    await setBackend(device);
    const loader = new DataLoader(this.data, {
      batchSize,
      shuffle: true,
      seed,
      device,
      dropLast: true,
      transforms: this.what.transforms ?? [],
    });
    // The CPU backend computes synchronously: yield after every step so the page stays live.
    // On WebGPU a step only queues work; reading back every 4 steps keeps the GPU fed.
    const readEvery = device === 'cpu' ? 1 : 4;
    const started = performance.now();
    let step = 0;
    let pending: { loss: Tensor; hits: Tensor; step: number; epoch: number }[] = [];
    // A snapshot is read back right after its step, before the next one changes the weights.
    let snapshot: { recorded: RecordedStep; step: number; epoch: number } | null = null;
    const probe = watch
      ? tensor(watch.probe, { shape: [1, 1, 28, 28], dtype: 'float32', device })
      : null;
    const flush = async () => {
      let lastLoss = Number.NaN;
      for (const p of pending) {
        const loss = await p.loss.item();
        const hits = await p.hits.item();
        p.loss.dispose();
        p.hits.dispose();
        lastLoss = loss;
        const seconds = (performance.now() - started) / 1000;
        report({
          step: p.step,
          epoch: p.epoch,
          loss,
          accuracy: hits / batchSize,
          imagesPerSecond: (p.step * batchSize) / seconds,
        });
      }
      pending = [];
      if (snapshot && watch) {
        const { recorded, step: at, epoch } = snapshot;
        snapshot = null;
        watch.onSnapshot(await readSnapshot(recorded, { step: at, epoch, loss: lastLoss }));
      }
      await this.pause();
    };
    this.model.train();
    try {
      for (let epoch = 1; !this.stopped && step < steps; epoch++) {
        for (const batch of loader) {
          step++;
          const every = watch ? Math.max(1, Math.floor(watch.every())) : 0;
          let result: { loss: Tensor; hits: Tensor };
          if (probe && (step === 1 || step % every === 0)) {
            const { recorded, ...rest } = recordedStep(
              // Only a LeNet-5 session takes a watch (see `run`).
              this.model as unknown as LeNet5,
              this.optimizer,
              batch.x,
              batch.y,
              probe,
            );
            snapshot = { recorded, step, epoch };
            result = rest;
          } else {
            result = tidy(() => {
              const logits = this.model.forward(batch.x);
              const loss = crossEntropy(logits, batch.y);
              this.optimizer.zeroGrad();
              loss.backward();
              this.optimizer.step();
              return {
                loss: loss.detach(),
                hits: noGrad(() => logits.argmax(1).eq(batch.y).sum()),
              };
            });
          }
          batch.x.dispose();
          batch.y.dispose();
          pending.push({ ...result, step, epoch });
          if (pending.length >= readEvery || snapshot) await flush();
          if (this.stopped || step >= steps) break;
        }
      }
      await flush();
    } finally {
      for (const p of pending) {
        p.loss.dispose();
        p.hits.dispose();
      }
      // A failed read leaves its snapshot behind.
      (snapshot as { recorded: RecordedStep } | null)?.recorded.packed.dispose();
      probe?.dispose();
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
  cpuCopy(): Promise<M> {
    return copyToCpu(this.model, this.what.build);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
