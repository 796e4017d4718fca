/**
 * Every optimizer configuration of fixtures/optimizers.json replayed step by step. In float64
 * the parameters must equal PyTorch's float64 run to 1e-10: any deviation from PyTorch's update
 * rule (an order of operations, a bias correction, where eps goes) shows far above that. In
 * float32 they must stay within rtol 1e-5 / atol 1e-6 of PyTorch's own float32 run, which does
 * the same float32 operations. The final state dict must equal PyTorch's, name for name.
 */
import { type DType, keep, memory, type Tensor, tidy } from '@stride/core';
import { describe, expect, it } from 'vitest';
import type { AnyOptimizer, LRScheduler } from '../src/index.js';
import {
  expectClose,
  type FixtureTensor,
  fromFixture,
  makeOptimizer,
  makeScheduler,
  OPTIMIZER_CASES,
  type OptimizerCase,
} from './helpers.js';

const TOL: Record<'float64' | 'float32', [rtol: number, atol: number]> = {
  float64: [1e-10, 1e-10],
  float32: [1e-5, 1e-6],
};

interface Run {
  params: Tensor[];
  opt: AnyOptimizer;
  /** Parameter values after every step. */
  trajectory: number[][][];
  dispose(): void;
}

/** The fixture's loss: Σ sum(a·(p − t)²) + sum(tanh(p)·b), a smooth non-quadratic surface. */
function lossOf(params: Tensor[], c: OptimizerCase, dtype: DType): Tensor {
  const loss = c.loss as NonNullable<OptimizerCase['loss']>;
  return tidy(() => {
    const terms = params.map((p, i) => {
      const a = fromFixture(loss.scales[i] as FixtureTensor, dtype);
      const t = fromFixture(loss.targets[i] as FixtureTensor, dtype);
      const b = fromFixture(loss.tilts[i] as FixtureTensor, dtype);
      return a.mul(p.sub(t).square()).sum().add(p.tanh().mul(b).sum());
    });
    return terms.reduce((x, y) => x.add(y));
  });
}

export function replay(c: OptimizerCase, dtype: DType, steps = c.float64.length): Run {
  const params = c.params.map((p) => fromFixture(p, dtype, true));
  const opt = makeOptimizer(c.optimizer, params, c.options, c.groups);
  // The optimizer cases step their scheduler without arguments: never ReduceLROnPlateau.
  const scheduler = c.scheduler ? (makeScheduler(opt, c.scheduler) as LRScheduler) : null;
  const trajectory: number[][][] = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    if (c.mode === 'grads') {
      const row = (c.grads as NonNullable<OptimizerCase['grads']>)[step] ?? [];
      params.forEach((p, i) => {
        const g = row[i];
        p.grad = g ? keep(fromFixture(g, dtype)) : null;
      });
    } else {
      tidy(() => lossOf(params, c, dtype).backward());
    }
    opt.step();
    scheduler?.step();
    trajectory.push(params.map((p) => Array.from(p.dataSync())));
  }
  return {
    params,
    opt,
    trajectory,
    dispose() {
      opt.zeroGrad();
      opt.dispose();
      for (const p of params) p.dispose();
    },
  };
}

describe('optimizer trajectories match PyTorch', () => {
  for (const c of OPTIMIZER_CASES) {
    describe(c.name, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        it(`${dtype}: parameters after each of ${c[dtype].length} steps`, () => {
          const before = memory().numTensors;
          const run = replay(c, dtype);
          const [rtol, atol] = TOL[dtype];
          c[dtype].forEach((expected, step) => {
            expected.forEach((values, i) => {
              expectClose(
                run.trajectory[step]?.[i] ?? [],
                values,
                rtol,
                atol,
                `step ${step + 1}, param ${i}`,
              );
            });
          });
          run.dispose();
          expect(memory().numTensors).toBe(before);
        });
      }

      it('state dict equals PyTorch state_dict() under the documented mapping', () => {
        const run = replay(c, 'float64');
        const sd = run.opt.stateDict();
        const expected = c.stateDict;
        expect(Object.keys(sd.state).sort()).toEqual(Object.keys(expected.state).sort());
        for (const [name, t] of Object.entries(sd.state)) {
          const want = expected.state[name] as { shape: number[]; data: number[] };
          expect(t.shape, name).toEqual(want.shape);
          // Step counts and NAdam's mu_product are float32 scalars whatever the parameters are.
          const scalar = name.endsWith('.step') || name.endsWith('.mu_product');
          expect(t.dtype, name).toBe(scalar ? 'float32' : 'float64');
          expectClose(t.dataSync(), want.data, 1e-10, 1e-10, name);
          t.dispose();
        }
        expect(sd.paramGroups.length).toBe(expected.paramGroups.length);
        sd.paramGroups.forEach((group, g) => {
          const want = expected.paramGroups[g] as Record<string, unknown>;
          expect(Object.keys(group).sort(), `paramGroups[${g}] keys`).toEqual(
            Object.keys(want).sort(),
          );
          for (const [key, value] of Object.entries(group)) {
            const w = want[key];
            if (typeof value === 'number') {
              expectClose([value], [w as number], 1e-12, 1e-15, `paramGroups[${g}].${key}`);
            } else if (Array.isArray(value) && typeof value[0] === 'number' && key !== 'params') {
              expectClose(
                value as number[],
                w as number[],
                1e-12,
                1e-15,
                `paramGroups[${g}].${key}`,
              );
            } else {
              expect(value, `paramGroups[${g}].${key}`).toEqual(w);
            }
          }
        });
        run.dispose();
      });
    });
  }
});
