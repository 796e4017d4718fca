/**
 * Trains a model on MNIST with every Stride package, typed end to end. This project is only
 * type-checked (`npm run typecheck`): the annotations below state what each public API returns,
 * so a type the packages resolve wrongly (or to `any`) shows up here.
 */
import { cpu } from '@stride/backend-cpu';
import { webgpu } from '@stride/backend-webgpu';
import {
  type Backend,
  crossEntropy,
  type DType,
  memory,
  noGrad,
  registerBackend,
  StrideError,
  setBackend,
  type Tensor,
  tidy,
} from '@stride/core';
import { loadSafetensors, saveSafetensors } from '@stride/core/node';
import {
  type ArrayDataset,
  type Batch,
  DataLoader,
  loadMnist,
  randomShift,
} from '@stride/datasets';
import { LeNet5, type Module, summary } from '@stride/layers';
import { Adam, CosineAnnealingLR, clipGradNorm, type Optimizer } from '@stride/optimizers';

export interface TrainResult {
  losses: number[];
  accuracy: number;
  backend: string;
}

/**
 * The CPU backend, or WebGPU when the caller passes a `GPU` (in Node, `create([])` from the
 * `webgpu` package), falling back to the CPU when no adapter is found.
 */
export async function pickBackend(gpu?: Parameters<typeof webgpu>[0]): Promise<Backend> {
  const cpuBackend = cpu({ threads: 2 });
  const kernels: 'wasm-relaxed-simd' | 'wasm-simd' | 'js' = cpuBackend.kernels;
  const threads: number = cpuBackend.threads;
  console.log(`cpu: ${kernels} on ${threads} threads`);
  registerBackend(cpuBackend);
  if (gpu) registerBackend(webgpu(gpu));
  return setBackend('auto');
}

export async function train(epochs: number, checkpoint: string): Promise<TrainResult> {
  const backend = await pickBackend();
  const data: ArrayDataset = await loadMnist({ train: true });
  const loader = new DataLoader(data, {
    batchSize: 64,
    shuffle: true,
    seed: 1,
    transforms: [randomShift(1)],
  });
  const model: Module = new LeNet5({ variant: 'modern' });
  console.log(summary(model, [1, 1, 28, 28]).table);
  const optimizer: Optimizer = new Adam(model.parameters(), { lr: 1e-3, weightDecay: 0 });
  const schedule = new CosineAnnealingLR(optimizer, { tMax: epochs });

  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of loader) {
      const { x, y }: Batch = batch;
      const loss: Tensor = tidy(() => {
        optimizer.zeroGrad();
        const l = crossEntropy(model.forward(x), y);
        l.backward();
        clipGradNorm(model.parameters(), 1).dispose();
        optimizer.step();
        return l.detach();
      });
      losses.push(await loss.item());
      for (const t of [loss, x, y]) t.dispose();
    }
    schedule.step();
  }

  await saveSafetensors(checkpoint, model.stateDict(), { epochs: String(epochs) });
  const { tensors, metadata } = await loadSafetensors(checkpoint);
  model.loadStateDict(tensors);
  if (metadata.epochs !== String(epochs)) throw new Error('metadata lost');

  const test = await loadMnist({ train: false });
  const next = new DataLoader(test, { batchSize: 1000 }).batches().next();
  if (next.done) throw new Error('no test data');
  const first: Batch = next.value;
  const hits = tidy(() => noGrad(() => model.forward(first.x).argmax(1).eq(first.y).sum()));
  const accuracy = (await hits.item()) / 1000;
  const dtype: DType = hits.dtype;
  console.log(`hits are ${dtype}; ${memory().numTensors} tensors live`);
  return { losses, accuracy, backend: backend.name };
}

/** Errors thrown by Stride are StrideErrors that name the function. */
export function describeError(error: unknown): string {
  return error instanceof StrideError ? `Stride: ${error.message}` : String(error);
}
