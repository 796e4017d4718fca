/**
 * zero_, fill_ and copy_: in-place updates of leaf tensors (parameters, buffers, gradients), under
 * noGrad semantics, refused for results of ops and for mismatched sources.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memory, noGrad, type Tensor, tensor, tidy, zeros } from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const param = (v: number[]) => tensor(v, { dtype: 'float32', requiresGrad: true });

describe('in-place updates', () => {
  it('zero_, fill_ and copy_ replace the numbers and return the tensor itself', () => {
    const p = param([1, 2, 3]);
    expect(p.zero_()).toBe(p);
    expect(p.arraySync()).toEqual([0, 0, 0]);
    expect(p.fill_(2.5).arraySync()).toEqual([2.5, 2.5, 2.5]);
    expect(p.copy_(tensor([4, 5, 6], { dtype: 'float32' })).arraySync()).toEqual([4, 5, 6]);
    // A source that broadcasts to the shape, as in PyTorch.
    expect(p.copy_(tensor([7], { dtype: 'float32' })).arraySync()).toEqual([7, 7, 7]);
    const ints = zeros([2, 2], { dtype: 'int32' });
    expect(ints.fill_(3).arraySync()).toEqual([
      [3, 3],
      [3, 3],
    ]);
    expect(zeros([2], { dtype: 'bool' }).fill_(true).arraySync()).toEqual([true, true]);
  });

  it('record no gradient: the tensor stays a leaf that requires grad', () => {
    const p = param([1, 2]);
    p.copy_(param([3, 4]));
    expect([p.isLeaf, p.requiresGrad]).toEqual([true, true]);
    p.mul(p).sum().backward();
    expect(p.grad?.arraySync()).toEqual([6, 8]);
    // PyTorch's p.grad.zero_().
    p.grad?.zero_();
    expect(p.grad?.arraySync()).toEqual([0, 0]);
  });

  it('leave the graph of earlier steps and tensors made earlier with the old numbers', () => {
    const p = param([2, 3]);
    const view = p.reshape([2]);
    const y = p.square().sum();
    p.fill_(10);
    y.backward();
    expect([view.arraySync(), p.grad?.arraySync()]).toEqual([
      [2, 3],
      [4, 6],
    ]);
  });

  it('work inside noGrad and tidy, and leak nothing', () => {
    const p = param([1, 2, 3]);
    const src = tensor([[9, 8, 7]], { dtype: 'float32' });
    const before = memory();
    tidy(() =>
      noGrad(() =>
        p
          .zero_()
          .fill_(1)
          .copy_(tensor([5], { dtype: 'float32' }))
          .copy_(src.reshape([3])),
      ),
    );
    expect(p.arraySync()).toEqual([9, 8, 7]);
    expect(memory().numTensors).toBe(before.numTensors);
    // copy_ of a source of the same shape shares its storage: p's old 12 bytes are freed.
    expect(memory().numBytes).toBe(before.numBytes - 12);
  });

  it('refuse results of ops, mismatched sources and values the dtype cannot hold', () => {
    const p = param([1, 2, 3]);
    const h = p.mul(2);
    const refused =
      'tensor [3] is the result of an op that records gradients; only leaf tensors (parameters, buffers, gradients) are updated in place: use the new tensor itself, or detach() it first';
    expect(errorOf('zero_', () => h.zero_())).toBe(`zero_: ${refused}`);
    expect(errorOf('copy_', () => h.copy_(p))).toBe(`copy_: ${refused}`);
    expect(errorOf('copy_', () => p.copy_(tensor([1, 2], { dtype: 'float32' })))).toBe(
      "copy_: src [2] does not broadcast to the tensor's shape [3]",
    );
    expect(errorOf('copy_', () => p.copy_(tensor([[1, 2, 3]], { dtype: 'float32' })))).toBe(
      "copy_: src [1,3] does not broadcast to the tensor's shape [3]",
    );
    expect(errorOf('copy_', () => p.copy_(tensor([1, 2, 3], { dtype: 'float64' })))).toBe(
      'copy_: src is float64 but the tensor is float32; cast it first',
    );
    expect(errorOf('copy_', () => p.copy_([1, 2, 3] as never))).toBe(
      'copy_: src must be a Tensor, got an array',
    );
    expect(errorOf('fill_', () => zeros([2], { dtype: 'int32' }).fill_(0.5))).toBe(
      'fill_: value must be an integer for dtype int32, got 0.5',
    );
    expect(errorOf('fill_', () => p.fill_('1' as never))).toBe(
      "fill_: value must be a number or a boolean, got '1'",
    );
    const gone: Tensor = param([1]);
    gone.dispose();
    expect(errorOf('zero_', () => gone.zero_())).toBe(
      'zero_: tensor [1] was disposed and can no longer be used',
    );
    expect(p.arraySync()).toEqual([1, 2, 3]);
  });
});
