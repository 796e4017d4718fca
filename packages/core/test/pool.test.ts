import { beforeAll, describe, expect, it } from 'vitest';
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  add,
  arange,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  backward,
  type MaxPoolOptions,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  memory,
  poolOutputSize,
  reshape,
  sum,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import {
  expectClose,
  expectGradOk,
  expectStrideError,
  f64,
  flat,
  forEachIndex,
  offsetOf,
} from './nn-helpers.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const f32 = (values: Parameters<typeof tensor>[0]): Tensor => tensor(values, { dtype: 'float32' });

/** A direct-loop adaptive average pool, for comparison. */
function refAdaptive(x: Tensor, out: number[]): number[] {
  const v = flat(x);
  const n = out.length;
  const lead = x.shape.slice(0, x.rank - n);
  const inSp = x.shape.slice(x.rank - n);
  const result: number[] = [];
  forEachIndex([...lead, ...out], (idx) => {
    const pre = idx.slice(0, lead.length);
    const pos = idx.slice(lead.length);
    const starts = pos.map((o, i) => Math.floor((o * inSp[i]) / out[i]));
    const ends = pos.map((o, i) => Math.ceil(((o + 1) * inSp[i]) / out[i]));
    const win = starts.map((s, i) => ends[i] - s);
    let acc = 0;
    let count = 0;
    forEachIndex(win, (k) => {
      acc += v[offsetOf(x.shape, [...pre, ...k.map((d, i) => starts[i] + d)])];
      count++;
    });
    result.push(acc / count);
  });
  return result;
}

describe('pooling values', () => {
  it('maxPool2d takes window maxima and their flat indices; stride defaults to the kernel', () => {
    const x = f32([
      [
        [
          [1, 5, 2, 0],
          [3, 4, 8, 1],
          [0, 2, 1, 7],
          [9, 6, 3, 2],
        ],
      ],
    ]);
    expect(maxPool2d(x, 2).arraySync()).toEqual([
      [
        [
          [5, 8],
          [9, 7],
        ],
      ],
    ]);
    const { values, indices } = maxPool2d(x, { kernelSize: 2, returnIndices: true });
    expect(values.arraySync()).toEqual([
      [
        [
          [5, 8],
          [9, 7],
        ],
      ],
    ]);
    expect(indices.dtype).toBe('int32');
    expect(indices.arraySync()).toEqual([
      [
        [
          [1, 6],
          [12, 11],
        ],
      ],
    ]);
  });

  it('maxPool1d with dilation and ceil mode', () => {
    const x = f32([[[1, 7, 3, 2, 5, 4, 6]]]);
    // Windows {i, i+2}: max(1,3) max(7,2) max(3,5) max(2,4) max(5,6).
    expect(flat(maxPool1d(x, { kernelSize: 2, dilation: 2, stride: 1 }))).toEqual([3, 7, 5, 4, 6]);
    expect(flat(maxPool1d(f32([[[1, 2, 3, 4, 5]]]), { kernelSize: 2, ceilMode: true }))).toEqual([
      2, 4, 5,
    ]);
    expect(flat(maxPool1d(f32([[[1, 2, 3, 4, 5]]]), { kernelSize: 2 }))).toEqual([2, 4]);
  });

  it('ceil mode drops a last window that would start past the input', () => {
    // PyTorch: out = ceil((4 - 1) / 2) + 1 = 3, but a window starting at 4 lies outside.
    expect(poolOutputSize(4, 1, 2, 0, 1, true)).toBe(2);
    expect(
      flat(maxPool1d(f32([[[1, 2, 3, 4]]]), { kernelSize: 1, stride: 2, ceilMode: true })),
    ).toEqual([1, 3]);
    // With left padding a window may start inside the padding: in 5, k 2, s 2, p 1 gives 3.
    expect(poolOutputSize(5, 2, 2, 1, 1, true)).toBe(3);
    expect(poolOutputSize(6, 3, 2, 1, 1, true)).toBe(4);
    expect(poolOutputSize(6, 3, 2, 1, 1, false)).toBe(3);
    expect(poolOutputSize(10, 3, 3, 1, 2, true)).toBe(4);
  });

  it('avgPool2d divides by the padded window, or the real one without countIncludePad', () => {
    const x = f32([
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      ],
    ]);
    expect(flat(avgPool2d(x, { kernelSize: 2, padding: 1 }))).toEqual([0.25, 1.25, 2.75, 7]);
    expect(flat(avgPool2d(x, { kernelSize: 2, padding: 1, countIncludePad: false }))).toEqual([
      1, 2.5, 5.5, 7,
    ]);
    expect(flat(avgPool2d(x, { kernelSize: 2, stride: 1 }))).toEqual([3, 4, 6, 7]);
  });

  it('avgPool1d in ceil mode clips the last window to the input', () => {
    // Windows [0,2) [2,4) [4,5): the last divides by 1.
    expect(flat(avgPool1d(f32([[[1, 2, 3, 4, 5]]]), { kernelSize: 2, ceilMode: true }))).toEqual([
      1.5, 3.5, 5,
    ]);
  });

  it('3-d pooling and unbatched inputs', () => {
    const x = reshape(arange(0, 2 * 4 * 4 * 4, 1, { dtype: 'float32' }), [1, 2, 4, 4, 4]);
    const m = maxPool3d(x, 2);
    expect(m.shape).toEqual([1, 2, 2, 2, 2]);
    expect(flat(m).slice(0, 4)).toEqual([21, 23, 29, 31]);
    const a = avgPool3d(x, 2);
    expect(flat(a).slice(0, 2)).toEqual([10.5, 12.5]);
    const unbatched = maxPool2d(reshape(x, [8, 4, 4]), {
      kernelSize: 3,
      stride: 1,
      padding: 1,
      returnIndices: true,
    });
    expect(unbatched.values.shape).toEqual([8, 4, 4]);
    expect(unbatched.indices.shape).toEqual([8, 4, 4]);
    expect(avgPool1d(reshape(x, [32, 4]), 2).shape).toEqual([32, 2]);
  });

  it('adaptiveAvgPool2d uses floor/ceil windows when sizes do not divide', () => {
    const x = f64([2, 3, 5, 7], 1);
    const y = adaptiveAvgPool2d(x, [3, 4]);
    expect(y.shape).toEqual([2, 3, 3, 4]);
    expectClose(y, refAdaptive(x, [3, 4]), 1e-12);
    // The divisible path (plain average pooling) gives the same windows.
    const z = f64([2, 3, 8, 6], 2);
    expectClose(adaptiveAvgPool2d(z, [4, 3]), refAdaptive(z, [4, 3]), 1e-12);
    expectClose(adaptiveAvgPool2d(z, 1), refAdaptive(z, [1, 1]), 1e-12);
  });

  it('adaptive pooling keeps null sizes, takes unbatched input, and works in 1-d and 3-d', () => {
    const x = f64([3, 5, 7], 3);
    const y = adaptiveAvgPool2d(x, [null, 3]);
    expect(y.shape).toEqual([3, 5, 3]);
    expectClose(y, refAdaptive(x, [5, 3]), 1e-12);
    const s = f64([2, 3, 10], 4);
    expectClose(adaptiveAvgPool1d(s, 4), refAdaptive(s, [4]), 1e-12);
    const v = f64([1, 2, 3, 5, 4], 5);
    expectClose(adaptiveAvgPool3d(v, [2, 2, 3]), refAdaptive(v, [2, 2, 3]), 1e-12);
    expect(adaptiveAvgPool2d(zeros([0, 3, 5, 7]), [2, 3]).shape).toEqual([0, 3, 2, 3]);
  });
});

