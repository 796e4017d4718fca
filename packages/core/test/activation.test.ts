import { beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  dropout,
  elu,
  gelu,
  grad,
  leakyRelu,
  manualSeed,
  memory,
  ones,
  relu,
  silu,
  softplus,
  sum,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import { expectClose, expectGradOk, expectStrideError, f64, flat, t64 } from './nn-helpers.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

/** erf by its Maclaurin series (accurate to ~1e-15 for |x| < 3), to check exact GELU. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const xs = [-3, -1.5, -0.2, 0, 0.7, 2.5];
const derivative = (fn: (x: Tensor) => Tensor, at: number): number =>
  (grad((x: Tensor) => sum(fn(x)))(t64([at]))[0] as Tensor).itemSync();

describe('activations', () => {
  it('relu still works', () => {
    expect(relu(t64([-1, 0, 2])).arraySync()).toEqual([0, 0, 2]);
  });

  it('leakyRelu and elu by hand, with their gradients at 0 as in PyTorch', () => {
    expectClose(
      leakyRelu(t64(xs)),
      xs.map((v) => (v > 0 ? v : 0.01 * v)),
      1e-15,
    );
    expectClose(
      leakyRelu(t64(xs), 0.2),
      xs.map((v) => (v > 0 ? v : 0.2 * v)),
      1e-15,
    );
    expectClose(
      elu(t64(xs), 1.5),
      xs.map((v) => (v > 0 ? v : 1.5 * Math.expm1(v))),
      1e-15,
    );
    expect(derivative((x) => leakyRelu(x, 0.2), 0)).toBeCloseTo(0.2, 15);
    expect(derivative((x) => elu(x, 1.5), 0)).toBeCloseTo(1.5, 15);
    // Large inputs stay finite in both value and gradient (exp is never taken of them).
    expect(flat(elu(t64([1000])))).toEqual([1000]);
    expect(derivative((x) => elu(x), 1000)).toBe(1);
  });

  it('gelu exact and tanh-approximate', () => {
    expectClose(
      gelu(t64(xs)),
      xs.map((v) => 0.5 * v * (1 + erfSeries(v / Math.SQRT2))),
      1e-7,
    );
    const tanhGelu = (v: number) =>
      0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(gelu(t64(xs), { approximate: 'tanh' }), xs.map(tanhGelu), 1e-14);
  });

  it('silu and softplus, including the linear regime', () => {
    expectClose(
      silu(t64(xs)),
      xs.map((v) => v / (1 + Math.exp(-v))),
      1e-14,
    );
    expectClose(
      softplus(t64(xs)),
      xs.map((v) => Math.log1p(Math.exp(v))),
      1e-14,
    );
    expectClose(
      softplus(t64(xs), 2, 3),
      xs.map((v) => (2 * v > 3 ? v : Math.log1p(Math.exp(2 * v)) / 2)),
      1e-14,
    );
    expect(flat(softplus(t64([1e4])))).toEqual([1e4]);
    expect(derivative((x) => softplus(x), 1e4)).toBe(1);
  });

  it('gradients (float64 finite differences)', async () => {
    // Inputs kept away from 0, where leakyRelu and elu have kinks.
    const x = t64([-2.5, -1.2, -0.3, 0.4, 1.1, 2.7]);
    await expectGradOk((v) => leakyRelu(v, 0.1), [x]);
    await expectGradOk((v) => elu(v, 0.7), [x]);
    await expectGradOk((v) => gelu(v), [f64([7], 1)]);
    await expectGradOk((v) => gelu(v, { approximate: 'tanh' }), [f64([7], 2)]);
    await expectGradOk((v) => silu(v), [f64([7], 3)]);
    await expectGradOk((v) => softplus(v, 1.5, 2), [t64([-2, -0.5, 0.3, 1.2, 1.9])]);
  });

  const cases: [string, () => unknown, string[]][] = [
    [
      'leakyRelu on integers',
      () => leakyRelu(tensor([1, -1])),
      ['leakyRelu', 'input must be a float tensor, got int32'],
    ],
    [
      'a NaN slope',
      () => leakyRelu(zeros([2]), Number.NaN),
      ['leakyRelu', 'negativeSlope must be a finite number, got NaN'],
    ],
    [
      'elu alpha not a number',
      () => elu(zeros([2]), '1' as unknown as number),
      ['elu', "alpha must be a finite number, got '1'"],
    ],
    [
      'an unknown gelu approximation',
      () => gelu(zeros([2]), { approximate: 'erf' as 'none' }),
      ['gelu', "option 'approximate' must be one of 'none', 'tanh', got 'erf'"],
    ],
    ['softplus beta 0', () => softplus(zeros([2]), 0), ['softplus', 'beta must be non-zero']],
    ['silu on bool', () => silu(tensor([true])), ['silu', 'got bool']],
  ];
  for (const [name, fn, parts] of cases) {
    it(`rejects ${name}`, () => expectStrideError(fn, ...parts));
  }
});

describe('dropout', () => {
  it('zeroes about p of the entries and scales the rest by 1 / (1 - p)', () => {
    manualSeed(7);
    const y = flat(dropout(ones([20000]), 0.3));
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(kept.length / y.length).toBeGreaterThan(0.68);
    expect(kept.length / y.length).toBeLessThan(0.72);
  });

  it('is the identity outside training or with p = 0, and zeros with p = 1', () => {
    const x = f64([5], 4);
    expect(flat(dropout(x, 0.5, false))).toEqual(flat(x));
    expect(flat(dropout(x, 0))).toEqual(flat(x));
    // x * 0, as PyTorch computes it (so negative inputs give -0).
    expect(flat(dropout(x, 1)).map(Math.abs)).toEqual([0, 0, 0, 0, 0]);
  });

  it('routes the gradient through the same mask', () => {
    manualSeed(11);
    const x = ones([1000], { dtype: 'float64' });
    x.requiresGrad = true;
    const y = dropout(x, 0.4);
    const loss = sum(y);
    backward(loss);
    expect(flat(x.grad as Tensor)).toEqual(flat(y));
  });

  it('reproduces the same mask from the same seed and leaks nothing', () => {
    const x = ones([64]);
    const before = memory();
    manualSeed(3);
    const a = dropout(x, 0.5);
    manualSeed(3);
    const b = dropout(x, 0.5);
    expect(flat(a)).toEqual(flat(b));
    a.dispose();
    b.dispose();
    expect(memory()).toEqual(before);
  });

  const cases: [string, () => unknown, string[]][] = [
    [
      'p above 1',
      () => dropout(zeros([2]), 1.5),
      ['dropout', 'p must be a probability between 0 and 1, got 1.5'],
    ],
    ['negative p', () => dropout(zeros([2]), -0.1), ['dropout', 'got -0.1']],
    ['NaN p', () => dropout(zeros([2]), Number.NaN), ['dropout', 'got NaN']],
    [
      'integer input',
      () => dropout(tensor([1, 2])),
      ['dropout', 'input must be a float tensor, got int32'],
    ],
  ];
  for (const [name, fn, parts] of cases) {
    it(`rejects ${name}`, () => expectStrideError(fn, ...parts));
  }
});
