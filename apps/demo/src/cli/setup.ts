import { setFlagsFromString } from 'node:v8';
import { cpu } from '@stride/backend-cpu';
import { webgpu } from '@stride/backend-webgpu';
import { type Backend, manualSeed, registerBackend, setBackend } from '@stride/core';
import { type ArrayDataset, loadFashionMnist, loadMnist } from '@stride/datasets';
import { AlexNet, LeNet5, type Module } from '@stride/layers';
import { Adam, AdamW, type Optimizer, RMSprop, SGD } from '@stride/optimizers';
import { create } from 'webgpu';
import type { TrainOptions } from './options.js';

/**
 * Registers the backends this app ships and activates the requested one. Node 20 validates
 * WebAssembly relaxed SIMD (the CPU kernels' fused multiply-add) only behind a V8 flag; Node 22+
 * and browsers have it on. It must be set before the kernels compile.
 */
export async function startBackend(name: string, threads?: number): Promise<Backend> {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  registerBackend(cpu(threads === undefined ? {} : { threads }));
  if (name !== 'cpu') registerBackend(webgpu({ gpu: create([]) }));
  return setBackend(name);
}

/** How the active backend computes, for the run's header line. */
export function describeBackend(backend: Backend): string {
  const b = backend as Backend & { kernels?: string; threads?: number };
  return b.kernels
    ? `'${b.name}' backend (${b.kernels}, ${b.threads} threads)`
    : `'${b.name}' backend`;
}

export async function loadData(
  o: TrainOptions,
): Promise<{ train: ArrayDataset; test: ArrayDataset }> {
  const load = o.dataset === 'mnist' ? loadMnist : loadFashionMnist;
  const dir = o.dataDir as string;
  const [train, test] = await Promise.all([
    load({ dir, train: true }),
    load({ dir, train: false }),
  ]);
  return { train: o.limit ? train.slice(0, o.limit) : train, test };
}

export function buildModel(o: TrainOptions): Module {
  manualSeed(o.seed);
  if (o.model === 'lenet5') return new LeNet5();
  return new AlexNet({ inChannels: 1, numClasses: 10, inputSize: 28, hidden: 256, dropout: 0.5 });
}

export function buildOptimizer(o: TrainOptions, model: Module): Optimizer {
  const params = model.parameters();
  switch (o.optimizer) {
    case 'sgd':
      return new SGD(params, { lr: o.lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    case 'adam':
      return new Adam(params, { lr: o.lr });
    case 'adamw':
      return new AdamW(params, { lr: o.lr, weightDecay: 1e-2 });
    case 'rmsprop':
      return new RMSprop(params, { lr: o.lr });
  }
}
