/**
 * exportOnnx on the WebGPU backend (Dawn; SwiftShader where there is no GPU): a model traced there
 * exports the very bytes it exports on the CPU, parameters read back from the GPU included.
 * Skipped only where Dawn finds no adapter at all.
 */
import { cpu } from '@stride/backend-cpu';
import { webgpu } from '@stride/backend-webgpu';
import { initBackend, manualSeed, randn, registerBackend } from '@stride/core';
import { LeNet5 } from '@stride/layers';
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { DAWN_TEST_TOGGLES } from '../../../dawn.shared.js';
import { exportOnnx } from '../src/index.js';

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
});
