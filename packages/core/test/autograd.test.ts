import { beforeAll, describe, expect, it } from 'vitest';
import {
  concat,
  cos,
  grad,
  gradcheck,
  index,
  logSoftmax,
  logsumexp,
  matmul,
  max,
  noGrad,
  pad,
  randn,
  StrideError,
  sin,
  softmax,
  std,
  sum,
  type Tensor,
  tensor,
  valueAndGrad,
  where,
} from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const f64 = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', seed });

describe('backward', () => {
  it('computes and accumulates leaf gradients', () => {
    const x = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(x.grad?.arraySync()).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(x.grad?.arraySync()).toEqual([5, 7, 9]);
  });

  it('handles shared subexpressions (diamonds)', () => {
    const x = tensor([2], { dtype: 'float32', requiresGrad: true });
    const a = x.mul(3);
    const y = a.mul(a).add(a).sum(); // 9x² + 3x → 18x + 3 = 39
    y.backward();
    expect(x.grad?.arraySync()).toEqual([39]);
  });

  it('does not record under noGrad and after detach', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(x.detach().mul(2).requiresGrad).toBe(false);
    expect(x.mul(2).requiresGrad).toBe(true);
  });

  it('refuses a non-scalar without a gradient and a second pass through a freed graph', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(
      /backward: grad can be implicitly created only for scalar outputs; tensor has shape \[2\]/,
    );
    y.backward(tensor([1, 1]).cast('float32'));
    expect(x.grad?.arraySync()).toEqual([2, 2]);
    expect(() => y.sum().backward()).toThrow(
      /backward: trying to backward through the graph a second time/,
    );
    expect(() => tensor([1, 2]).cast('float32').sum().backward()).toThrow(StrideError);
  });

  it('supports the functional grad and valueAndGrad', () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b).sum();
    const [ga, gb] = grad(f)(tensor([1, 2]).cast('float32'), tensor([3, 4]).cast('float32'));
    expect(ga?.arraySync()).toEqual([3, 4]);
    expect(gb?.arraySync()).toEqual([1, 2]);
    const { value, grads } = valueAndGrad((a: Tensor) => a.square().sum())(
      tensor([3]).cast('float32'),
    );
    expect(value.itemSync()).toBe(9);
    expect(grads[0]?.arraySync()).toEqual([6]);
  });
});

describe('gradcheck (float64 finite differences)', () => {
  const cases: [string, (...xs: Tensor[]) => Tensor, number[][]][] = [
    [
      'broadcast arithmetic',
      (a, b) =>
        a
          .mul(b)
          .add(a.div(b.abs().add(1)))
          .sub(b),
      [[2, 3], [3]],
    ],
    ['pow', (a, b) => a.abs().add(0.5).pow(b), [[4], [4]]],
    ['unary chain', (a) => a.exp().add(a.sigmoid()).add(a.tanh()).add(sin(a)).mul(cos(a)), [[5]]],
    ['where and maximum', (a, b) => where(a.gt(0), a.maximum(b), b.mul(2)), [[6], [6]]],
    [
      'sum/mean/max over dims',
      (a) =>
        max(a, 1)
          .add(a.mean(0).sum())
          .add(sum(a, [0, 1])),
      [[3, 4]],
    ],
    ['std and logsumexp', (a) => std(a, 1).add(logsumexp(a, 1)), [[3, 5]]],
    ['softmax and logSoftmax', (a) => softmax(a, 1).mul(logSoftmax(a, 0)), [[3, 4]]],
    [
      'matmul with broadcast batches',
      (a, b) => matmul(a, b),
      [
        [2, 1, 3, 4],
        [3, 4, 2],
      ],
    ],
    [
      'transpose, index, concat',
      (a) => concat([index(a.transpose(), { step: 2 }), a.transpose()], 0),
      [[3, 4]],
    ],
    [
      'reflect and replicate pad',
      (a) => pad(a, [2, 1], 'reflect').add(pad(a, [2, 1], 'replicate')),
      [[2, 4]],
    ],
    ['constant pad', (a) => pad(a, [1, 2, 0, 1], 'constant', 3), [[2, 3]]],
  ];
  for (const [name, fn, shapes] of cases) {
    it(name, async () => {
      const inputs = shapes.map((s, i) => f64(s, 100 + i));
      const r = await gradcheck(fn, inputs);
      expect(r.maxError).toBeLessThan(1e-6);
      expect(r.ok).toBe(true);
    });
  }

  it('notices a wrong gradient', async () => {
    // The detached square changes the value but not the recorded gradient, so autograd and
    // finite differences disagree: the check must fail, or it proves nothing.
    const wrong = (a: Tensor) => a.detach().mul(a.detach()).add(a);
    const r = await gradcheck(wrong, [f64([3], 1)]);
    expect(r.ok).toBe(false);
  });
});
