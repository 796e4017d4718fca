import { checkOptions, fail, option, positiveInt, required } from '../check.js';
import { type ParamGroup, SCHEDULE_FIELDS, type ScheduleFields } from '../param-group.js';
import type { JsonValue } from '../state-dict.js';
import { perGroup, perGroupRule } from './per-group.js';
import { type AnyOptimizer, LRScheduler } from './scheduler.js';

/**
 * Options of `OneCycleLR`: `maxLr`, and either `totalSteps` or both `epochs` and `stepsPerEpoch`.
 */
export interface OneCycleLROptions {
  /** Peak learning rate, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  /** Epochs of training; with `stepsPerEpoch`, the cycle has `epochs · stepsPerEpoch` steps. */
  epochs?: number;
  /** Batches per epoch; see `epochs`. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's β₁) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /**
   * Momentum (or β₁) at the peak learning rate, one for all groups or one per group (default 0.85).
   */
  baseMomentum?: number | readonly number[];
  /**
   * Momentum (or β₁) at the start and end of the cycle, one for all groups or one per group
   * (default 0.95).
   */
  maxMomentum?: number | readonly number[];
  /** The cycle starts at maxLr / divFactor (default 25). */
  divFactor?: number;
  /** And ends at that start / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases as in the original paper rather than fastai's two (default false). */
  threePhase?: boolean;
}

type ScheduleKey = keyof ScheduleFields;

interface Phase {
  endStep: number;
  startLr: ScheduleKey;
  endLr: ScheduleKey;
  startMomentum: ScheduleKey;
  endMomentum: ScheduleKey;
}

type MomentumGroup = ParamGroup & { momentum?: number; betas?: [number, number] };

const NAME = 'OneCycleLR';

