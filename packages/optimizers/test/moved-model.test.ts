/**
 * `model.to(device)` replaces every parameter with a new tensor and disposes the old one, so an
 * optimizer built before the move holds disposed tensors. Its error says that this is what
 * happened and what to do (build the optimizer after the move, as in PyTorch), rather than only
 * that "parameter 0 was disposed". Two CPU backends under different names stand for CPU and GPU.
 */
import { cpu } from '@stride/backend-cpu';
import { initBackend, ones, registerBackend, tidy } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
// The layers package is not a dependency of this one; its sources are what users combine it with.
import { Linear } from '../../layers/src/index.js';
import { Adam, clipGradNorm, SGD } from '../src/index.js';
import { errorOf } from './helpers.js';

beforeAll(async () => {
  registerBackend({ ...cpu(), name: 'cpu2' });
  await initBackend('cpu2');
});

describe('an optimizer built before model.to()', () => {
  it('says that the model was moved, and what to do', async () => {
    const model = new Linear(2, 3);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const stale = model.parameters();
    await model.to('cpu2');
    tidy(() =>
      model
        .forward(ones([4, 2], { device: 'cpu2' }))
        .sum()
        .backward(),
    );
    expect(errorOf(() => opt.step())).toBe(
      "SGD.step: parameter 0 [3,2] was moved to 'cpu2' by model.to() after the optimizer was built, which replaced it with a new tensor; build the optimizer after model.to(...), as in PyTorch",
    );
    expect(errorOf(() => new Adam(stale))).toBe(
      "Adam: paramGroups[0].params[0] [3,2] was moved to 'cpu2' by model.to(), which replaced it with a new tensor; take model.parameters() after model.to(...)",
    );
    expect(errorOf(() => clipGradNorm(stale, 1))).toBe(
      "clipGradNorm: parameters[0] [3,2] was moved to 'cpu2' by model.to(), which replaced it with a new tensor; take model.parameters() after model.to(...)",
    );

    // Built after the move, it trains on the new device.
    const fresh = new SGD(model.parameters(), { lr: 0.1 });
    const before = Array.from(model.weight.dataSync());
    fresh.step();
    expect(model.weight.device).toBe('cpu2');
    expect(Array.from(model.weight.dataSync())).not.toEqual(before);
    fresh.zeroGrad();
    opt.dispose();
    fresh.dispose();
    model.dispose();
  });

  it('a parameter disposed otherwise is only said to be disposed', () => {
    const model = new Linear(2, 3);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    model.dispose();
    expect(errorOf(() => opt.step())).toBe('SGD.step: parameter 0 [3,2] was disposed');
    opt.dispose();
  });
});
