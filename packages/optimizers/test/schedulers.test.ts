/**
 * The schedulers of fixtures/schedulers.json: learning rates (and cycled momenta) after
 * construction and after every step must equal PyTorch's get_last_lr() to 1e-12 relative
 * (the arithmetic is the same double-precision expression; only Math.cos and ** may differ
 * from C's in the last bit), and the state dict must carry PyTorch's counters.
 */
import { StrideError, type Tensor, zeros } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  Adagrad,
  Adam,
  type AnyOptimizer,
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  OneCycleLR,
  SequentialLR,
  SGD,
  StepLR,
} from '../src/index.js';
import {
  expectClose,
  makeOptimizer,
  makeScheduler,
  SCHEDULER_CASES,
  type SchedulerCase,
} from './helpers.js';

function setup(c: SchedulerCase): { opt: AnyOptimizer; params: Tensor[] } {
  const params = c.lrs.map(() => zeros([1], { requiresGrad: true }));
  const groups = c.lrs.map((lr, i) => ({ params: [i], options: { lr } }));
  // SGD needs an lr of its own even when every group sets one, as in PyTorch.
  const options = c.optimizer === 'SGD' ? { lr: 0.1, ...c.options } : c.options;
  return { opt: makeOptimizer(c.optimizer, params, options, groups), params };
}

function momenta(opt: AnyOptimizer): (number | null)[] {
  return opt.paramGroups.map((g) => {
    const h = g as unknown as { betas?: number[]; momentum?: number };
    return h.betas ? (h.betas[0] as number) : (h.momentum ?? null);
  });
}

function expectState(
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
  where: string,
) {
  for (const [key, want] of Object.entries(expected)) {
    const got = actual[key];
    if (key === '_schedulers') {
      for (const [i, w] of (want as Record<string, unknown>[]).entries()) {
        const child = (got as Record<string, unknown>[])[i] as Record<string, unknown>;
        expectState(child, w, `${where}._schedulers[${i}]`);
      }
    } else if (Array.isArray(want)) {
      expectClose(got as number[], want as number[], 1e-12, 1e-15, `${where}.${key}`);
    } else {
      expect(got, `${where}.${key}`).toBe(want);
    }
  }
}

describe('schedulers match PyTorch', () => {
  for (const c of SCHEDULER_CASES) {
    it(`${c.name}: ${c.steps} steps`, () => {
      const { opt, params } = setup(c);
      const scheduler = makeScheduler(opt, c.scheduler);
      const check = (step: number) => {
        expectClose(
          scheduler.getLastLr(),
          c.lr[step] as number[],
          1e-12,
          1e-15,
          `lr after step ${step}`,
        );
        expectClose(
          opt.paramGroups.map((g) => g.lr),
          c.lr[step] as number[],
          1e-12,
          1e-15,
          `group lr after step ${step}`,
        );
        const want = c.momentum[step] as (number | null)[];
        momenta(opt).forEach((m, i) => {
          if (want[i] === null) expect(m).toBeNull();
          else
            expectClose(
              [m as number],
              [want[i] as number],
              1e-12,
              1e-15,
              `momentum after step ${step}`,
            );
        });
      };
      check(0);
      for (let step = 1; step <= c.steps; step++) {
        scheduler.step();
        check(step);
      }
      expectState(scheduler.stateDict(), c.stateDict, 'stateDict');
      opt.dispose();
      for (const p of params) p.dispose();
    });
  }
});

function sgd(lr = 0.1, momentum = 0.9): { opt: SGD; p: Tensor } {
  const p = zeros([2], { requiresGrad: true });
  return { opt: new SGD([p], { lr, momentum }), p };
}

describe('scheduler state dicts', () => {
  const kinds: [string, (opt: AnyOptimizer) => LRScheduler][] = [
    ['StepLR', (o) => new StepLR(o, { stepSize: 3, gamma: 0.5 })],
    ['MultiStepLR', (o) => new MultiStepLR(o, { milestones: [2, 5, 5, 9] })],
    ['ExponentialLR', (o) => new ExponentialLR(o, { gamma: 0.8 })],
    ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, { tMax: 7, etaMin: 0.01 })],
    ['LinearLR', (o) => new LinearLR(o, { startFactor: 0.2, totalIters: 6 })],
    ['OneCycleLR', (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 25, threePhase: true })],
    [
      'SequentialLR',
      (o) =>
        new SequentialLR(o, {
          schedulers: [
            new LinearLR(o, { startFactor: 0.1, totalIters: 4 }),
            new CosineAnnealingLR(o, { tMax: 16 }),
          ],
          milestones: [4],
        }),
    ],
  ];
  for (const [name, make] of kinds) {
    it(`${name}: resuming from the optimizer's and the scheduler's state gives the same rates`, async () => {
      const straight = sgd();
      const s1 = make(straight.opt);
      const rates: number[][] = [];
      const moms: (number | null)[][] = [];
      for (let i = 0; i < 20; i++) {
        s1.step();
        rates.push(s1.getLastLr());
        moms.push(momenta(straight.opt));
      }

      const first = sgd();
      const s2 = make(first.opt);
      for (let i = 0; i < 8; i++) s2.step();
      const optState = first.opt.stateDict();
      // Through JSON, as a checkpoint would carry it.
      const schedState = JSON.parse(JSON.stringify(s2.stateDict()));

      const resumed = sgd(0.5, 0.1);
      const s3 = make(resumed.opt);
      await resumed.opt.loadStateDict(optState);
      s3.loadStateDict(schedState);
      for (let i = 8; i < 20; i++) {
        s3.step();
        expectClose(s3.getLastLr(), rates[i] as number[], 0, 0, `rate at step ${i + 1}`);
        expect(momenta(resumed.opt)).toEqual(moms[i]);
      }
      for (const t of Object.values(optState.state)) t.dispose();
      for (const run of [straight, first, resumed]) {
        run.opt.dispose();
        run.p.dispose();
      }
    });
  }

  it('a saved option that differs from the scheduler is an error', () => {
    const { opt, p } = sgd();
    const a = new StepLR(opt, { stepSize: 3 });
    const b = new StepLR(opt, { stepSize: 4 });
    expect(() => b.loadStateDict(a.stateDict())).toThrow(
      /StepLR.loadStateDict: the state dict has step_size 3/,
    );
    expect(() => b.loadStateDict({ last_epoch: 1, _last_lr: [0.1, 0.2] } as never)).toThrow(
      StrideError,
    );
    opt.dispose();
    p.dispose();
  });
});

