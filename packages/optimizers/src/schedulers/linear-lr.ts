import { checkOptions, option, positiveInt } from '../check.js';
import type { JsonValue } from '../state-dict.js';
import { type AnyOptimizer, LRScheduler } from './scheduler.js';

/** Options of `LinearLR`. */
export interface LinearLROptions {
  /** Factor applied at the first step, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor reached after `totalIters` steps, in [0, 1] (default 1). */
  endFactor?: number;
  /** Steps to go from `startFactor` to `endFactor` (default 5). */
  totalIters?: number;
}

/**
 * Scales the learning rate by a factor that moves linearly from `startFactor` to `endFactor`
 * over `totalIters` steps, as `torch.optim.lr_scheduler.LinearLR`. With a small `startFactor`
 * and the default `endFactor` of 1 it is a linear warm-up; chain it before another schedule
 * with `SequentialLR`.
 */
export class LinearLR extends LRScheduler {
  /** The factor at the first step, in (0, 1]. */
  readonly startFactor: number;
  /** The factor from step `totalIters` on, in [0, 1]. */
  readonly endFactor: number;
  /** Steps from `startFactor` to `endFactor`. */
  readonly totalIters: number;

  constructor(optimizer: AnyOptimizer, options?: LinearLROptions, lastEpoch = -1) {
    super('LinearLR', optimizer, lastEpoch);
    const o = checkOptions('LinearLR', options, {
      // A start factor of 0 would divide by zero at the second step (PyTorch gives inf there).
      startFactor: option.number({ above: 0, max: 1 }),
      endFactor: option.number({ min: 0, max: 1 }),
      totalIters: positiveInt,
    });
    this.startFactor = o.startFactor ?? 1 / 3;
    this.endFactor = o.endFactor ?? 1;
    this.totalIters = o.totalIters ?? 5;
    this.start();
  }

  protected override getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groups.map((g) => g.lr * s);
    if (e > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((f - s) * Math.min(n, e)) / n));
  }

  protected override options(): Record<string, JsonValue> {
    return {
      start_factor: this.startFactor,
      end_factor: this.endFactor,
      total_iters: this.totalIters,
    };
  }
}
