import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  backward,
  bceLoss,
  bceWithLogits,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  logSoftmax,
  memory,
  mseLoss,
  nllLoss,
  permute,
  type Reduction,
  registerBackend,
  reshape,
  StrideError,
  setBackend,
  sigmoid,
  sizeOf,
  smoothL1Loss,
  softmax,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
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

/** PyTorch's cross-entropy with class probabilities, written out for `[N, C]` logits. */
function refSoftCrossEntropy(
  logits: number[][],
  target: number[][],
  opts: { weight?: number[]; smoothing?: number },
): number[] {
  const { weight, smoothing = 0 } = opts;
  return logits.map((row, i) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return -row.reduce((s, v, c) => {
      const t = (target[i]?.[c] as number) * (1 - smoothing) + smoothing / row.length;
      return s + (weight ? (weight[c] as number) : 1) * t * (v - lse);
    }, 0);
  });
}

describe('crossEntropy with class probabilities', () => {
  const logits = [
    [1, 2, 3, 0.5],
    [0.1, -1, 2, 2],
    [3, 1, -2, 0],
  ];
  const probs = [
    [0.1, 0.2, 0.3, 0.4],
    [0, 0, 1, 0],
    [0.25, 0.25, 0.5, 0],
  ];
  const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);

  it('weights, label smoothing and all reductions; mean divides by the number of samples', () => {
    const weight = [0.5, 2, 1, 3];
    for (const smoothing of [0, 0.2]) {
      for (const w of [undefined, weight]) {
        const per = refSoftCrossEntropy(logits, probs, { weight: w, smoothing });
        const opts = { weight: w ? t64(w) : null, labelSmoothing: smoothing };
        expectClose(
          crossEntropy(t64(logits), t64(probs), { ...opts, reduction: 'none' }),
          per,
          1e-12,
        );
        expectClose(
          crossEntropy(t64(logits), t64(probs), { ...opts, reduction: 'sum' }),
          [sumOf(per)],
          1e-12,
        );
        expectClose(crossEntropy(t64(logits), t64(probs), opts), [sumOf(per) / 3], 1e-12);
      }
    }
  });

  it('agrees with class indices for one-hot targets (without weights)', () => {
    const oneHot = [
      [0, 0, 1, 0],
      [0, 0, 0, 1],
      [1, 0, 0, 0],
    ];
    for (const labelSmoothing of [0, 0.3]) {
      const soft = crossEntropy(t64(logits), t64(oneHot), { labelSmoothing }).itemSync();
      const hard = crossEntropy(t64(logits), i32([2, 3, 0]), { labelSmoothing }).itemSync();
      expect(soft).toBeCloseTo(hard, 12);
    }
  });

  it('takes [N, C, d] logits (the class dim is 1) and an unbatched [C] input', () => {
    const x = f64([2, 3, 2], 20);
    const t = softmax(f64([2, 3, 2], 21), 1);
    const got = crossEntropy(x, t, { reduction: 'none' });
    expect(got.shape).toEqual([2, 2]);
    const rows = reshape(permute(x, [0, 2, 1]), [4, 3]).arraySync() as number[][];
    const trows = reshape(permute(t, [0, 2, 1]), [4, 3]).arraySync() as number[][];
    expectClose(got, refSoftCrossEntropy(rows, trows, {}), 1e-12);
    const un = crossEntropy(t64(logits[0] as number[]), t64(probs[0] as number[]));
    expect(un.shape).toEqual([]);
    expectClose(
      un,
      refSoftCrossEntropy([logits[0] as number[]], [probs[0] as number[]], {}),
      1e-12,
    );
  });

  it('gradients of input and target (float64 finite differences)', async () => {
    await expectGradOk(
      (x, t) => crossEntropy(x, t, { weight: t64([0.5, 2, 1]), labelSmoothing: 0.1 }),
      [f64([4, 3], 22), softmax(f64([4, 3], 23), 1)],
    );
    await expectGradOk(
      (x, t) => crossEntropy(x, t, { reduction: 'none' }),
      [f64([2, 3, 2], 24), softmax(f64([2, 3, 2], 25), 1)],
    );
  });

  it('accepts a negative ignoreIndex (PyTorch refuses only one ≥ 0)', () => {
    expect(crossEntropy(t64(logits), t64(probs), { ignoreIndex: -1 }).itemSync()).toBeCloseTo(
      sumOf(refSoftCrossEntropy(logits, probs, {})) / 3,
      12,
    );
  });
});

