import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  backward,
  type ConvOptions,
  conv1d,
  conv2d,
  conv3d,
  convNd,
  memory,
  ones,
  registerBackend,
  reshape,
  StrideError,
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

interface RefParams {
  stride: number[];
  before: number[];
  after: number[];
  dilation: number[];
  groups: number;
}

/** A direct-loop convolution, written independently of any backend, to compare against. */
function refConv(
  x: Tensor,
  w: Tensor,
  p: RefParams,
  bias?: Tensor,
): { shape: number[]; values: number[] } {
  const xv = flat(x);
  const wv = flat(w);
  const bv = bias ? flat(bias) : null;
  const [batch, channels, ...inSp] = x.shape as number[];
  const [outCh, perGroup, ...kernel] = w.shape as number[];
  const outSp = inSp.map(
    (s, i) =>
      Math.floor(
        (s + p.before[i] + p.after[i] - p.dilation[i] * (kernel[i] - 1) - 1) / p.stride[i],
      ) + 1,
  );
  const shape = [batch, outCh, ...outSp];
  const values: number[] = [];
  const outPerGroup = outCh / p.groups;
  forEachIndex(shape, ([n, o, ...pos]) => {
    const g = Math.floor(o / outPerGroup);
    let acc = bv ? bv[o] : 0;
    for (let c = 0; c < perGroup; c++) {
      const ci = g * perGroup + c;
      forEachIndex(kernel, (k) => {
        const at = pos.map((q, i) => q * p.stride[i] - p.before[i] + k[i] * p.dilation[i]);
        if (at.some((a, i) => a < 0 || a >= inSp[i])) return;
        acc +=
          xv[offsetOf([batch, channels, ...inSp], [n, ci, ...at])] *
          wv[offsetOf([outCh, perGroup, ...kernel], [o, c, ...k])];
      });
    }
    values.push(acc);
  });
  void channels;
  return { shape, values };
}

