/** numel, sizeAt and viewAs: PyTorch's numel(), size(dim) and view_as. */
import { beforeAll, describe, expect, it } from 'vitest';
import { arange, numel, sizeAt, tensor, viewAs, zeros } from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('sizes', () => {
  const x = zeros([2, 3, 4]);

  it('numel counts the elements, also of a 0-d and an empty tensor', () => {
    expect([numel(x), x.numel(), numel(tensor(5)), numel(zeros([3, 0]))]).toEqual([24, 24, 1, 0]);
  });

  it('sizeAt reads one dim, counting negative dims from the end', () => {
    expect([sizeAt(x, 0), x.sizeAt(1), sizeAt(x, -1), sizeAt(x, -3)]).toEqual([2, 3, 4, 2]);
    expect(errorOf('sizeAt', () => sizeAt(x, 3))).toBe(
      'sizeAt: dim 3 is out of range for a tensor of rank 3 ([2,3,4]): use -3 to 2',
    );
    expect(errorOf('sizeAt', () => x.sizeAt(-4))).toBe(
      'sizeAt: dim -4 is out of range for a tensor of rank 3 ([2,3,4]): use -3 to 2',
    );
    expect(errorOf('sizeAt', () => sizeAt(tensor(5), 0))).toBe(
      'sizeAt: dim 0 is out of range: a 0-d tensor has no dims',
    );
    expect(errorOf('sizeAt', () => sizeAt(x, 1.5))).toBe(
      'sizeAt: dim 1.5 is out of range for a tensor of rank 3 ([2,3,4]): use -3 to 2',
    );
  });

  it("viewAs takes another tensor's shape, with gradients", () => {
    const flat = arange(6, { dtype: 'float32', requiresGrad: true });
    const other = zeros([2, 3], { dtype: 'int32' });
    const v = viewAs(flat, other);
    expect(v.arraySync()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    v.mul(tensor([1, 2, 3], { dtype: 'float32' }))
      .sum()
      .backward();
    expect(flat.grad?.arraySync()).toEqual([1, 2, 3, 1, 2, 3]);
    expect(errorOf('viewAs', () => flat.viewAs(zeros([4])))).toBe(
      'viewAs: input [6] has 6 elements but other [4] has 4',
    );
    expect(errorOf('viewAs', () => viewAs(flat, [2, 3] as never))).toBe(
      'viewAs: other must be a Tensor, got an array',
    );
  });
});
