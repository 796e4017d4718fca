/**
 * sort and topk: PyTorch's stable order (ties in their original order, NaN as the largest value),
 * the same answers from the CPU backend's sort kernel and from core's sorting network (which a
 * backend without the kernel runs), gradients through the picked values, and clear errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  type DType,
  gradcheck,
  initBackend,
  memory,
  randn,
  registerBackend,
  sort,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
  topk,
} from '../src/index.js';
import { bitonicSort } from '../src/ops/sort.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

const NOSORT = 'cpu-no-sort';

beforeAll(async () => {
  const base = cpu({ threads: 2 });
  const withoutKernel: Backend<TypedArray> = { ...base, name: NOSORT, sort: undefined };
  registerBackend(withoutKernel);
  await initBackend(NOSORT);
  await useCpu();
});

const nan = Number.NaN;
const inf = Number.POSITIVE_INFINITY;
// A [3, 4] input with ties, NaNs and infinities along both dims.
const TIES = [
  [2, nan, 1, 2],
  [0, -inf, 0, nan],
  [2, 5, inf, 2],
];

/** Values and indices, read back; NaN stays NaN (toEqual treats NaN as equal to NaN). */
const read = (r: { values: Tensor; indices: Tensor }) => [
  r.values.arraySync(),
  r.indices.arraySync(),
];

describe('sort', () => {
  // Expected values from torch.sort(x, dim, descending, stable=True), PyTorch 1.13.
  const cases: [number, boolean, number[][], number[][]][] = [
    [
      0,
      false,
      [
        [0, -inf, 0, 2],
        [2, 5, 1, 2],
        [2, nan, inf, nan],
      ],
      [
        [1, 1, 1, 0],
        [0, 2, 0, 2],
        [2, 0, 2, 1],
      ],
    ],
    [
      1,
      false,
      [
        [1, 2, 2, nan],
        [-inf, 0, 0, nan],
        [2, 2, 5, inf],
      ],
      [
        [2, 0, 3, 1],
        [1, 0, 2, 3],
        [0, 3, 1, 2],
      ],
    ],
    [
      0,
      true,
      [
        [2, nan, inf, nan],
        [2, 5, 1, 2],
        [0, -inf, 0, 2],
      ],
      [
        [0, 0, 2, 1],
        [2, 2, 0, 0],
        [1, 1, 1, 2],
      ],
    ],
    [
      -1,
      true,
      [
        [nan, 2, 2, 1],
        [nan, 0, 0, -inf],
        [inf, 5, 2, 2],
      ],
      [
        [1, 0, 3, 2],
        [3, 0, 2, 1],
        [2, 1, 0, 3],
      ],
    ],
  ];
  for (const device of ['cpu', NOSORT]) {
    it.each(cases)(
      `on ${device}: dim %i, descending %s, as torch.sort(stable=True)`,
      (dim, descending, values, indices) => {
        const x = tensor(TIES, { dtype: 'float32', device });
        expect(read(sort(x, { dim, descending, stable: true }))).toEqual([values, indices]);
      },
    );

    it(`on ${device}: int32 and bool keep their dtype; 0-d and empty inputs`, () => {
      const i = tensor(
        [
          [3, -1, 3, 7],
          [0, 0, -5, 2],
        ],
        { dtype: 'int32', device },
      );
      const r = sort(i, { descending: true });
      expect(r.values.dtype).toBe('int32');
      expect(read(r)).toEqual([
        [
          [7, 3, 3, -1],
          [2, 0, 0, -5],
        ],
        [
          [3, 0, 2, 1],
          [3, 0, 1, 2],
        ],
      ]);
      const b = sort(
        tensor(
          [
            [true, false, true],
            [false, false, true],
          ],
          { device },
        ),
        { dim: 1 },
      );
      expect(b.values.dtype).toBe('bool');
      expect(read(b)).toEqual([
        [
          [false, true, true],
          [false, false, true],
        ],
        [
          [1, 0, 2],
          [0, 1, 2],
        ],
      ]);
      const s = sort(tensor(2.5, { dtype: 'float32', device }));
      expect(s.values.shape).toEqual([]);
      expect(read(s)).toEqual([2.5, 0]);
      const e = sort(tensor([], { dtype: 'float32', device }).reshape([2, 0]));
      expect(e.values.shape).toEqual([2, 0]);
      expect(e.indices.dtype).toBe('int32');
    });
  }

  it('the sorting network agrees with the kernel on random rows with ties and NaN', () => {
    for (const n of [1, 2, 3, 5, 8, 17, 33]) {
      for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
        const rows = 3;
        // Few distinct values, so that ties are common; a NaN in every fourth place for floats.
        const data = Array.from({ length: rows * n }, (_, k) =>
          dtype !== 'int32' && k % 4 === 3 ? nan : ((k * 7919) % 5) - 2,
        );
        const x = tensor(Float64Array.from(data), { dtype, shape: [rows, n] });
        for (const descending of [false, true]) {
          const kernel = sort(x, { descending });
          const network = bitonicSort(x, descending);
          expect(read(network), `n ${n} ${dtype} descending ${descending}`).toEqual(read(kernel));
        }
      }
    }
  });

  it('gradients go back to the place each value came from (float64 gradcheck)', async () => {
    for (const device of ['cpu', NOSORT]) {
      const x = randn([3, 5], { dtype: 'float64', seed: 7, device });
      for (const [dim, descending] of [
        [1, false],
        [0, true],
      ] as const) {
        const r = await gradcheck((t) => sort(t, { dim, descending }).values, [x]);
        expect(r.ok, `${device} dim ${dim}`).toBe(true);
      }
    }
  });

  it('leaks nothing, with or without the kernel', () => {
    for (const device of ['cpu', NOSORT]) {
      const x = randn([4, 9], { device, requiresGrad: true });
      const before = memory().numTensors;
      tidy(() => {
        sort(x, { dim: 0 }).values.sum().backward();
      });
      x.grad = null;
      expect(memory().numTensors).toBe(before);
    }
  });

  it('refuses bad options and dims', () => {
    const x = tensor([3, 1, 2], { dtype: 'float32' });
    expect(errorOf('sort', () => sort(x, { dim: 1 }))).toBe(
      'sort: dim 1 is out of range for a tensor of rank 1',
    );
    expect(errorOf('sort', () => sort(x, { decending: true } as never))).toBe(
      "sort: unknown option 'decending' (did you mean 'descending'?); the options are dim, descending, stable",
    );
    expect(errorOf('sort', () => sort([3, 1] as never))).toBe(
      'sort: input must be a Tensor, got an array',
    );
  });
});

