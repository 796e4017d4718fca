import type { OptionRule } from '@stride/core';
import { arg, article, fail, isRecord, nonNegative, option, show } from '../check.js';
import { Optimizer } from '../optimizer.js';
import type { BaseHyper, ParamGroup } from '../param-group.js';
import type { JsonValue } from '../state-dict.js';

/** `state[key]` of a saved state dict, checked against `rule`. */
export function saved<T>(
  fn: string,
  state: Record<string, unknown>,
  key: string,
  rule: OptionRule<T>,
): T {
  const value = state[key];
  if (!rule.test(value)) fail(fn, `${key} must be ${rule.expected}, got ${show(value)}`);
  return value as T;
}

/**
 * A scheduler's position as PyTorch's `scheduler.state_dict()` names it (plus the
 * scheduler's own options under their PyTorch names), so the JSON maps one to one.
 */
export interface SchedulerStateDict {
  /** Steps taken, counting construction's as 0 (`lastEpoch`). */
  last_epoch: number;
  /** The learning rate of every group after the last step. */
  _last_lr: number[];
  [key: string]: JsonValue;
}

/**
 * An optimizer of any kind, as schedulers take it: a scheduler only reads and writes `lr` (and
 * `OneCycleLR` and `CyclicLR` the momentum).
 */
// biome-ignore lint/suspicious/noExplicitAny: the hyper-parameter type is irrelevant here.
export type AnyOptimizer = Optimizer<any>;

/** `lastEpoch`: -1 for a new schedule, or the step a resumed one is at. */
const lastEpochRule = option.custom<number>(
  '-1 (a new schedule) or a step index ≥ 0',
  (v) => Number.isSafeInteger(v) && (v as number) >= -1,
);

/** Keys PyTorch's schedulers save that mean nothing here; accepted and ignored on load. */
const TORCH_ONLY_KEYS: readonly string[] = [
  'verbose',
  '_get_lr_called_within_step',
  'anneal_func',
  '_anneal_func_type',
  '_is_initial',
];

/** The keys every scheduler's state dict has besides its options. */
export const POSITION_KEYS: readonly string[] = [
  'base_lrs',
  'last_epoch',
  '_step_count',
  '_last_lr',
];

/** Fails for `name` unless `optimizer` is a live Optimizer: the first check of every scheduler. */
export function checkOptimizer(name: string, optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) {
    fail(name, `optimizer must be an Optimizer, got ${show(optimizer)}`);
  }
  if (optimizer.isDisposed) fail(name, 'the optimizer was disposed');
}

/**
 * Throws a StrideError for `fn` when `state` was saved by another kind of scheduler than `name`
 * (it lacks one of `options` or has a key that is neither an option nor `known`) or holds an
 * option (PyTorch name) whose value differs from `options`.
 */
export function checkSavedState(
  fn: string,
  name: string,
  options: Record<string, JsonValue>,
  state: Record<string, unknown>,
  known: readonly string[],
): void {
  const own = Object.keys(options);
  const foreign = Object.keys(state).filter(
    (k) => !own.includes(k) && !known.includes(k) && !TORCH_ONLY_KEYS.includes(k),
  );
  const missing = own.filter((k) => !(k in state));
  if (foreign.length > 0 || missing.length > 0) {
    const has = foreign.length ? `it has ${foreign.join(', ')}` : `it lacks ${missing.join(', ')}`;
    const a = article(name);
    fail(
      fn,
      `the state dict is not ${a} ${name}'s: ${has} (${a} ${name} saves ${[...own, ...known].join(', ')})`,
    );
  }
  for (const [key, value] of Object.entries(options)) {
    if (JSON.stringify(state[key]) !== JSON.stringify(value)) {
      fail(
        fn,
        `the state dict has ${key} ${JSON.stringify(state[key])} but this scheduler has ${JSON.stringify(value)}; construct it with the saved options`,
      );
    }
  }
}

