/**
 * The schedulers of fixtures/schedulers.json: learning rates (and cycled momenta) after
 * construction and after every step must equal PyTorch's get_last_lr() to 1e-12 relative
 * (the arithmetic is the same double-precision expression; only Math.cos and ** may differ
 * from C's in the last bit), and the state dict must carry PyTorch's counters.
 */
import { type Tensor, tensor, zeros } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  Adagrad,
  Adam,
  type AnyOptimizer,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  SGD,
  StepLR,
} from '../src/index.js';
import {
  errorOf,
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
        const a = c.args?.[step - 1] ?? null;
        if (a === null) (scheduler as LRScheduler).step();
        else (scheduler as { step(x: number): void }).step(a);
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

/** One test per `[name, make, message]`: `make` on a fresh SGD must throw exactly `message`. */
function itRejects(bad: readonly [string, (opt: AnyOptimizer) => unknown, string][]): void {
  for (const [name, make, message] of bad) {
    it(`rejects ${name}`, () => {
      const { opt, p } = sgd();
      expect(errorOf(() => make(opt))).toBe(message);
      opt.dispose();
      p.dispose();
    });
  }
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
    ['LambdaLR', (o) => new LambdaLR(o, (e) => 1 / (1 + e))],
    [
      'CosineAnnealingWarmRestarts',
      (o) => new CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 2, etaMin: 0.01 }),
    ],
    [
      'CyclicLR',
      (o) =>
        new CyclicLR(o, {
          baseLr: 0.01,
          maxLr: 0.1,
          stepSizeUp: 2,
          stepSizeDown: 3,
          mode: 'triangular2',
        }),
    ],
    [
      'SequentialLR of warm restarts',
      (o) =>
        new SequentialLR(o, {
          schedulers: [
            new LinearLR(o, { startFactor: 0.1, totalIters: 3 }),
            new CosineAnnealingWarmRestarts(o, { t0: 4 }),
          ],
          milestones: [3],
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
    expect(errorOf(() => b.loadStateDict(a.stateDict()))).toBe(
      'StepLR.loadStateDict: the state dict has step_size 3 but this scheduler has 4; construct it with the saved options',
    );
    expect(errorOf(() => b.loadStateDict({ last_epoch: 1, _last_lr: [0.1, 0.2] } as never))).toBe(
      "StepLR.loadStateDict: the state dict is not a StepLR's: it lacks step_size, gamma (a StepLR saves step_size, gamma, base_lrs, last_epoch, _step_count, _last_lr)",
    );
    opt.dispose();
    p.dispose();
  });

  it("another kind of scheduler's state, or a bad position, is an error that changes nothing", () => {
    const { opt, p } = sgd();
    const step = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    const exponential = new ExponentialLR(opt, { gamma: 0.5 });
    const cosine = new CosineAnnealingLR(opt, { tMax: 3 });
    expect(errorOf(() => cosine.loadStateDict(step.stateDict()))).toBe(
      "CosineAnnealingLR.loadStateDict: the state dict is not a CosineAnnealingLR's: it has step_size, gamma (a CosineAnnealingLR saves T_max, eta_min, base_lrs, last_epoch, _step_count, _last_lr)",
    );
    // Same gamma, so only the extra step_size tells the kinds apart.
    expect(errorOf(() => exponential.loadStateDict(step.stateDict()))).toBe(
      "ExponentialLR.loadStateDict: the state dict is not an ExponentialLR's: it has step_size (an ExponentialLR saves gamma, base_lrs, last_epoch, _step_count, _last_lr)",
    );
    const saved = step.stateDict();
    expect(errorOf(() => step.loadStateDict({ ...saved, base_lrs: [Number.NaN] }))).toBe(
      'StepLR.loadStateDict: base_lrs must be an array of numbers ≥ 0, got [NaN]',
    );
    expect(errorOf(() => step.loadStateDict({ ...saved, last_epoch: -5 }))).toBe(
      'StepLR.loadStateDict: last_epoch must be -1 (a new schedule) or a step index ≥ 0, got -5',
    );
    expect(errorOf(() => step.loadStateDict({ ...saved, _step_count: 1.5 }))).toBe(
      'StepLR.loadStateDict: _step_count must be an integer ≥ 0, got 1.5',
    );
    // PyTorch's own bookkeeping keys are accepted.
    step.loadStateDict({ ...saved, verbose: false, _get_lr_called_within_step: false });
    expect(step.stateDict()).toEqual(saved);
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

  const bad: [string, (opt: AnyOptimizer) => unknown, string][] = [
    [
      'StepLR stepSize 0',
      (o) => new StepLR(o, { stepSize: 0 }),
      "StepLR: option 'stepSize' must be an integer ≥ 1, got 0",
    ],
    [
      'StepLR stepSize NaN',
      (o) => new StepLR(o, { stepSize: Number.NaN }),
      "StepLR: option 'stepSize' must be an integer ≥ 1, got NaN",
    ],
    [
      'StepLR without stepSize',
      (o) => new StepLR(o, undefined as never),
      "StepLR: option 'stepSize' is required",
    ],
    [
      'StepLR gamma -1',
      (o) => new StepLR(o, { stepSize: 2, gamma: -1 }),
      "StepLR: option 'gamma' must be a number ≥ 0, got -1",
    ],
    [
      'StepLR misspelled gamma',
      (o) => new StepLR(o, { stepSize: 1, gama: 0.1 } as never),
      "StepLR: unknown option 'gama' (did you mean 'gamma'?); the options are stepSize, gamma",
    ],
    [
      'StepLR lastEpoch NaN',
      (o) => new StepLR(o, { stepSize: 1 }, Number.NaN),
      'StepLR: lastEpoch must be -1 (a new schedule) or a step index ≥ 0, got NaN',
    ],
    [
      'StepLR lastEpoch -2',
      (o) => new StepLR(o, { stepSize: 1 }, -2),
      'StepLR: lastEpoch must be -1 (a new schedule) or a step index ≥ 0, got -2',
    ],
    [
      'MultiStepLR fractional milestones',
      (o) => new MultiStepLR(o, { milestones: [1, 2.5] }),
      "MultiStepLR: option 'milestones' must be an array of integers ≥ 0, got [1,2.5]",
    ],
    [
      'MultiStepLR negative milestones',
      (o) => new MultiStepLR(o, { milestones: [-1] }),
      "MultiStepLR: option 'milestones' must be an array of integers ≥ 0, got [-1]",
    ],
    [
      'ExponentialLR gamma',
      (o) => new ExponentialLR(o, {} as never),
      "ExponentialLR: option 'gamma' is required",
    ],
    [
      'CosineAnnealingLR tMax',
      (o) => new CosineAnnealingLR(o, { tMax: 0 }),
      "CosineAnnealingLR: option 'tMax' must be an integer ≥ 1, got 0",
    ],
    [
      'CosineAnnealingLR fractional tMax',
      (o) => new CosineAnnealingLR(o, { tMax: 1 / 3 }),
      "CosineAnnealingLR: option 'tMax' must be an integer ≥ 1, got 0.3333333333333333",
    ],
    [
      'CosineAnnealingLR negative etaMin',
      (o) => new CosineAnnealingLR(o, { tMax: 5, etaMin: -1 }),
      "CosineAnnealingLR: option 'etaMin' must be a number ≥ 0, got -1",
    ],
    [
      "CosineAnnealingLR PyTorch's T_max",
      (o) => new CosineAnnealingLR(o, { T_max: 5 } as never),
      "CosineAnnealingLR: unknown option 'T_max' (did you mean 'tMax'?); the options are tMax, etaMin",
    ],
    [
      'LinearLR startFactor',
      (o) => new LinearLR(o, { startFactor: 0 }),
      "LinearLR: option 'startFactor' must be a number > 0 and ≤ 1, got 0",
    ],
    [
      'LinearLR endFactor',
      (o) => new LinearLR(o, { endFactor: 2 }),
      "LinearLR: option 'endFactor' must be a number ≥ 0 and ≤ 1, got 2",
    ],
    [
      'OneCycleLR no length',
      (o) => new OneCycleLR(o, { maxLr: 1 }),
      'OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch',
    ],
    [
      'OneCycleLR two lengths',
      (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 10, epochs: 2 }),
      'OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch, not both',
    ],
    [
      'OneCycleLR epochs alone',
      (o) => new OneCycleLR(o, { maxLr: 1, epochs: 2 }),
      "OneCycleLR: option 'stepsPerEpoch' is required with epochs (the cycle has epochs · stepsPerEpoch steps)",
    ],
    [
      'OneCycleLR without maxLr',
      (o) => new OneCycleLR(o, { totalSteps: 10 } as never),
      "OneCycleLR: option 'maxLr' is required",
    ],
    [
      'OneCycleLR NaN maxLr',
      (o) => new OneCycleLR(o, { maxLr: Number.NaN, totalSteps: 5 }),
      "OneCycleLR: option 'maxLr' must be a number ≥ 0 or an array of numbers ≥ 0, got NaN",
    ],
    [
      'OneCycleLR pctStart',
      (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 5, pctStart: 1.5 }),
      "OneCycleLR: option 'pctStart' must be a number ≥ 0 and ≤ 1, got 1.5",
    ],
    [
      // pctStart · totalSteps = 1: the warm-up starts and ends at step 0 (PyTorch divides by 0).
      'OneCycleLR a phase without steps',
      (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 10, pctStart: 0.1 }),
      'OneCycleLR: phase 1 of the cycle has no steps (it starts and ends at step 0); with totalSteps 10, choose another pctStart',
    ],
    [
      'OneCycleLR divFactor 0',
      (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 10, divFactor: 0 }),
      "OneCycleLR: option 'divFactor' must be a number > 0, got 0",
    ],
    [
      'OneCycleLR strategy',
      (o) => new OneCycleLR(o, { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as never }),
      "OneCycleLR: option 'annealStrategy' must be one of 'cos', 'linear', got 'exp'",
    ],
    [
      'OneCycleLR maxLr per group',
      (o) => new OneCycleLR(o, { maxLr: [1, 2], totalSteps: 5 }),
      "OneCycleLR: option 'maxLr' must hold one value per parameter group (1), got 2",
    ],
    [
      'not an optimizer',
      () => new StepLR({} as never, { stepSize: 1 }),
      'StepLR: optimizer must be an Optimizer, got an object',
    ],
    [
      'resume without initialLr',
      (o) => new StepLR(o, { stepSize: 1 }, 5),
      'StepLR: paramGroups[0] has no initialLr: resuming at lastEpoch 5 needs the optimizer state of the run being resumed',
    ],
    [
      'SequentialLR milestones',
      (o) => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 1 })], milestones: [3] }),
      'SequentialLR: expected 0 milestones for 1 schedulers, got [3]',
    ],
    [
      'SequentialLR milestone 0',
      (o) =>
        new SequentialLR(o, {
          schedulers: [new StepLR(o, { stepSize: 1 }), new StepLR(o, { stepSize: 2 })],
          milestones: [0],
        }),
      "SequentialLR: option 'milestones' must be an array of integers ≥ 1, got [0]",
    ],
    [
      'SequentialLR non-schedulers',
      (o) => new SequentialLR(o, { schedulers: [3 as never], milestones: [] }),
      "SequentialLR: option 'schedulers' must be a non-empty array of schedulers, got [3]",
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
      'SequentialLR: schedulers[0] belongs to another optimizer; all must share the one passed in',
    ],
  ];
  itRejects(bad);

  it('OneCycleLR turns momenta into Adam β₁ only below 1', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new Adam([p]);
    expect(errorOf(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5, maxMomentum: 1 }))).toBe(
      "OneCycleLR: option 'maxMomentum' becomes Adam's β₁, which must be < 1, got 1",
    );
    opt.dispose();
    p.dispose();
  });

  it('step takes no epoch, and a group added later is an error, not a NaN rate', () => {
    const { opt, p } = sgd();
    const s = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    expect(errorOf(() => s.step(3 as never))).toBe(
      "StepLR.step: takes no arguments, got 3; PyTorch's step(epoch) is deprecated (to resume at a step, construct the scheduler with lastEpoch)",
    );
    const q = zeros([1], { requiresGrad: true });
    opt.addParamGroup({ params: [q] });
    expect(errorOf(() => s.step())).toBe(
      'StepLR.step: the optimizer has 2 parameter groups but the schedule was built for 1; build the scheduler after adding groups',
    );
    // The refused steps changed nothing.
    expect(s.lastEpoch).toBe(0);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.1]);
    opt.dispose();
    p.dispose();
    q.dispose();
  });

  it('a learning rate that is not finite is refused, and the step undone', () => {
    const { opt, p } = sgd();
    const s = new ExponentialLR(opt, { gamma: 1e300 });
    s.step();
    expect(errorOf(() => s.step())).toBe(
      'ExponentialLR.step: the schedule gives paramGroups[0] a learning rate of Infinity at step 2; check its options',
    );
    expect(s.lastEpoch).toBe(1);
    expect(s.getLastLr()).toEqual([0.1 * 1e300]);
    opt.dispose();
    p.dispose();
  });

  it('OneCycleLR with cycleMomentum needs an optimizer with momentum', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new Adagrad([p]);
    expect(errorOf(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5 }))).toBe(
      'OneCycleLR: cycleMomentum needs an optimizer with momentum or betas; Adagrad has neither (pass cycleMomentum: false)',
    );
    opt.dispose();
    p.dispose();
  });
});

