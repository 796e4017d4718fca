import { checkOptions, nonNegative, positiveInt, required } from '../check.js';
import type { JsonValue } from '../state-dict.js';
import { type AnyOptimizer, LRScheduler } from './scheduler.js';

/** Options of `StepLR`. */
export interface StepLROptions {
  /** Decay every this many steps. */
  stepSize: number;
  /** Multiplicative factor of each decay (default 0.1). */
  gamma?: number;
}

/** Multiplies the learning rate by `gamma` every `stepSize` steps, as `torch.optim.lr_scheduler.StepLR`. */
export class StepLR extends LRScheduler {
  /** Steps between decays. */
  readonly stepSize: number;
  /** The factor of each decay. */
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: StepLROptions, lastEpoch = -1) {
    super('StepLR', optimizer, lastEpoch);
    const o = checkOptions('StepLR', options, { stepSize: positiveInt, gamma: nonNegative });
    this.stepSize = required('StepLR', 'stepSize', o.stepSize);
    this.gamma = o.gamma ?? 0.1;
    this.start();
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0)
      return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  protected override options(): Record<string, JsonValue> {
    return { step_size: this.stepSize, gamma: this.gamma };
  }
}