/**
 * The base of the learning-rate schedulers, with PyTorch's `_LRScheduler` semantics.
 *
 * Construction takes the first step of the schedule (`lastEpoch` goes from -1 to 0) and sets
 * every group's `initialLr` (if not set yet) and `lr`. Call `step()` after `optimizer.step()`,
 * once per epoch or once per batch as the schedule expects. Most schedules are chainable, as in
 * PyTorch: each step updates the learning rate the group holds now, so two schedulers on one
 * optimizer compose, and an `lr` changed by hand carries over.
 *
 * A subclass sets its own fields, then calls `start()` at the end of its constructor (fields
 * of a derived class do not exist yet while the base constructor runs).
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** The rates the schedule starts from, one per group (PyTorch's `base_lrs`). */
  baseLrs: number[] = [];
  /** Steps taken so far, counting construction's as 0 (PyTorch's `last_epoch`). */
  lastEpoch: number;
  /** Calls of `step()` since construction or the last restart (PyTorch's `_step_count`). */
  protected stepCount = 0;
  /** The learning rate of every group as set by the last step. */
  protected lastLr: number[] = [];
  /** The scheduler's public name, the start of its error messages (`'StepLR'`). */
  protected readonly name: string;

  protected constructor(name: string, optimizer: AnyOptimizer, lastEpoch = -1) {
    this.name = name;
    checkOptimizer(name, optimizer);
    arg(name, 'lastEpoch', lastEpoch, lastEpochRule);
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
  }

  /** The learning rate of every group as set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * Advances the schedule by one step and sets every group's `lr`. Takes no argument: PyTorch's
   * deprecated `step(epoch)` is not supported (construct with `lastEpoch` to resume).
   */
  step(...args: never[]): void {
    this.checkNoArguments(args);
    this.advance(this.lastEpoch + 1, () => this.getLr());
  }

  /**
   * @internal PyTorch's deprecated `step(epoch)`: jumps to `epoch`, using the closed form where
   * the schedule has one. SequentialLR uses it to restart a schedule at its milestone.
   */
  _stepAt(epoch: number): void {
    this.advance(epoch, () => this.closedFormLr() ?? this.getLr());
  }

  /** @internal Restarts the step count and takes the first step (PyTorch's `_initial_step`). */
  _initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The position in the schedule and its options (PyTorch's names), as plain JSON. */
  stateDict(): SchedulerStateDict {
    return {
      ...this.options(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _last_lr: [...this.lastLr],
    };
  }

  /**
   * Resumes from `stateDict()` output. The scheduler must have been built with the same
   * options: a saved option that differs is an error rather than silently kept or replaced.
   */
  loadStateDict(state: SchedulerStateDict): void {
    const fn = `${this.name}.loadStateDict`;
    if (!isRecord(state)) fail(fn, `expected an object, got ${show(state)}`);
    this.checkSavedOptions(fn, state);
    const groups = this.optimizer.paramGroups.length;
    const rates = option.arrayOf(nonNegative);
    const lastEpoch = saved(fn, state, 'last_epoch', lastEpochRule);
    const stepCount = saved(fn, state, '_step_count', option.integer({ min: 0 }));
    const baseLrs = [...saved(fn, state, 'base_lrs', rates)];
    const lastLr = [...saved(fn, state, '_last_lr', rates)];
    for (const [name, list] of [
      ['base_lrs', baseLrs],
      ['_last_lr', lastLr],
    ] as const) {
      if (list.length !== groups) {
        fail(
          fn,
          `${name} has ${list.length} entries but the optimizer has ${groups} parameter groups`,
        );
      }
    }
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
  }

  /** The learning rates of the step now at `lastEpoch` (PyTorch's chainable `get_lr`). */
  protected abstract getLr(): number[];

  /** The learning rates at `lastEpoch` computed directly, where the schedule has a closed form. */
  protected closedFormLr(): number[] | undefined {
    return undefined;
  }

  /** The scheduler's options under PyTorch's attribute names (`step_size`, `T_max`, ...). */
  protected options(): Record<string, JsonValue> {
    return {};
  }

  /** Sets `initialLr` and `baseLrs` and takes the first step; the end of every constructor. */
  protected start(): void {
    const groups = this.groups;
    if (this.lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          fail(
            this.name,
            `paramGroups[${i}] has no initialLr: resuming at lastEpoch ${this.lastEpoch} needs the optimizer state of the run being resumed`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this._initialStep();
  }

  /** The optimizer's parameter groups. */
  protected get groups(): ParamGroup<BaseHyper>[] {
    return this.optimizer.paramGroups;
  }

  /**
   * Throws a StrideError for `fn` when `state` was saved by another kind of scheduler (it lacks
   * one of this one's options or has one of another's) or holds an option (PyTorch name) whose
   * value differs from this scheduler's.
   */
  protected checkSavedOptions(
    fn: string,
    state: Record<string, unknown>,
    known: readonly string[] = POSITION_KEYS,
  ): void {
    checkSavedState(fn, this.name, this.options(), state, known);
  }

  /** Fails for `fn` when `step` was given arguments. */
  protected checkNoArguments(args: readonly unknown[]): void {
    if (args.length > 0) {
      fail(
        `${this.name}.step`,
        `takes no arguments, got ${show(args[0])}; PyTorch's step(epoch) is deprecated (to resume at a step, construct the scheduler with lastEpoch)`,
      );
    }
  }

  /**
   * Moves to step `epoch` with the rates `compute` gives, after checking them: every group gets a
   * finite rate, and the groups are still those the schedule was built for. A failed step
   * changes nothing.
   */
  protected advance(epoch: number, compute: () => number[]): void {
    const fn = this.stepCount === 0 ? this.name : `${this.name}.step`;
    if (this.groups.length !== this.baseLrs.length) {
      fail(
        fn,
        `the optimizer has ${this.groups.length} parameter groups but the schedule was built for ${this.baseLrs.length}; build the scheduler after adding groups`,
      );
    }
    const before = [this.stepCount, this.lastEpoch] as const;
    this.stepCount++;
    this.lastEpoch = epoch;
    try {
      const values = compute();
      values.forEach((v, i) => {
        if (!Number.isFinite(v)) {
          fail(
            fn,
            `the schedule gives paramGroups[${i}] a learning rate of ${v} at step ${epoch}; check its options`,
          );
        }
      });
      this.apply(values);
    } catch (error) {
      [this.stepCount, this.lastEpoch] = before;
      throw error;
    }
  }

  private apply(values: number[]): void {
    this.groups.forEach((g, i) => {
      g.lr = values[i] as number;
    });
    this.lastLr = this.groups.map((g) => g.lr);
  }
}