describe('the schedulers of PyTorch 1.13 that take more than a step', () => {
  it('CosineAnnealingWarmRestarts resumes between fractional epochs', () => {
    const epochs = Array.from({ length: 30 }, (_, i) => (i + 1) / 3);
    const straight = sgd();
    const s1 = new CosineAnnealingWarmRestarts(straight.opt, { t0: 2, tMult: 2 });
    const rates = epochs.map((e) => {
      s1.step(e);
      return s1.getLastLr();
    });
    const first = sgd();
    const s2 = new CosineAnnealingWarmRestarts(first.opt, { t0: 2, tMult: 2 });
    for (const e of epochs.slice(0, 10)) s2.step(e);
    const saved = JSON.parse(JSON.stringify(s2.stateDict()));
    expect(saved.T_cur).toBeCloseTo(10 / 3 - 2, 14);
    expect(saved.T_i).toBe(4);
    const resumed = sgd();
    const s3 = new CosineAnnealingWarmRestarts(resumed.opt, { t0: 2, tMult: 2 });
    s3.loadStateDict(saved);
    epochs.slice(10).forEach((e, i) => {
      s3.step(e);
      expect(s3.getLastLr()).toEqual(rates[i + 10]);
    });
    for (const run of [straight, first, resumed]) {
      run.opt.dispose();
      run.p.dispose();
    }
  });

  it('ReduceLROnPlateau resumes from its state, with an infinite best saved as a string', () => {
    const metrics = [5, 4, 4, 4, 4, 3.9, 3.9, 3.9, 3.9, 3.9, 1, 1, 1, 1, 1];
    const make = (o: AnyOptimizer) =>
      new ReduceLROnPlateau(o, { factor: 0.5, patience: 1, cooldown: 1 });
    const straight = sgd();
    const s1 = make(straight.opt);
    const rates = metrics.map((m) => {
      s1.step(m);
      return s1.getLastLr();
    });
    // PyTorch's rates for these metrics.
    expect(rates.map((r) => r[0])).toEqual([
      0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.0125, 0.0125,
      0.0125,
    ]);
    const first = sgd();
    const s2 = make(first.opt);
    expect(s2.stateDict()).toEqual({
      factor: 0.5,
      min_lrs: [0],
      patience: 1,
      cooldown: 1,
      mode: 'min',
      threshold: 1e-4,
      threshold_mode: 'rel',
      mode_worse: 'inf',
      eps: 1e-8,
      best: 'inf',
      num_bad_epochs: 0,
      cooldown_counter: 0,
      last_epoch: 0,
      _last_lr: [0.1],
    });
    for (const m of metrics.slice(0, 8)) s2.step(m);
    const optState = first.opt.stateDict();
    const saved = JSON.parse(JSON.stringify(s2.stateDict()));
    const resumed = sgd(0.7);
    const s3 = make(resumed.opt);
    // PyTorch's own bookkeeping key is accepted.
    s3.loadStateDict({ ...saved, verbose: false });
    expect(s3.stateDict()).toEqual(saved);
    for (const g of resumed.opt.paramGroups) g.lr = first.opt.paramGroups[0]?.lr as number;
    metrics.slice(8).forEach((m, i) => {
      s3.step(m);
      expect(s3.getLastLr()).toEqual(rates[i + 8]);
    });
    for (const t of Object.values(optState.state)) t.dispose();
    for (const run of [straight, first, resumed]) {
      run.opt.dispose();
      run.p.dispose();
    }
  });

  it('ReduceLROnPlateau: a saved option that differs, or another scheduler, is an error', () => {
    const { opt, p } = sgd();
    const a = new ReduceLROnPlateau(opt, { patience: 3 });
    const b = new ReduceLROnPlateau(opt, { patience: 4 });
    expect(errorOf(() => b.loadStateDict(a.stateDict()))).toBe(
      'ReduceLROnPlateau.loadStateDict: the state dict has patience 3 but this scheduler has 4; construct it with the saved options',
    );
    const step = new StepLR(opt, { stepSize: 2 });
    expect(errorOf(() => b.loadStateDict(step.stateDict()))).toBe(
      "ReduceLROnPlateau.loadStateDict: the state dict is not a ReduceLROnPlateau's: it has step_size, gamma, base_lrs, _step_count (a ReduceLROnPlateau saves factor, min_lrs, patience, cooldown, mode, threshold, threshold_mode, mode_worse, eps, best, num_bad_epochs, cooldown_counter, last_epoch, _last_lr)",
    );
    expect(errorOf(() => b.loadStateDict({ ...b.stateDict(), best: 'nan' }))).toBe(
      "ReduceLROnPlateau.loadStateDict: best must be a number, 'inf' or '-inf', got 'nan'",
    );
    opt.dispose();
    p.dispose();
  });

  it('ReduceLROnPlateau.step takes one number', () => {
    const { opt, p } = sgd();
    const s = new ReduceLROnPlateau(opt);
    const loss = tensor(0.5);
    expect(errorOf(() => s.step(loss as never))).toBe(
      'ReduceLROnPlateau.step: metric must be a number, got a tensor []; pass its value (await metric.item())',
    );
    expect(errorOf(() => (s.step as () => void)())).toBe(
      'ReduceLROnPlateau.step: metric must be a number, got undefined',
    );
    expect(errorOf(() => s.step(0.5, 3 as never))).toBe(
      "ReduceLROnPlateau.step: takes one argument, the metric, got 2; PyTorch's step(metric, epoch) is deprecated",
    );
    const q = zeros([1], { requiresGrad: true });
    opt.addParamGroup({ params: [q] });
    expect(errorOf(() => s.step(0.5))).toBe(
      'ReduceLROnPlateau.step: the optimizer has 2 parameter groups but the scheduler was built for 1; build the scheduler after adding groups',
    );
    expect(s.lastEpoch).toBe(0);
    // It has no schedule to chain: SequentialLR takes LRSchedulers only.
    expect(errorOf(() => new SequentialLR(opt, { schedulers: [s as never], milestones: [] }))).toBe(
      "SequentialLR: option 'schedulers' must be a non-empty array of schedulers, got [a ReduceLROnPlateau]",
    );
    loss.dispose();
    opt.dispose();
    p.dispose();
    q.dispose();
  });

  it('LambdaLR saves a null for each function, and loads only nulls', () => {
    const p = zeros([1], { requiresGrad: true });
    const q = zeros([1], { requiresGrad: true });
    const opt = new SGD([{ params: [p] }, { params: [q], lr: 0.5 }], { lr: 0.1 });
    const s = new LambdaLR(opt, [(e) => 0.5 ** e, (e) => e + 1]);
    s.step();
    expect(s.getLastLr()).toEqual([0.05, 1]);
    const saved = s.stateDict();
    expect(saved).toEqual({
      lr_lambdas: [null, null],
      base_lrs: [0.1, 0.5],
      last_epoch: 1,
      _step_count: 2,
      _last_lr: [0.05, 1],
    });
    expect(errorOf(() => s.loadStateDict({ ...saved, lr_lambdas: [null, { factor: 0.9 }] }))).toBe(
      'LambdaLR.loadStateDict: lr_lambdas[1] holds an object: the attributes of a PyTorch callable object, which a function cannot take; only plain functions (saved as null) are supported',
    );
    expect(errorOf(() => s.loadStateDict({ ...saved, lr_lambdas: [null] }))).toBe(
      'LambdaLR.loadStateDict: the state dict has lr_lambdas [null] but this scheduler has [null,null]; construct it with the saved options',
    );
    opt.dispose();
    p.dispose();
    q.dispose();
  });

  it('LambdaLR refuses a factor that is not a number, and the step is undone', () => {
    const { opt, p } = sgd();
    const s = new LambdaLR(opt, (e) => (e < 2 ? 1 : (undefined as never)));
    s.step();
    expect(errorOf(() => s.step())).toBe(
      'LambdaLR.step: lrLambda returned undefined for step 2; it must return a number, the factor of the initial learning rate',
    );
    expect(s.lastEpoch).toBe(1);
    expect(s.getLastLr()).toEqual([0.1]);
    opt.dispose();
    p.dispose();
  });

  it('CyclicLR sets each group to baseLr and baseMomentum, and cycles momentum inversely', () => {
    const { opt, p } = sgd(0.5, 0.5);
    const s = new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.05, stepSizeUp: 2 });
    const group = opt.paramGroups[0] as unknown as { lr: number; momentum: number };
    expect([group.lr, group.momentum]).toEqual([0.01, 0.9]);
    s.step();
    s.step();
    expect([group.lr, group.momentum]).toEqual([0.05, 0.8]);
    opt.dispose();
    p.dispose();
  });

  it('CosineAnnealingWarmRestarts.step(epoch) takes a number ≥ 0', () => {
    const { opt, p } = sgd();
    const s = new CosineAnnealingWarmRestarts(opt, { t0: 2 });
    expect(errorOf(() => s.step(-1))).toBe(
      'CosineAnnealingWarmRestarts.step: epoch must be a number ≥ 0, got -1',
    );
    expect(errorOf(() => s.step('1' as never))).toBe(
      "CosineAnnealingWarmRestarts.step: epoch must be a number ≥ 0, got '1'",
    );
    expect([s.lastEpoch, s.tCur, s.tI]).toEqual([0, 0, 2]);
    opt.dispose();
    p.dispose();
  });

  const bad: [string, (opt: AnyOptimizer) => unknown, string][] = [
    [
      'LambdaLR options instead of a function',
      (o) => new LambdaLR(o, { lrLambda: () => 1 } as never),
      'LambdaLR: lrLambda is the second argument itself, not an option: new LambdaLR(optimizer, fn)',
    ],
    [
      'LambdaLR a number',
      (o) => new LambdaLR(o, 0.5 as never),
      'LambdaLR: lrLambda must be a function or an array of functions, got 0.5',
    ],
    [
      'LambdaLR one function too many',
      (o) => new LambdaLR(o, [() => 1, () => 1]),
      'LambdaLR: lrLambda must hold one function per parameter group (1), got 2',
    ],
    [
      'LambdaLR a factor that is not a number at construction',
      (o) => new LambdaLR(o, () => '1' as never),
      "LambdaLR: lrLambda returned '1' for step 0; it must return a number, the factor of the initial learning rate",
    ],
    [
      'CosineAnnealingWarmRestarts without t0',
      (o) => new CosineAnnealingWarmRestarts(o, {} as never),
      "CosineAnnealingWarmRestarts: option 't0' is required",
    ],
    [
      "CosineAnnealingWarmRestarts PyTorch's T_0",
      (o) => new CosineAnnealingWarmRestarts(o, { T_0: 5 } as never),
      "CosineAnnealingWarmRestarts: unknown option 'T_0' (did you mean 't0'?); the options are t0, tMult, etaMin",
    ],
    [
      'CosineAnnealingWarmRestarts fractional t0',
      (o) => new CosineAnnealingWarmRestarts(o, { t0: 2.5 }),
      "CosineAnnealingWarmRestarts: option 't0' must be an integer ≥ 1, got 2.5",
    ],
    [
      'CosineAnnealingWarmRestarts tMult 0',
      (o) => new CosineAnnealingWarmRestarts(o, { t0: 2, tMult: 0 }),
      "CosineAnnealingWarmRestarts: option 'tMult' must be an integer ≥ 1, got 0",
    ],
    [
      'CyclicLR without maxLr',
      (o) => new CyclicLR(o, { baseLr: 0.01 } as never),
      "CyclicLR: option 'maxLr' is required",
    ],
    [
      'CyclicLR stepSizeUp 0',
      (o) => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 0 }),
      "CyclicLR: option 'stepSizeUp' must be an integer ≥ 1, got 0",
    ],
    [
      'CyclicLR an unknown mode',
      (o) => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, mode: 'exp' as never }),
      "CyclicLR: option 'mode' must be one of 'triangular', 'triangular2', 'exp_range', got 'exp' (did you mean 'exp_range'?)",
    ],
    [
      'CyclicLR mode and scaleFn',
      (o) => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, mode: 'triangular2', scaleFn: () => 1 }),
      'CyclicLR: give either mode or scaleFn, not both (mode is ignored when scaleFn is given)',
    ],
    [
      'CyclicLR scaleMode without scaleFn',
      (o) => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleMode: 'iterations' }),
      "CyclicLR: option 'scaleMode' applies to scaleFn only ('exp_range' scales by the step, the other modes by the cycle)",
    ],
    [
      'CyclicLR baseMomentum per group',
      (o) => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, baseMomentum: [0.8, 0.85] }),
      "CyclicLR: option 'baseMomentum' must hold one value per parameter group (1), got 2",
    ],
    [
      'CyclicLR a scaleFn that returns no number',
      (o) => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleFn: () => null as never }),
      'CyclicLR: scaleFn returned null for 1; it must return a number',
    ],
    [
      "CyclicLR PyTorch's base_lr",
      (o) => new CyclicLR(o, { base_lr: 0.01, maxLr: 0.1 } as never),
      "CyclicLR: unknown option 'base_lr' (did you mean 'baseLr'?); the options are baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma, scaleFn, scaleMode, cycleMomentum, baseMomentum, maxMomentum",
    ],
    [
      'ReduceLROnPlateau factor 1',
      (o) => new ReduceLROnPlateau(o, { factor: 1 }),
      "ReduceLROnPlateau: option 'factor' must be a number ≥ 0 and < 1, got 1",
    ],
    [
      'ReduceLROnPlateau an unknown mode',
      (o) => new ReduceLROnPlateau(o, { mode: 'minimum' as never }),
      "ReduceLROnPlateau: option 'mode' must be one of 'min', 'max', got 'minimum' (did you mean 'min'?)",
    ],
    [
      'ReduceLROnPlateau an unknown thresholdMode',
      (o) => new ReduceLROnPlateau(o, { thresholdMode: 'relative' as never }),
      "ReduceLROnPlateau: option 'thresholdMode' must be one of 'rel', 'abs', got 'relative' (did you mean 'rel'?)",
    ],
    [
      'ReduceLROnPlateau fractional patience',
      (o) => new ReduceLROnPlateau(o, { patience: 1.5 }),
      "ReduceLROnPlateau: option 'patience' must be an integer ≥ 0, got 1.5",
    ],
    [
      'ReduceLROnPlateau minLr per group',
      (o) => new ReduceLROnPlateau(o, { minLr: [0, 0] }),
      "ReduceLROnPlateau: option 'minLr' must hold one value per parameter group (1), got 2",
    ],
    [
      "ReduceLROnPlateau PyTorch's min_lr",
      (o) => new ReduceLROnPlateau(o, { min_lr: 1e-5 } as never),
      "ReduceLROnPlateau: unknown option 'min_lr' (did you mean 'minLr'?); the options are mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps",
    ],
    [
      'ReduceLROnPlateau not an optimizer',
      () => new ReduceLROnPlateau({} as never),
      'ReduceLROnPlateau: optimizer must be an Optimizer, got an object',
    ],
  ];
  itRejects(bad);

  it('CyclicLR cycles momentum only where the optimizer has it, as PyTorch 1.13', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new Adam([p]);
    expect(errorOf(() => new CyclicLR(opt, { baseLr: 0.001, maxLr: 0.01 }))).toBe(
      'CyclicLR: cycleMomentum needs an optimizer with momentum; Adam has none (pass cycleMomentum: false)',
    );
    // Nothing was changed by the refused construction.
    expect(opt.paramGroups[0]?.lr).toBe(0.001);
    expect(opt.paramGroups[0]?.initialLr).toBeUndefined();
    opt.dispose();
    p.dispose();
  });
});
