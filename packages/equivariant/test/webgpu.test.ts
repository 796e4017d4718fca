/**
 * The same equivariance on the WebGPU backend (Dawn; SwiftShader where there is no GPU), in
 * float32: the p4 ops are core ops, so they run there unchanged. Float32 sums in another order
 * agree to about 1e-6 of their size, so the checks allow 1e-5 (a broken equivariance is off by
 * tens of percent, see equivariance.test.ts). Skipped only where Dawn finds no adapter at all.
 */
import { webgpu } from '@stride/backend-webgpu';
import { initBackend, randn, registerBackend, relu, type Tensor } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { DAWN_TEST_TOGGLES } from '../../../dawn.shared.js';
import { p4Conv2d, p4LiftConv2d, p4MaxPool2d, p4Pool } from '../src/index.js';
import { errorOf, maxAbs, maxDiff, turn, turnP4 } from './helpers.js';

const gpu = create(DAWN_TEST_TOGGLES);
const adapter = await gpu.requestAdapter();
if (adapter) {
  registerBackend(webgpu({ gpu }));
  await initBackend('webgpu');
}

const rand32 = (shape: number[], seed: number): Tensor => randn(shape, { seed, device: 'webgpu' });

/** `a` and `b` read back to the CPU, and the relative size of their difference. */
async function relDiff(a: Tensor, b: Tensor): Promise<number> {
  const [ca, cb] = [await a.to('cpu'), await b.to('cpu')];
  return maxDiff(ca, cb) / Math.max(maxAbs(ca), maxAbs(cb));
}

describe.skipIf(!adapter)('p4 equivariance on WebGPU (float32)', () => {
  it('a quarter turn turns the maps and shifts the rotations, as on the CPU', async () => {
    const x = rand32([2, 2, 8, 8], 1);
    const w1 = rand32([3, 2, 3, 3], 2);
    const w2 = rand32([3, 3, 4, 3, 3], 3);
    const b2 = rand32([3], 4);
    const net = (t: Tensor, a: Tensor, b: Tensor, c: Tensor) =>
      p4Conv2d(relu(p4LiftConv2d(t, a, { padding: 1 })), b, { padding: 1, bias: c });
    const y = net(x, w1, w2, b2);
    expect(y.device).toBe('webgpu');
    expect(y.shape).toEqual([2, 3, 4, 8, 8]);
    expect(await relDiff(net(turn(x), w1, w2, b2), turnP4(y))).toBeLessThan(1e-5);
    // Spatial and group pooling: the result just turns with the input, exactly (maxima).
    const pooled = (t: Tensor) => p4Pool(p4MaxPool2d(t, 2));
    expect(await relDiff(pooled(turnP4(y)), turn(pooled(y)))).toBe(0);
    // The same numbers as the CPU backend computes.
    const [cx, c1, c2, cb] = await Promise.all([x, w1, w2, b2].map((t) => t.to('cpu')));
    expect(await relDiff(y, net(cx, c1, c2, cb))).toBeLessThan(1e-5);
  });

  it('names both devices when the tensors are on different backends', async () => {
    const x = rand32([1, 1, 5, 5], 8);
    const w = await rand32([2, 1, 3, 3], 9).to('cpu');
    expect(errorOf(() => p4LiftConv2d(x, w))).toBe(
      "p4LiftConv2d: input is on 'webgpu' but weight is on 'cpu' (input [1,1,5,5], weight [2,1,3,3]); move one with await t.to(...)",
    );
  });
});