describe('conv values', () => {
  it('conv2d computes a cross-correlation by hand', () => {
    const x = tensor(
      [
        [
          [
            [1, 2, 3],
            [4, 5, 6],
            [7, 8, 9],
          ],
        ],
      ],
      { dtype: 'float32' },
    );
    const w = tensor(
      [
        [
          [
            [1, 0],
            [0, -1],
          ],
        ],
      ],
      { dtype: 'float32' },
    );
    const y = conv2d(x, w);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    // Each output is x[i][j] - x[i+1][j+1]: cross-correlation, not a flipped kernel.
    expect(y.arraySync()).toEqual([
      [
        [
          [-4, -4],
          [-4, -4],
        ],
      ],
    ]);
    const withBias = conv2d(x, w, { bias: tensor([10], { dtype: 'float32' }), padding: 1 });
    expect(withBias.shape).toEqual([1, 1, 4, 4]);
    expect(withBias.arraySync()).toEqual([
      [
        [
          [9, 8, 7, 10],
          [6, 6, 6, 13],
          [3, 6, 6, 16],
          [10, 17, 18, 19],
        ],
      ],
    ]);
  });

  it('conv1d with stride, dilation and groups matches a direct loop', () => {
    const x = f64([2, 4, 11], 1);
    const w = f64([6, 2, 3], 2);
    const b = f64([6], 3);
    const y = conv1d(x, w, { bias: b, stride: 2, padding: 2, dilation: 2, groups: 2 });
    const ref = refConv(
      x,
      w,
      { stride: [2], before: [2], after: [2], dilation: [2], groups: 2 },
      b,
    );
    expect(y.shape).toEqual(ref.shape);
    expectClose(y, ref.values, 1e-12);
  });

  it('conv2d with per-axis stride, padding pairs, dilation and groups matches a direct loop', () => {
    const x = f64([2, 6, 7, 8], 4);
    const w = f64([3, 2, 3, 2], 5);
    const opts: ConvOptions = {
      stride: [2, 1],
      padding: [
        [1, 0],
        [0, 2],
      ],
      dilation: [1, 2],
      groups: 3,
    };
    const y = conv2d(x, w, opts);
    const ref = refConv(x, w, {
      stride: [2, 1],
      before: [1, 0],
      after: [0, 2],
      dilation: [1, 2],
      groups: 3,
    });
    expect(y.shape).toEqual(ref.shape);
    expectClose(y, ref.values, 1e-12);
  });

  it("'same' pads the odd extra after, as PyTorch", () => {
    const x = f64([1, 2, 6, 5], 6);
    const w = f64([3, 2, 4, 2], 7);
    const y = conv2d(x, w, { padding: 'same', dilation: [1, 3] });
    // total = dilation * (k - 1): rows 3 -> (1, 2), cols 3 -> (1, 2).
    const ref = refConv(x, w, {
      stride: [1, 1],
      before: [1, 1],
      after: [2, 2],
      dilation: [1, 3],
      groups: 1,
    });
    expect(y.shape).toEqual([1, 3, 6, 5]);
    expectClose(y, ref.values, 1e-12);
    expect(conv2d(x, w, { padding: 'valid' }).shape).toEqual([1, 3, 3, 4]);
  });

  it('conv3d with bias and symmetric padding matches a direct loop', () => {
    const x = f64([2, 2, 4, 5, 3], 8);
    const w = f64([3, 2, 2, 3, 2], 9);
    const b = f64([3], 10);
    const y = conv3d(x, w, { bias: b, padding: [1, 0, 1], stride: [1, 2, 1] });
    const ref = refConv(
      x,
      w,
      { stride: [1, 2, 1], before: [1, 0, 1], after: [1, 0, 1], dilation: [1, 1, 1], groups: 1 },
      b,
    );
    expect(y.shape).toEqual(ref.shape);
    expectClose(y, ref.values, 1e-12);
  });

  it('accepts unbatched input like PyTorch and convNd picks the rank from the weight', () => {
    const x = f64([2, 5, 5], 11);
    const w = f64([4, 2, 3, 3], 12);
    const y = conv2d(x, w, { padding: 1 });
    expect(y.shape).toEqual([4, 5, 5]);
    const batched = conv2d(reshape(x, [1, 2, 5, 5]), w, { padding: 1 });
    expectClose(y, flat(batched), 0);
    expectClose(convNd(reshape(x, [1, 2, 5, 5]), w, { padding: 1 }), flat(batched), 0);
  });

  it('handles an empty batch', () => {
    const y = conv2d(zeros([0, 3, 5, 5]), zeros([2, 3, 3, 3]), { bias: zeros([2]) });
    expect(y.shape).toEqual([0, 2, 3, 3]);
  });
});

