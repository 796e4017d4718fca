import { beforeAll, describe, expect, it } from 'vitest';
import {
  argmax,
  clamp,
  concat,
  div,
  expand,
  flip,
  gather,
  index,
  logsumexp,
  matmul,
  max,
  mean,
  oneHot,
  pad,
  permute,
  reshape,
  StrideError,
  scatterAdd,
  softmax,
  split,
  stack,
  std,
  sum,
  tensor,
  variance,
  where,
} from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const arr = (t: { arraySync(): unknown }) => t.arraySync();

describe('element-wise', () => {
  it('broadcasts and promotes like PyTorch', () => {
    const a = tensor([[1], [2]]);
    const b = tensor([10, 20, 30]);
    expect(arr(a.add(b))).toEqual([
      [11, 21, 31],
      [12, 22, 32],
    ]);
    expect(a.add(b).dtype).toBe('int32');
    expect(a.add(0.5).dtype).toBe('float32');
    expect(div(tensor([1, 2]), 2).dtype).toBe('float32');
    expect(arr(div(tensor([1, 3]), 2))).toEqual([0.5, 1.5]);
    expect(arr(tensor([1, 2, 3]).gt(2))).toEqual([false, false, true]);
    expect(() => tensor([1, 2]).add(tensor([1, 2, 3]))).toThrow(
      /add: shapes \[2\] and \[3\] cannot be broadcast/,
    );
  });

  it('selects with where and clamps', () => {
    const x = tensor([-2, 0.5, 3]);
    expect(arr(where(x.gt(0), x, 0))).toEqual([0, 0.5, 3]);
    expect(arr(clamp(x, -1, 1))).toEqual([-1, 0.5, 1]);
  });
});

describe('reductions', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 7],
  ]).cast('float32');
  it('sums and means over axes with keepDims', () => {
    expect(arr(sum(x))).toBe(22);
    expect(arr(sum(x, 0))).toEqual([5, 7, 10]);
    expect(arr(sum(x, 1, true))).toEqual([[6], [16]]);
    expect(arr(mean(x, -1))).toEqual([2, 16 / 3].map(Math.fround));
  });
  it('finds extremes and their indices', () => {
    expect(arr(max(x, 1))).toEqual([3, 7]);
    expect(arr(argmax(x, 0))).toEqual([1, 1, 1]);
    expect(arr(argmax(x))).toBe(5);
  });
  it('computes variance, std, logsumexp and softmax', () => {
    expect((variance(x, 1).arraySync() as number[])[0]).toBeCloseTo(1, 6);
    expect((variance(x, 1, { correction: 0 }).arraySync() as number[])[0]).toBeCloseTo(2 / 3, 6);
    expect(std(x).arraySync() as number).toBeCloseTo(2.1602, 4);
    expect(logsumexp(tensor([1000, 1000], { dtype: 'float32' })).itemSync()).toBeCloseTo(
      1000 + Math.log(2),
      3,
    );
    const s = softmax(tensor([1, 2, 3]).cast('float32')).arraySync() as number[];
    expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(s[2]).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 6);
  });
});

describe('layout', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it('reshapes, permutes, expands and flips', () => {
    expect(arr(reshape(x, [3, -1]))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(arr(permute(x, [1, 0]))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(arr(x.transpose())).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(arr(expand(tensor([[1], [2]]), [2, 3]))).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(arr(flip(x, 1))).toEqual([
      [3, 2, 1],
      [6, 5, 4],
    ]);
    expect(() => reshape(x, [4, 2])).toThrow(/reshape: shape \[4,2\] is invalid for input \[2,3\]/);
  });
  it('indexes and slices with steps', () => {
    expect(arr(index(x, 1))).toEqual([4, 5, 6]);
    expect(arr(index(x, null, { step: 2 }))).toEqual([
      [1, 3],
      [4, 6],
    ]);
    expect(arr(index(x, null, { start: -2 }))).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(() => index(x, 2)).toThrow(/index: index 2 is out of range for dim 0 of size 2/);
  });
  it('concatenates, stacks and splits', () => {
    expect(arr(concat([x, x], 0))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(stack([x, x], 1).shape).toEqual([2, 2, 3]);
    expect(split(x, 2, 1).map((t) => t.shape)).toEqual([
      [2, 2],
      [2, 1],
    ]);
    expect(() => concat([x, tensor([1, 2])])).toThrow(/concat: tensors\[1\] \[2\] does not match/);
  });
  it('pads with constants, reflections and replicas', () => {
    const v = tensor([[1, 2, 3]]);
    expect(arr(pad(v, [2, 1]))).toEqual([[0, 0, 1, 2, 3, 0]]);
    expect(arr(pad(v, [2, 1], 'reflect'))).toEqual([[3, 2, 1, 2, 3, 2]]);
    expect(arr(pad(v, [2, 1], 'replicate'))).toEqual([[1, 1, 1, 2, 3, 3]]);
    expect(() => pad(v, [3, 0], 'reflect')).toThrow(/pad: reflect padding/);
  });
  it('gathers, scatters and one-hot encodes', () => {
    const idx = tensor([
      [2, 0],
      [1, 1],
    ]);
    expect(arr(gather(x, 1, idx))).toEqual([
      [3, 1],
      [5, 5],
    ]);
    expect(
      arr(
        scatterAdd(
          tensor([
            [0, 0, 0],
            [0, 0, 0],
          ]),
          1,
          idx,
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ),
      ),
    ).toEqual([
      [2, 0, 1],
      [0, 7, 0],
    ]);
    expect(arr(oneHot(tensor([0, 2]), 3))).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(() => oneHot(tensor([0, 3]), 3)).toThrow(
      /oneHot: indices holds 3, out of range for size 3/,
    );
    expect(() => gather(x, 1, tensor([[3]]))).toThrow(StrideError);
  });
});

describe('matmul', () => {
  it('multiplies vectors, matrices and broadcast batches', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]).cast('float32');
    expect(arr(matmul(a, a))).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(arr(matmul(tensor([1, 2]).cast('float32'), a))).toEqual([7, 10]);
    expect(arr(matmul(a, tensor([1, 1]).cast('float32')))).toEqual([3, 7]);
    expect(matmul(tensor([1, 2]).cast('float32'), tensor([3, 4]).cast('float32')).itemSync()).toBe(
      11,
    );
    const b = reshape(tensor([1, 0, 0, 1, 2, 0, 0, 2]).cast('float32'), [2, 1, 2, 2]);
    const c = matmul(b, reshape(a, [1, 2, 2]));
    expect(c.shape).toEqual([2, 1, 2, 2]);
    expect(arr(c)).toEqual([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      [
        [
          [2, 4],
          [6, 8],
        ],
      ],
    ]);
    expect(() => matmul(a, tensor([[1, 2, 3]]).cast('float32'))).toThrow(
      /matmul: shapes \[2,2\] and \[1,3\] cannot be multiplied \(2 != 1\)/,
    );
  });
});

describe('where with two numbers', () => {
  it('lifts both onto the condition backend', () => {
    const c = tensor([true, false, true]);
    expect(where(c, 1, 0).arraySync()).toEqual([1, 0, 1]);
    expect(where(c, 1, 0).dtype).toBe('int32');
    expect(where(c, 0.5, 0).arraySync()).toEqual([0.5, 0, 0.5]);
  });
});

describe('scalars', () => {
  it('softmax and gather treat a 0-d tensor as one element', () => {
    expect(softmax(tensor(3, { dtype: 'float32' })).arraySync()).toBe(1);
    expect(gather(tensor(7), 0, tensor(0)).arraySync()).toBe(7);
  });
});
