import { crossEntropy, noGrad, type Tensor, tidy, zeros } from '@stride/core';
import { saveSafetensors } from '@stride/core/node';
import { type ArrayDataset, DataLoader, randomShift } from '@stride/datasets';
import type { Module } from '@stride/layers';
import { saveOnnx } from '@stride/onnx/node';
import { OneCycleLR, type Optimizer } from '@stride/optimizers';
import { optimizerPath, type TrainOptions } from './options.js';
import type { Progress } from './progress.js';

export interface EpochStats {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  imagesPerSecond: number;
}

export interface TrainResult {
  epochs: EpochStats[];
  testAccuracy: number;
  seconds: number;
  checkpoint: string;
  /** Where the model went as ONNX, when `--onnx` asked for it. */
  onnx?: string;
}

/**
 * Trains `model` with `optimizer` under a one-cycle learning-rate schedule (warm-up, then cosine
 * annealing to nearly zero), evaluates it on the test set and writes a checkpoint. Every step runs
 * inside `tidy`, and the loss is read back only every few steps so the backend is never stalled
 * more than the progress display needs.
 */
export async function train(
  o: TrainOptions,
  model: Module,
  optimizer: Optimizer,
  data: { train: ArrayDataset; test: ArrayDataset },
  progress: Progress,
): Promise<TrainResult> {
  const loader = new DataLoader(data.train, {
    batchSize: o.batchSize,
    shuffle: true,
    seed: o.seed,
    // One-pixel shifts: cheap augmentation that helps LeNet-5 past 99% without more epochs.
    transforms: [randomShift(1)],
  });
  const schedule = new OneCycleLR(optimizer, {
    maxLr: o.lr,
    epochs: o.epochs,
    stepsPerEpoch: loader.length,
    pctStart: 0.2,
  });
  const started = performance.now();
  const epochs: EpochStats[] = [];
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    model.train();
    const epochStart = performance.now();
    progress.startEpoch(epoch, loader.length);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let step = 0;
    // Per-step results stay on the device and are read in groups: a GPU is never made to wait
    // for a read-back on every step.
    let pending: { loss: Tensor; hits: Tensor; n: number }[] = [];
    const flush = async (): Promise<void> => {
      for (const r of pending) {
        lossSum += (await r.loss.item()) * r.n;
        correct += await r.hits.item();
        seen += r.n;
        r.loss.dispose();
        r.hits.dispose();
      }
      pending = [];
      const seconds = (performance.now() - epochStart) / 1000;
      progress.update(step, {
        loss: lossSum / seen,
        accuracy: correct / seen,
        imagesPerSecond: seen / seconds,
      });
    };
    for (const batch of loader) {
      const result = tidy(() => {
        const logits = model.forward(batch.x);
        const l = crossEntropy(logits, batch.y);
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
        return { loss: l.detach(), hits: noGrad(() => logits.argmax(1).eq(batch.y).sum()) };
      });
      pending.push({ ...result, n: batch.x.shape[0] as number });
      batch.x.dispose();
      batch.y.dispose();
      schedule.step();
      step++;
      if (pending.length >= 10) await flush();
    }
    await flush();
    const stats = {
      epoch,
      loss: lossSum / seen,
      trainAccuracy: correct / seen,
      imagesPerSecond: seen / ((performance.now() - epochStart) / 1000),
    };
    epochs.push(stats);
    progress.endEpoch(stats);
  }
  const testAccuracy = await evaluate(model, data.test);
  const seconds = (performance.now() - started) / 1000;
  await saveCheckpoint(o, model, optimizer, { testAccuracy });
  if (o.onnx === undefined) return { epochs, testAccuracy, seconds, checkpoint: o.out };
  await saveModelOnnx(o.onnx, model);
  return { epochs, testAccuracy, seconds, checkpoint: o.out, onnx: o.onnx };
}

/** Accuracy on a dataset, in eval mode and without recording gradients. */
export async function evaluate(
  model: Module,
  dataset: ArrayDataset,
  batchSize = 1000,
): Promise<number> {
  model.eval();
  let correct = 0;
  for (const batch of new DataLoader(dataset, { batchSize })) {
    const hits = tidy(() => noGrad(() => model.forward(batch.x).argmax(1).eq(batch.y).sum()));
    correct += await hits.item();
    for (const t of [hits, batch.x, batch.y] as Tensor[]) t.dispose();
  }
  return correct / dataset.length;
}

/**
 * The model's state dict goes to `--out` under PyTorch's names, so `torch.load_state_dict` takes
 * it as is; the optimizer's state goes beside it (`*.optim.safetensors`, with its parameter
 * groups as JSON metadata) so training can be resumed.
 */
async function saveCheckpoint(
  o: TrainOptions,
  model: Module,
  optimizer: Optimizer,
  info: { testAccuracy: number },
): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(o.out), { recursive: true });
  // State dicts are snapshots the caller owns: freed once written.
  const weights = model.stateDict();
  const state = optimizer.stateDict();
  try {
    await saveSafetensors(o.out, weights, {
      model: o.model,
      dataset: o.dataset,
      epochs: String(o.epochs),
      seed: String(o.seed),
      test_accuracy: info.testAccuracy.toFixed(4),
    });
    await saveSafetensors(optimizerPath(o.out), state.state, {
      optimizer: optimizer.name,
      param_groups: JSON.stringify(state.paramGroups),
    });
  } finally {
    for (const t of [...Object.values(weights), ...Object.values(state.state)]) t.dispose();
  }
}

/**
 * The trained model as ONNX, for onnxruntime and other runtimes: traced on one MNIST-sized image,
 * with the batch left free so the file takes any number of images. Written atomically, like the
 * checkpoint.
 */
async function saveModelOnnx(path: string, model: Module): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  const example = zeros([1, 1, 28, 28]);
  try {
    await saveOnnx(path, model, example, { dynamicBatch: true });
  } finally {
    example.dispose();
  }
}
