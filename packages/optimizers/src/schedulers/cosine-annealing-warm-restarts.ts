import {
  arg,
  checkOptions,
  fail,
  isRecord,
  nonNegative,
  positiveInt,
  required,
  show,
} from '../check.js';
import type { JsonValue } from '../state-dict.js';
import {
  type AnyOptimizer,
  LRScheduler,
  POSITION_KEYS,
  type SchedulerStateDict,
  saved,
} from './scheduler.js';

/** Options of `CosineAnnealingWarmRestarts`. */
export interface CosineAnnealingWarmRestartsOptions {
  /** Steps until the first restart (PyTorch's `T_0`). */
  t0: number;
  /** Each cycle is this many times longer than the one before (PyTorch's `T_mult`, default 1). */
  tMult?: number;
  /** The lowest learning rate (default 0). */
  etaMin?: number;
}

const NAME = 'CosineAnnealingWarmRestarts';

/**
 * Cosine annealing with warm restarts (SGDR), as
 * `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`: the rate falls along a cosine from
 * each group's initial rate to `etaMin` over `t0` steps, jumps back up, and the next cycle is
 * `tMult` times longer.
 *
 * `step()` moves one step on; `step(epoch)` jumps to `epoch`, which may be fractional, to
 * anneal within an epoch as PyTorch's documentation shows:
 *
 *     const schedule = new CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 *     for (let epoch = 0; epoch < 30; epoch++) {
 *       for (const [i, [x, y]] of batches.entries()) {
 *         ...
 *         opt.step();
 *         schedule.step(epoch + i / batches.length);
 *       }
 *     }
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Steps until the first restart (PyTorch's `T_0`). */
  readonly t0: number;
  /** The factor by which each cycle is longer than the one before (PyTorch's `T_mult`). */
  readonly tMult: number;
  /** The lowest learning rate (PyTorch's `eta_min`). */
  readonly etaMin: number;
  /** The length of the current cycle (PyTorch's `T_i`). */
  tI: number;
  /** Steps since the last restart, fractional after `step(epoch)` (PyTorch's `T_cur`). */
  tCur: number;

  constructor(
    optimizer: AnyOptimizer,
    options: CosineAnnealingWarmRestartsOptions,
    lastEpoch = -1,
  ) {
    super(NAME, optimizer, lastEpoch);
    const o = checkOptions(NAME, options, {
      // Whole steps, as PyTorch requires of T_0 and T_mult.
      t0: positiveInt,
      tMult: positiveInt,
      etaMin: nonNegative,
    });
    this.t0 = required(NAME, 't0', o.t0);
    this.tMult = o.tMult ?? 1;
    this.etaMin = o.etaMin ?? 0;
    this.tI = this.t0;
    this.tCur = lastEpoch;
    this.start();
  }

  /**
   * Advances one step, or with `epoch` (a number ≥ 0, fractional or not) moves to that point of
   * the schedule, restarts included.
   */
  override step(epoch?: number): void {
    if (epoch !== undefined) arg(`${NAME}.step`, 'epoch', epoch, nonNegative);
    const { t0, tMult } = this;
    let at = epoch;
    let tCur = this.tCur;
    let tI = this.tI;
    if (at === undefined && this.lastEpoch < 0) at = 0;
    if (at === undefined) {
      at = this.lastEpoch + 1;
      tCur += 1;
      if (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
      }
    } else if (at >= t0) {
      if (tMult === 1) {
        tCur = at % t0;
      } else {
        // PyTorch's int(math.log(x, T_mult)): Python's two-argument log is log(x) / log(base).
        const n = Math.trunc(Math.log((at / t0) * (tMult - 1) + 1) / Math.log(tMult));
        tCur = at - (t0 * (tMult ** n - 1)) / (tMult - 1);
        tI = t0 * tMult ** n;
      }
    } else {
      tI = t0;
      tCur = at;
    }
    const before = [this.tCur, this.tI] as const;
    this.tCur = tCur;
    this.tI = tI;
    try {
      this.advance(Math.floor(at), () => this.getLr());
    } catch (error) {
      [this.tCur, this.tI] = before;
      throw error;
    }
  }

  /** @internal SequentialLR restarts it at its milestone with PyTorch's `step(0)`. */
  override _stepAt(epoch: number): void {
    this.step(epoch);
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), T_i: this.tI, T_cur: this.tCur };
  }

  override loadStateDict(state: SchedulerStateDict): void {
    const fn = `${NAME}.loadStateDict`;
    if (!isRecord(state)) fail(fn, `expected an object, got ${show(state)}`);
    const tI = saved(fn, state, 'T_i', positiveInt);
    const tCur = saved(fn, state, 'T_cur', nonNegative);
    super.loadStateDict(state);
    this.tI = tI;
    this.tCur = tCur;
  }

  /** The cycle's position is saved with the other counters. */
  protected override checkSavedOptions(
    fn: string,
    state: Record<string, unknown>,
    known: readonly string[] = POSITION_KEYS,
  ): void {
    super.checkSavedOptions(fn, state, [...known, 'T_i', 'T_cur']);
  }

  protected override getLr(): number[] {
    const { etaMin, tCur, tI } = this;
    return this.baseLrs.map(
      (base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2,
    );
  }

  protected override options(): Record<string, JsonValue> {
    return { T_0: this.t0, T_mult: this.tMult, eta_min: this.etaMin };
  }
}
