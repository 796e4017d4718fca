/** maskedFill: a value where a bool mask is set (as torch.masked_fill), gradients and errors. */
import { beforeAll, describe, expect, it } from 'vitest';
import { gradcheck, maskedFill, memory, randn, tensor, tidy } from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

describe('maskedFill', () => {
  const x = tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { dtype: 'float32' },
  );

  it('fills where the mask is set, broadcasting the mask', () => {
    expect(maskedFill(x, tensor([false, true, true]), -Infinity).arraySync()).toEqual([
      [1, -Infinity, -Infinity],
      [4, -Infinity, -Infinity],
    ]);
    expect(x.maskedFill(tensor([[true], [false]]), 0).arraySync()).toEqual([
      [0, 0, 0],
      [4, 5, 6],
    ]);
  });

  it('broadcasts the input to a larger mask, as torch.masked_fill does', () => {
    const row = tensor([1, 2], { dtype: 'float32' });
    const mask = tensor([
      [true, false],
      [false, true],
    ]);
    expect(maskedFill(row, mask, 9).arraySync()).toEqual([
      [9, 2],
      [1, 9],
    ]);
  });

  it("keeps the input's dtype, for a number or a 0-d tensor value", () => {
    const ints = maskedFill(tensor([1, 2, 3], { dtype: 'int32' }), tensor([true, false, true]), 7);
    expect([ints.dtype, ints.arraySync()]).toEqual(['int32', [7, 2, 7]]);
    const bools = maskedFill(tensor([true, true]), tensor([false, true]), false);
    expect([bools.dtype, bools.arraySync()]).toEqual(['bool', [true, false]]);
    const v = tensor(0.5, { dtype: 'float64' });
    const out = maskedFill(x, tensor([true, false, false]), v);
    expect([out.dtype, out.arraySync()]).toEqual([
      'float32',
      [
        [0.5, 2, 3],
        [0.5, 5, 6],
      ],
    ]);
  });

  it('sends gradients to the input where unmasked and to a tensor value where masked', async () => {
    const a = randn([3, 4], { dtype: 'float64', seed: 2 });
    const value = randn([], { dtype: 'float64', seed: 3 });
    const mask = tensor([true, false, true, false]);
    const r = await gradcheck((t, v) => maskedFill(t, mask, v as never), [a, value]);
    expect(r.ok).toBe(true);
    const y = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const w = tensor(5, { dtype: 'float32', requiresGrad: true });
    maskedFill(y, tensor([true, false, true]), w)
      .sum()
      .backward();
    expect([y.grad?.arraySync(), w.grad?.arraySync()]).toEqual([[0, 1, 0], 2]);
  });

  it('leaks nothing', () => {
    const a = randn([4, 3], { requiresGrad: true });
    const before = memory().numTensors;
    tidy(() =>
      maskedFill(a, tensor([true, false, true]), 0)
        .sum()
        .backward(),
    );
    a.grad = null;
    expect(memory().numTensors).toBe(before);
  });

  it('refuses a mask that is not bool or does not broadcast, and values the dtype cannot hold', () => {
    expect(errorOf('maskedFill', () => maskedFill(x, tensor([1, 0, 1]), 0))).toBe(
      'maskedFill: mask must be a bool tensor, got int32',
    );
    expect(errorOf('maskedFill', () => maskedFill(x, tensor([true, false]), 0))).toBe(
      'maskedFill: shapes [2,3] and [2] cannot be broadcast together',
    );
    expect(
      errorOf('maskedFill', () => maskedFill(tensor([1, 2]), tensor([true, false]), 2.5)),
    ).toBe('maskedFill: value must be an integer for dtype int32, got 2.5');
    expect(
      errorOf('maskedFill', () =>
        maskedFill(x, tensor([true, false, true]), tensor([1, 2], { dtype: 'float32' })),
      ),
    ).toBe('maskedFill: value must be a number or a 0-d tensor, got a tensor [2]');
    expect(
      errorOf('maskedFill', () => maskedFill(x, tensor([true, false, true]), '1' as never)),
    ).toBe("maskedFill: value must be a number, a boolean or a 0-d tensor, got '1'");
  });
});