describe('pooling gradients (float64 finite differences)', () => {
  const max = (opts: MaxPoolOptions, fn: typeof maxPool2d) => (x: Tensor) => fn(x, opts);
  it('maxPool1d with padding, dilation and ceil mode', async () => {
    await expectGradOk(
      max({ kernelSize: 3, stride: 2, padding: 1, dilation: 2, ceilMode: true }, maxPool1d),
      [f64([2, 2, 9], 10)],
    );
  });
  it('maxPool2d with overlapping windows', async () => {
    await expectGradOk(max({ kernelSize: [3, 2], stride: [1, 2], padding: [1, 0] }, maxPool2d), [
      f64([2, 2, 5, 6], 11),
    ]);
  });
  it('maxPool3d', async () => {
    await expectGradOk(max({ kernelSize: 2, stride: [1, 2, 2], ceilMode: true }, maxPool3d), [
      f64([1, 2, 3, 5, 4], 12),
    ]);
  });
  it('avgPool1d/2d/3d with padding, ceil mode and countIncludePad', async () => {
    await expectGradOk(
      (x) =>
        avgPool1d(x, {
          kernelSize: 3,
          stride: 2,
          padding: 1,
          ceilMode: true,
          countIncludePad: false,
        }),
      [f64([2, 2, 8], 13)],
    );
    await expectGradOk(
      (x) => avgPool2d(x, { kernelSize: [2, 3], stride: 1, padding: [1, 1] }),
      [f64([1, 2, 4, 5], 14)],
    );
    await expectGradOk(
      (x) => avgPool3d(x, { kernelSize: 2, padding: 1, countIncludePad: false }),
      [f64([1, 1, 3, 4, 3], 15)],
    );
  });
  it('adaptiveAvgPool2d (matrix and pooling paths)', async () => {
    await expectGradOk((x) => adaptiveAvgPool2d(x, [3, 2]), [f64([2, 2, 5, 7], 16)]);
    await expectGradOk((x) => adaptiveAvgPool2d(x, [2, 3]), [f64([1, 2, 4, 6], 17)]);
  });
  it('unbatched max pooling with indices', async () => {
    await expectGradOk(
      (x) => maxPool2d(x, { kernelSize: 2, returnIndices: true }).values,
      [f64([2, 4, 4], 18)],
    );
  });

  it('leaks nothing, with or without gradients', () => {
    const x = f64([2, 3, 6, 6], 19);
    x.requiresGrad = true;
    const before = memory();
    const y = maxPool2d(x, { kernelSize: 2 });
    const parts = [adaptiveAvgPool2d(y, [2, 1]), avgPool2d(x, 3)];
    const sums = parts.map((p) => sum(p));
    const loss = add(sums[0] as Tensor, sums[1] as Tensor);
    backward(loss);
    for (const t of [y, ...parts, ...sums, loss]) t.dispose();
    expect(x.grad?.shape).toEqual([2, 3, 6, 6]);
    x.grad?.dispose();
    x.grad = null;
    expect(memory()).toEqual(before);
  });
});