describe('bceLoss', () => {
  it('matches the textbook formula, with a broadcast weight', () => {
    const x = [
      [0.5, 0.1, 0.9],
      [0.25, 0.75, 0.6],
    ];
    const t = [
      [1, 0, 0.3],
      [0, 1, 1],
    ];
    const w = [2, 1, 0.5];
    const want = x.flatMap((row, i) =>
      row.map((v, j) => {
        const y = t[i]?.[j] as number;
        return -(w[j] as number) * (y * Math.log(v) + (1 - y) * Math.log(1 - v));
      }),
    );
    expectClose(bceLoss(t64(x), t64(t), { weight: t64(w), reduction: 'none' }), want, 1e-12);
    expectClose(
      bceLoss(t64(x), t64(t), { weight: t64(w), reduction: 'sum' }),
      [want.reduce((a, b) => a + b, 0)],
      1e-12,
    );
    expectClose(
      bceLoss(t64(x), t64(t), { weight: t64(w) }),
      [want.reduce((a, b) => a + b, 0) / 6],
      1e-12,
    );
  });

  it("clamps each log at -100 and takes PyTorch's finite gradient at 0 and 1", () => {
    const x = t64([0, 1, 0, 1, 0.5]);
    x.requiresGrad = true;
    const t = t64([0, 1, 1, 0, 0.3]);
    const loss = bceLoss(x, t, { reduction: 'none' });
    expectClose(loss, [0, 0, 100, 100, Math.log(2)], 1e-12);
    backward(bceLoss(x, t, { reduction: 'sum' }));
    // w (x - t) / max(x (1 - x), 1e-12), as PyTorch computes it.
    expectClose(x.grad as Tensor, [0, 0, -1e12, 1e12, 0.8], 1e-3);
  });

  it('gradients of input, target and weight (float64 finite differences)', async () => {
    const inside = (shape: number[], seed: number) => sigmoid(f64(shape, seed));
    await expectGradOk(
      (x, t, w) => bceLoss(x, t, { weight: w }),
      [inside([3, 4], 26), inside([3, 4], 27), t64([0.5, 1, 2, 1.5])],
    );
    await expectGradOk(
      (x, t) => bceLoss(x, t, { reduction: 'none' }),
      [inside([2, 3], 28), inside([2, 3], 29)],
    );
  });

  it('leaks nothing, and nothing when it refuses an input', () => {
    const x = t64([0.2, 0.7]);
    x.requiresGrad = true;
    const t = t64([0, 1]);
    const before = memory();
    const loss = bceLoss(x, t);
    backward(loss);
    loss.dispose();
    x.grad?.dispose();
    x.grad = null;
    expect(memory()).toEqual(before);
    expect(() => bceLoss(t64([0.5, 2]), t)).toThrow(StrideError);
    expect(memory().numTensors).toBe(before.numTensors + 1);
  });
});

describe('smoothL1Loss and huberLoss', () => {
  const x = [0, 0.5, -0.9, 1, 3, -2.5];
  const zero = () => t64(x.map(() => 0));
  const smooth = (d: number, beta: number) =>
    Math.abs(d) < beta ? (0.5 * d * d) / beta : Math.abs(d) - 0.5 * beta;
  const huber = (d: number, delta: number) =>
    Math.abs(d) < delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta);

  it('are quadratic below beta (delta) and linear above', () => {
    for (const beta of [1, 0.5, 2]) {
      const want = x.map((d) => smooth(d, beta));
      expectClose(smoothL1Loss(t64(x), zero(), { beta, reduction: 'none' }), want, 1e-12);
      expectClose(
        smoothL1Loss(t64(x), zero(), { beta }),
        [want.reduce((a, b) => a + b) / 6],
        1e-12,
      );
      const wantH = x.map((d) => huber(d, beta));
      expectClose(huberLoss(t64(x), zero(), { delta: beta, reduction: 'none' }), wantH, 1e-12);
      expectClose(
        huberLoss(t64(x), zero(), { delta: beta, reduction: 'sum' }),
        [wantH.reduce((a, b) => a + b)],
        1e-12,
      );
    }
    expectClose(
      smoothL1Loss(t64(x), zero()),
      [x.map((d) => smooth(d, 1)).reduce((a, b) => a + b) / 6],
      1e-12,
    );
  });

  it('smoothL1Loss with beta 0 is l1Loss, gradient included', () => {
    const a = t64(x);
    a.requiresGrad = true;
    backward(smoothL1Loss(a, zero(), { beta: 0, reduction: 'sum' }));
    expectClose(a.grad as Tensor, [0, 1, -1, 1, 1, -1], 0);
    expectClose(smoothL1Loss(t64(x), zero(), { beta: 0, reduction: 'none' }), x.map(Math.abs), 0);
  });

  it('gradients of input and target (float64 finite differences)', async () => {
    await expectGradOk(
      (a, b) => smoothL1Loss(a, b, { beta: 0.7 }),
      [f64([3, 4], 30), f64([3, 4], 31)],
    );
    await expectGradOk(
      (a, b) => huberLoss(a, b, { delta: 0.6, reduction: 'sum' }),
      [f64([3, 4], 32), f64([3, 4], 33)],
    );
  });
});

