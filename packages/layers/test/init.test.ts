/** PyTorch's default initialisation: U(-1/√fanIn, 1/√fanIn) for weights and biases. */
import { manualSeed, type Tensor } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  fanIn,
  kaimingUniform,
  Linear,
  type Module,
} from '../src/index.js';
import { must, useCpu } from './setup.js';

beforeAll(async () => {
  await useCpu();
  // Fixed draws: the statistical bounds below then hold on every run, not just almost surely.
  manualSeed(2024);
});

function expectUniform(t: Tensor, bound: number): void {
  const v = t.dataSync();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let sq = 0;
  for (const e of v) {
    min = Math.min(min, e);
    max = Math.max(max, e);
    sum += e;
    sq += e * e;
  }
  const n = v.length;
  const mean = sum / n;
  const variance = sq / n - mean * mean;
  expect(min).toBeGreaterThanOrEqual(-bound);
  expect(max).toBeLessThan(bound);
  // Loose enough never to fail by chance (several standard errors), tight enough to catch a
  // wrong fan-in (a factor of 3 for a 3-wide kernel).
  if (n >= 1000) {
    expect(min).toBeLessThan(-0.97 * bound);
    expect(max).toBeGreaterThan(0.97 * bound);
    expect(Math.abs(mean)).toBeLessThan((6 * bound) / Math.sqrt(3 * n));
    expect(variance / ((bound * bound) / 3)).toBeGreaterThan(0.9);
    expect(variance / ((bound * bound) / 3)).toBeLessThan(1.1);
  }
}

describe('default initialisation', () => {
  const cases: [string, () => Module & { weight: Tensor; bias: Tensor | null }, number][] = [
    ['Linear(300, 50)', () => new Linear(300, 50), 300],
    ['Conv1d(4, 64, 5)', () => new Conv1d(4, 64, 5), 20],
    ['Conv2d(16, 32, 3)', () => new Conv2d(16, 32, 3), 144],
    ['Conv2d(8, 64, 3, groups 4)', () => new Conv2d(8, 64, 3, { groups: 4 }), 18],
    ['Conv3d(2, 32, [3, 2, 2])', () => new Conv3d(2, 32, [3, 2, 2]), 24],
  ];
  for (const [name, make, fan] of cases) {
    it(`${name}: weights and bias in ±1/√${fan}`, () => {
      const layer = make();
      expect(fanIn(layer.weight.shape)).toBe(fan);
      expectUniform(layer.weight, 1 / Math.sqrt(fan));
      expectUniform(layer.bias as Tensor, 1 / Math.sqrt(fan));
      layer.dispose();
    });
  }

  it('kaimingUniform follows the gain of its slope (a = 0 gives √(6 / fanIn))', () => {
    const w = kaimingUniform([64, 50], 0);
    expectUniform(w, Math.sqrt(6 / 50));
    w.dispose();
  });

  it('is reproducible with manualSeed', () => {
    manualSeed(3);
    const a = new Conv2d(2, 4, 3);
    manualSeed(3);
    const b = new Conv2d(2, 4, 3);
    const c = new Conv2d(2, 4, 3);
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    expect(Array.from(must(a.bias).dataSync())).toEqual(Array.from(must(b.bias).dataSync()));
    expect(Array.from(a.weight.dataSync())).not.toEqual(Array.from(c.weight.dataSync()));
    for (const m of [a, b, c]) m.dispose();
  });

  it('BatchNorm starts at weight 1, bias 0, running mean 0, running var 1', () => {
    const bn = new BatchNorm2d(3);
    expect(Array.from(must(bn.weight).dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(must(bn.bias).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(must(bn.runningMean).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(must(bn.runningVar).dataSync())).toEqual([1, 1, 1]);
    expect(must(bn.numBatchesTracked).itemSync()).toBe(0);
    bn.dispose();
  });

  it('honours the dtype option', () => {
    const layer = new Linear(3, 2, { dtype: 'float64', bias: false });
    expect(layer.weight.dtype).toBe('float64');
    expect(layer.bias).toBeNull();
    expect(layer.parameters()).toHaveLength(1);
    layer.dispose();
  });
});
