import { checkOptions, nonNegative, option, required } from '../check.js';
import type { JsonValue } from '../state-dict.js';
import { type AnyOptimizer, LRScheduler } from './scheduler.js';

/** Options of `MultiStepLR`. */
export interface MultiStepLROptions {
  /** Steps at which to decay. A step listed twice decays twice, as in PyTorch. */
  milestones: readonly number[];
  /** Multiplicative factor of each decay (default 0.1). */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` at each milestone, as
 * `torch.optim.lr_scheduler.MultiStepLR`.
 */
export class MultiStepLR extends LRScheduler {
  /** Milestones in increasing order, repeated as often as they were given. */
  readonly milestones: readonly number[];
  /** The factor of each decay. */
  readonly gamma: number;
  private readonly counts = new Map<number, number>();

  constructor(optimizer: AnyOptimizer, options: MultiStepLROptions, lastEpoch = -1) {
    super('MultiStepLR', optimizer, lastEpoch);
    const o = checkOptions('MultiStepLR', options, {
      // A negative milestone would never be reached.
      milestones: option.arrayOf(option.integer({ min: 0 })),
      gamma: nonNegative,
    });
    const milestones = required('MultiStepLR', 'milestones', o.milestones);
    this.milestones = [...milestones].sort((a, b) => a - b);
    for (const m of this.milestones) this.counts.set(m, (this.counts.get(m) ?? 0) + 1);
    this.gamma = o.gamma ?? 0.1;
    this.start();
  }

  protected override getLr(): number[] {
    const count = this.counts.get(this.lastEpoch);
    if (count === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }

  protected override options(): Record<string, JsonValue> {
    // PyTorch keeps a Counter {milestone: times}; JSON makes its keys strings.
    return { milestones: Object.fromEntries(this.counts), gamma: this.gamma };
  }
}
