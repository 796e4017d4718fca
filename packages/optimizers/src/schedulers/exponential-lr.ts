import { checkOptions, nonNegative, required } from '../check.js';
import type { JsonValue } from '../state-dict.js';
import { type AnyOptimizer, LRScheduler } from './scheduler.js';

/** Options of `ExponentialLR`. */
export interface ExponentialLROptions {
  /** Multiplicative factor applied at every step. */
  gamma: number;
}

/** Multiplies the learning rate by `gamma` every step, as `torch.optim.lr_scheduler.ExponentialLR`. */
export class ExponentialLR extends LRScheduler {
  /** The factor the learning rate is multiplied by at every step. */
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions, lastEpoch = -1) {
    super('ExponentialLR', optimizer, lastEpoch);
    const o = checkOptions('ExponentialLR', options, { gamma: nonNegative });
    this.gamma = required('ExponentialLR', 'gamma', o.gamma);
    this.start();
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }

  protected override options(): Record<string, JsonValue> {
    return { gamma: this.gamma };
  }
}
