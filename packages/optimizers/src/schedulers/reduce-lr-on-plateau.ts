import { isTensor } from '@stride/core';
import { arg, checkOptions, fail, isRecord, nonNegative, option, show } from '../check.js';
import type { BaseHyper, ParamGroup } from '../param-group.js';
import type { JsonValue } from '../state-dict.js';
import { perGroup, perGroupRule } from './per-group.js';
import {
  type AnyOptimizer,
  checkOptimizer,
  checkSavedState,
  type SchedulerStateDict,
  saved,
} from './scheduler.js';

/** Options of `ReduceLROnPlateau`. */
export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): reduce when the metric stops falling; `'max'`: when it stops rising. */
  mode?: 'min' | 'max';
  /** The factor of each reduction, in [0, 1) (default 0.1). */
  factor?: number;
  /** Steps without improvement tolerated before a reduction (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count as an improvement (default 1e-4). */
  threshold?: number;
  /**
   * `'rel'` (default): better than best·(1 ∓ threshold); `'abs'`: better than best ∓ threshold.
   */
  thresholdMode?: 'rel' | 'abs';
  /** Steps after a reduction during which bad steps are not counted (default 0). */
  cooldown?: number;
  /** The lowest learning rate, one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
}

const NAME = 'ReduceLROnPlateau';

const count = option.integer({ min: 0 });

/** JSON has no infinity: the best metric before the first step is saved as 'inf' or '-inf'. */
const metricRule = option.custom<number | 'inf' | '-inf'>(
  "a number, 'inf' or '-inf'",
  (v) => typeof v === 'number' || v === 'inf' || v === '-inf',
);

function toJson(v: number): JsonValue {
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return v;
}

function fromJson(v: number | 'inf' | '-inf'): number {
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return v;
}

/**
 * Reduces the learning rate when a metric has stopped improving, as
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`: after more than `patience` steps without an
 * improvement every group's rate is multiplied by `factor` (down to `minLr`), then `cooldown`
 * steps pass before bad steps count again. Pass the metric to `step`, once per epoch:
 *
 *     const schedule = new ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 2 });
 *     for (let epoch = 0; epoch < epochs; epoch++) {
 *       train();
 *       schedule.step(await validationLoss());
 *     }
 *
 * Unlike the other schedulers it is not an `LRScheduler` (as in PyTorch 1.13): it has no
 * schedule of its own to chain or to put in a `SequentialLR`.
 */
