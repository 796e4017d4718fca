import { beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  bceWithLogits,
  crossEntropy,
  l1Loss,
  logSoftmax,
  memory,
  mseLoss,
  nllLoss,
  permute,
  type Reduction,
  reshape,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import { expectClose, expectGradOk, expectStrideError, f64, flat, t64 } from './nn-helpers.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const i32 = (values: Parameters<typeof tensor>[0]): Tensor => tensor(values, { dtype: 'int32' });

/**
 * PyTorch's cross-entropy with class indices, written out for `[N, C]` logits: weighted NLL plus
 * label smoothing, 'mean' dividing by the summed weights of non-ignored targets.
 */
function refCrossEntropy(
  logits: number[][],
  target: number[],
  opts: { weight?: number[]; ignoreIndex?: number; smoothing?: number; reduction?: Reduction },
): number | number[] {
  const { weight, ignoreIndex = -100, smoothing = 0, reduction = 'mean' } = opts;
  const per: number[] = [];
  let divisor = 0;
  logits.forEach((row, i) => {
    const t = target[i] as number;
    if (t === ignoreIndex) {
      per.push(0);
      return;
    }
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    const w = (c: number) => (weight ? (weight[c] as number) : 1);
    const nll = -w(t) * (logp[t] as number);
    const smooth = -logp.reduce((s, lp, c) => s + w(c) * lp, 0);
    per.push((1 - smoothing) * nll + (smoothing / row.length) * smooth);
    divisor += w(t);
  });
  if (reduction === 'none') return per;
  const total = per.reduce((a, b) => a + b, 0);
  return reduction === 'sum' ? total : total / divisor;
}

describe('crossEntropy', () => {
  const logits = [
    [1, 2, 3, 0.5],
    [0.1, -1, 2, 2],
    [3, 1, -2, 0],
    [0, 0, 0, 1],
    [-1, 4, 1, 1],
  ];
  const target = [2, 3, -100, 0, 1];

  it('matches -log softmax at the target by hand', () => {
    const v = crossEntropy(t64([[1, 2, 3]]), i32([2])).itemSync();
    expect(v).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, 12);
  });

  it('weights, ignoreIndex, label smoothing and all reductions match PyTorch semantics', () => {
    const weight = [0.5, 2, 1, 3];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const smoothing of [0, 0.2]) {
        const opts = { weight: t64(weight), reduction, labelSmoothing: smoothing };
        const got = crossEntropy(t64(logits), i32(target), opts);
        const want = refCrossEntropy(logits, target, { weight, smoothing, reduction });
        expectClose(got, typeof want === 'number' ? [want] : want, 1e-12);
        const plain = crossEntropy(t64(logits), i32(target), {
          reduction,
          labelSmoothing: smoothing,
        });
        const wantPlain = refCrossEntropy(logits, target, { smoothing, reduction });
        expectClose(plain, typeof wantPlain === 'number' ? [wantPlain] : wantPlain, 1e-12);
      }
    }
  });

  it('uses a custom ignoreIndex inside the class range', () => {
    const got = crossEntropy(t64(logits), i32([2, 3, 1, 0, 1]), { ignoreIndex: 1 }).itemSync();
    expect(got).toBeCloseTo(
      refCrossEntropy(logits, [2, 3, 1, 0, 1], { ignoreIndex: 1 }) as number,
      12,
    );
  });

  it('takes [N, C, d1, d2] logits with [N, d1, d2] targets, and unbatched [C] with a scalar target', () => {
    const x = f64([2, 3, 2, 2], 1);
    const t = i32([
      [
        [0, 1],
        [2, 2],
      ],
      [
        [1, -100],
        [0, 2],
      ],
    ]);
    const got = crossEntropy(x, t, { reduction: 'none' });
    expect(got.shape).toEqual([2, 2, 2]);
    // Rebuild the expectation by moving the class dim last and treating every position as a row.
    const rows = reshape(permute(x, [0, 2, 3, 1]), [8, 3]).arraySync() as number[][];
    expectClose(got, refCrossEntropy(rows, flat(t), { reduction: 'none' }) as number[], 1e-12);
    const un = crossEntropy(t64([0.5, 1.5, -1]), i32(1));
    expect(un.shape).toEqual([]);
    expect(un.itemSync()).toBeCloseTo(refCrossEntropy([[0.5, 1.5, -1]], [1], {}) as number, 12);
  });

  it('gradients (float64 finite differences)', async () => {
    const t = i32(target);
    const weight = t64([0.5, 2, 1, 3]);
    await expectGradOk((x) => crossEntropy(x, t), [f64([5, 4], 2)]);
    await expectGradOk(
      (x) => crossEntropy(x, t, { weight, labelSmoothing: 0.1 }),
      [f64([5, 4], 3)],
    );
    await expectGradOk(
      (x) => crossEntropy(x, t, { reduction: 'none', labelSmoothing: 0.3 }),
      [f64([5, 4], 4)],
    );
    await expectGradOk(
      (x) =>
        crossEntropy(
          x,
          i32([
            [1, 0, 2],
            [2, 2, -100],
          ]),
        ),
      [f64([2, 3, 3], 5)],
    );
  });

  it('leaks nothing', () => {
    const x = f64([5, 4], 6);
    x.requiresGrad = true;
    const t = i32(target);
    const w = t64([1, 2, 3, 4]);
    const before = memory();
    const loss = crossEntropy(x, t, { weight: w, labelSmoothing: 0.1 });
    backward(loss);
    loss.dispose();
    x.grad?.dispose();
    x.grad = null;
    expect(memory()).toEqual(before);
  });
});