describe('topk', () => {
  it('picks the k largest or smallest along a dim, as torch.topk', () => {
    // Rows without ties: PyTorch leaves the order of tied values unspecified.
    const x = tensor(
      [
        [0.125, 2.5, 0.75, 1.875],
        [nan, -1, 4, inf],
      ],
      { dtype: 'float32' },
    );
    expect(read(topk(x, 2))).toEqual([
      [
        [2.5, 1.875],
        [nan, inf],
      ],
      [
        [1, 3],
        [0, 3],
      ],
    ]);
    expect(read(topk(x, 3, { largest: false }))).toEqual([
      [
        [0.125, 0.75, 1.875],
        [-1, 4, inf],
      ],
      [
        [0, 2, 3],
        [1, 2, 3],
      ],
    ]);
    expect(read(topk(x, 1, { dim: 0 }))).toEqual([[[nan, 2.5, 4, inf]], [[1, 0, 1, 1]]]);
    expect(topk(x, 0).values.shape).toEqual([2, 0]);
  });

  it('takes the earlier of tied values first, with or without the kernel', () => {
    for (const device of ['cpu', NOSORT]) {
      const x = tensor([1, 3, 2, 3, 1], { dtype: 'float32', device });
      expect(read(topk(x, 3))).toEqual([
        [3, 3, 2],
        [1, 3, 2],
      ]);
      expect(read(topk(x, 2, { largest: false }))).toEqual([
        [1, 1],
        [0, 4],
      ]);
    }
  });

  it('gradients flow to the picked values only (float64 gradcheck)', async () => {
    const x = randn([4, 6], { dtype: 'float64', seed: 3 });
    const r = await gradcheck((t) => topk(t, 2, { dim: 1 }).values, [x]);
    expect(r.ok).toBe(true);
    const y = tensor([1, 5, 3], { dtype: 'float32', requiresGrad: true });
    topk(y, 2)
      .values.mul(tensor([10, 1], { dtype: 'float32' }))
      .sum()
      .backward();
    expect(y.grad?.arraySync()).toEqual([0, 10, 1]);
  });

  it('refuses k outside the dim', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'float32' });
    expect(errorOf('topk', () => topk(x, 4))).toBe(
      'topk: k must be an integer from 0 to 3 (the size of dim 1 of input [1,3]), got 4',
    );
    expect(errorOf('topk', () => topk(x, 1.5, { dim: 0 }))).toBe(
      'topk: k must be an integer from 0 to 1 (the size of dim 0 of input [1,3]), got 1.5',
    );
    expect(errorOf('topk', () => topk(x, 1, { sort: true } as never))).toBe(
      "topk: unknown option 'sort' (did you mean 'sorted'?); the options are dim, largest, sorted",
    );
  });
});