export class ReduceLROnPlateau {
  /** The optimizer whose groups' `lr` this scheduler reduces. */
  readonly optimizer: AnyOptimizer;
  /** Whether a lower (`'min'`) or a higher (`'max'`) metric is better. */
  readonly mode: 'min' | 'max';
  /** The factor of each reduction. */
  readonly factor: number;
  /** Steps without improvement tolerated before a reduction. */
  readonly patience: number;
  /** The margin an improvement must clear. */
  readonly threshold: number;
  /** Whether `threshold` is relative to the best metric or absolute. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Steps after a reduction during which bad steps are not counted. */
  readonly cooldown: number;
  /** Each group's lowest learning rate (PyTorch's `min_lrs`). */
  readonly minLrs: readonly number[];
  /** The smallest reduction that is applied. */
  readonly eps: number;
  /** The best metric so far (±Infinity before the first step). */
  best: number;
  /** Steps since the best metric, not counting those in cooldown. */
  numBadEpochs = 0;
  /** Steps of cooldown left. */
  cooldownCounter = 0;
  /** Steps taken (PyTorch's `last_epoch`, which starts at 0 here). */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options?: ReduceLROnPlateauOptions) {
    checkOptimizer(NAME, optimizer);
    const o = checkOptions(NAME, options, {
      mode: option.oneOf('min', 'max'),
      // Below 1, as PyTorch requires: a factor of 1 or more would never reduce.
      factor: option.number({ min: 0, below: 1 }),
      patience: count,
      threshold: nonNegative,
      thresholdMode: option.oneOf('rel', 'abs'),
      cooldown: count,
      minLr: perGroupRule,
      eps: nonNegative,
    });
    this.optimizer = optimizer;
    this.mode = o.mode ?? 'min';
    this.factor = o.factor ?? 0.1;
    this.patience = o.patience ?? 10;
    this.threshold = o.threshold ?? 1e-4;
    this.thresholdMode = o.thresholdMode ?? 'rel';
    this.cooldown = o.cooldown ?? 0;
    this.minLrs = perGroup(NAME, 'minLr', o.minLr ?? 0, this.groups.length);
    this.eps = o.eps ?? 1e-8;
    this.best = this.modeWorse;
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The learning rate of every group after the last step (at construction: as it was). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * Records the metric of one epoch (a number: read a tensor with `await loss.item()`), and
   * reduces the learning rates if it has not improved for more than `patience` steps.
   */
  step(metric: number, ...rest: never[]): void {
    const fn = `${NAME}.step`;
    if (isTensor(metric)) {
      fail(
        fn,
        `metric must be a number, got ${show(metric)}; pass its value (await metric.item())`,
      );
    }
    arg(
      fn,
      'metric',
      metric,
      option.custom<number>('a number', (v) => typeof v === 'number'),
    );
    if (rest.length > 0) {
      fail(
        fn,
        `takes one argument, the metric, got ${rest.length + 1}; PyTorch's step(metric, epoch) is deprecated`,
      );
    }
    if (this.groups.length !== this.minLrs.length) {
      fail(
        fn,
        `the optimizer has ${this.groups.length} parameter groups but the scheduler was built for ${this.minLrs.length}; build the scheduler after adding groups`,
      );
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      // Bad steps during the cooldown are ignored.
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduce();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /**
   * The options and counters under PyTorch's names (`best` and `mode_worse` as 'inf' or '-inf'
   * while infinite, since JSON has no infinity; Python's `float()` reads them).
   */
  stateDict(): SchedulerStateDict {
    return {
      ...this.options(),
      best: toJson(this.best),
      num_bad_epochs: this.numBadEpochs,
      cooldown_counter: this.cooldownCounter,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  /**
   * Resumes from `stateDict()` output (or PyTorch's, with `_last_lr` optional). The scheduler
   * must have been built with the same options.
   */
  loadStateDict(state: SchedulerStateDict): void {
    const fn = `${NAME}.loadStateDict`;
    if (!isRecord(state)) fail(fn, `expected an object, got ${show(state)}`);
    checkSavedState(fn, NAME, this.options(), state, [
      'best',
      'num_bad_epochs',
      'cooldown_counter',
      'last_epoch',
      '_last_lr',
    ]);
    const best = fromJson(saved(fn, state, 'best', metricRule));
    const numBadEpochs = saved(fn, state, 'num_bad_epochs', count);
    const cooldownCounter = saved(fn, state, 'cooldown_counter', count);
    const lastEpoch = saved(fn, state, 'last_epoch', count);
    let lastLr = this.groups.map((g) => g.lr);
    if (state._last_lr !== undefined) {
      lastLr = [...saved(fn, state, '_last_lr', option.arrayOf(nonNegative))];
      if (lastLr.length !== this.groups.length) {
        fail(
          fn,
          `_last_lr has ${lastLr.length} entries but the optimizer has ${this.groups.length} parameter groups`,
        );
      }
    }
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
  }

  private get groups(): ParamGroup<BaseHyper>[] {
    return this.optimizer.paramGroups;
  }

  /** The metric that any real one improves on: +∞ when minimizing, −∞ when maximizing. */
  private get modeWorse(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    }
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  private reduce(): void {
    this.groups.forEach((g, i) => {
      const old = g.lr;
      const lr = Math.max(old * this.factor, this.minLrs[i] as number);
      if (old - lr > this.eps) g.lr = lr;
    });
  }

  private options(): Record<string, JsonValue> {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      cooldown: this.cooldown,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      mode_worse: toJson(this.modeWorse),
      eps: this.eps,
    };
  }
}
