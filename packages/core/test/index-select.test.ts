/** indexSelect: slices picked along a dim (as torch.index_select), its gradient and its errors. */
import { beforeAll, describe, expect, it } from 'vitest';
import { gradcheck, indexSelect, memory, randn, tensor, tidy } from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('indexSelect', () => {
  const x = tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { dtype: 'float32' },
  );

  it('picks slices in the order given, repeats included', () => {
    expect(indexSelect(x, 1, tensor([2, 0, 2])).arraySync()).toEqual([
      [3, 1, 3],
      [6, 4, 6],
    ]);
    expect(x.indexSelect(-2, tensor([1])).arraySync()).toEqual([[4, 5, 6]]);
    // A 0-d index picks one slice and keeps the dim, as PyTorch does.
    expect(indexSelect(x, 1, tensor(1)).shape).toEqual([2, 1]);
    expect(indexSelect(x, 0, tensor([], { dtype: 'int32' })).shape).toEqual([0, 3]);
    const ints = indexSelect(tensor([7, 8, 9], { dtype: 'int32' }), 0, tensor([2, 2]));
    expect([ints.dtype, ints.arraySync()]).toEqual(['int32', [9, 9]]);
  });

  it('adds the gradient of each pick back at its place (float64 gradcheck)', async () => {
    const a = randn([4, 3, 2], { dtype: 'float64', seed: 5 });
    const index = tensor([3, 0, 3, 1]);
    for (const dim of [0, 2]) {
      const idx = dim === 0 ? index : tensor([1, 1, 0]);
      const r = await gradcheck((t) => indexSelect(t, dim, idx), [a]);
      expect(r.ok, `dim ${dim}`).toBe(true);
    }
    const y = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    indexSelect(y, 0, tensor([2, 0, 2]))
      .sum()
      .backward();
    expect(y.grad?.arraySync()).toEqual([1, 0, 2]);
  });

  it('leaks nothing', () => {
    const a = randn([5, 4], { requiresGrad: true });
    const before = memory().numTensors;
    tidy(() =>
      indexSelect(a, 1, tensor([3, 3, 0]))
        .sum()
        .backward(),
    );
    a.grad = null;
    expect(memory().numTensors).toBe(before);
  });

  it('refuses indices out of range and indices that are not a 1-d int32 tensor', () => {
    expect(errorOf('indexSelect', () => indexSelect(x, 1, tensor([0, 3])))).toBe(
      'indexSelect: index holds 3, out of range for size 3 of dim 1 (index [2])',
    );
    expect(errorOf('indexSelect', () => indexSelect(x, 0, tensor([-1])))).toBe(
      'indexSelect: index holds -1, out of range for size 2 of dim 0 (index [1])',
    );
    expect(errorOf('indexSelect', () => indexSelect(x, 0, tensor([0], { dtype: 'float32' })))).toBe(
      'indexSelect: index must be an int32 tensor, got float32',
    );
    expect(errorOf('indexSelect', () => indexSelect(x, 0, tensor([[0]])))).toBe(
      'indexSelect: index must be 1-d, got [1,1]',
    );
    expect(errorOf('indexSelect', () => indexSelect(x, 2, tensor([0])))).toBe(
      'indexSelect: dim 2 is out of range for a tensor of rank 2',
    );
    expect(errorOf('indexSelect', () => indexSelect(tensor(1), 0, tensor([0])))).toBe(
      'indexSelect: input must have at least 1 dim, got a 0-d tensor',
    );
  });
});