describe('nllLoss', () => {
  it('picks -logp at the target, with weights and ignoreIndex', () => {
    const logp = logSoftmax(
      t64([
        [1, 2, 3],
        [1, 1, 1],
        [0, 5, 0],
      ]),
      1,
    );
    const lp = logp.arraySync() as number[][];
    const got = nllLoss(logp, i32([0, -100, 1]), { weight: t64([2, 1, 1]) }).itemSync();
    expect(got).toBeCloseTo((-2 * lp[0][0] - lp[2][1]) / 3, 12);
    expectClose(
      nllLoss(logp, i32([2, 1, 0]), { reduction: 'none' }),
      [-lp[0][2], -lp[1][1], -lp[2][0]],
      1e-12,
    );
    expect(nllLoss(logp, i32([2, 1, 0]), { reduction: 'sum' }).itemSync()).toBeCloseTo(
      -lp[0][2] - lp[1][1] - lp[2][0],
      12,
    );
  });

  it('gradients (float64 finite differences)', async () => {
    const t = i32([0, 2, 1, -100]);
    await expectGradOk((x) => nllLoss(x, t, { weight: t64([1, 0.5, 2]) }), [f64([4, 3], 7)]);
  });
});

describe('regression losses', () => {
  it('mseLoss and l1Loss by hand', () => {
    const a = t64([
      [1, 2],
      [3, 4],
    ]);
    const b = t64([
      [0, 4],
      [3, 1],
    ]);
    expect(mseLoss(a, b).itemSync()).toBeCloseTo((1 + 4 + 0 + 9) / 4, 12);
    expect(mseLoss(a, b, { reduction: 'sum' }).itemSync()).toBe(14);
    expect(mseLoss(a, b, { reduction: 'none' }).arraySync()).toEqual([
      [1, 4],
      [0, 9],
    ]);
    expect(l1Loss(a, b).itemSync()).toBeCloseTo(6 / 4, 12);
    expect(l1Loss(a, b, { reduction: 'none' }).arraySync()).toEqual([
      [1, 2],
      [0, 3],
    ]);
  });

  it('gradients (float64 finite differences)', async () => {
    await expectGradOk((x, y) => mseLoss(x, y), [f64([3, 4], 8), f64([3, 4], 9)]);
    await expectGradOk(
      (x, y) => l1Loss(x, y, { reduction: 'sum' }),
      [f64([3, 4], 10), f64([3, 4], 11)],
    );
  });
});

describe('bceWithLogits', () => {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  it('matches the textbook formula, with weight and posWeight', () => {
    const x = [
      [0.5, -1, 2],
      [0, 3, -0.25],
    ];
    const t = [
      [1, 0, 0.3],
      [0, 1, 1],
    ];
    const w = [[2], [0.5]];
    const pw = [1.5, 1, 3];
    const want: number[] = [];
    for (const [i, row] of x.entries()) {
      for (const [j, v] of row.entries()) {
        const y = t[i][j];
        const l = -(pw[j] * y * Math.log(sig(v)) + (1 - y) * Math.log(1 - sig(v)));
        want.push(l * w[i][0]);
      }
    }
    const got = bceWithLogits(t64(x), t64(t), {
      weight: t64(w),
      posWeight: t64(pw),
      reduction: 'none',
    });
    expectClose(got, want, 1e-12);
    expect(
      bceWithLogits(t64(x), t64(t), { weight: t64(w), posWeight: t64(pw) }).itemSync(),
    ).toBeCloseTo(want.reduce((a, b) => a + b, 0) / 6, 12);
  });

  it('is stable for large logits', () => {
    const got = bceWithLogits(t64([100, -100, 800, -800]), t64([0, 1, 1, 0]), {
      reduction: 'none',
    });
    expectClose(got, [100, 100, 0, 0], 1e-12);
    expect(
      bceWithLogits(
        tensor([1000, -1000], { dtype: 'float32' }),
        tensor([0, 0], { dtype: 'float32' }),
      ).itemSync(),
    ).toBe(500);
  });

  it('gradients (float64 finite differences), including at x = 0', async () => {
    const t = t64([
      [1, 0, 0.3],
      [0, 1, 0.5],
    ]);
    await expectGradOk((x) => bceWithLogits(x, t), [f64([2, 3], 12)]);
    await expectGradOk(
      (x, w, pw) => bceWithLogits(x, t, { weight: w, posWeight: pw, reduction: 'sum' }),
      [f64([2, 3], 13), f64([2, 1], 14), t64([1.5, 0.5, 2])],
    );
    await expectGradOk((x) => bceWithLogits(x, t64([1, 0, 0.25])), [t64([0, 0, 0])]);
  });
});

