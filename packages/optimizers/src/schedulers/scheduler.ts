import { checkInt, checkNumberArray, fail, isRecord, show } from '../check.js';
import { Optimizer } from '../optimizer.js';
import type { BaseHyper, ParamGroup } from '../param-group.js';
import type { JsonValue } from '../state-dict.js';

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
 * `OneCycleLR` the momentum).
 */
// biome-ignore lint/suspicious/noExplicitAny: the hyper-parameter type is irrelevant here.
export type AnyOptimizer = Optimizer<any>;

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
    if (!(optimizer instanceof Optimizer)) {
      fail(name, `optimizer must be an Optimizer, got ${show(optimizer)}`);
    }
    if (optimizer.isDisposed) fail(name, 'the optimizer was disposed');
    checkInt(name, 'lastEpoch', lastEpoch);
    if (lastEpoch < -1)
      fail(name, `lastEpoch must be -1 (a new schedule) or a step index, got ${lastEpoch}`);
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
  }

  /** The learning rate of every group as set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Advances the schedule by one step and sets every group's `lr`. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    this.apply(this.getLr());
  }

  /**
   * @internal PyTorch's deprecated `step(epoch)`: jumps to `epoch`, using the closed form where
   * the schedule has one. SequentialLR uses it to restart a schedule at its milestone.
   */
  _stepAt(epoch: number): void {
    this.stepCount++;
    this.lastEpoch = epoch;
    this.apply(this.closedFormLr() ?? this.getLr());
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
    const groups = this.optimizer.paramGroups.length;
    const lastEpoch = checkInt(fn, 'last_epoch', state.last_epoch);
    const stepCount = checkInt(fn, '_step_count', state._step_count);
    const baseLrs = checkNumberArray(fn, 'base_lrs', state.base_lrs);
    const lastLr = checkNumberArray(fn, '_last_lr', state._last_lr);
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
    this.checkOptions(fn, state);
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
   * Throws a StrideError for `fn` when `state` holds an option (PyTorch name) whose value differs
   * from this scheduler's.
   */
  protected checkOptions(fn: string, state: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(this.options())) {
      if (key in state && JSON.stringify(state[key]) !== JSON.stringify(value)) {
        fail(
          fn,
          `the state dict has ${key} ${JSON.stringify(state[key])} but this scheduler has ${JSON.stringify(value)}; construct it with the saved options`,
        );
      }
    }
  }

  private apply(values: number[]): void {
    this.groups.forEach((g, i) => {
      g.lr = values[i] as number;
    });
    this.lastLr = this.groups.map((g) => g.lr);
  }
}
