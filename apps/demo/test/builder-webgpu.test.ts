/**
 * A built network trained on the WebGPU backend (SwiftShader when there is no GPU), as the page
 * does where WebGPU is available: from the same seed and batches the loss curve follows the CPU
 * backend's, the steps are reported in order although results are read back four at a time, and
 * the copy kept for the downloads has the trained GPU weights.
 */
import { setBackend } from '@stride/core';
import { type ArrayDataset, loadMnist } from '@stride/datasets';
import { describe, expect, it } from 'vitest';
import { startBackend } from '../src/cli/setup.js';
import { preset } from '../web/builder/presets.js';
import { networkTraining } from '../web/builder/session.js';

async function run(device: string, train: ArrayDataset) {
  await setBackend(device);
  const session = networkTraining(
    preset('tiny'),
    { device, steps: 10, batchSize: 16, lr: 0.003, seed: 5 },
    train,
    // Node has no frames to wait for.
    () => Promise.resolve(),
  );
  const steps: number[] = [];
  const losses: number[] = [];
  await session.run((r) => {
    steps.push(r.step);
    losses.push(r.loss);
  });
  const copy = await session.cpuCopy();
  const onDevice = Object.fromEntries(
    await Promise.all(
      Object.entries(session.model.stateDict()).map(async ([k, t]) => {
        const values = Array.from(await t.data());
        t.dispose();
        return [k, values] as const;
      }),
    ),
  );
  const copied = Object.fromEntries(
    Object.entries(copy.stateDict()).map(([k, t]) => {
      const values = Array.from(t.dataSync());
      t.dispose();
      return [k, values] as const;
    }),
  );
  expect(copy.parameters()[0]?.device).toBe('cpu');
  copy.dispose();
  session.dispose();
  return { steps, losses, onDevice, copied };
}

describe('a built network on WebGPU', () => {
  it('trains like on the CPU, and its CPU copy has the trained weights', async () => {
    await startBackend('auto');
    const train = (await loadMnist({ train: true })).slice(0, 512);
    const gpu = await run('webgpu', train);
    const cpu = await run('cpu', train);
    expect(gpu.steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 0; i < 10; i++) {
      expect(Math.abs((gpu.losses[i] as number) - (cpu.losses[i] as number))).toBeLessThan(
        1e-3 * (1 + i),
      );
    }
    expect(Math.min(...gpu.losses.slice(-3))).toBeLessThan(gpu.losses[0] as number);
    expect(gpu.copied).toEqual(gpu.onDevice);
  }, 300_000);
});
