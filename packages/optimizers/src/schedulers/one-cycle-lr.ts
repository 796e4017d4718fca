import { checkAtLeast, checkBoolean, checkPositiveInt, fail, show } from '../check.js';
import { type ParamGroup, SCHEDULE_FIELDS, type ScheduleFields } from '../param-group.js';
import type { JsonValue } from '../state-dict.js';
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
    if (options === null || typeof options !== 'object')
      fail(NAME, `options must be an object, got ${show(options)}`);
    const o = options;
    if (o.totalSteps !== undefined) {
      this.totalSteps = checkPositiveInt(NAME, 'totalSteps', o.totalSteps);
    } else if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
      this.totalSteps =
        checkPositiveInt(NAME, 'epochs', o.epochs) *
        checkPositiveInt(NAME, 'stepsPerEpoch', o.stepsPerEpoch);
    } else {
      fail(NAME, 'give either totalSteps or both epochs and stepsPerEpoch');
    }
    const pct = o.pctStart ?? 0.3;
    if (typeof pct !== 'number' || !(pct >= 0 && pct <= 1))
      fail(NAME, `pctStart must be in [0, 1], got ${show(pct)}`);
    const n = this.totalSteps;
    const threePhase = checkBoolean(NAME, 'threePhase', o.threePhase ?? false);
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
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') {
      fail(NAME, `annealStrategy must be 'cos' or 'linear', got ${show(strategy)}`);
    }
    this.annealStrategy = strategy;
    const divFactor = checkAtLeast(NAME, 'divFactor', o.divFactor ?? 25);
    const finalDivFactor = checkAtLeast(NAME, 'finalDivFactor', o.finalDivFactor ?? 1e4);
    if (divFactor === 0 || finalDivFactor === 0)
      fail(NAME, 'divFactor and finalDivFactor must be positive');
    const groups = this.groups as MomentumGroup[];
    const maxLrs = perGroup('maxLr', o.maxLr, groups.length);
    this.cycleMomentum = checkBoolean(NAME, 'cycleMomentum', o.cycleMomentum ?? true);
    const defaults = optimizer.defaults as object;
    if (this.cycleMomentum && !('momentum' in defaults) && !('betas' in defaults)) {
      fail(
        NAME,
        `cycleMomentum needs an optimizer with momentum or betas; ${optimizer.name} has neither (pass cycleMomentum: false)`,
      );
    }
    this.useBeta1 = this.cycleMomentum && 'betas' in defaults;
    const maxMomenta = perGroup('maxMomentum', o.maxMomentum ?? 0.95, groups.length);
    const baseMomenta = perGroup('baseMomentum', o.baseMomentum ?? 0.85, groups.length);
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

function perGroup(name: string, value: number | readonly number[], groups: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups)
      fail(NAME, `expected ${groups} values for ${name} (one per group), got ${value.length}`);
    for (const [i, v] of value.entries()) checkAtLeast(NAME, `${name}[${i}]`, v);
    return [...value];
  }
  return new Array<number>(groups).fill(checkAtLeast(NAME, name, value));
}