describe('klDiv', () => {
  const logp = [
    [-1, -2, -0.5],
    [-0.2, -3, -1.5],
  ];
  const q = [
    [0.2, 0, 0.8],
    [0.5, 0.25, 0.25],
  ];
  const terms = q.flatMap((row, i) =>
    row.map((t, j) => (t === 0 ? 0 : t * (Math.log(t) - (logp[i]?.[j] as number)))),
  );
  const total = terms.reduce((a, b) => a + b, 0);

  it('every reduction; a zero target contributes 0; logTarget gives the same', () => {
    expectClose(klDiv(t64(logp), t64(q), { reduction: 'none' }), terms, 1e-12);
    expectClose(klDiv(t64(logp), t64(q), { reduction: 'sum' }), [total], 1e-12);
    expectClose(klDiv(t64(logp), t64(q)), [total / 6], 1e-12);
    expectClose(klDiv(t64(logp), t64(q), { reduction: 'batchmean' }), [total / 2], 1e-12);
    const logq = t64(q.map((row) => row.map((t) => (t === 0 ? -1e300 : Math.log(t)))));
    expectClose(klDiv(t64(logp), logq, { reduction: 'none', logTarget: true }), terms, 1e-12);
    // An unbatched scalar: batchmean is the sum.
    expectClose(
      klDiv(t64(-1), t64(0.5), { reduction: 'batchmean' }),
      [0.5 * (Math.log(0.5) + 1)],
      1e-12,
    );
  });

  it('gives NaN for a negative target, as PyTorch does', () => {
    expect(Number.isNaN(klDiv(t64([-1]), t64([-0.5]), { reduction: 'sum' }).itemSync())).toBe(true);
  });

  it('gradients: input, and a target with zeros (float64 finite differences)', async () => {
    await expectGradOk(
      (x, t) => klDiv(x, t, { reduction: 'batchmean' }),
      [logSoftmax(f64([3, 4], 34), 1), softmax(f64([3, 4], 35), 1)],
    );
    await expectGradOk(
      (x, t) => klDiv(x, t, { reduction: 'none', logTarget: true }),
      [f64([2, 3], 36), f64([2, 3], 37)],
    );
    const zeroTarget = t64([0, 0.5, 0.5]);
    await expectGradOk((x) => klDiv(x, zeroTarget, { reduction: 'sum' }), [f64([3], 38)]);
  });
});

