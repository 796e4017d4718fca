/**
 * Training a network from the builder on MNIST: the training panel's session (shuffled batches,
 * cross-entropy, results read back between steps so the page stays live and Stop works) with
 * Adam, for any `Sequential` the builder makes, for a set number of steps.
 */
import type { ArrayDataset } from '@stride/datasets';
import type { Sequential } from '@stride/layers';
import { TrainingSession, type TrainSettings } from '../train/session.js';
import { buildNetwork } from './analysis.js';
import type { NetworkSpec } from './spec.js';

/** What the builder lets the user set: the optimizer is always Adam. */
export type BuilderTrainSettings = Omit<TrainSettings, 'optimizer' | 'steps'> & {
  /** Steps to run, unless stopped first. */
  steps: number;
};

/** The page's defaults: a few hundred steps take well under a minute on the CPU backend. */
export const DEFAULT_TRAINING: Omit<BuilderTrainSettings, 'device'> = {
  steps: 300,
  batchSize: 64,
  lr: 0.002,
  seed: 0,
};

/**
 * One training run of `spec`'s network with Adam, with fresh weights from `settings.seed`, and
 * no augmentation. `pause` yields to the page between steps (a frame unless given).
 */
export function networkTraining(
  spec: NetworkSpec,
  settings: BuilderTrainSettings,
  data: ArrayDataset,
  pause?: () => Promise<void>,
): TrainingSession<Sequential> {
  return new TrainingSession(
    { ...settings, optimizer: 'adam' },
    data,
    { build: (device) => buildNetwork(spec, device) },
    pause,
  );
}
