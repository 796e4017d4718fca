import {
  checkOptions,
  fail,
  isRecord,
  nonNegative,
  option,
  positiveInt,
  required,
  show,
} from '../check.js';
import type { ParamGroup } from '../param-group.js';
import type { JsonValue } from '../state-dict.js';
import { perGroup, perGroupRule } from './per-group.js';
import {
  type AnyOptimizer,
  LRScheduler,
  POSITION_KEYS,
  type SchedulerStateDict,
  saved,
} from './scheduler.js';

/** Options of `CyclicLR`. */
export interface CyclicLROptions {
  /** The lower bound of the cycle, one for all groups or one per group. */
  baseLr: number | readonly number[];
  /** The upper bound of the cycle, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Steps from baseLr up to maxLr (default 2000). */
  stepSizeUp?: number;
  /** Steps from maxLr back down (default stepSizeUp). */
  stepSizeDown?: number;
  /**
   * How the amplitude changes: `'triangular'` (never, the default), `'triangular2'` (halved every
   * cycle) or `'exp_range'` (times gamma^step). Give `scaleFn` instead for your own.
   */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** The base of `'exp_range'`'s scaling gamma^step (default 1). */
  gamma?: number;
  /** Your own amplitude scaling, in [0, 1], of the cycle number or the step (see scaleMode). */
  scaleFn?: (x: number) => number;
  /** What `scaleFn` is given: the cycle number from 1 (`'cycle'`, default) or the step. */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle the momentum inversely to the rate (default true; needs an optimizer with momentum). */
  cycleMomentum?: boolean;
  /** The momentum at the peak rate, one for all groups or one per group (default 0.8). */
  baseMomentum?: number | readonly number[];
  /** The momentum at baseLr, one for all groups or one per group (default 0.9). */
  maxMomentum?: number | readonly number[];
}

type MomentumGroup = ParamGroup & { momentum?: number };

const NAME = 'CyclicLR';

const SCALES = {
  triangular: () => 1,
  triangular2: (x: number) => 1 / 2 ** (x - 1),
  exp_range: (x: number, gamma: number) => gamma ** x,
} as const;

/**
 * The cyclical learning rate policy, as `torch.optim.lr_scheduler.CyclicLR`: the rate climbs
 * from `baseLr` to `maxLr` over `stepSizeUp` steps and back over `stepSizeDown`, again and
 * again, with the amplitude scaled by `mode` or `scaleFn`; the momentum moves the opposite way
 * between `maxMomentum` and `baseMomentum`. Step it after every batch. Construction sets each
 * group's `lr` to baseLr (and its momentum to baseMomentum), as PyTorch does.
 *
 * As in PyTorch 1.13, cycling the momentum needs an optimizer with a `momentum` option (SGD,
 * RMSprop); for Adam and the like pass `cycleMomentum: false`. A `scaleFn` cannot be saved:
 * build the scheduler with the same function before loading its state.
 */
export class CyclicLR extends LRScheduler {
  /** The upper bound of each group's cycle (PyTorch's `max_lrs`). */
  readonly maxLrs: readonly number[];
  /** Steps in a whole cycle, up and down (PyTorch's `total_size`). */
  readonly totalSize: number;
  /** The fraction of the cycle spent going up (PyTorch's `step_ratio`). */
  readonly stepRatio: number;
  /** The built-in scaling policy (ignored when `scaleFn` is given). */
  readonly mode: 'triangular' | 'triangular2' | 'exp_range';
  /** The base of `'exp_range'`'s scaling. */
  readonly gamma: number;
  /** What the scaling is a function of: the cycle number or the step. */
  readonly scaleMode: 'cycle' | 'iterations';
  /** Whether the momentum moves inversely to the rate. */
  readonly cycleMomentum: boolean;
  /** Each group's momentum at the peak rate (PyTorch's `base_momentums`). */
  baseMomentums: number[] = [];
  /** Each group's momentum at baseLr (PyTorch's `max_momentums`). */
  readonly maxMomentums: readonly number[] = [];
  private readonly scaleFn: ((x: number) => number) | undefined;

