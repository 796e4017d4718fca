/**
 * layerNorm, groupNorm and instanceNorm against direct loops in float64 (their PyTorch fixtures and
 * float32 gradchecks are in the backend kit), their relations to one another, and their errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  groupNorm,
  instanceNorm,
  layerNorm,
  memory,
  ones,
  reshape,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { expectClose, expectGradOk, f64, flat, t64 } from './nn-helpers.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

/** Standardises consecutive runs of `size` values (biased variance), by direct loops. */
function standardizeRuns(values: readonly number[], size: number, eps: number): number[] {
  const out: number[] = [];
  for (let start = 0; start < values.length; start += size) {
    const run = values.slice(start, start + size);
    const mu = run.reduce((a, v) => a + v, 0) / size;
    const variance = run.reduce((a, v) => a + (v - mu) ** 2, 0) / size;
    for (const v of run) out.push((v - mu) / Math.sqrt(variance + eps));
  }
  return out;
}

describe('layerNorm', () => {
  it('standardises each row over the last dim, then scales and shifts element-wise', () => {
    const x = t64([
      [1, 2, 3],
      [10, 10, 40],
    ]);
    const y = layerNorm(x, 3, { weight: t64([1, 2, -1]), bias: t64([0, 0.5, 1]), eps: 0 });
    const s = Math.sqrt(2 / 3);
    const s2 = Math.sqrt(200);
    expectClose(y, [-1 / s, 0.5, 1 - 1 / s, -10 / s2, 0.5 - 20 / s2, 1 - 20 / s2], 1e-12);
  });

  it('over several trailing dims is one standardisation of their product', () => {
    const x = f64([2, 3, 4, 5], 1);
    const y = layerNorm(x, [4, 5], { eps: 1e-3 });
    expect(y.shape).toEqual([2, 3, 4, 5]);
    expectClose(y, standardizeRuns(flat(x), 20, 1e-3), 1e-12);
  });

  it('has the gradient of its composition, with weight and bias', async () => {
    await expectGradOk(
      (x, w, b) => layerNorm(x, [3, 2], { weight: w, bias: b }),
      [f64([2, 3, 2], 2), f64([3, 2], 3), f64([3, 2], 4)],
    );
  });

  it('leaves nothing behind', () => {
    const x = f64([2, 6], 5);
    const before = memory().numTensors;
    layerNorm(x, 6).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('refuses bad arguments with messages that name them', () => {
    const x = zeros([2, 4]);
    expect(errorOf('layerNorm', () => layerNorm(x, 3))).toBe(
      'layerNorm: expected input [*,3] for normalizedShape [3], got input [2,4]',
    );
    expect(errorOf('layerNorm', () => layerNorm(x, [2, 4, 1]))).toBe(
      'layerNorm: expected input [*,2,4,1] for normalizedShape [2,4,1], got input [2,4]',
    );
    expect(errorOf('layerNorm', () => layerNorm(x, []))).toBe(
      'layerNorm: normalizedShape must be an integer ≥ 0 or a non-empty array of them, got []',
    );
    expect(errorOf('layerNorm', () => layerNorm(x, 1.5))).toBe(
      'layerNorm: normalizedShape must be an integer ≥ 0 or a non-empty array of them, got 1.5',
    );
    expect(errorOf('layerNorm', () => layerNorm(x, 4, { weight: ones([2, 4]) }))).toBe(
      'layerNorm: weight must be [4] (normalizedShape), got weight [2,4]',
    );
    expect(
      errorOf('layerNorm', () => layerNorm(x, 4, { bias: zeros([4], { dtype: 'float64' }) })),
    ).toBe('layerNorm: bias is float64 but input is float32');
    expect(errorOf('layerNorm', () => layerNorm(zeros([2, 4], { dtype: 'int32' }), 4))).toBe(
      'layerNorm: input must be a float tensor, got int32',
    );
    expect(errorOf('layerNorm', () => layerNorm(x, 4, { epsilon: 1 } as never))).toBe(
      "layerNorm: unknown option 'epsilon' (did you mean 'eps'?); the options are weight, bias, eps",
    );
    expect(errorOf('layerNorm', () => layerNorm(x, 4, { eps: -1 }))).toBe(
      "layerNorm: option 'eps' must be a number ≥ 0, got -1",
    );
  });
});

describe('groupNorm', () => {
  it('standardises each group of consecutive channels over its channels and positions', () => {
    const x = f64([2, 6, 3, 2], 6);
    const w = t64([1, 2, 3, 4, 5, 6]);
    const b = t64([0, -1, 1, 0, 2, 0.5]);
    const y = groupNorm(x, 3, { weight: w, bias: b, eps: 1e-4 });
    // Each group is 2 channels of 3 x 2 positions: 12 consecutive values of x.
    const z = standardizeRuns(flat(x), 12, 1e-4);
    const wv = flat(w);
    const bv = flat(b);
    const expected = z.map((v, i) => {
      const c = Math.floor(i / 6) % 6;
      return v * (wv[c] as number) + (bv[c] as number);
    });
    expectClose(y, expected, 1e-12);
  });

  it('with one group is layerNorm over [C, ...]; with one per channel, instanceNorm', () => {
    const x = f64([3, 4, 5], 7);
    expectClose(groupNorm(x, 1), flat(layerNorm(x, [4, 5])), 1e-12);
    expectClose(groupNorm(x, 4), flat(instanceNorm(x).output), 1e-12);
  });

  it('takes [N, C] without positions', () => {
    const x = t64([
      [1, 3, 0, 4],
      [2, 4, 5, 9],
    ]);
    expectClose(groupNorm(x, 2, { eps: 0 }), [-1, 1, -1, 1, -1, 1, -1, 1], 1e-12);
  });

  it('has the gradient of its composition, with weight and bias', async () => {
    await expectGradOk(
      (x, w, b) => groupNorm(x, 2, { weight: w, bias: b }),
      [f64([2, 4, 3], 8), f64([4], 9), f64([4], 10)],
    );
  });

  it('refuses bad arguments with messages that name them', () => {
    const x = zeros([2, 4, 3]);
    expect(errorOf('groupNorm', () => groupNorm(x, 3))).toBe(
      'groupNorm: numGroups 3 must divide the 4 channels of input [2,4,3]',
    );
    expect(errorOf('groupNorm', () => groupNorm(x, 0))).toBe(
      'groupNorm: numGroups must be an integer ≥ 1, got 0',
    );
    expect(errorOf('groupNorm', () => groupNorm(zeros([4]), 2))).toBe(
      'groupNorm: expected an input [N, C, ...] with at least 2 dims, got input [4]',
    );
    expect(errorOf('groupNorm', () => groupNorm(x, 2, { weight: ones([3]) }))).toBe(
      'groupNorm: weight must be [4] (one per channel of input [2,4,3]), got weight [3]',
    );
    expect(errorOf('groupNorm', () => groupNorm(x, 2, { num_groups: 2 } as never))).toBe(
      "groupNorm: unknown option 'num_groups'; the options are weight, bias, eps",
    );
  });
});

describe('instanceNorm', () => {
  it('standardises each (sample, channel) plane and applies per-channel weight and bias', () => {
    const x = f64([2, 3, 4, 2], 11);
    const w = t64([2, -1, 0.5]);
    const b = t64([1, 0, -2]);
    const { output, runningMean, runningVar } = instanceNorm(x, { weight: w, bias: b, eps: 0 });
    const z = standardizeRuns(flat(x), 8, 0);
    const wv = flat(w);
    const bv = flat(b);
    const c = (i: number) => Math.floor(i / 8) % 3;
    expectClose(
      output,
      z.map((v, i) => v * (wv[c(i)] as number) + (bv[c(i)] as number)),
      1e-12,
    );
    expect([runningMean, runningVar]).toEqual([null, null]);
  });

  it('folds the batch average of instance means and unbiased variances into running stats', () => {
    // Channel 0: planes [1, 3] and [5, 9]; channel 1: [0, 0] and [2, 4].
    const x = t64([
      [
        [1, 3],
        [0, 0],
      ],
      [
        [5, 9],
        [2, 4],
      ],
    ]);
    const r = instanceNorm(x, {
      runningMean: t64([1, 2]),
      runningVar: t64([1, 1]),
      momentum: 0.5,
    });
    // Means: (2 + 7) / 2 = 4.5 and (0 + 3) / 2 = 1.5; unbiased variances (2 + 8) / 2 = 5 and
    // (0 + 2) / 2 = 1.
    expectClose(r.runningMean as Tensor, [0.5 * 1 + 0.5 * 4.5, 0.5 * 2 + 0.5 * 1.5], 1e-12);
    expectClose(r.runningVar as Tensor, [0.5 + 0.5 * 5, 0.5 + 0.5 * 1], 1e-12);
    expect(r.runningMean?.requiresGrad).toBe(false);
  });

  it('normalises with the running statistics when useInputStats is false', () => {
    const x = t64([[[1, 2, 3]], [[4, 5, 6]]]);
    const rm = t64([2]);
    const rv = t64([4]);
    const r = instanceNorm(x, { runningMean: rm, runningVar: rv, useInputStats: false, eps: 0 });
    expectClose(r.output, [-0.5, 0, 0.5, 1, 1.5, 2], 1e-12);
    expectClose(r.runningMean as Tensor, [2], 0);
    expectClose(r.runningVar as Tensor, [4], 0);
    expect(r.runningMean).not.toBe(rm);
  });

  it('keeps the running statistics for an empty batch (no NaN folded in)', () => {
    const r = instanceNorm(zeros([0, 2, 3], { dtype: 'float64' }), {
      runningMean: t64([1, 2]),
      runningVar: t64([3, 4]),
    });
    expect(r.output.shape).toEqual([0, 2, 3]);
    expectClose(r.runningMean as Tensor, [1, 2], 0);
    expectClose(r.runningVar as Tensor, [3, 4], 0);
  });

  it('takes 3-d, 4-d and 5-d inputs alike', () => {
    const x = f64([2, 3, 2, 2, 3], 12);
    const y5 = instanceNorm(x).output;
    const y3 = instanceNorm(reshape(x, [2, 3, 12])).output;
    expectClose(y5, flat(y3), 1e-12);
  });

  it('has the gradient of its composition in both modes', async () => {
    const rm = f64([3], 13);
    const rv = tidy(() => f64([3], 14).abs().add(0.5));
    await expectGradOk(
      (x, w, b) => instanceNorm(x, { runningMean: rm, runningVar: rv, weight: w, bias: b }).output,
      [f64([2, 3, 4], 15), f64([3], 16), f64([3], 17)],
    );
    await expectGradOk(
      (x, w) =>
        instanceNorm(x, { runningMean: rm, runningVar: rv, weight: w, useInputStats: false })
          .output,
      [f64([2, 3, 4], 18), f64([3], 19)],
    );
  });

  it('refuses bad arguments with messages that name them', () => {
    const x = zeros([2, 3, 4]);
    expect(errorOf('instanceNorm', () => instanceNorm(zeros([2, 3])))).toBe(
      'instanceNorm: expected a 3-d, 4-d or 5-d input [N, C, ...spatial dims], got input [2,3]',
    );
    expect(errorOf('instanceNorm', () => instanceNorm(zeros([2, 3, 1])))).toBe(
      'instanceNorm: expected more than 1 spatial element per channel when using input statistics, got input [2,3,1]',
    );
    expect(errorOf('instanceNorm', () => instanceNorm(x, { runningMean: zeros([3]) }))).toBe(
      'instanceNorm: runningMean and runningVar must be given together (or both null)',
    );
    expect(errorOf('instanceNorm', () => instanceNorm(x, { useInputStats: false }))).toBe(
      'instanceNorm: runningMean and runningVar are required when useInputStats is false',
    );
    expect(
      errorOf('instanceNorm', () =>
        instanceNorm(x, { runningMean: zeros([4]), runningVar: ones([4]) }),
      ),
    ).toBe(
      'instanceNorm: runningMean must be [3] (one per channel of input [2,3,4]), got runningMean [4]',
    );
    expect(
      errorOf('instanceNorm', () => instanceNorm(x, { use_input_stats: false } as never)),
    ).toBe(
      "instanceNorm: unknown option 'use_input_stats' (did you mean 'useInputStats'?); the options are runningMean, runningVar, weight, bias, useInputStats, momentum, eps",
    );
    expect(
      errorOf('instanceNorm', () => instanceNorm(tensor([[[1, 2]]], { dtype: 'int32' }))),
    ).toBe('instanceNorm: input must be a float tensor, got int32');
  });
});
