import { memory, type Tensor, tensor, zeros } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue } from '../src/index.js';
import { CLIP_CASES, errorOf, expectClose, fromFixture, num } from './helpers.js';

const TOL = { float64: [1e-10, 1e-12], float32: [1e-5, 1e-6] } as const;

describe('gradient clipping matches PyTorch', () => {
  for (const c of CLIP_CASES) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype})`, () => {
        const before = memory().numTensors;
        const params = c.grads.map((g) => {
          const p = zeros(g?.shape ?? [1], { dtype, requiresGrad: true });
          p.grad = g ? fromFixture(g, dtype) : null;
          return p;
        });
        const handles = params.map((p) => p.grad);
        const [rtol, atol] = TOL[dtype];
        const want = c[dtype];
        if (c.kind === 'clipGradNorm') {
          const total = clipGradNorm(
            params,
            num(c.args.maxNorm as number),
            num(c.args.normType ?? 2),
          );
          expect(total.shape).toEqual([]);
          expect(total.dtype).toBe(dtype);
          expectClose([total.itemSync()], [num(want.total as number)], rtol, atol, 'total norm');
          total.dispose();
        } else {
          clipGradValue(params, c.args.clipValue as number);
        }
        params.forEach((p, i) => {
          const w = want.grads[i];
          if (w === null) expect(p.grad).toBeNull();
          else {
            // In place: the handle taken before clipping sees the clipped values.
            expect(p.grad).toBe(handles[i]);
            expectClose(p.grad?.dataSync() ?? [], w as number[], rtol, atol, `gradient ${i}`);
          }
        });
        for (const p of params) p.dispose();
        expect(memory().numTensors).toBe(before);
      });
    }
  }
});

describe('gradient clipping', () => {
  it('returns a zero tensor when no parameter has a gradient', () => {
    const p = zeros([3], { requiresGrad: true });
    const total = clipGradNorm([p], 1);
    expect(total.itemSync()).toBe(0);
    total.dispose();
    p.dispose();
  });

  it('takes a single tensor', () => {
    const p = zeros([2], { requiresGrad: true });
    p.grad = tensor([3, 4], { dtype: 'float32' });
    const total = clipGradNorm(p, 1);
    expect(total.itemSync()).toBeCloseTo(5, 6);
    expectClose(p.grad.dataSync(), [0.6, 0.8], 1e-5, 1e-6, 'clipped');
    clipGradValue(p, 0.7);
    expectClose(p.grad.dataSync(), [0.6, 0.7], 1e-6, 1e-7, 'clamped');
    total.dispose();
    p.dispose();
  });

  const bad: [string, () => unknown, string][] = [
    [
      'a negative maxNorm',
      () => clipGradNorm([withGrad()], -1),
      'clipGradNorm: maxNorm must be a number > 0, got -1',
    ],
    // 0 would zero every gradient.
    [
      'a zero maxNorm',
      () => clipGradNorm([withGrad()], 0),
      'clipGradNorm: maxNorm must be a number > 0, got 0',
    ],
    [
      'a NaN maxNorm',
      () => clipGradNorm([withGrad()], Number.NaN),
      'clipGradNorm: maxNorm must be a number > 0, got NaN',
    ],
    [
      'a NaN normType',
      () => clipGradNorm([withGrad()], 1, Number.NaN),
      'clipGradNorm: normType must be a number (Infinity for the max norm), got NaN',
    ],
    [
      "PyTorch's 'inf'",
      () => clipGradNorm([withGrad()], 1, 'inf' as never),
      "clipGradNorm: normType must be a number (Infinity for the max norm), got 'inf'",
    ],
    [
      'a non-tensor',
      () => clipGradNorm([1 as unknown as Tensor], 1),
      'clipGradNorm: parameters[0] must be a Tensor, got 1',
    ],
    [
      'not an iterable',
      () => clipGradNorm(5 as never, 1),
      'clipGradNorm: parameters must be a tensor or an iterable of tensors, got 5',
    ],
    [
      'a model instead of its parameters',
      () => clipGradNorm({ parameters: () => [] } as never, 1),
      'clipGradNorm: parameters must be a tensor or an iterable of tensors, got an object (pass model.parameters())',
    ],
    [
      // It has no gradient any more: skipping it would clip nothing.
      'a disposed parameter',
      () => {
        const p = withGrad();
        p.dispose();
        return clipGradNorm([p], 1);
      },
      'clipGradNorm: parameters[0] [2] was disposed',
    ],
    [
      'a negative clipValue',
      () => clipGradValue([withGrad()], -0.5),
      'clipGradValue: clipValue must be a number > 0, got -0.5',
    ],
    [
      'a zero clipValue',
      () => clipGradValue([withGrad()], 0),
      'clipGradValue: clipValue must be a number > 0, got 0',
    ],
  ];
  for (const [name, run, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(errorOf(run)).toBe(message);
    });
  }

  it('an infinite maxNorm clips nothing and measures the norm', () => {
    const p = withGrad();
    const total = clipGradNorm(p, Infinity);
    expect(total.itemSync()).toBeCloseTo(Math.sqrt(5), 6);
    expect(Array.from(p.grad?.dataSync() ?? [])).toEqual([1, 2]);
    total.dispose();
    p.dispose();
  });
});

function withGrad(): Tensor {
  const p = zeros([2], { requiresGrad: true });
  p.grad = tensor([1, 2], { dtype: 'float32' });
  return p;
}
