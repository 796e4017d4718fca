/**
 * gradOf (PyTorch's torch.autograd.grad) and retainGrad: gradients of chosen tensors without
 * touching `.grad`, and `.grad` of a non-leaf filled by backward().
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  gradOf,
  memory,
  noGrad,
  randn,
  retainGrad,
  type Tensor,
  tensor,
  tidy,
  valueAndGrad,
  withGrad,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const leaf = (v: number[]) => tensor(v, { dtype: 'float32', requiresGrad: true });
const arr = (t: Tensor | null) => t?.arraySync() ?? null;

describe('gradOf', () => {
  it('gives the gradients of the inputs and touches no .grad', () => {
    const w = leaf([1, 2]);
    const b = leaf([3]);
    const other = leaf([5]);
    const loss = w.square().sum().add(b.mul(2).sum()).add(other.sum());
    const [gw, gb] = gradOf(loss, [w, b]);
    expect([arr(gw), arr(gb)]).toEqual([[2, 4], [2]]);
    expect([w.grad, b.grad, other.grad]).toEqual([null, null, null]);
    expect([gw?.requiresGrad, gw?.isLeaf]).toEqual([false, true]);
  });

  it('takes a single tensor, non-leaf inputs, several outputs and their gradients', () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(2);
    const y = h.square();
    const [gh] = gradOf(y, h, { gradOutputs: tensor([1, 0, 1], { dtype: 'float32' }) });
    expect(arr(gh as Tensor)).toEqual([4, 0, 12]);
    const x2 = leaf([1, 2]);
    const a = x2.mul(3).sum();
    const c = x2.square().sum();
    const [g] = gradOf([a, c], [x2], { gradOutputs: [null, tensor(2, { dtype: 'float32' })] });
    // 3 + 2·2x
    expect(arr(g as Tensor)).toEqual([7, 11]);
  });

  it('gives the seed for an output that is itself an input', () => {
    const x = leaf([4]);
    const y = x.mul(1);
    const [gy, gx] = gradOf(y, [y, x], { gradOutputs: tensor([5], { dtype: 'float32' }) });
    expect([arr(gy as Tensor), arr(gx as Tensor)]).toEqual([[5], [5]]);
  });

  it('frees the graph unless retainGraph, as backward() does', () => {
    const x = leaf([1, 2]);
    const y = x.square().sum();
    expect(arr(gradOf(y, x, { retainGraph: true })[0] as Tensor)).toEqual([2, 4]);
    expect(arr(gradOf(y, x)[0] as Tensor)).toEqual([2, 4]);
    expect(errorOf('gradOf', () => gradOf(y, x))).toBe(
      'gradOf: trying to backward through the graph a second time: an earlier backward() or gradOf() freed it (gradOf keeps it with { retainGraph: true })',
    );
  });

  it('runs only the part of the graph that leads to the inputs', () => {
    let probed = 0;
    const a = leaf([1]);
    const b = leaf([2]);
    const probe = withGrad(
      'probe',
      noGrad(() => a.mul(1)),
      [a],
      [],
      (dy) => {
        probed++;
        return [dy];
      },
    );
    const loss = probe.sum().add(b.mul(3).sum());
    expect(arr(gradOf(loss, [b])[0] as Tensor)).toEqual([3]);
    expect(probed).toBe(0);
  });

  it('refuses an unused input unless allowUnused, and leaves the graph as it was', () => {
    const x = leaf([1]);
    const unused = leaf([2, 3]);
    const y = x.mul(2).sum();
    expect(errorOf('gradOf', () => gradOf(y, [x, unused]))).toBe(
      'gradOf: inputs[1] [2] is not used in the graph of the outputs; pass { allowUnused: true } to get null for it',
    );
    const [gx, gu] = gradOf(y, [x, unused], { allowUnused: true });
    expect([arr(gx as Tensor), gu]).toEqual([[2], null]);
  });

  it('checks its arguments', () => {
    const x = leaf([1, 2]);
    const y = x.mul(2);
    const plain = tensor([1], { dtype: 'float32' });
    expect(errorOf('gradOf', () => gradOf(y, x))).toBe(
      'gradOf: grad can be implicitly created only for scalar outputs; outputs[0] has shape [2] — pass gradOutputs',
    );
    expect(errorOf('gradOf', () => gradOf(plain, x))).toBe(
      'gradOf: outputs[0] [1] does not require grad and has no grad_fn',
    );
    expect(errorOf('gradOf', () => gradOf(y.sum(), plain))).toBe(
      'gradOf: inputs[0] [1] does not require grad',
    );
    expect(
      errorOf('gradOf', () => gradOf(y, x, { gradOutputs: tensor([1], { dtype: 'float32' }) })),
    ).toBe('gradOf: gradOutputs[0] [1] does not match outputs[0] [2]');
    expect(
      errorOf('gradOf', () => gradOf(y, x, { gradOutputs: tensor([1, 1], { dtype: 'float64' }) })),
    ).toBe('gradOf: gradOutputs[0] is float64 but outputs[0] is float32');
    expect(errorOf('gradOf', () => gradOf([y.sum()], x, { gradOutputs: [] }))).toBe(
      'gradOf: gradOutputs has 0 entries but there are 1 outputs',
    );
    expect(errorOf('gradOf', () => gradOf([], x))).toBe(
      'gradOf: outputs must be a tensor or a non-empty array of tensors, got []',
    );
    expect(errorOf('gradOf', () => gradOf(y.sum(), [x, 3 as never]))).toBe(
      'gradOf: inputs[1] must be a Tensor, got number 3',
    );
    expect(errorOf('gradOf', () => gradOf(y.sum(), x, { createGraph: true } as never))).toBe(
      "gradOf: unknown option 'createGraph'; the options are gradOutputs, retainGraph, allowUnused",
    );
  });

  it('leaks nothing', () => {
    const x = randn([3, 4], { requiresGrad: true });
    const w = randn([4, 2], { requiresGrad: true });
    const before = memory().numTensors;
    const grads = tidy(() => gradOf(x.matmul(w).relu().sum(), [x, w]));
    expect(memory().numTensors).toBe(before + 2);
    for (const g of grads) g.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('retainGrad', () => {
  it('fills .grad of a non-leaf on backward()', () => {
    const x = leaf([1, 2, 3]);
    const h = x.mul(2);
    h.retainGrad();
    const y = h.square().sum();
    y.retainGrad();
    y.backward();
    expect([arr(h.grad), arr(y.grad), arr(x.grad)]).toEqual([[4, 8, 12], 1, [8, 16, 24]]);
    expect([h.retainsGrad, x.retainsGrad, h.isLeaf]).toEqual([true, false, false]);
  });

  it('is filled by gradOf on the way, as torch.autograd.grad fills it; valueAndGrad leaves it', () => {
    const x = leaf([1, 2]);
    const h = x.mul(2);
    h.retainGrad();
    const [gx] = gradOf(h.sum(), x);
    expect([arr(gx as Tensor), arr(h.grad), x.grad]).toEqual([[2, 2], [1, 1], null]);
    h.grad = null;
    // JAX semantics: the transform touches no .grad, retained or not.
    valueAndGrad((w: Tensor) => {
      const k = w.mul(2);
      k.retainGrad();
      return k.sum();
    })(x);
    expect(x.grad).toBe(null);
  });

  it('accumulates over backward passes, and does nothing for a leaf', () => {
    const x = leaf([1]);
    retainGrad(x);
    const h = x.mul(3);
    retainGrad(h);
    h.sum().backward();
    expect([arr(h.grad), arr(x.grad), x.retainsGrad]).toEqual([[1], [3], false]);
  });

  it('refuses a tensor that does not require grad', () => {
    expect(errorOf('retainGrad', () => tensor([1], { dtype: 'float32' }).retainGrad())).toBe(
      'retainGrad: tensor [1] does not require grad, so there is no gradient to retain',
    );
  });

  it('frees the retained gradient with its tensor', () => {
    const x = leaf([1, 2]);
    const before = memory().numTensors;
    const h = x.mul(2);
    h.retainGrad();
    tidy(() => h.sum().backward());
    h.dispose();
    x.grad = null;
    expect(memory().numTensors).toBe(before);
  });
});
