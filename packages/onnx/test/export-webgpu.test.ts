/**
 * exportOnnx on the WebGPU backend (Dawn; SwiftShader where there is no GPU): a model traced there
 * exports the very bytes it exports on the CPU, parameters read back from the GPU included.
 * Skipped only where Dawn finds no adapter at all.
 */
import { cpu } from '@stride/backend-cpu';
import { webgpu } from '@stride/backend-webgpu';
import { initBackend, manualSeed, noGrad, randn, registerBackend } from '@stride/core';
import { LeNet5 } from '@stride/layers';
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { DAWN_TEST_TOGGLES } from '../../../dawn.shared.js';
import { exportOnnx, importOnnx } from '../src/index.js';

const gpu = create(DAWN_TEST_TOGGLES);
const adapter = await gpu.requestAdapter();
registerBackend(cpu());
await initBackend('cpu');
if (adapter) {
  registerBackend(webgpu({ gpu }));
  await initBackend('webgpu');
}

describe.skipIf(!adapter)('exportOnnx on WebGPU', () => {
  it('exports the same bytes as on the CPU', async () => {
    manualSeed(5);
    const model = new LeNet5({ device: 'cpu' });
    const x = randn([2, 1, 28, 28], { device: 'cpu' });
    const onCpu = await exportOnnx(model, x, { dynamicBatch: true });
    await model.to('webgpu');
    expect(model.parameters()[0]?.device).toBe('webgpu');
    const onGpu = await exportOnnx(model, await x.to('webgpu'), { dynamicBatch: true });
    expect(onGpu).toEqual(onCpu);
  });

  it('imports a model onto WebGPU that computes what the CPU import computes', async () => {
    manualSeed(6);
    const bytes = await exportOnnx(
      new LeNet5({ device: 'cpu' }),
      randn([1, 1, 28, 28], { device: 'cpu' }),
      {
        dynamicBatch: true,
      },
    );
    const onCpu = importOnnx(bytes, { device: 'cpu' });
    const onGpu = importOnnx(bytes, { device: 'webgpu' });
    expect(onGpu.parameters()[0]?.device).toBe('webgpu');
    const x = randn([3, 1, 28, 28], { device: 'cpu' });
    const expected = noGrad(() => onCpu(x)).dataSync();
    const xg = await x.to('webgpu');
    const got = await noGrad(() => onGpu(xg)).data();
    expect(got.length).toBe(expected.length);
    const worst = Math.max(...Array.from(expected, (v, i) => Math.abs(v - (got[i] as number))));
    expect(worst).toBeLessThan(1e-5);
    onCpu.dispose();
    onGpu.dispose();
  });
});