describe('scheduler behaviour', () => {
  it('changes the lr that the next optimizer step uses', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new SGD([p], { lr: 1 });
    const scheduler = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    for (const expected of [-1, -1.5, -1.75]) {
      opt.zeroGrad();
      p.grad = zeros([1]).add(1);
      opt.step();
      scheduler.step();
      expect(p.dataSync()[0]).toBe(expected);
    }
    opt.zeroGrad();
    opt.dispose();
    p.dispose();
  });

  it('OneCycleLR refuses to step past totalSteps', () => {
    const { opt, p } = sgd();
    const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 4 });
    for (let i = 0; i < 4; i++) s.step();
    expect(() => s.step()).toThrow(
      /OneCycleLR.step: tried to step 6 times, but the cycle has totalSteps 4/,
    );
    opt.dispose();
    p.dispose();
  });

  it('OneCycleLR cycles Adam β₁ and keeps β₂', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new Adam([p], { betas: [0.5, 0.77] });
    new OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    expect(opt.paramGroups[0]?.betas).toEqual([0.95, 0.77]);
    opt.dispose();
    p.dispose();
  });

  const bad: [string, (opt: AnyOptimizer) => unknown, RegExp][] = [
    [
      'StepLR stepSize 0',
      (o) => new StepLR(o, { stepSize: 0 }),
      /StepLR: stepSize must be a positive integer, got 0/,
    ],
    [
      'StepLR gamma -1',
      (o) => new StepLR(o, { stepSize: 2, gamma: -1 }),
      /StepLR: gamma must be a non-negative number/,
    ],
    [
      'MultiStepLR milestones',
      (o) => new MultiStepLR(o, { milestones: [1, 2.5] }),
      /MultiStepLR: milestones\[1\] must be an integer, got 2.5/,
    ],
    [
      'ExponentialLR gamma',
      (o) => new ExponentialLR(o, {} as never),
      /ExponentialLR: gamma must be a non-negative number, got undefined/,
    ],
    [
      'CosineAnnealingLR tMax',
      (o) => new CosineAnnealingLR(o, { tMax: 0 }),
      /CosineAnnealingLR: tMax must be positive, got 0/,
    ],
    [
      'LinearLR startFactor',
      (o) => new LinearLR(o, { startFactor: 0 }),
      /LinearLR: startFactor must be in \(0, 1\], got 0/,
    ],
    [
      'LinearLR endFactor',
      (o) => new LinearLR(o, { endFactor: 2 }),
      /LinearLR: endFactor must be in \[0, 1\], got 2/,
    ],
    [
      'OneCycleLR no length',
      (o) => new OneCycleLR(o, { maxLr: 1 }),
      /OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch/,
    ],
    [
      'OneCycleLR pctStart',
      (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 5, pctStart: 1.5 }),
      /pctStart must be in \[0, 1\]/,
    ],
    [
      'OneCycleLR strategy',
      (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as never }),
      /annealStrategy must be 'cos' or 'linear', got 'exp'/,
    ],
    [
      'OneCycleLR maxLr per group',
      (o) => new OneCycleLR(o, { maxLr: [1, 2], totalSteps: 5 }),
      /OneCycleLR: expected 1 values for maxLr \(one per group\), got 2/,
    ],
    [
      'not an optimizer',
      () => new StepLR({} as never, { stepSize: 1 }),
      /StepLR: optimizer must be an Optimizer/,
    ],
    [
      'resume without initialLr',
      (o) => new StepLR(o, { stepSize: 1 }, 5),
      /StepLR: paramGroups\[0\] has no initialLr/,
    ],
    [
      'SequentialLR milestones',
      (o) => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 1 })], milestones: [3] }),
      /SequentialLR: expected 0 milestones for 1 schedulers, got \[3\]/,
    ],
    [
      'SequentialLR other optimizer',
      (o) => {
        const other = sgd();
        return new SequentialLR(o, {
          schedulers: [new StepLR(other.opt, { stepSize: 1 })],
          milestones: [],
        });
      },
      /SequentialLR: schedulers\[0\] belongs to another optimizer/,
    ],
  ];
  for (const [name, make, message] of bad) {
    it(`rejects ${name}`, () => {
      const { opt, p } = sgd();
      expect(() => make(opt)).toThrow(StrideError);
      expect(() => make(opt)).toThrow(message);
      opt.dispose();
      p.dispose();
    });
  }

  it('OneCycleLR with cycleMomentum needs an optimizer with momentum', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new Adagrad([p]);
    expect(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5 })).toThrow(
      /OneCycleLR: cycleMomentum needs an optimizer with momentum or betas; Adagrad has neither/,
    );
    opt.dispose();
    p.dispose();
  });
});
