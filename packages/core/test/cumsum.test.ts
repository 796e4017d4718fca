/** cumsum: running sums along a dim (values as torch.cumsum), its gradient, and its errors. */
import { beforeAll, describe, expect, it } from 'vitest';
import { cumsum, gradcheck, memory, randn, tensor, tidy } from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('cumsum', () => {
  const x = tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { dtype: 'float32' },
  );

  it('sums along each dim, negative dims included', () => {
    expect(cumsum(x, 1).arraySync()).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(cumsum(x, -2).arraySync()).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
    expect(x.cumsum(0).arraySync()).toEqual(cumsum(x, 0).arraySync());
  });

  it('matches a sequential sum over a long dim (every step of the log-step scan)', () => {
    const n = 37;
    const ones = Array.from({ length: n }, (_, i) => i + 1);
    expect(cumsum(tensor(ones, { dtype: 'float64' }), 0).arraySync()).toEqual(
      ones.map((_, i) => ((i + 1) * (i + 2)) / 2),
    );
  });

  it('gives int32 for int32 and bool inputs, as torch gives an integer dtype', () => {
    const i = cumsum(tensor([3, -1, 4], { dtype: 'int32' }), 0);
    expect([i.dtype, i.arraySync()]).toEqual(['int32', [3, 2, 6]]);
    const b = cumsum(tensor([true, false, true, true]), 0);
    expect([b.dtype, b.arraySync()]).toEqual(['int32', [1, 1, 2, 3]]);
  });

  it('keeps 0-d and empty inputs as they are', () => {
    expect(cumsum(tensor(2.5, { dtype: 'float32' }), 0).arraySync()).toBe(2.5);
    expect(cumsum(tensor([], { dtype: 'float32' }).reshape([0, 3]), 1).shape).toEqual([0, 3]);
  });

  it('has the reverse running sum as its gradient (float64 gradcheck)', async () => {
    const a = randn([3, 6, 2], { dtype: 'float64', seed: 11 });
    for (const dim of [0, 1, -1]) {
      const r = await gradcheck((t) => cumsum(t, dim), [a]);
      expect(r.ok, `dim ${dim}`).toBe(true);
    }
    const y = tensor([1, 2, 3, 4], { dtype: 'float32', requiresGrad: true });
    cumsum(y, 0).sum().backward();
    expect(y.grad?.arraySync()).toEqual([4, 3, 2, 1]);
  });

  it('leaks nothing', () => {
    const a = randn([5, 9], { requiresGrad: true });
    const before = memory().numTensors;
    tidy(() => cumsum(a, 1).square().sum().backward());
    a.grad = null;
    expect(memory().numTensors).toBe(before);
  });

  it('needs a dim in range', () => {
    expect(errorOf('cumsum', () => cumsum(x, 2))).toBe(
      'cumsum: dim 2 is out of range for a tensor of rank 2',
    );
    expect(errorOf('cumsum', () => (cumsum as (t: unknown) => unknown)(x))).toBe(
      'cumsum: dim is required: the dim to sum along',
    );
    expect(errorOf('cumsum', () => cumsum([1, 2] as never, 0))).toBe(
      'cumsum: input must be a Tensor, got an array',
    );
  });
});