  constructor(optimizer: AnyOptimizer, options: CyclicLROptions, lastEpoch = -1) {
    super(NAME, optimizer, lastEpoch);
    const o = checkOptions(NAME, options, {
      baseLr: perGroupRule,
      maxLr: perGroupRule,
      stepSizeUp: positiveInt,
      stepSizeDown: positiveInt,
      mode: option.oneOf('triangular', 'triangular2', 'exp_range'),
      gamma: nonNegative,
      scaleFn: option.function,
      scaleMode: option.oneOf('cycle', 'iterations'),
      cycleMomentum: option.boolean,
      baseMomentum: perGroupRule,
      maxMomentum: perGroupRule,
    });
    const groups = this.groups as MomentumGroup[];
    const baseLrs = perGroup(NAME, 'baseLr', required(NAME, 'baseLr', o.baseLr), groups.length);
    this.maxLrs = perGroup(NAME, 'maxLr', required(NAME, 'maxLr', o.maxLr), groups.length);
    const up = o.stepSizeUp ?? 2000;
    const down = o.stepSizeDown ?? up;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    // PyTorch ignores one of these silently; here the combination is refused.
    if (o.scaleFn !== undefined && o.mode !== undefined) {
      fail(NAME, 'give either mode or scaleFn, not both (mode is ignored when scaleFn is given)');
    }
    if (o.scaleFn === undefined && o.scaleMode !== undefined) {
      fail(
        NAME,
        "option 'scaleMode' applies to scaleFn only ('exp_range' scales by the step, the other modes by the cycle)",
      );
    }
    this.mode = o.mode ?? 'triangular';
    this.gamma = o.gamma ?? 1;
    this.scaleFn = o.scaleFn as ((x: number) => number) | undefined;
    this.scaleMode =
      o.scaleFn !== undefined
        ? (o.scaleMode ?? 'cycle')
        : this.mode === 'exp_range'
          ? 'iterations'
          : 'cycle';
    this.cycleMomentum = o.cycleMomentum ?? true;
    let baseMomenta: number[] = [];
    if (this.cycleMomentum) {
      if (!('momentum' in (optimizer.defaults as object))) {
        fail(
          NAME,
          `cycleMomentum needs an optimizer with momentum; ${optimizer.name} has none (pass cycleMomentum: false)`,
        );
      }
      baseMomenta = perGroup(NAME, 'baseMomentum', o.baseMomentum ?? 0.8, groups.length);
      this.maxMomentums = perGroup(NAME, 'maxMomentum', o.maxMomentum ?? 0.9, groups.length);
    }
    // Every option is valid: only now are the groups changed.
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.lr = baseLrs[i] as number;
        if (this.cycleMomentum) g.momentum = baseMomenta[i] as number;
      });
    }
    if (this.cycleMomentum) this.baseMomentums = groups.map((g) => g.momentum as number);
    this.start();
    // As in PyTorch: the first step runs from the groups' initialLr, every later one from baseLr.
    this.baseLrs = baseLrs;
  }

  override stateDict(): SchedulerStateDict {
    const out = super.stateDict();
    if (this.cycleMomentum) out.base_momentums = [...this.baseMomentums];
    return out;
  }

  override loadStateDict(state: SchedulerStateDict): void {
    const fn = `${NAME}.loadStateDict`;
    if (!isRecord(state)) fail(fn, `expected an object, got ${show(state)}`);
    let momenta: number[] | undefined;
    if (this.cycleMomentum) {
      momenta = [...saved(fn, state, 'base_momentums', option.arrayOf(nonNegative))];
      if (momenta.length !== this.groups.length) {
        fail(
          fn,
          `base_momentums has ${momenta.length} entries but the optimizer has ${this.groups.length} parameter groups`,
        );
      }
    }
    super.loadStateDict(state);
    if (momenta) this.baseMomentums = momenta;
  }

  protected override checkSavedOptions(
    fn: string,
    state: Record<string, unknown>,
    known: readonly string[] = POSITION_KEYS,
  ): void {
    super.checkSavedOptions(fn, state, this.cycleMomentum ? [...known, 'base_momentums'] : known);
  }

  protected override getLr(): number[] {
    const e = this.lastEpoch;
    const cycle = Math.floor(1 + e / this.totalSize);
    const x = 1 + e / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scale(this.scaleMode === 'cycle' ? cycle : e);
    const lrs = this.baseLrs.map((base, i) => {
      const height = ((this.maxLrs[i] as number) - base) * scaleFactor;
      return base + height * scale;
    });
    if (this.cycleMomentum) {
      (this.groups as MomentumGroup[]).forEach((g, i) => {
        const max = this.maxMomentums[i] as number;
        const height = (max - (this.baseMomentums[i] as number)) * scaleFactor;
        g.momentum = max - height * scale;
      });
    }
    return lrs;
  }

  protected override options(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {
      max_lrs: [...this.maxLrs],
      total_size: this.totalSize,
      step_ratio: this.stepRatio,
      mode: this.mode,
      gamma: this.gamma,
      scale_mode: this.scaleMode,
      cycle_momentum: this.cycleMomentum,
    };
    if (this.cycleMomentum) out.max_momentums = [...this.maxMomentums];
    return out;
  }

  /** The amplitude's scale at `x`, the cycle number or the step. */
  private scale(x: number): number {
    if (this.scaleFn === undefined) return SCALES[this.mode](x, this.gamma);
    const value = this.scaleFn(x);
    if (typeof value !== 'number') {
      fail(
        this.stepCount === 1 ? NAME : `${NAME}.step`,
        `scaleFn returned ${show(value)} for ${x}; it must return a number`,
      );
    }
    return value;
  }
}
