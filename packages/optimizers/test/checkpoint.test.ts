import {
  decodeSafetensors,
  encodeSafetensors,
  keep,
  memory,
  StrideError,
  type Tensor,
} from '@stride/core';
import { describe, expect, it } from 'vitest';
import { packOptimizerState, unpackOptimizerState } from '../src/index.js';
import { fromFixture, makeOptimizer, OPTIMIZER_CASES } from './helpers.js';

describe('optimizer state in a safetensors checkpoint', () => {
  for (const name of [
    'SGD param groups',
    'Adam amsgrad',
    'RMSprop centered momentum weight decay',
  ]) {
    it(`${name}: save after 5 steps, load from the file, 5 more steps = 10 straight steps`, async () => {
      const c = OPTIMIZER_CASES.find((x) => x.name === name);
      if (!c?.grads) throw new Error(name);
      const grads = c.grads;
      const before = memory().numTensors;
      const run = (
        steps: number[],
        params = c.params.map((p) => fromFixture(p, 'float64', true)),
      ) => {
        const opt = makeOptimizer(c.optimizer, params, c.options, c.groups);
        const go = () => {
          for (const s of steps) {
            opt.zeroGrad();
            params.forEach((p, i) => {
              const g = grads[s]?.[i];
              p.grad = g ? keep(fromFixture(g, 'float64')) : null;
            });
            opt.step();
          }
        };
        return { opt, params, go };
      };
      const straight = run([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      straight.go();

      const first = run([0, 1, 2, 3, 4]);
      first.go();
      const sd = first.opt.stateDict();
      const packed = packOptimizerState(sd);
      const model = Object.fromEntries(first.params.map((p, i) => [`param${i}`, p]));
      const bytes = await encodeSafetensors({ ...model, ...packed.tensors }, packed.metadata);
      for (const t of Object.values(sd.state)) t.dispose();

      const file = decodeSafetensors(bytes);
      const params = [0, 1, 2].map((i) => {
        const p = keep((file.tensors[`param${i}`] as Tensor).detach());
        p.requiresGrad = true;
        return p;
      });
      const resumed = run([5, 6, 7, 8, 9], params);
      await resumed.opt.loadStateDict(unpackOptimizerState(file));
      for (const t of Object.values(file.tensors)) t.dispose();
      resumed.go();
      resumed.params.forEach((p, i) => {
        expect(Array.from(p.dataSync())).toEqual(Array.from(straight.params[i]?.dataSync() ?? []));
      });
      for (const r of [straight, first, resumed]) {
        r.opt.zeroGrad();
        r.opt.dispose();
        for (const p of r.params) p.dispose();
      }
      expect(memory().numTensors).toBe(before);
    });
  }

  it('says what is missing when the file holds no optimizer state', () => {
    expect(() => unpackOptimizerState({ tensors: {}, metadata: {} })).toThrow(StrideError);
    expect(() => unpackOptimizerState({ tensors: {}, metadata: {} })).toThrow(
      /unpackOptimizerState: the metadata has no 'optimizer.param_groups'/,
    );
    expect(() =>
      unpackOptimizerState({ tensors: {}, metadata: { 'optimizer.param_groups': '{' } }),
    ).toThrow(/metadata 'optimizer.param_groups' is not valid JSON/);
  });
});