describe('conv gradients (float64 finite differences)', () => {
  it('conv1d: stride, padding, dilation, groups, bias', async () => {
    await expectGradOk(
      (x, w, b) => conv1d(x, w, { bias: b, stride: 2, padding: 1, dilation: 2, groups: 2 }),
      [f64([2, 4, 9], 20), f64([4, 2, 3], 21), f64([4], 22)],
    );
  });

  it('conv2d: asymmetric padding, per-axis stride and dilation, groups', async () => {
    await expectGradOk(
      (x, w, b) =>
        conv2d(x, w, {
          bias: b,
          stride: [2, 1],
          padding: [[1, 0], 1],
          dilation: [1, 2],
          groups: 2,
        }),
      [f64([2, 4, 6, 5], 23), f64([2, 2, 3, 2], 24), f64([2], 25)],
    );
  });

  it("conv2d: 'same' with an even kernel", async () => {
    await expectGradOk(
      (x, w) => conv2d(x, w, { padding: 'same' }),
      [f64([1, 2, 4, 4], 26), f64([3, 2, 2, 2], 27)],
    );
  });

  it('conv3d: stride, padding, bias', async () => {
    await expectGradOk(
      (x, w, b) => conv3d(x, w, { bias: b, stride: [1, 2, 1], padding: 1 }),
      [f64([1, 2, 3, 4, 3], 28), f64([2, 2, 2, 2, 2], 29), f64([2], 30)],
    );
  });

  it('computes only the gradients that are needed and leaks nothing', () => {
    const x = f64([2, 3, 6, 6], 31);
    const w = f64([4, 3, 3, 3], 32);
    w.requiresGrad = true;
    const b = f64([4], 33);
    b.requiresGrad = true;
    const before = memory();
    const y = conv2d(x, w, { bias: b, padding: 1 });
    const loss = sum(y);
    backward(loss);
    y.dispose();
    loss.dispose();
    expect(x.grad).toBeNull();
    expect(w.grad?.shape).toEqual([4, 3, 3, 3]);
    // The bias gradient is dy summed over batch and space: here 2 * 6 * 6 ones.
    expectClose(b.grad as Tensor, [72, 72, 72, 72], 1e-12);
    w.grad?.dispose();
    b.grad?.dispose();
    w.grad = null;
    b.grad = null;
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});

describe('conv errors', () => {
  it('names the channels and shapes when they disagree', () => {
    const x = zeros([64, 3, 28, 28]);
    const w = zeros([6, 1, 5, 5]);
    expect(() => conv2d(x, w)).toThrow(StrideError);
    expect(() => conv2d(x, w)).toThrow(
      'conv2d: input has 3 channels but weight expects 1 (input [64,3,28,28], weight [6,1,5,5])',
    );
  });

  const x4 = () => zeros([1, 4, 5, 5]);
  const cases: [string, () => unknown, string[]][] = [
    [
      'groups channel product',
      () => conv2d(x4(), zeros([4, 1, 3, 3]), { groups: 2 }),
      [
        'conv2d',
        'input has 4 channels but weight expects 2 (1 per group x 2 groups)',
        '[1,4,5,5]',
        '[4,1,3,3]',
      ],
    ],
    [
      'input channels not divisible by groups',
      () => conv2d(x4(), zeros([3, 1, 3, 3]), { groups: 3 }),
      ['conv2d', 'input has 4 channels, which groups 3 does not divide'],
    ],
    [
      'output channels not divisible by groups',
      () => conv2d(x4(), zeros([3, 2, 3, 3]), { groups: 2 }),
      ['conv2d', 'weight has 3 output channels, which groups 2 does not divide', '[3,2,3,3]'],
    ],
    [
      'groups 0',
      () => conv2d(x4(), zeros([4, 4, 3, 3]), { groups: 0 }),
      ['conv2d', "option 'groups' must be an integer ≥ 1, got 0"],
    ],
    [
      'groups fractional',
      () => conv2d(x4(), zeros([4, 4, 3, 3]), { groups: 1.5 }),
      ["option 'groups' must be an integer ≥ 1, got 1.5"],
    ],
    [
      'bias shape',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { bias: zeros([3]) }),
      ['conv2d', 'bias must be [2]', 'bias [3]', 'weight [2,4,3,3]'],
    ],
    [
      'bias rank',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { bias: zeros([2, 1]) }),
      ['bias must be [2]', 'bias [2,1]'],
    ],
    [
      'input rank',
      () => conv2d(zeros([5, 5]), zeros([2, 1, 3, 3])),
      ['conv2d', 'expected a 3-d (unbatched) or 4-d (batched) input', 'input [5,5]'],
    ],
    [
      'conv1d given a 4-d input',
      () => conv1d(x4(), zeros([2, 4, 3])),
      ['conv1d', 'expected a 2-d (unbatched) or 3-d (batched) input', 'input [1,4,5,5]'],
    ],
    [
      'weight rank',
      () => conv2d(x4(), zeros([2, 4, 3])),
      ['conv2d', 'weight must be 4-d', 'weight [2,4,3]'],
    ],
    [
      'stride 0',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { stride: 0 }),
      ['conv2d', 'stride must be a positive integer, got 0'],
    ],
    [
      'stride negative',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { stride: [1, -2] }),
      ['conv2d', 'stride must hold positive integers, got [1,-2]'],
    ],
    [
      'stride fractional',
      () => conv1d(zeros([1, 1, 5]), zeros([1, 1, 2]), { stride: 1.5 }),
      ['conv1d', 'stride must be a positive integer, got 1.5'],
    ],
    [
      'stride NaN',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { stride: Number.NaN }),
      ['stride must be a positive integer, got NaN'],
    ],
    [
      'stride of the wrong length',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { stride: [1, 1, 1] }),
      ['stride must have 2 entries', '[1,1,1]'],
    ],
    [
      'dilation 0',
      () => conv3d(zeros([1, 1, 4, 4, 4]), zeros([1, 1, 2, 2, 2]), { dilation: 0 }),
      ['conv3d', 'dilation must be a positive integer, got 0'],
    ],
    [
      'padding negative',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { padding: -1 }),
      ['conv2d', 'padding must be a non-negative integer, got -1'],
    ],
    [
      'padding fractional',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { padding: [0.5, 1] }),
      ['padding must hold non-negative integers, got [0.5,1]'],
    ],
    [
      'padding pair negative',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { padding: [[1, -1], 0] }),
      ['padding entries must be non-negative integers or [before, after] pairs', '[[1,-1],0]'],
    ],
    [
      'padding unknown string',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { padding: 'full' as 'same' }),
      ['conv2d', "got 'full'"],
    ],
    [
      "'same' with stride 2",
      () => conv2d(x4(), zeros([2, 4, 3, 3]), { padding: 'same', stride: 2 }),
      ['conv2d', "padding 'same' is not supported for strided convolutions", '[2,2]'],
    ],
    [
      'kernel larger than the input',
      () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 5, 5])),
      [
        'conv2d',
        'kernel [5,5] is larger than the padded input [4,4]',
        'input [1,1,4,4]',
        'weight [1,1,5,5]',
      ],
    ],
    [
      'dilated kernel larger than the padded input',
      () => conv1d(zeros([1, 1, 6]), zeros([1, 1, 3]), { dilation: 3 }),
      ['conv1d', 'kernel [3] (dilated to [7]) is larger than the padded input [6]'],
    ],
    [
      'integer input',
      () =>
        conv2d(
          tensor([
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ]),
          zeros([1, 1, 1, 1]),
        ),
      ['conv2d', 'input must be a float tensor, got int32'],
    ],
    [
      'weight dtype differs',
      () => conv2d(x4(), zeros([2, 4, 3, 3], { dtype: 'float64' })),
      ['conv2d', 'weight is float64 but input is float32'],
    ],
    [
      'options not an object',
      () => conv2d(x4(), zeros([2, 4, 3, 3]), 3 as unknown as ConvOptions),
      ['conv2d', 'options must be an object'],
    ],
    [
      'input not a tensor',
      () => conv2d([1, 2] as unknown as Tensor, zeros([2, 4, 3, 3])),
      ['conv2d', 'input must be a Tensor'],
    ],
    [
      'convNd weight rank',
      () => convNd(x4(), zeros([2, 4])),
      ['convNd', 'weight must be 3-d, 4-d or 5-d', '[2,4]'],
    ],
    [
      'zero kernel size',
      () => conv2d(x4(), zeros([2, 4, 0, 3])),
      ['conv2d', 'kernel sizes must be positive', '[2,4,0,3]'],
    ],
  ];
  for (const [name, fn, parts] of cases) {
    it(name, () => expectStrideError(fn, ...parts));
  }

  it('rejects a disposed input', () => {
    const x = x4();
    x.dispose();
    expectStrideError(
      () => conv2d(x, zeros([2, 4, 3, 3])),
      'conv2d',
      'input [1,4,5,5] was disposed',
    );
  });

  it('rejects tensors on two backends, naming both', () => {
    registerBackend({ ...cpu(), name: 'cpu-b' });
    const w = ones([2, 4, 3, 3], { device: 'cpu-b' });
    expectStrideError(() => conv2d(x4(), w), 'conv2d', "input is on 'cpu'", "weight is on 'cpu-b'");
  });

  it('leaks nothing when it throws', () => {
    const x = x4();
    const w = zeros([2, 4, 7, 7]);
    const before = memory();
    expect(() => conv2d(x, w)).toThrow(StrideError);
    expect(memory()).toEqual(before);
  });
});