describe('errors of the losses of this release', () => {
  const cases: [string, string, () => unknown, string][] = [
    [
      'a float target of another shape',
      'crossEntropy',
      () => crossEntropy(zeros([4, 3]), zeros([4])),
      'target must hold int32 class indices, got float32 (input [4,3], target [4]); a float target holds class probabilities and must have the shape of input',
    ],
    [
      'probabilities of another dtype',
      'crossEntropy',
      () => crossEntropy(zeros([4, 3]), zeros([4, 3], { dtype: 'float64' })),
      'target is float64 but input is float32',
    ],
    [
      'ignoreIndex with probabilities',
      'crossEntropy',
      () => crossEntropy(zeros([4, 3]), zeros([4, 3]), { ignoreIndex: 1 }),
      'ignoreIndex is not supported with class probabilities (a float target [4,3]), got ignoreIndex 1',
    ],
    [
      'class weights of the wrong size with probabilities',
      'crossEntropy',
      () => crossEntropy(zeros([4, 3]), zeros([4, 3]), { weight: zeros([4]) }),
      'weight must be [3] (one per class of input [4,3]), got weight [4]',
    ],
    [
      'a scalar input with a scalar float target',
      'crossEntropy',
      () => crossEntropy(zeros([]), zeros([])),
      'input must have a class dim: [C], [N, C] or [N, C, d1, ...], got input []',
    ],
    [
      'an input above 1',
      'bceLoss',
      () => bceLoss(t64([0.5, 1.5]), t64([1, 0])),
      'input must hold probabilities in [0, 1] (input [2]), got 1.5 at element 1',
    ],
    [
      'a NaN input',
      'bceLoss',
      () => bceLoss(t64([Number.NaN]), t64([1])),
      'input must hold probabilities in [0, 1] (input [1]), got NaN at element 0',
    ],
    [
      'targets of another shape',
      'bceLoss',
      () => bceLoss(zeros([2, 3]), zeros([3, 2])),
      'target [3,2] must have the shape of input [2,3]',
    ],
    [
      'a weight that does not broadcast',
      'bceLoss',
      () => bceLoss(zeros([2, 3]), zeros([2, 3]), { weight: zeros([2]) }),
      'weight [2] cannot be broadcast to input [2,3]',
    ],
    [
      'integer inputs',
      'bceLoss',
      () => bceLoss(i32([0, 1]), i32([0, 1])),
      'input must be a float tensor, got int32',
    ],
    [
      'a negative beta',
      'smoothL1Loss',
      () => smoothL1Loss(zeros([2]), zeros([2]), { beta: -1 }),
      "option 'beta' must be a number ≥ 0, got -1",
    ],
    [
      'a delta of 0',
      'huberLoss',
      () => huberLoss(zeros([2]), zeros([2]), { delta: 0 }),
      "option 'delta' must be a number > 0, got 0",
    ],
    [
      'huberLoss shapes',
      'huberLoss',
      () => huberLoss(zeros([2]), zeros([2, 1])),
      'target [2,1] must have the shape of input [2]',
    ],
    [
      'an unknown reduction',
      'klDiv',
      () => klDiv(zeros([2]), zeros([2]), { reduction: 'batchMean' as 'batchmean' }),
      "option 'reduction' must be one of 'mean', 'batchmean', 'sum', 'none', got 'batchMean' (did you mean 'batchmean'?)",
    ],
    [
      'a logTarget that is not a boolean',
      'klDiv',
      () => klDiv(zeros([2]), zeros([2]), { logTarget: 1 as unknown as boolean }),
      "option 'logTarget' must be a boolean, got 1",
    ],
    [
      'klDiv dtypes',
      'klDiv',
      () => klDiv(zeros([2]), zeros([2], { dtype: 'float64' })),
      'target is float64 but input is float32',
    ],
  ];
  for (const [name, fn, run, message] of cases) {
    it(`${fn} rejects ${name}`, () => expect(errorOf(fn, run)).toBe(`${fn}: ${message}`));
  }
});

describe('value checks on a backend without synchronous reads', () => {
  // The CPU backend as a GPU would be: no readSync, and a checkIndices that keeps the failure
  // until the next read.
  const base = cpu({ threads: 1 });
  afterAll(() => base.destroy());

  function deviceLike(): Backend<TypedArray> {
    const { readSync, ...rest } = base;
    const read = readSync as NonNullable<typeof readSync>;
    let failure: Error | null = null;
    return {
      ...rest,
      name: 'device-like',
      checkIndices: (index, low, high, report) => {
        for (const v of read(index.storage, 'int32', sizeOf(index.shape))) {
          if (v < low || v >= high) {
            failure ??= report(v);
            return;
          }
        }
      },
      read: async (storage, dtype, size) => {
        const reported = failure;
        failure = null;
        if (reported) throw reported;
        return base.read(storage, dtype, size);
      },
    };
  }

  /** The message of the StrideError the first read after `run` rejects with. */
  async function reportedAfter(run: () => Tensor): Promise<string> {
    const out = tidy(run);
    const other = tensor([0]);
    try {
      await other.data();
    } catch (e) {
      expect(e).toBeInstanceOf(StrideError);
      return (e as Error).message;
    } finally {
      out.dispose();
      other.dispose();
    }
    throw new Error('the read after the call did not throw');
  }

  it('report out-of-range class indices and values outside [0, 1] at the next read', async () => {
    registerBackend(deviceLike());
    await setBackend('device-like');
    try {
      const found =
        "; found on the 'device-like' device and reported at the first read after the call";
      expect(await reportedAfter(() => crossEntropy(zeros([2, 3]), i32([1, 3])))).toBe(
        `crossEntropy: target holds 3, out of range for size 3 (the number of classes; ignoreIndex is -100) (target [2])${found}`,
      );
      expect(
        await reportedAfter(() =>
          bceLoss(tensor([0.5, 1.5]), tensor([1, 0], { dtype: 'float32' })),
        ),
      ).toBe(
        `bceLoss: input must hold probabilities in [0, 1] (input [2]), got a value outside [0, 1] or NaN${found}`,
      );
      // In range, nothing is reported.
      const loss = bceLoss(tensor([0.5, 1]), tensor([1, 0], { dtype: 'float32' }));
      expect(Array.from(await loss.data())).toEqual([expect.closeTo(Math.log(2) / 2 + 50, 5)]);
      loss.dispose();
    } finally {
      await useCpu();
    }
  });
});
