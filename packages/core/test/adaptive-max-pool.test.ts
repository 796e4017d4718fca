/**
 * adaptiveMaxPool1d/2d/3d against a direct loop over PyTorch's windows: values, indices (the
 * first maximum of each window), the gradient reaching each window's maximum once, the
 * divisible sizes that are plain max pooling, and the errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  maxPool2d,
  memory,
  randn,
  sum,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { expectGradOk, f64, flat, forEachIndex, offsetOf } from './nn-helpers.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

/** Values and flat indices of adaptive max pooling of `[N, C, ...spatial]`, by direct loops. */
function reference(x: Tensor, out: readonly number[]): { values: number[]; indices: number[] } {
  const xv = flat(x);
  const spatial = x.shape.slice(2);
  const plane = spatial.reduce((a, d) => a * d, 1);
  const values: number[] = [];
  const indices: number[] = [];
  forEachIndex([x.shape[0] as number, x.shape[1] as number, ...out], (idx) => {
    const base = offsetOf(x.shape.slice(0, 2), idx.slice(0, 2)) * plane;
    const cell = idx.slice(2);
    const start = cell.map((o, a) => Math.floor((o * (spatial[a] as number)) / (out[a] as number)));
    const end = cell.map((o, a) =>
      Math.ceil(((o + 1) * (spatial[a] as number)) / (out[a] as number)),
    );
    let best = -Infinity;
    let at = -1;
    forEachIndex(
      start.map((s, a) => (end[a] as number) - s),
      (pos) => {
        const offset = offsetOf(
          spatial,
          pos.map((p, a) => p + (start[a] as number)),
        );
        if ((xv[base + offset] as number) > best) {
          best = xv[base + offset] as number;
          at = offset;
        }
      },
    );
    values.push(best);
    indices.push(at);
  });
  return { values, indices };
}