/**
 * The 1cycle policy, as `torch.optim.lr_scheduler.OneCycleLR`: the rate rises from
 * maxLr/divFactor to maxLr over the first `pctStart` of the cycle, then anneals to
 * maxLr/(divFactor·finalDivFactor); momentum (β₁ for Adam and AdamW) moves the opposite way
 * between maxMomentum and baseMomentum. Step it after every batch, `totalSteps − 1` times in
 * all; one step more is an error. Like PyTorch it records initialLr, maxLr, minLr,
 * maxMomentum and baseMomentum in each parameter group.
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle: `totalSteps`, or `epochs · stepsPerEpoch`. */
  readonly totalSteps: number;
  /** Whether the momentum (or β₁) moves inversely to the learning rate. */
  readonly cycleMomentum: boolean;
  /** How the rate moves between its anchors: along a cosine (`'cos'`) or a straight line. */
  readonly annealStrategy: 'cos' | 'linear';
  private readonly useBeta1: boolean;
  private readonly phases: Phase[];

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions, lastEpoch = -1) {
    super(NAME, optimizer, lastEpoch);
    const o = checkOptions(NAME, options, {
      maxLr: perGroupRule,
      totalSteps: positiveInt,
      epochs: positiveInt,
      stepsPerEpoch: positiveInt,
      pctStart: option.number({ min: 0, max: 1 }),
      annealStrategy: option.oneOf('cos', 'linear'),
      cycleMomentum: option.boolean,
      baseMomentum: perGroupRule,
      maxMomentum: perGroupRule,
      divFactor: option.number({ above: 0 }),
      finalDivFactor: option.number({ above: 0 }),
      threePhase: option.boolean,
    });
    const maxLr = required(NAME, 'maxLr', o.maxLr);
    if (o.totalSteps !== undefined) {
      if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
        fail(NAME, 'give either totalSteps or both epochs and stepsPerEpoch, not both');
      }
      this.totalSteps = o.totalSteps;
    } else if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
      const why = ' (the cycle has epochs · stepsPerEpoch steps)';
      this.totalSteps =
        required(NAME, 'epochs', o.epochs, ` with stepsPerEpoch${why}`) *
        required(NAME, 'stepsPerEpoch', o.stepsPerEpoch, ` with epochs${why}`);
    } else {
      fail(NAME, 'give either totalSteps or both epochs and stepsPerEpoch');
    }
    const pct = o.pctStart ?? 0.3;
    const n = this.totalSteps;
    const threePhase = o.threePhase ?? false;
    this.phases = threePhase
      ? [
          {
            endStep: pct * n - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pct * n - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          {
            endStep: n - 1,
            startLr: 'initialLr',
            endLr: 'minLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'maxMomentum',
          },
        ]
      : [
          {
            endStep: pct * n - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: n - 1,
            startLr: 'maxLr',
            endLr: 'minLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
        ];
    this.annealStrategy = o.annealStrategy ?? 'cos';
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    const groups = this.groups as MomentumGroup[];
    const maxLrs = perGroup(NAME, 'maxLr', maxLr, groups.length);
    this.cycleMomentum = o.cycleMomentum ?? true;
    const defaults = optimizer.defaults as object;
    if (this.cycleMomentum && !('momentum' in defaults) && !('betas' in defaults)) {
      fail(
        NAME,
        `cycleMomentum needs an optimizer with momentum or betas; ${optimizer.name} has neither (pass cycleMomentum: false)`,
      );
    }
    this.useBeta1 = this.cycleMomentum && 'betas' in defaults;
    const maxMomenta = perGroup(NAME, 'maxMomentum', o.maxMomentum ?? 0.95, groups.length);
    const baseMomenta = perGroup(NAME, 'baseMomentum', o.baseMomentum ?? 0.85, groups.length);
    if (this.useBeta1) {
      // They become β₁, which Adam requires to be below 1.
      for (const [key, values] of [
        ['maxMomentum', maxMomenta],
        ['baseMomentum', baseMomenta],
      ] as const) {
        const bad = values.find((v) => v >= 1);
        if (bad !== undefined) {
          fail(
            NAME,
            `option '${key}' becomes ${optimizer.name}'s β₁, which must be < 1, got ${bad}`,
          );
        }
      }
    }
    // Every option is valid: only now are the groups changed.
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = (maxLrs[i] as number) / divFactor;
        g.maxLr = maxLrs[i] as number;
        g.minLr = g.initialLr / finalDivFactor;
        if (!this.cycleMomentum) return;
        const m = maxMomenta[i] as number;
        if (this.useBeta1) g.betas = [m, (g.betas as [number, number])[1]];
        else g.momentum = m;
        g.maxMomentum = m;
        g.baseMomentum = baseMomenta[i] as number;
      });
    }
    this.start();
  }

  protected override getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      fail(
        `${NAME}.step`,
        `tried to step ${stepNum + 1} times, but the cycle has totalSteps ${this.totalSteps}`,
      );
    }
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    return (this.groups as MomentumGroup[]).map((g) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (const [i, phase] of this.phases.entries()) {
        const endStep = phase.endStep;
        if (stepNum <= endStep || i === this.phases.length - 1) {
          if (endStep === startStep) {
            // PyTorch divides by zero here (ZeroDivisionError); the rate would be NaN.
            fail(
              stepNum === 0 ? NAME : `${NAME}.step`,
              `phase ${i + 1} of the cycle has no steps (it starts and ends at step ${endStep}); with totalSteps ${this.totalSteps}, choose another pctStart`,
            );
          }
          const pct = (stepNum - startStep) / (endStep - startStep);
          lr = anneal(field(g, phase.startLr), field(g, phase.endLr), pct);
          if (this.cycleMomentum)
            momentum = anneal(field(g, phase.startMomentum), field(g, phase.endMomentum), pct);
          break;
        }
        // PyTorch starts the next phase at this phase's end step itself (not one past it).
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, (g.betas as [number, number])[1]];
        else g.momentum = momentum;
      }
      return lr;
    });
  }

  protected override options(): Record<string, JsonValue> {
    const torchKey = (k: ScheduleKey) => SCHEDULE_FIELDS[k];
    return {
      total_steps: this.totalSteps,
      cycle_momentum: this.cycleMomentum,
      use_beta1: this.useBeta1,
      _schedule_phases: this.phases.map((p) => ({
        end_step: p.endStep,
        start_lr: torchKey(p.startLr),
        end_lr: torchKey(p.endLr),
        start_momentum: torchKey(p.startMomentum),
        end_momentum: torchKey(p.endMomentum),
      })),
    };
  }
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

function field(group: ParamGroup, key: ScheduleKey): number {
  const value = group[key];
  if (value === undefined)
    fail(NAME, `the parameter group has no ${key}; was its state loaded from another scheduler?`);
  return value;
}