describe('loss errors', () => {
  const x = () => zeros([4, 3]);
  const cases: [string, () => unknown, string[]][] = [
    [
      'float targets',
      () => crossEntropy(x(), zeros([4])),
      [
        'crossEntropy: target must hold int32 class indices, got float32',
        'input [4,3], target [4]',
      ],
    ],
    [
      'a class index past the end',
      () => crossEntropy(x(), i32([0, 1, 5, 2])),
      ['crossEntropy', 'target holds 5', 'size 3 (the number of classes'],
    ],
    [
      'a negative class index',
      () => crossEntropy(x(), i32([0, -1, 1, 2])),
      ['crossEntropy', 'target holds -1', 'size 3'],
    ],
    [
      'nllLoss class index',
      () => nllLoss(x(), i32([0, 3, 1, 1])),
      ['nllLoss', 'target holds 3', 'size 3'],
    ],
    [
      'a target of the wrong batch size',
      () => crossEntropy(x(), i32([0, 1, 2])),
      ['crossEntropy', 'target [3] does not match input [4,3]', 'expected target [4]'],
    ],
    [
      'a target with extra dims',
      () => crossEntropy(zeros([2, 3, 5]), i32([[0, 1, 2, 0, 1]])),
      ['crossEntropy', 'target [1,5] does not match input [2,3,5]', 'expected target [2,5]'],
    ],
    [
      'a scalar input',
      () => crossEntropy(zeros([]), i32(0)),
      ['crossEntropy', 'input must have a class dim'],
    ],
    [
      'integer logits',
      () => crossEntropy(i32([[1, 2]]), i32([0])),
      ['crossEntropy', 'input must be a float tensor, got int32'],
    ],
    [
      'class weights of the wrong size',
      () => crossEntropy(x(), i32([0, 1, 2, 0]), { weight: zeros([4]) }),
      ['crossEntropy', 'weight must be [3]', 'weight [4]'],
    ],
    [
      'an unknown reduction',
      () => crossEntropy(x(), i32([0, 1, 2, 0]), { reduction: 'avg' as Reduction }),
      ['crossEntropy', "option 'reduction' must be one of 'mean', 'sum', 'none', got 'avg'"],
    ],
    [
      'labelSmoothing above 1',
      () => crossEntropy(x(), i32([0, 1, 2, 0]), { labelSmoothing: 1.5 }),
      ['crossEntropy', "option 'labelSmoothing' must be a number ≥ 0 and ≤ 1, got 1.5"],
    ],
    [
      'a fractional ignoreIndex',
      () => nllLoss(x(), i32([0, 1, 2, 0]), { ignoreIndex: 0.5 }),
      ['nllLoss', "option 'ignoreIndex' must be an integer, got 0.5"],
    ],
    [
      'mseLoss shapes',
      () => mseLoss(zeros([4, 1]), zeros([4])),
      ['mseLoss', 'target [4] must have the shape of input [4,1]'],
    ],
    [
      'mseLoss dtypes',
      () => mseLoss(zeros([4]), zeros([4], { dtype: 'float64' })),
      ['mseLoss', 'target is float64 but input is float32'],
    ],
    [
      'l1Loss integer input',
      () => l1Loss(i32([1, 2]), i32([1, 2])),
      ['l1Loss', 'input must be a float tensor, got int32'],
    ],
    [
      'bceWithLogits shapes',
      () => bceWithLogits(zeros([2, 3]), zeros([3, 2])),
      ['bceWithLogits', 'target [3,2] must have the shape of input [2,3]'],
    ],
    [
      'bceWithLogits weight',
      () => bceWithLogits(zeros([2, 3]), zeros([2, 3]), { weight: zeros([2]) }),
      ['bceWithLogits', 'weight [2] cannot be broadcast to input [2,3]'],
    ],
    [
      'bceWithLogits posWeight',
      () => bceWithLogits(zeros([2, 3]), zeros([2, 3]), { posWeight: zeros([1, 2, 3]) }),
      ['bceWithLogits', 'posWeight [1,2,3] cannot be broadcast to input [2,3]'],
    ],
  ];
  for (const [name, fn, parts] of cases) {
    it(`rejects ${name}`, () => expectStrideError(fn, ...parts));
  }

  it('allows ignoreIndex outside the class range', () => {
    expect(() => crossEntropy(x(), i32([0, -100, 2, 1]))).not.toThrow();
    expect(() => crossEntropy(x(), i32([0, 7, 2, 1]), { ignoreIndex: 7 })).not.toThrow();
  });

  it('leaks nothing when it rejects a target value', () => {
    const logits = x();
    const t = i32([0, 9, 1, 1]);
    const before = memory();
    expect(() => crossEntropy(logits, t)).toThrow();
    expect(memory()).toEqual(before);
  });
});
