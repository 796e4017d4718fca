import { checkOptions, fail, isRecord, option, required, show } from '../check.js';
import type { JsonValue } from '../state-dict.js';
import { type AnyOptimizer, LRScheduler, type SchedulerStateDict } from './scheduler.js';

/** Options of `SequentialLR`. */
export interface SequentialLROptions {
  /** Schedulers of the same optimizer, run one after another. */
  schedulers: readonly LRScheduler[];
  /** The steps at which the next scheduler takes over (one fewer than schedulers). */
  milestones: readonly number[];
}

/**
 * Runs schedulers one after another, as `torch.optim.lr_scheduler.SequentialLR`: the first
 * until `milestones[0]`, the next until `milestones[1]`, and so on; each one restarts from its
 * own step 0 when it takes over. The usual use is a warm-up:
 *
 *     const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 *     const cosine = new CosineAnnealingLR(opt, { tMax: 95 });
 *     const schedule = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 *
 * Construct the schedulers first: building each one takes a step, which this constructor undoes.
 */
export class SequentialLR extends LRScheduler {
  /** The schedulers in the order they run. */
  readonly schedulers: readonly LRScheduler[];
  /** The steps at which the next scheduler takes over, in increasing order. */
  readonly milestones: readonly number[];

  constructor(optimizer: AnyOptimizer, options: SequentialLROptions, lastEpoch = -1) {
    super('SequentialLR', optimizer, lastEpoch);
    const o = checkOptions('SequentialLR', options, {
      schedulers: option.custom<readonly LRScheduler[]>(
        'a non-empty array of schedulers',
        (v) => Array.isArray(v) && v.length > 0 && v.every((s) => s instanceof LRScheduler),
      ),
      // A milestone is the step at which a scheduler takes over; step 0 is construction's.
      milestones: option.arrayOf(option.integer({ min: 1 })),
    });
    const schedulers = required('SequentialLR', 'schedulers', o.schedulers);
    const milestones = required('SequentialLR', 'milestones', o.milestones);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        fail(
          'SequentialLR',
          `schedulers[${i}] belongs to another optimizer; all must share the one passed in`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      fail(
        'SequentialLR',
        `expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${show(milestones)}`,
      );
    }
    milestones.forEach((m, i) => {
      if (i > 0 && m < (milestones[i - 1] as number)) {
        fail('SequentialLR', `milestones must be in increasing order, got ${show(milestones)}`);
      }
    });
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    this.groups.forEach((g, i) => {
      if (g.initialLr === undefined) fail('SequentialLR', `paramGroups[${i}] has no initialLr`);
      g.lr = g.initialLr;
    });
    this.baseLrs = this.groups.map((g) => g.initialLr as number);
    // Undo the step each scheduler took when it was built, then start the first one again.
    for (const s of this.schedulers) s.lastEpoch -= 1;
    const first = this.schedulers[0] as LRScheduler;
    first._initialStep();
    this.lastLr = first.getLastLr();
  }

  override step(...args: never[]): void {
    this.checkNoArguments(args);
    this.lastEpoch++;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[idx] as LRScheduler;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler._stepAt(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /** Its own position and every child's, as PyTorch's SequentialLR saves them. */
  override stateDict(): SchedulerStateDict {
    return {
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
      _milestones: [...this.milestones],
      _schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  override loadStateDict(state: SchedulerStateDict): void {
    const fn = 'SequentialLR.loadStateDict';
    if (!isRecord(state)) fail(fn, `expected an object, got ${show(state)}`);
    this.checkSavedOptions(fn, state, ['last_epoch', '_last_lr', '_schedulers']);
    const children = state._schedulers;
    if (!Array.isArray(children) || children.length !== this.schedulers.length) {
      fail(
        fn,
        `_schedulers must hold ${this.schedulers.length} state dicts, got ${show(children)}`,
      );
    }
    const lastEpoch = state.last_epoch;
    if (!Number.isSafeInteger(lastEpoch) || (lastEpoch as number) < 0) {
      fail(fn, `last_epoch must be a step index ≥ 0, got ${show(lastEpoch)}`);
    }
    const lastLr = state._last_lr;
    if (
      !Array.isArray(lastLr) ||
      lastLr.length !== this.groups.length ||
      !lastLr.every((v) => typeof v === 'number')
    ) {
      fail(fn, `_last_lr must hold ${this.groups.length} numbers, got ${show(lastLr)}`);
    }
    for (const [i, s] of this.schedulers.entries()) {
      s.loadStateDict(children[i] as SchedulerStateDict);
    }
    this.lastEpoch = lastEpoch;
    this.lastLr = [...(lastLr as number[])];
  }

  protected override getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  protected override options(): Record<string, JsonValue> {
    return { _milestones: [...this.milestones] };
  }
}

/** How many of the (increasing) milestones are ≤ x: Python's bisect_right. */
function bisectRight(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < (list[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
