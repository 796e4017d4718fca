/**
 * A 200-step training loop of LeNet5 (plain SGD written here with `assign`) leaves memory()
 * flat, learns, and `dispose()` then frees everything the model held.
 */
import type { CpuBackend } from '@stride/backend-cpu';
import {
  getBackend,
  manualSeed,
  memory,
  noGrad,
  randint,
  randn,
  type Tensor,
  tidy,
} from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss, LeNet5 } from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('training LeNet5', () => {
  it('runs 200 steps with memory() flat, fits its batch, and disposes to the baseline', () => {
    manualSeed(1);
    const baseline = memory();
    const model = new LeNet5();
    const criterion = new CrossEntropyLoss();
    const images = randn([8, 1, 28, 28]);
    const labels = randint(0, 10, [8]);
    const lr = 0.05;
    const losses: number[] = [];
    const start = memory();
    // The CPU backend keeps storages in its WebAssembly memory: after the first steps have
    // reached their peak, the loop reuses freed blocks and the memory stops growing.
    const kernels = getBackend() as CpuBackend;
    let kernelBytes = 0;
    for (let step = 0; step < 200; step++) {
      if (step === 20) kernelBytes = kernels.kernelMemoryBytes;
      tidy(() => {
        const loss = criterion.forward(model.forward(images), labels);
        loss.backward();
        noGrad(() => {
          for (const p of model.parameters()) p.assign(p.sub((p.grad as Tensor).mul(lr)));
        });
        model.zeroGrad();
        losses.push(loss.itemSync());
      });
      const now = memory();
      if (now.numTensors !== start.numTensors || now.numBytes !== start.numBytes) {
        expect.fail(
          `step ${step}: ${now.numTensors} tensors / ${now.numBytes} bytes, started with ${start.numTensors} / ${start.numBytes}`,
        );
      }
    }
    expect(kernels.kernelMemoryBytes).toBeGreaterThan(0);
    expect(kernels.kernelMemoryBytes).toBe(kernelBytes);
    // Eight random images with random labels are memorised: the loss falls from ~ln 10.
    expect(losses[0]).toBeGreaterThan(2);
    expect(losses[199]).toBeLessThan(0.1);
    images.dispose();
    labels.dispose();
    model.dispose();
    criterion.dispose();
    expect(memory().numTensors).toBe(baseline.numTensors);
    expect(memory().numBytes).toBe(baseline.numBytes);
  });
});