describe('pooling errors', () => {
  const x = () => zeros([1, 2, 5, 5]);
  const cases: [string, () => unknown, string[]][] = [
    [
      'kernel 0',
      () => maxPool2d(x(), 0),
      ['maxPool2d', 'kernelSize must be a positive integer, got 0'],
    ],
    [
      'kernel negative',
      () => avgPool2d(x(), [2, -1]),
      ['avgPool2d', 'kernelSize must hold positive integers, got [2,-1]'],
    ],
    [
      'kernel fractional',
      () => maxPool1d(zeros([1, 1, 5]), 1.5),
      ['maxPool1d', 'kernelSize must be a positive integer, got 1.5'],
    ],
    [
      'kernel NaN',
      () => avgPool3d(zeros([1, 1, 4, 4, 4]), Number.NaN),
      ['avgPool3d', 'kernelSize must be a positive integer, got NaN'],
    ],
    [
      'kernel missing',
      () => maxPool2d(x(), {} as MaxPoolOptions),
      ['maxPool2d', 'kernelSize is required'],
    ],
    [
      'kernel too large',
      () => maxPool2d(zeros([1, 1, 2, 2]), 3),
      ['maxPool2d', 'kernel [3,3] is too large for input [1,1,2,2]', 'output size would be [0,0]'],
    ],
    [
      'dilated kernel too large',
      () => maxPool1d(zeros([1, 1, 4]), { kernelSize: 2, dilation: 4 }),
      ['maxPool1d', 'kernel [2] is too large', 'dilation [4]'],
    ],
    [
      'stride 0',
      () => maxPool2d(x(), { kernelSize: 2, stride: 0 }),
      ['maxPool2d', 'stride must be a positive integer, got 0'],
    ],
    [
      'padding more than half the kernel',
      () => maxPool2d(x(), { kernelSize: 3, padding: 2 }),
      ['maxPool2d', 'padding [2,2] must be at most half the kernel size [3,3]'],
    ],
    [
      'avg padding more than half the kernel',
      () => avgPool1d(zeros([1, 1, 5]), { kernelSize: 2, padding: [2] }),
      ['avgPool1d', 'padding [2] must be at most half the kernel size [2]'],
    ],
    [
      'negative padding',
      () => avgPool2d(x(), { kernelSize: 2, padding: -1 }),
      ['avgPool2d', 'padding must be a non-negative integer, got -1'],
    ],
    [
      'input rank',
      () => maxPool2d(zeros([5, 5]), 2),
      ['maxPool2d', 'expected a 3-d (unbatched) or 4-d (batched) input', 'input [5,5]'],
    ],
    [
      'empty channel dim',
      () => avgPool2d(zeros([1, 0, 4, 4]), 2),
      ['avgPool2d', 'input [1,0,4,4] has an empty channel or spatial dim'],
    ],
    [
      'integer input',
      () =>
        maxPool2d(
          tensor([
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ]),
          2,
        ),
      ['maxPool2d', 'input must be a float tensor, got int32'],
    ],
    [
      'dilation on average pooling',
      () => avgPool2d(x(), { kernelSize: 2, dilation: 2 } as never),
      [
        'avgPool2d',
        "unknown option 'dilation'; the options are kernelSize, stride, padding, ceilMode, countIncludePad",
      ],
    ],
    ['bad options', () => maxPool2d(x(), 'big' as never), ['maxPool2d', "got 'big'"]],
    [
      'adaptive size 0',
      () => adaptiveAvgPool2d(x(), [0, 2]),
      ['adaptiveAvgPool2d', 'outputSize must hold positive integers', '[0,2]'],
    ],
    [
      'adaptive size of the wrong length',
      () => adaptiveAvgPool2d(x(), [1, 2, 3]),
      ['adaptiveAvgPool2d', 'outputSize must be a number or an array of 2, got [1,2,3]'],
    ],
    [
      'adaptive input rank',
      () => adaptiveAvgPool2d(zeros([4]), 2),
      ['adaptiveAvgPool2d', 'input [4]'],
    ],
  ];
  for (const [name, fn, parts] of cases) {
    it(name, () => expectStrideError(fn, ...parts));
  }
});