describe('adaptiveMaxPool', () => {
  it('takes the maximum of each PyTorch window, and its first position within the plane', () => {
    const x = tensor(
      [
        [
          [
            [1, 2, 5],
            [3, 4, 7],
            [0, 9, 1],
          ],
        ],
      ],
      { dtype: 'float32' },
    );
    const { values, indices } = adaptiveMaxPool2d(x, 2, { returnIndices: true });
    expect(values.arraySync()).toEqual([
      [
        [
          [4, 7],
          [9, 9],
        ],
      ],
    ]);
    expect(indices.arraySync()).toEqual([
      [
        [
          [4, 5],
          [7, 7],
        ],
      ],
    ]);
    expect(indices.dtype).toBe('int32');
    // Ties: the first maximum of the window, as PyTorch.
    const t = tensor([[[3, 3, 1]]], { dtype: 'float32' });
    expect(adaptiveMaxPool1d(t, 2, { returnIndices: true }).indices.arraySync()).toEqual([
      [[0, 1]],
    ]);
  });

  it.each([
    [[2, 3, 7], [3]],
    [[1, 2, 5], [8]],
    [
      [2, 2, 7, 9],
      [3, 4],
    ],
    [
      [1, 3, 5, 4],
      [5, 3],
    ],
    [
      [1, 2, 5, 7, 6],
      [2, 3, 4],
    ],
    [
      [2, 1, 3, 4, 5],
      [4, 3, 2],
    ],
  ])('matches the direct loop on x %j to %j', (shape, out) => {
    const x = f64(shape, shape.length * 10 + out[0]);
    const f = [adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d][out.length - 1] as (
      x: Tensor,
      o: number[],
      opts: { returnIndices: true },
    ) => { values: Tensor; indices: Tensor };
    const { values, indices } = f(x, out, { returnIndices: true });
    const want = reference(x, out);
    expect(values.shape).toEqual([...shape.slice(0, 2), ...out]);
    expect(flat(values)).toEqual(want.values);
    expect(flat(indices)).toEqual(want.indices);
  });

  it('sends each window its gradient at its maximum, adding where windows share one', () => {
    const x = tensor(
      [
        [
          [
            [1, 2, 5],
            [3, 4, 7],
            [0, 9, 1],
          ],
        ],
      ],
      { dtype: 'float32', requiresGrad: true },
    );
    const y = adaptiveMaxPool2d(x, 2);
    y.backward(
      tensor(
        [
          [
            [
              [1, 10],
              [100, 1000],
            ],
          ],
        ],
        { dtype: 'float32' },
      ),
    );
    expect((x.grad as Tensor).arraySync()).toEqual([
      [
        [
          [0, 0, 0],
          [0, 1, 10],
          [0, 1100, 0],
        ],
      ],
    ]);
  });

  it('has a gradient that finite differences agree with (overlapping windows)', async () => {
    await expectGradOk((x) => adaptiveMaxPool3d(x, [2, 3, 2]), [f64([1, 2, 3, 5, 3], 4)]);
  });

  it('is plain max pooling, indices too, when the sizes divide', () => {
    const x = randn([2, 3, 6, 8], { seed: 5 });
    const a = adaptiveMaxPool2d(x, [3, 2], { returnIndices: true });
    const b = maxPool2d(x, { kernelSize: [2, 4], returnIndices: true });
    expect(flat(a.values)).toEqual(flat(b.values));
    expect(flat(a.indices)).toEqual(flat(b.indices));
  });

  it('takes unbatched input, null for a kept size, and an empty batch', () => {
    const x = f64([3, 5, 7], 6);
    const y = adaptiveMaxPool2d(x, [null, 3]);
    expect(y.shape).toEqual([3, 5, 3]);
    const batched = adaptiveMaxPool2d(x.reshape([1, 3, 5, 7]), [5, 3]);
    expect(flat(y)).toEqual(flat(batched));
    const empty = adaptiveMaxPool1d(zeros([0, 2, 5]), 3, { returnIndices: true });
    expect(empty.values.shape).toEqual([0, 2, 3]);
    expect(empty.indices.shape).toEqual([0, 2, 3]);
  });

  it('leaves nothing behind', () => {
    const x = randn([2, 2, 7, 5], { seed: 7, requiresGrad: true });
    const before = memory().numTensors;
    const y = adaptiveMaxPool2d(x, 3);
    const total = sum(y);
    total.backward();
    total.dispose();
    y.dispose();
    (x.grad as Tensor).dispose();
    x.grad = null;
    expect(memory().numTensors).toBe(before);
  });

  it('refuses bad arguments with messages that name them', () => {
    const x = zeros([1, 2, 5, 5]);
    expect(errorOf('adaptiveMaxPool2d', () => adaptiveMaxPool2d(zeros([5, 5]), 2))).toBe(
      'adaptiveMaxPool2d: expected a 3-d (unbatched) or 4-d (batched) input, got input [5,5]',
    );
    expect(errorOf('adaptiveMaxPool2d', () => adaptiveMaxPool2d(x, [2]))).toBe(
      'adaptiveMaxPool2d: outputSize must be a number or an array of 2, got [2]',
    );
    expect(errorOf('adaptiveMaxPool1d', () => adaptiveMaxPool1d(zeros([1, 2, 5]), 0))).toBe(
      'adaptiveMaxPool1d: outputSize must hold positive integers (or null to keep a size), got 0',
    );
    expect(errorOf('adaptiveMaxPool3d', () => adaptiveMaxPool3d(zeros([1, 0, 2, 2, 2]), 1))).toBe(
      'adaptiveMaxPool3d: input [1,0,2,2,2] has an empty channel or spatial dim (only the batch dim may be 0)',
    );
    expect(
      errorOf('adaptiveMaxPool2d', () =>
        adaptiveMaxPool2d(x, 2, { return_indices: true } as never),
      ),
    ).toBe(
      "adaptiveMaxPool2d: unknown option 'return_indices' (did you mean 'returnIndices'?); the options are returnIndices",
    );
    expect(
      errorOf('adaptiveMaxPool2d', () =>
        adaptiveMaxPool2d(zeros([1, 1, 3, 3], { dtype: 'int32' }), 2),
      ),
    ).toBe('adaptiveMaxPool2d: input must be a float tensor, got int32');
  });
});
