/**
 * Storages across a short training loop: a small CNN (convolution with bias, relu, max pooling,
 * a linear layer, cross-entropy, plain SGD) run for a few steps through core's public ops. Every
 * step makes and frees the same storages, so the backend's `storageStats()` after each step must
 * be exactly what it was before the first: a count that creeps up by a few storages per step is
 * the leak that ends a long training run on a GPU.
 */
import {
  type Backend,
  backward,
  conv2d,
  crossEntropy,
  flatten,
  linear,
  maxPool2d,
  memory,
  mul,
  noGrad,
  relu,
  sub,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import { withCheckedBackend } from './checked-backend.js';
import { eighths } from './kernel-kit.js';
import { type KernelFinding, type Recorder, recordKernels } from './recording.js';
import { fmtStats, sameStats } from './stats.js';

/** The number of steps `runTrainingLoop` runs; storages must be the same after each. */
export const TRAINING_STEPS = 4;

function param(shape: number[], seed: number, scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from(eighths(n, seed), (v) => v * scale);
  return tensor(values, { shape, requiresGrad: true });
}

/**
 * Runs the loop on the active backend, which must be `recorder.backend` (the proxy of
 * `backend`), and returns what went wrong: kernels that left storages behind (named by the
 * proxy), then storage counts that were not flat.
 */
export function runTrainingLoop(backend: Backend, recorder: Recorder): KernelFinding[] {
  recorder.reset();
  const start = backend.storageStats();
  const startMemory = memory();
  const x = tensor(Float32Array.from(eighths(8 * 64, 90)), { shape: [8, 1, 8, 8] });
  const target = tensor(
    Int32Array.from({ length: 8 }, (_, i) => i % 3),
    { dtype: 'int32' },
  );
  const params = [
    param([4, 1, 3, 3], 91, 0.3),
    param([4], 92, 0.1),
    param([3, 64], 93, 0.05),
    param([3], 94, 0.1),
  ];
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  const afterSetup = backend.storageStats();
  const history: string[] = [];
  let flat = true;
  try {
    for (let step = 0; step < TRAINING_STEPS; step++) {
      const loss = tidy(() => {
        const h = maxPool2d(relu(conv2d(x, w1, { bias: b1, padding: 1 })), { kernelSize: 2 });
        return crossEntropy(linear(flatten(h, 1), w2, b2), target);
      });
      backward(loss);
      loss.dispose();
      noGrad(() => {
        for (const p of params) {
          const grad = p.grad;
          if (grad) tidy(() => p.assign(sub(p, mul(grad, 0.05))));
          p.grad = null;
        }
      });
      const now = backend.storageStats();
      history.push(String(now.count));
      if (!sameStats(now, afterSetup)) flat = false;
    }
  } finally {
    for (const t of [x, target, ...params]) t.dispose();
  }
  const found = recorder
    .findings()
    .map((f) => ({ ...f, message: `${f.message} (in the training loop)` }));
  const kernels = `kernels run: ${recorder.kernelsRun().join(', ')}`;
  if (!flat) {
    found.push({
      kernel: 'backend',
      message:
        `backend: storageStats().count over ${TRAINING_STEPS} training steps went ` +
        `${afterSetup.count} → ${history.join(' → ')} (it must stay flat; ${kernels})`,
    });
  }
  const end = backend.storageStats();
  const endMemory = memory();
  if (endMemory.numTensors !== startMemory.numTensors) {
    // Tensors still alive hold storages, so the storage check below would prove nothing.
    found.push({
      kernel: 'backend',
      message: `backend: ${endMemory.numTensors - startMemory.numTensors} tensor(s) still alive after the training loop disposed every tensor it made (${kernels})`,
    });
  } else if (!sameStats(start, end)) {
    found.push({
      kernel: 'backend',
      message: `backend: storageStats() is ${fmtStats(end)} after the training loop disposed every tensor, ${fmtStats(start)} before (${kernels})`,
    });
  }
  return found;
}

/**
 * `runTrainingLoop` for a backend that is not registered yet: its recording proxy runs the loop
 * under a name of its own (see checked-backend.ts), so the caller's registrations stay as they are.
 */
export async function trainingLoopFindings(backend: Backend): Promise<KernelFinding[]> {
  const recorder = recordKernels(backend);
  return withCheckedBackend(recorder, () => runTrainingLoop(backend, recorder));
}
