/**
 * The same LeNet-5 training steps on the WebGPU backend (SwiftShader when there is no GPU) and on
 * the CPU backend, from the same weights and batches: the loss falls, and the two loss curves
 * agree within float32 accumulation error.
 */
import { manualSeed, setBackend, type Tensor, tidy } from '@stride/core';
import { DataLoader } from '@stride/datasets';
import { CrossEntropyLoss, LeNet5 } from '@stride/layers';
import { SGD } from '@stride/optimizers';
import { describe, expect, it } from 'vitest';
import { parseTrainOptions } from '../src/cli/options.js';
import { loadData, startBackend } from '../src/cli/setup.js';

async function lossCurve(device: string, steps: number): Promise<number[]> {
  await setBackend(device);
  const { train } = await loadData(parseTrainOptions(['--limit', String(steps * 8)]));
  // The generator gives the same numbers on every backend, so the same seed gives both models
  // the same starting weights.
  manualSeed(3);
  const model = new LeNet5();
  const criterion = new CrossEntropyLoss();
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const losses: number[] = [];
  for (const batch of new DataLoader(train, { batchSize: 8, device })) {
    const loss = tidy(() => {
      const l = criterion.forward(model.forward(batch.x), batch.y);
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      return l.detach();
    });
    losses.push(await loss.item());
    for (const t of [loss, batch.x, batch.y] as Tensor[]) t.dispose();
  }
  optimizer.dispose();
  criterion.dispose();
  model.dispose();
  return losses;
}

describe('LeNet-5 training on WebGPU', () => {
  it('follows the CPU loss curve', async () => {
    await startBackend('auto');
    const gpu = await lossCurve('webgpu', 12);
    const cpu = await lossCurve('cpu', 12);
    expect(gpu).toHaveLength(12);
    for (let i = 0; i < cpu.length; i++) {
      expect(Math.abs((gpu[i] as number) - (cpu[i] as number))).toBeLessThan(1e-3 * (1 + i));
    }
    expect(Math.min(...gpu.slice(-3))).toBeLessThan(gpu[0] as number);
  }, 300_000);
});
