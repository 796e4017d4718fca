/** BatchNorm and Dropout behave differently in train() and eval(), as PyTorch's do. */
import { manualSeed, memory, randn, StrideError, type Tensor, tensor, tidy } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  Dropout,
  Linear,
  Sequential,
} from '../src/index.js';
import { must, useCpu } from './setup.js';

beforeAll(useCpu);

/** Per-channel mean, biased and unbiased variance of `[N, C, ...]`, by direct loops. */
function channelStats(x: Tensor): { mean: number[]; biased: number[]; unbiased: number[] } {
  const v = x.dataSync();
  const [n, c] = x.shape as [number, number];
  const inner = x.size / (n * c);
  const mean: number[] = [];
  const biased: number[] = [];
  const unbiased: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const vals: number[] = [];
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < inner; i++) vals.push(v[(b * c + ch) * inner + i] as number);
    }
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const ss = vals.reduce((a, b) => a + (b - m) ** 2, 0);
    mean.push(m);
    biased.push(ss / vals.length);
    unbiased.push(ss / (vals.length - 1));
  }
  return { mean, biased, unbiased };
}

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs((actual[i] as number) - (expected[i] as number))).toBeLessThan(tol);
  }
}

/** x with per-channel offsets and scales, so batch and running statistics differ clearly. */
function shiftedInput(shape: number[]): Tensor {
  return tidy(() => {
    const scale = tensor([0.5, 2, 3], { dtype: 'float32' }).reshape([
      1,
      3,
      ...shape.slice(2).map(() => 1),
    ]);
    const shift = tensor([4, -2, 1], { dtype: 'float32' }).reshape(scale.shape);
    return randn(shape, { seed: 7 }).mul(scale).add(shift);
  });
}

describe('BatchNorm', () => {
  it('normalises with batch statistics in training and updates the running ones', () => {
    const bn = new BatchNorm2d(3);
    tidy(() => {
      const x = shiftedInput([4, 3, 5, 5]);
      const stats = channelStats(x);
      const y = bn.forward(x);
      const out = channelStats(y);
      close(out.mean, [0, 0, 0]);
      close(
        out.biased,
        stats.biased.map((v) => v / (v + 1e-5)),
      );
      close(
        must(bn.runningMean).dataSync(),
        stats.mean.map((m) => 0.1 * m),
      );
      // PyTorch folds the unbiased batch variance into the running variance.
      close(
        must(bn.runningVar).dataSync(),
        stats.unbiased.map((v) => 0.9 + 0.1 * v),
        1e-4,
      );
      expect(must(bn.numBatchesTracked).itemSync()).toBe(1);
    });
    bn.dispose();
  });

  it('normalises with the running statistics in eval and leaves them alone', () => {
    const bn = new BatchNorm1d(3);
    tidy(() => {
      must(bn.runningMean).assign(tensor([1, -1, 0.5], { dtype: 'float32' }));
      must(bn.runningVar).assign(tensor([4, 0.25, 1], { dtype: 'float32' }));
      bn.eval();
      const x = shiftedInput([6, 3, 4]);
      const y = bn.forward(x);
      const xs = x.dataSync();
      const ys = y.dataSync();
      const rm = [1, -1, 0.5];
      const rv = [4, 0.25, 1];
      for (let i = 0; i < xs.length; i++) {
        const c = Math.floor(i / 4) % 3;
        const want = ((xs[i] as number) - (rm[c] as number)) / Math.sqrt((rv[c] as number) + 1e-5);
        expect(Math.abs((ys[i] as number) - want)).toBeLessThan(1e-5);
      }
      close(must(bn.runningMean).dataSync(), rm);
      close(must(bn.runningVar).dataSync(), rv);
      expect(must(bn.numBatchesTracked).itemSync()).toBe(0);
    });
    bn.dispose();
  });

  it('gives different outputs for the same input in train and eval', () => {
    const bn = new BatchNorm3d(3);
    tidy(() => {
      const x = shiftedInput([2, 3, 2, 3, 3]);
      const train = Array.from(bn.forward(x).dataSync());
      const evaluated = bn.eval().forward(x).dataSync();
      const diff = train.reduce(
        (m, v, i) => Math.max(m, Math.abs(v - (evaluated[i] as number))),
        0,
      );
      expect(diff).toBeGreaterThan(0.5);
    });
    bn.dispose();
  });

  it('counts batches and leaks nothing across many training steps', () => {
    const bn = new BatchNorm2d(3, { momentum: 0.5 });
    const x = shiftedInput([2, 3, 3, 3]);
    const base = memory();
    for (let i = 0; i < 25; i++) {
      tidy(() => {
        bn.forward(x);
      });
      expect(memory().numTensors).toBe(base.numTensors);
      expect(memory().numBytes).toBe(base.numBytes);
    }
    expect(must(bn.numBatchesTracked).itemSync()).toBe(25);
    // With the same batch every time the running mean converges to the batch mean.
    close(must(bn.runningMean).dataSync(), channelStats(x).mean, 1e-4);
    x.dispose();
    bn.dispose();
  });

  it('without running statistics uses the batch statistics in eval too', () => {
    const bn = new BatchNorm2d(3, { trackRunningStats: false });
    expect(bn.buffers()).toHaveLength(0);
    tidy(() => {
      const x = shiftedInput([4, 3, 2, 2]);
      const train = bn.forward(x).dataSync();
      const evaluated = bn.eval().forward(x).dataSync();
      expect(Array.from(evaluated)).toEqual(Array.from(train));
      close(channelStats(bn.forward(x)).mean, [0, 0, 0]);
    });
    bn.dispose();
  });

  it('rejects inputs of the wrong rank or channel count with clear errors', () => {
    const bn1 = new BatchNorm1d(3);
    const bn2 = new BatchNorm2d(3);
    const bn3 = new BatchNorm3d(3);
    tidy(() => {
      expect(() => bn2.forward(randn([2, 3, 4]))).toThrow(
        'BatchNorm2d: expected a 4-d input [N, C, H, W], got input [2,3,4]',
      );
      expect(() => bn1.forward(randn([2, 3, 4, 4]))).toThrow(
        'BatchNorm1d: expected a 2-d input [N, C] or a 3-d input [N, C, L], got input [2,3,4,4]',
      );
      expect(() => bn3.forward(randn([2, 3, 4, 4]))).toThrow(
        'BatchNorm3d: expected a 5-d input [N, C, D, H, W], got input [2,3,4,4]',
      );
      expect(() => bn2.forward(randn([2, 4, 3, 3]))).toThrow(
        'BatchNorm2d: expected 3 channels (numFeatures), got input [2,4,3,3] with 4',
      );
      // One value per channel has no variance to normalise by.
      expect(() => bn1.forward(randn([1, 3]))).toThrow(StrideError);
      expect(() => new BatchNorm2d(0)).toThrow(
        'BatchNorm2d: numFeatures must be an integer ≥ 1, got 0',
      );
      expect(() => new BatchNorm2d(3, { momentum: 2 })).toThrow(
        "BatchNorm2d: option 'momentum' must be a number ≥ 0 and ≤ 1, got 2",
      );
    });
    for (const m of [bn1, bn2, bn3]) m.dispose();
  });
});

