/**
 * A training loop on WebGPU keeps memory flat: core's live tensors and bytes, and the GPU
 * buffers the backend holds (live and pooled), are the same after every step.
 */
import {
  conv2d,
  crossEntropy,
  keep,
  linear,
  manualSeed,
  memory,
  randint,
  randn,
  registerBackend,
  setBackend,
  type Tensor,
  tidy,
} from '@stride/core';
import { describe, expect, it } from 'vitest';
import { type WebGpuBackend, webgpu } from '../src/index.js';
import { createGpu } from './helpers.js';

describe('memory on WebGPU', () => {
  it('stays flat over 200 training steps', async () => {
    registerBackend(webgpu({ gpu: createGpu() }));
    const backend = (await setBackend('webgpu')) as WebGpuBackend;
    manualSeed(11);
    const param = (t: Tensor): Tensor => {
      const p = keep(t);
      p.requiresGrad = true;
      return p;
    };
    const w1 = param(tidy(() => randn([4, 1, 3, 3]).mul(0.3)));
    const w2 = param(tidy(() => randn([3, 4 * 6 * 6]).mul(0.1)));
    const x = keep(randn([4, 1, 8, 8]));
    const y = keep(randint(0, 3, [4]));
    const step = (): Tensor =>
      tidy(() => {
        const h = conv2d(x, w1).relu().flatten(1);
        const loss = crossEntropy(linear(h, w2), y);
        loss.backward();
        for (const p of [w1, w2]) {
          p.assign(p.detach().sub((p.grad as Tensor).mul(0.1)));
          p.grad = null;
        }
        return loss.detach();
      });
    const first = step();
    const firstLoss = await first.item();
    first.dispose();
    const before = memory();
    const gpuBefore = backend.context.stats().pool;
    const storagesBefore = backend.storageStats();
    let last = 0;
    for (let i = 0; i < 200; i++) {
      const loss = step();
      if (i % 50 === 49) last = await loss.item();
      loss.dispose();
      expect(memory()).toEqual(before);
      expect(backend.storageStats()).toEqual(storagesBefore);
    }
    const gpuAfter = backend.context.stats().pool;
    expect(gpuAfter.liveBuffers).toBe(gpuBefore.liveBuffers);
    expect(gpuAfter.liveBytes).toBe(gpuBefore.liveBytes);
    // Buffers are reused from the pool rather than created anew each step.
    expect(gpuAfter.created - gpuBefore.created).toBeLessThan(50);
    expect(gpuAfter.pooledBytes).toBeLessThanOrEqual(gpuAfter.maxPooledBytes);
    expect(last).toBeLessThan(firstLoss);
    for (const t of [w1, w2, x, y]) t.dispose();
    // Live storages only: the buffers released to the pool are not counted, so once the four
    // kept tensors are gone, their four storages (and their buffers' bytes) are too.
    expect(storagesBefore.count - backend.storageStats().count).toBe(4);
    expect(backend.storageStats().bytes).toBeLessThan(storagesBefore.bytes);
  });

  it('storageStats counts live storages by their buffers, not the pooled ones', async () => {
    const backend = (await setBackend('webgpu')) as WebGpuBackend;
    const start = backend.storageStats();
    const s = backend.upload(new Float32Array(100), 'float32');
    const during = backend.storageStats();
    expect(during.count).toBe(start.count + 1);
    // 400 bytes round up to the 448-byte size class of the pool.
    expect(during.bytes - start.bytes).toBe(448);
    const y = backend.unary('neg', { storage: s, shape: [100], dtype: 'float32' });
    expect(backend.storageStats().count).toBe(start.count + 2);
    backend.free(s);
    backend.free(y);
    expect(backend.storageStats()).toEqual(start);
    await backend.sync();
    expect(backend.context.stats().pool.pooledBuffers).toBeGreaterThan(0);
  });
});
