import { beforeAll, describe, expect, it } from 'vitest';
import {
  arange,
  eye,
  full,
  linspace,
  manualSeed,
  ones,
  rand,
  randint,
  randn,
  StrideError,
  tensor,
  zeros,
} from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('creation', () => {
  it('infers shape and dtype from nested arrays like PyTorch', async () => {
    const f = tensor([
      [1, 2.5],
      [3, 4],
    ]);
    expect(f.shape).toEqual([2, 2]);
    expect(f.dtype).toBe('float32');
    expect(await f.array()).toEqual([
      [1, 2.5],
      [3, 4],
    ]);
    expect(tensor([1, 2, 3]).dtype).toBe('int32');
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(await tensor([true, false]).array()).toEqual([true, false]);
    expect(tensor(5).shape).toEqual([]);
    expect(await tensor(5).item()).toBe(5);
  });

  it('takes typed arrays with a shape', () => {
    const t = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    expect(t.dtype).toBe('float64');
    expect(t.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('rejects ragged arrays and bad shapes', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: values are ragged/);
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow(
      /shape \[2,3\] needs 6 values but 5/,
    );
    expect(() => zeros([2, Number.NaN])).toThrow(StrideError);
    expect(() => zeros([2, -1])).toThrow(/^zeros: shape must hold non-negative integers/);
    expect(() => full([2], 1, { dtype: 'float16' as never })).toThrow(
      "full: option 'dtype' must be one of 'float32', 'float64', 'int32', 'bool', got 'float16'",
    );
  });

  it('makes ranges, identities and constants', () => {
    expect(arange(5).arraySync()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25).arraySync()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(1, 2, 0.25).dtype).toBe('float32');
    expect(linspace(0, 1, 5).arraySync()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(eye(2, 3).arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(ones([2], { dtype: 'int32' }).arraySync()).toEqual([1, 1]);
    expect(() => arange(0, 5, 0)).toThrow(/arange: step must be non-zero/);
  });

  it('reshapes and views with the sizes as one array or as separate arguments, as PyTorch', () => {
    const x = arange(6);
    for (const y of [x.reshape([2, -1]), x.reshape(2, -1), x.view(2, -1), x.view([2, -1])]) {
      expect(y.shape).toEqual([2, 3]);
    }
    expect(x.reshape(6).shape).toEqual([6]);
    expect(() => x.view([4, -1])).toThrow('view: shape [4,-1] is invalid for input [6] of size 6');
  });

  it('draws the same numbers from the same seed', () => {
    manualSeed(7);
    const a = rand([100]).dataSync();
    manualSeed(7);
    const b = rand([100]).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = rand([100]).dataSync();
    expect(Array.from(c)).not.toEqual(Array.from(a));
    expect(Array.from(rand([3], { seed: 5 }).dataSync())).toEqual(
      Array.from(rand([3], { seed: 5 }).dataSync()),
    );
  });

  it('has sensible random statistics', () => {
    manualSeed(1);
    const u = Array.from(rand([20000]).dataSync());
    const n = Array.from(randn([20000]).dataSync());
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const m = mean(n);
    const sd = Math.sqrt(mean(n.map((x) => (x - m) ** 2)));
    expect(mean(u)).toBeCloseTo(0.5, 1);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const r = Array.from(randint(3, 7, [5000]).dataSync());
    expect(new Set(r)).toEqual(new Set([3, 4, 5, 6]));
  });

  it('prints like PyTorch', () => {
    expect(
      tensor([
        [1, 2.5],
        [3, 4],
      ]).toString(),
    ).toBe('tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])');
    expect(tensor([1, 2, 3]).toString()).toBe('tensor([1, 2, 3])');
    expect(tensor([1.0, 2.0]).toString()).toBe('tensor([1, 2])');
    expect(tensor([true, false]).toString()).toBe('tensor([True, False], dtype=bool)');
  });
});

describe('console output', () => {
  it('console.log in Node shows the PyTorch-style text', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(tensor([1, 2, 3]))).toBe('tensor([1, 2, 3])');
  });
});