describe('Dropout', () => {
  it('zeroes about p of the inputs and scales the rest by 1/(1-p) in training', () => {
    const drop = new Dropout(0.3);
    tidy(() => {
      const x = tensor(new Float32Array(20000).fill(1));
      x.requiresGrad = true;
      const y = drop.forward(x);
      const v = y.dataSync();
      let zeros = 0;
      for (const e of v) {
        if (e === 0) zeros++;
        else expect(e).toBeCloseTo(1 / 0.7, 6);
      }
      expect(Math.abs(zeros / v.length - 0.3)).toBeLessThan(0.015);
      // The gradient passes through the same mask and scale.
      y.backward(tensor(new Float32Array(20000).fill(1)));
      expect(Array.from(must(x.grad).dataSync())).toEqual(Array.from(v));
    });
  });

  it('passes inputs through unchanged in eval', () => {
    const drop = new Dropout(0.5).eval();
    tidy(() => {
      const x = randn([50]);
      const y = drop.forward(x);
      expect(y).not.toBe(x);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    });
  });

  it('draws its masks from the seeded global generator', () => {
    const drop = new Dropout();
    const run = (): number[] =>
      tidy(() => {
        manualSeed(42);
        return Array.from(drop.forward(tensor(new Float32Array(64).fill(1))).dataSync());
      });
    expect(run()).toEqual(run());
  });

  it('makes a model random in train and deterministic in eval', () => {
    const model = new Sequential(new Linear(8, 64), new Dropout(0.5), new Linear(64, 4));
    tidy(() => {
      const x = randn([3, 8]);
      const a = Array.from(model.forward(x).dataSync());
      const b = Array.from(model.forward(x).dataSync());
      expect(a).not.toEqual(b);
      model.eval();
      const c = Array.from(model.forward(x).dataSync());
      const d = Array.from(model.forward(x).dataSync());
      expect(c).toEqual(d);
    });
    model.dispose();
  });

  it('handles p = 0 and p = 1 and rejects other values', () => {
    tidy(() => {
      const x = randn([10]);
      expect(Array.from(new Dropout(0).forward(x).dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from(new Dropout(1).forward(x).dataSync()).every((v) => v === 0)).toBe(true);
    });
    expect(() => new Dropout(1.5)).toThrow('Dropout: p must be a number ≥ 0 and ≤ 1, got 1.5');
    expect(() => new Dropout(Number.NaN)).toThrow(
      'Dropout: p must be a number ≥ 0 and ≤ 1, got NaN',
    );
  });
});
