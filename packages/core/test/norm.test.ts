import { beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  batchNorm,
  memory,
  ones,
  sum,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import {
  expectClose,
  expectGradOk,
  expectStrideError,
  f64,
  flat,
  forEachIndex,
  offsetOf,
  t64,
} from './nn-helpers.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

/** Per-channel mean and biased variance of `[N, C, ...]`, by direct loops. */
function channelStats(x: Tensor): { mean: number[]; variance: number[]; count: number } {
  const v = flat(x);
  const c = x.shape[1] as number;
  const sums = new Array<number>(c).fill(0);
  const sq = new Array<number>(c).fill(0);
  forEachIndex(x.shape, (idx) => {
    sums[idx[1]] += v[offsetOf(x.shape, idx)];
  });
  const count = x.size / c;
  const mean = sums.map((s) => s / count);
  forEachIndex(x.shape, (idx) => {
    sq[idx[1]] += (v[offsetOf(x.shape, idx)] - mean[idx[1]]) ** 2;
  });
  return { mean, variance: sq.map((s) => s / count), count };
}

describe('batchNorm', () => {
  it('training on [N, C] normalises with the biased batch variance and updates running stats', () => {
    const x = t64([
      [1, 10],
      [3, 20],
      [5, 60],
    ]);
    const { output, runningMean, runningVar } = batchNorm(
      x,
      zeros([2], { dtype: 'float64' }),
      ones([2], { dtype: 'float64' }),
      {
        training: true,
        eps: 0,
      },
    );
    // Channel 0: mean 3, biased var 8/3; channel 1: mean 30, biased var 1400/3.
    const s0 = Math.sqrt(8 / 3);
    const s1 = Math.sqrt(1400 / 3);
    expectClose(output, [-2 / s0, -20 / s1, 0, -10 / s1, 2 / s0, 30 / s1], 1e-12);
    // running = 0.9 * old + 0.1 * batch, with the unbiased variance (4 and 700).
    expectClose(runningMean as Tensor, [0.3, 3], 1e-12);
    expectClose(runningVar as Tensor, [0.9 + 0.4, 0.9 + 70], 1e-12);
    expect(runningMean?.requiresGrad).toBe(false);
  });

  it('training on [N, C, H, W] with weight, bias, momentum and eps matches direct loops', () => {
    const x = f64([3, 2, 4, 5], 1);
    const weight = t64([2, -0.5]);
    const bias = t64([0.25, 1]);
    const rm = t64([0.5, -1]);
    const rv = t64([2, 3]);
    const eps = 1e-3;
    const r = batchNorm(x, rm, rv, { weight, bias, training: true, momentum: 0.3, eps });
    const { mean, variance, count } = channelStats(x);
    const xv = flat(x);
    const expected: number[] = [];
    forEachIndex(x.shape, (idx) => {
      const c = idx[1];
      const w = c === 0 ? 2 : -0.5;
      const b = c === 0 ? 0.25 : 1;
      expected.push(
        ((xv[offsetOf(x.shape, idx)] - mean[c]) / Math.sqrt(variance[c] + eps)) * w + b,
      );
    });
    expectClose(r.output, expected, 1e-10);
    expectClose(
      r.runningMean as Tensor,
      [0.7 * 0.5 + 0.3 * mean[0], 0.7 * -1 + 0.3 * mean[1]],
      1e-12,
    );
    const unbiased = variance.map((v) => (v * count) / (count - 1));
    expectClose(
      r.runningVar as Tensor,
      [0.7 * 2 + 0.3 * unbiased[0], 0.7 * 3 + 0.3 * unbiased[1]],
      1e-12,
    );
  });

  it('evaluation normalises with the running statistics and returns them unchanged', () => {
    const x = t64([[[1, 2]], [[3, 4]]]);
    const r = batchNorm(x, t64([1]), t64([4]), { weight: t64([3]), bias: t64([1]), eps: 0 });
    expectClose(r.output, [1, 2.5, 4, 5.5], 1e-12);
    expectClose(r.runningMean as Tensor, [1], 0);
    expectClose(r.runningVar as Tensor, [4], 0);
  });

  it('training without running statistics returns null for them; 3-d and 5-d inputs work', () => {
    const r = batchNorm(f64([4, 3, 5], 2), null, null, { training: true });
    expect(r.runningMean).toBeNull();
    expect(r.runningVar).toBeNull();
    // Normalised channels have mean 0 and (biased) variance about 1.
    const s = channelStats(r.output);
    expectClose(s.mean, [0, 0, 0], 1e-12);
    expectClose(s.variance, [1, 1, 1], 1e-4);
    expect(batchNorm(f64([2, 2, 2, 3, 2], 3), null, null, { training: true }).output.shape).toEqual(
      [2, 2, 2, 3, 2],
    );
  });

  it('gradients in training through the batch statistics (float64 finite differences)', async () => {
    await expectGradOk(
      (x, w, b) => batchNorm(x, null, null, { weight: w, bias: b, training: true }).output,
      [f64([3, 2, 3, 2], 4), f64([2], 5), f64([2], 6)],
    );
    await expectGradOk(
      (x) => batchNorm(x, null, null, { training: true }).output,
      [f64([5, 3], 7)],
    );
  });

  it('gradients in evaluation', async () => {
    const rm = f64([3], 8);
    const rv = t64([0.5, 1, 2]);
    await expectGradOk(
      (x, w, b) => batchNorm(x, rm, rv, { weight: w, bias: b }).output,
      [f64([2, 3, 4], 9), f64([3], 10), f64([3], 11)],
    );
  });

  it('leaks nothing', () => {
    const x = f64([4, 3, 2, 2], 12);
    x.requiresGrad = true;
    const rm = zeros([3], { dtype: 'float64' });
    const rv = ones([3], { dtype: 'float64' });
    const before = memory();
    const r = batchNorm(x, rm, rv, { training: true });
    const loss = sum(r.output);
    backward(loss);
    for (const t of [
      r.output,
      r.runningMean as Tensor,
      r.runningVar as Tensor,
      loss,
      x.grad as Tensor,
    ])
      t.dispose();
    x.grad = null;
    expect(memory()).toEqual(before);
  });

  const x = () => zeros([4, 3, 2]);
  const c3 = () => zeros([3]);
  const cases: [string, () => unknown, string[]][] = [
    [
      'running mean of the wrong size',
      () => batchNorm(x(), zeros([2]), c3(), { training: true }),
      ['batchNorm', 'runningMean must be [3]', 'input [4,3,2]', 'runningMean [2]'],
    ],
    [
      'weight of the wrong size',
      () => batchNorm(x(), c3(), c3(), { weight: zeros([3, 1]) }),
      ['batchNorm', 'weight must be [3]', 'weight [3,1]'],
    ],
    [
      'bias dtype',
      () => batchNorm(x(), c3(), c3(), { bias: zeros([3], { dtype: 'float64' }) }),
      ['batchNorm', 'bias is float64 but input is float32'],
    ],
    [
      'evaluation without running stats',
      () => batchNorm(x(), null, null),
      ['batchNorm', 'runningMean and runningVar are required in evaluation mode'],
    ],
    [
      'only one running stat',
      () => batchNorm(x(), c3(), null, { training: true }),
      ['batchNorm', 'must be given together'],
    ],
    [
      'one value per channel in training',
      () => batchNorm(zeros([1, 3]), null, null, { training: true }),
      ['batchNorm', 'expected more than 1 value per channel when training, got input [1,3]'],
    ],
    [
      'rank 1 input',
      () => batchNorm(zeros([3]), c3(), c3()),
      ['batchNorm', 'at least 2 dims', 'input [3]'],
    ],
    [
      'integer input',
      () =>
        batchNorm(
          tensor([
            [1, 2],
            [3, 4],
          ]),
          null,
          null,
          { training: true },
        ),
      ['batchNorm', 'input must be a float tensor, got int32'],
    ],
    [
      'negative eps',
      () => batchNorm(x(), c3(), c3(), { eps: -1 }),
      ['batchNorm', "option 'eps' must be a number ≥ 0, got -1"],
    ],
    [
      'NaN momentum',
      () => batchNorm(x(), c3(), c3(), { momentum: Number.NaN, training: true }),
      ['batchNorm', "option 'momentum' must be a number, got NaN"],
    ],
  ];
  for (const [name, fn, parts] of cases) {
    it(`rejects ${name}`, () => expectStrideError(fn, ...parts));
  }
});
