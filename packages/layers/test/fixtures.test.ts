/**
 * Every layer's forward and backward against PyTorch: weights are loaded with `loadStateDict`,
 * the output, the input gradient and every parameter gradient are compared, and BatchNorm's
 * updated buffers too. Nothing a case creates may outlive it.
 */
import { memory, type Tensor, tidy } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModule } from './build.js';
import { expectClose, type LayerCase, loadCases, toTensor, toTensors } from './fixtures.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const FILES = [
  'linear.json',
  'conv.json',
  'pool.json',
  'norm.json',
  'activation.json',
  'container.json',
  'models.json',
  'loss.json',
  'normalization.json',
  'upsampling.json',
];

function runCase(c: LayerCase): void {
  const isLoss = c.layer.endsWith('Loss');
  const before = memory();
  const state = toTensors(c.state);
  // Loss weights go in through the constructor; everything else through loadStateDict.
  const model = buildModule(c.layer, c.args, c.options, isLoss ? state : {});
  if (!isLoss) {
    model.loadStateDict(state);
    for (const t of Object.values(state)) t.dispose();
  }
  if (c.mode === 'eval') model.eval();
  tidy(() => {
    const x = toTensor(c.inputs.x as LayerCase['outputs']['y']);
    x.requiresGrad = true;
    const y: Tensor = isLoss
      ? model.forward(x, toTensor(c.inputs.target as LayerCase['outputs']['y']))
      : model.forward(x);
    expectClose(y, c.outputs.y, `${c.name}: output`);
    if (c.grads.dy) y.backward(toTensor(c.grads.dy));
    else y.backward();
    expectClose(x.grad as Tensor, c.grads.inputs.x as LayerCase['outputs']['y'], `${c.name}: dx`);
    const params = new Map(model.namedParameters());
    expect([...params.keys()].sort()).toEqual(Object.keys(c.grads.params).sort());
    for (const [name, g] of Object.entries(c.grads.params)) {
      expectClose(params.get(name)?.grad as Tensor, g, `${c.name}: d${name}`);
    }
    if (c.stateAfter) {
      const after = model.stateDict();
      expect(Object.keys(after)).toEqual(Object.keys(c.stateAfter));
      for (const [k, v] of Object.entries(c.stateAfter)) {
        expectClose(after[k] as Tensor, v, `${c.name}: ${k} after the step`);
      }
    }
  });
  model.dispose();
  expect(memory().numTensors, `${c.name}: tensors left`).toBe(before.numTensors);
  expect(memory().numBytes, `${c.name}: bytes left`).toBe(before.numBytes);
}

for (const file of FILES) {
  describe(file, () => {
    for (const c of loadCases(file)) it(c.name, () => runCase(c));
  });
}
