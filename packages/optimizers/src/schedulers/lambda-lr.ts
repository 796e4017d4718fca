import { arg, fail, isRecord, option, show } from '../check.js';
import type { JsonValue } from '../state-dict.js';
import { type AnyOptimizer, LRScheduler, type SchedulerStateDict } from './scheduler.js';

/** A factor of the initial learning rate for a step index (0 at construction). */
export type LrLambda = (epoch: number) => number;

const NAME = 'LambdaLR';

const lambdaRule = option.either(option.function, option.arrayOf(option.function));

/**
 * Sets each group's learning rate to its initial one times `lrLambda(step)`, as
 * `torch.optim.lr_scheduler.LambdaLR`. Give one function for every group, or an array with one
 * per group:
 *
 *     // Linear warm-up over 5 epochs, then 0.9× every epoch.
 *     const schedule = new LambdaLR(opt, (epoch) => (epoch < 5 ? (epoch + 1) / 5 : 0.9 ** (epoch - 4)));
 *
 * The functions cannot be saved: `stateDict()` holds `lr_lambdas` with a null for each, as
 * PyTorch's does for plain functions. To resume, build the scheduler with the same functions,
 * then load the state.
 */
export class LambdaLR extends LRScheduler {
  /** One function per parameter group. */
  readonly lrLambdas: readonly LrLambda[];
  private readonly perGroup: boolean;

  constructor(optimizer: AnyOptimizer, lrLambda: LrLambda | readonly LrLambda[], lastEpoch = -1) {
    super(NAME, optimizer, lastEpoch);
    if (isRecord(lrLambda) && 'lrLambda' in lrLambda) {
      fail(
        NAME,
        'lrLambda is the second argument itself, not an option: new LambdaLR(optimizer, fn)',
      );
    }
    arg(NAME, 'lrLambda', lrLambda, lambdaRule);
    const groups = this.groups.length;
    this.perGroup = Array.isArray(lrLambda);
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== groups) {
        fail(
          NAME,
          `lrLambda must hold one function per parameter group (${groups}), got ${lrLambda.length}`,
        );
      }
      this.lrLambdas = [...lrLambda];
    } else {
      this.lrLambdas = new Array<LrLambda>(groups).fill(lrLambda as LrLambda);
    }
    this.start();
  }

  override loadStateDict(state: SchedulerStateDict): void {
    const fn = `${NAME}.loadStateDict`;
    if (isRecord(state) && Array.isArray(state.lr_lambdas)) {
      state.lr_lambdas.forEach((saved, i) => {
        if (saved !== null) {
          fail(
            fn,
            `lr_lambdas[${i}] holds ${show(saved)}: the attributes of a PyTorch callable object, which a function cannot take; only plain functions (saved as null) are supported`,
          );
        }
      });
    }
    super.loadStateDict(state);
  }

  protected override getLr(): number[] {
    const e = this.lastEpoch;
    return this.baseLrs.map((base, i) => {
      const factor = (this.lrLambdas[i] as LrLambda)(e);
      if (typeof factor !== 'number') {
        const which = this.perGroup ? `lrLambda[${i}]` : 'lrLambda';
        fail(
          this.stepCount === 1 ? NAME : `${NAME}.step`,
          `${which} returned ${show(factor)} for step ${e}; it must return a number, the factor of the initial learning rate`,
        );
      }
      return base * factor;
    });
  }

  /** `lr_lambdas`: a null per group, as PyTorch saves plain functions (they cannot be saved). */
  protected override options(): Record<string, JsonValue> {
    return { lr_lambdas: this.lrLambdas.map(() => null) };
  }
}
