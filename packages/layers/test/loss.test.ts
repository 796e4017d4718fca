/**
 * The loss modules of this release (BCELoss, SmoothL1Loss, HuberLoss, KLDivLoss) and
 * CrossEntropyLoss with class probabilities: each forwards to its core function with its options,
 * keeps its weight as a buffer, prints its options and checks them.
 */
import {
  bceLoss,
  crossEntropy,
  huberLoss,
  klDiv,
  logSoftmax,
  randn,
  sigmoid,
  smoothL1Loss,
  softmax,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BCELoss, CrossEntropyLoss, HuberLoss, KLDivLoss, SmoothL1Loss } from '../src/index.js';
import { errorOf, must, useCpu } from './setup.js';

beforeAll(useCpu);

const values = (t: Tensor) => Array.from(t.dataSync());

describe('loss modules', () => {
  it('CrossEntropyLoss takes class probabilities, with its weight and label smoothing', () => {
    const weight = tensor([0.5, 2, 1], { dtype: 'float32' });
    const loss = new CrossEntropyLoss({ weight, labelSmoothing: 0.1, reduction: 'none' });
    tidy(() => {
      const x = randn([4, 3], { seed: 1 });
      const p = softmax(randn([4, 3], { seed: 2 }), 1);
      const want = crossEntropy(x, p, { weight, labelSmoothing: 0.1, reduction: 'none' });
      expect(values(loss.forward(x, p))).toEqual(values(want));
      expect(loss.forward(x, p).shape).toEqual([4]);
    });
    loss.dispose();
  });

  it('BCELoss keeps its weight as a buffer named weight', () => {
    const loss = new BCELoss({
      weight: tensor([1, 2, 0.5], { dtype: 'float32' }),
      reduction: 'sum',
    });
    expect(loss.namedBuffers().map(([k]) => k)).toEqual(['weight']);
    expect(String(loss)).toBe("BCELoss(reduction='sum')");
    tidy(() => {
      const x = sigmoid(randn([2, 3], { seed: 3 }));
      const t = tensor([
        [1, 0, 1],
        [0, 0.5, 1],
      ]);
      const want = bceLoss(x, t, { weight: must(loss.weight), reduction: 'sum' });
      expect(loss.forward(x, t).itemSync()).toBe(want.itemSync());
    });
    const weight = must(loss.weight);
    loss.dispose();
    expect(weight.isDisposed).toBe(true);
  });

  it('SmoothL1Loss, HuberLoss and KLDivLoss forward their options', () => {
    const smooth = new SmoothL1Loss({ beta: 0.5 });
    const huber = new HuberLoss({ delta: 2, reduction: 'none' });
    const kl = new KLDivLoss({ reduction: 'batchmean', logTarget: true });
    expect([String(smooth), String(huber), String(kl)]).toEqual([
      "SmoothL1Loss(reduction='mean', beta=0.5)",
      "HuberLoss(reduction='none', delta=2)",
      "KLDivLoss(reduction='batchmean', logTarget=true)",
    ]);
    expect([smooth.beta, huber.delta, kl.logTarget, kl.reduction]).toEqual([
      0.5,
      2,
      true,
      'batchmean',
    ]);
    tidy(() => {
      const a = randn([3, 4], { seed: 4 });
      const b = randn([3, 4], { seed: 5 });
      expect(smooth.forward(a, b).itemSync()).toBe(smoothL1Loss(a, b, { beta: 0.5 }).itemSync());
      expect(values(huber.forward(a, b))).toEqual(
        values(huberLoss(a, b, { delta: 2, reduction: 'none' })),
      );
      const logp = logSoftmax(a, 1);
      const logq = logSoftmax(b, 1);
      expect(kl.forward(logp, logq).itemSync()).toBe(
        klDiv(logp, logq, { reduction: 'batchmean', logTarget: true }).itemSync(),
      );
    });
    // The defaults are PyTorch's.
    const plain = [new SmoothL1Loss(), new HuberLoss(), new KLDivLoss()];
    expect(plain.map(String)).toEqual([
      "SmoothL1Loss(reduction='mean', beta=1)",
      "HuberLoss(reduction='mean', delta=1)",
      "KLDivLoss(reduction='mean', logTarget=false)",
    ]);
    for (const m of [smooth, huber, kl, ...plain]) {
      expect(m.parameters()).toHaveLength(0);
      m.dispose();
    }
  });

  it('name themselves in the errors of the function they run', () => {
    const cases: [() => unknown, string][] = [
      [
        () => new BCELoss()(tensor([0.5, 2]), tensor([0, 1], { dtype: 'float32' })),
        'BCELoss: input must hold probabilities in [0, 1] (input [2]), got 2 at element 1',
      ],
      [
        () => new BCELoss()(tensor([0.5, 1]), tensor([0, 1], { dtype: 'int32' })),
        'BCELoss: target is int32 but input is float32',
      ],
      [
        () => new SmoothL1Loss()(zeros([2]), zeros([3])),
        'SmoothL1Loss: target [3] must have the shape of input [2]',
      ],
      [
        () => new HuberLoss()(zeros([2]), zeros([3])),
        'HuberLoss: target [3] must have the shape of input [2]',
      ],
      [
        () => new KLDivLoss()(zeros([2]), zeros([3])),
        'KLDivLoss: target [3] must have the shape of input [2]',
      ],
    ];
    for (const [run, message] of cases) expect(errorOf(() => tidy(run))).toBe(message);
  });

  it('check their options', () => {
    const gone = tensor([1, 2]);
    gone.dispose();
    const cases: [() => unknown, string][] = [
      [
        () => new SmoothL1Loss({ beta: -0.5 }),
        "SmoothL1Loss: option 'beta' must be a number ≥ 0, got -0.5",
      ],
      [() => new HuberLoss({ delta: 0 }), "HuberLoss: option 'delta' must be a number > 0, got 0"],
      [
        () => new KLDivLoss({ reduction: 'batch_mean' as 'batchmean' }),
        "KLDivLoss: option 'reduction' must be one of 'mean', 'batchmean', 'sum', 'none', got 'batch_mean' (did you mean 'batchmean'?)",
      ],
      [
        () => new KLDivLoss({ log_target: true } as never),
        "KLDivLoss: unknown option 'log_target' (did you mean 'logTarget'?); the options are reduction, logTarget",
      ],
      [
        () => new BCELoss({ reduction: 'batchmean' as 'mean' }),
        "BCELoss: option 'reduction' must be one of 'mean', 'sum', 'none', got 'batchmean'",
      ],
      [() => new BCELoss({ weight: gone }), "BCELoss: option 'weight' [2] was disposed"],
      [
        () => new HuberLoss({ beta: 1 } as never),
        "HuberLoss: unknown option 'beta'; the options are reduction, delta",
      ],
    ];
    for (const [run, message] of cases) expect(errorOf(run)).toBe(message);
  });
});
