/**
 * Gradients of every p4 op against central finite differences in float64 (core's `gradcheck`,
 * which checks the whole vector-Jacobian product of a non-scalar output through a random
 * projection). The ops are compositions of core ops, so this checks the composition.
 */
import { gradcheck, type Tensor } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { p4Conv2d, p4LiftConv2d, p4MaxPool2d, p4Pool } from '../src/index.js';
import { rand64 } from './helpers.js';

async function expectGradOk(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[]): Promise<void> {
  const r = await gradcheck(fn, inputs);
  expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  expect(r.maxError).toBeLessThan(1e-7);
}

describe('gradients (float64 gradcheck)', () => {
  it('p4LiftConv2d: input, weight and bias; padding and stride', async () => {
    const x = rand64([2, 2, 5, 5], 1);
    const w = rand64([3, 2, 3, 3], 2);
    const b = rand64([3], 3);
    await expectGradOk((x, w, b) => p4LiftConv2d(x, w, { bias: b, padding: 1 }), [x, w, b]);
    await expectGradOk((x, w) => p4LiftConv2d(x, w, { stride: 2 }), [x, w]);
  });

  it('p4Conv2d: input, weight and bias; padding and dilation', async () => {
    const x = rand64([1, 2, 4, 4, 4], 4);
    const w = rand64([2, 2, 4, 3, 3], 5);
    const b = rand64([2], 6);
    await expectGradOk((x, w, b) => p4Conv2d(x, w, { bias: b, padding: 'same' }), [x, w, b]);
    await expectGradOk((x, w) => p4Conv2d(x, w, { padding: 2, dilation: 2 }), [x, w]);
  });

  it('p4Pool (max and mean) and p4MaxPool2d', async () => {
    // Random values have no ties, where the maximum has no derivative.
    const y = rand64([2, 2, 4, 4, 4], 7);
    await expectGradOk((y) => p4Pool(y), [y]);
    await expectGradOk((y) => p4Pool(y, 'mean'), [y]);
    await expectGradOk((y) => p4MaxPool2d(y, 2), [y]);
  });
});
