/**
 * dropout1d, dropout2d and dropout3d: whole channels dropped, survivors scaled exactly, the
 * dropped fraction as likely as p says, draws reproducible from the global seed, and errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dropout1d,
  dropout2d,
  dropout3d,
  manualSeed,
  memory,
  ones,
  randn,
  sum,
  type Tensor,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const DROPOUTS = [
  ['dropout1d', dropout1d, [3, 5, 4]],
  ['dropout2d', dropout2d, [3, 5, 2, 3]],
  ['dropout3d', dropout3d, [2, 5, 2, 2, 3]],
] as const;

/**
 * Whether each channel of `y = f(x)` was kept; throws unless every channel is either all zero or
 * all its values are exactly x * (1 / (1 - p)) in float32, as the scaled mask gives them.
 */
function keptChannels(x: Tensor, y: Tensor, channelDims: number, p: number): boolean[] {
  const xv = x.dataSync();
  const yv = y.dataSync();
  const per = x.shape.slice(channelDims).reduce((a, d) => a * d, 1);
  const scale = Math.fround(1 / (1 - p));
  const kept: boolean[] = [];
  for (let c = 0; c < xv.length / per; c++) {
    const values = Array.from(yv.subarray(c * per, (c + 1) * per));
    const scaled = Array.from(xv.subarray(c * per, (c + 1) * per), (v) => Math.fround(v * scale));
    const dropped = values.every((v) => v === 0);
    if (!dropped) expect(values, `channel ${c}`).toEqual(scaled);
    kept.push(!dropped);
  }
  return kept;
}

describe.each(DROPOUTS)('%s', (name, f, shape) => {
  it('zeroes whole (sample, channel) blocks and scales the others by exactly 1 / (1 - p)', () => {
    manualSeed(1);
    const x = randn(shape as unknown as number[]);
    const kept = keptChannels(x, f(x, 0.4), 2, 0.4);
    expect(kept.length).toBe(shape[0] * shape[1]);
    // With 10 to 15 channels and p = 0.4 both outcomes occur (this seed is fixed).
    expect(kept.includes(true) && kept.includes(false)).toBe(true);
  });

  it('drops a fraction p of channels', () => {
    manualSeed(2);
    // 4000 channels: the dropped fraction's standard deviation is about 0.007 at p = 0.3.
    const x = ones([1000, 4, ...shape.slice(2)]);
    const dropped = keptChannels(x, f(x, 0.3), 2, 0.3).filter((k) => !k).length;
    expect(Math.abs(dropped / 4000 - 0.3)).toBeLessThan(0.03);
  });

  it('passes the input through with p = 0 or outside training, and zeroes it with p = 1', () => {
    const x = randn(shape as unknown as number[], { seed: 3 });
    for (const y of [f(x, 0), f(x, 0.5, false)]) {
      expect(y).not.toBe(x);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    }
    expect(Array.from(f(x, 1).dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('draws from the global generator: the same seed gives the same channels', () => {
    const x = randn(shape as unknown as number[], { seed: 4 });
    manualSeed(5);
    const a = Array.from(f(x, 0.5).dataSync());
    manualSeed(5);
    expect(Array.from(f(x, 0.5).dataSync())).toEqual(a);
  });

  it('sends the gradient through the kept channels, scaled like the values', () => {
    manualSeed(6);
    const x = randn(shape as unknown as number[], { requiresGrad: true });
    const y = f(x, 0.5);
    sum(y).backward();
    const g = (x.grad as Tensor).dataSync();
    const yv = y.dataSync();
    for (let i = 0; i < g.length; i++) expect(g[i]).toBe(yv[i] === 0 ? 0 : 2);
  });

  it('leaves nothing behind', () => {
    const x = randn(shape as unknown as number[], { seed: 7 });
    const before = memory().numTensors;
    f(x, 0.5).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('refuses a bad p, training flag or dtype', () => {
    const x = zeros(shape as unknown as number[]);
    expect(errorOf(name, () => f(x, 1.5))).toBe(
      `${name}: p must be a probability between 0 and 1, got 1.5`,
    );
    expect(errorOf(name, () => f(x, 0.5, 'yes' as never))).toBe(
      `${name}: training must be a boolean, got 'yes'`,
    );
    expect(errorOf(name, () => f(zeros(shape as unknown as number[], { dtype: 'int32' })))).toBe(
      `${name}: input must be a float tensor, got int32`,
    );
  });
});

describe('unbatched inputs', () => {
  it('dropout1d takes [C, L] and dropout3d [C, D, H, W], one draw per channel', () => {
    manualSeed(8);
    const x1 = randn([12, 5]);
    expect(keptChannels(x1, dropout1d(x1, 0.5), 1, 0.5).length).toBe(12);
    const x3 = randn([12, 2, 2, 2]);
    expect(keptChannels(x3, dropout3d(x3, 0.5), 1, 0.5).length).toBe(12);
  });
});

describe('input ranks', () => {
  it('are checked, and a 3-d input to dropout2d is refused as ambiguous', () => {
    expect(errorOf('dropout1d', () => dropout1d(zeros([2, 3, 4, 5])))).toBe(
      'dropout1d: expected a 2-d [C, L] or 3-d [N, C, L] input, got input [2,3,4,5]',
    );
    expect(errorOf('dropout2d', () => dropout2d(zeros([2, 3])))).toBe(
      'dropout2d: expected a 4-d input [N, C, H, W], got input [2,3]',
    );
    expect(errorOf('dropout2d', () => dropout2d(zeros([2, 3, 4])))).toBe(
      'dropout2d: a 3-d input is ambiguous (PyTorch 1.13 treats it as [N, C, L], later versions as an unbatched [C, H, W]): call dropout1d for [N, C, L], or pass [1, C, H, W]; got input [2,3,4]',
    );
    expect(errorOf('dropout3d', () => dropout3d(zeros([2, 3, 4])))).toBe(
      'dropout3d: expected a 4-d [C, D, H, W] or 5-d [N, C, D, H, W] input, got input [2,3,4]',
    );
    expect(errorOf('dropout2d', () => dropout2d(zeros([1]), 2))).toBe(
      'dropout2d: p must be a probability between 0 and 1, got 2',
    );
  });
});
