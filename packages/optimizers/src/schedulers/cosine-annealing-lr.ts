import { checkOptions, nonNegative, positiveInt, required } from '../check.js';
import type { JsonValue } from '../state-dict.js';
import { type AnyOptimizer, LRScheduler } from './scheduler.js';

/** Options of `CosineAnnealingLR`. */
export interface CosineAnnealingLROptions {
  /** Steps from the initial learning rate down to `etaMin` (PyTorch's `T_max`). */
  tMax: number;
  /** The lowest learning rate (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing from each group's initial learning rate to `etaMin` over `tMax` steps, as
 * `torch.optim.lr_scheduler.CosineAnnealingLR`. Like PyTorch it uses the recursive form, so its
 * values equal PyTorch's (which differ from the closed form in the last bits), it composes with
 * other schedulers, and past `tMax` the rate rises again along the cosine.
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Steps from the initial learning rate down to `etaMin` (PyTorch's `T_max`). */
  readonly tMax: number;
  /** The lowest learning rate (PyTorch's `eta_min`). */
  readonly etaMin: number;

  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions, lastEpoch = -1) {
    super('CosineAnnealingLR', optimizer, lastEpoch);
    const o = checkOptions('CosineAnnealingLR', options, {
      // Whole steps, as PyTorch's T_max: a fraction can put a zero in the recursive form.
      tMax: positiveInt,
      // A negative floor would make the learning rate negative.
      etaMin: nonNegative,
    });
    this.tMax = required('CosineAnnealingLR', 'tMax', o.tMax);
    this.etaMin = o.etaMin ?? 0;
    this.start();
  }

  protected override getLr(): number[] {
    const { lastEpoch: e, tMax, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map(
        (b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2,
      );
    }
    if ((e - 1 - tMax) % (2 * tMax) === 0) {
      return this.groups.map(
        (g, i) =>
          g.lr + (((this.baseLrs[i] as number) - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2,
      );
    }
    return this.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) *
          (g.lr - etaMin) +
        etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, tMax, etaMin } = this;
    return this.baseLrs.map(
      (b) => etaMin + ((b - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2,
    );
  }

  protected override options(): Record<string, JsonValue> {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }
}
