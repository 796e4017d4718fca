/**
 * Loss functions as modules (`new CrossEntropyLoss().forward(logits, target)`), with PyTorch's
 * options. Class weights are buffers, as in PyTorch (state-dict keys `weight`, `pos_weight`):
 * the module keeps the given tensor, moves it with `to()` and frees it on `dispose()`.
 */
import {
  bceWithLogits,
  crossEntropy,
  l1Loss,
  mseLoss,
  nllLoss,
  type Reduction,
  type Tensor,
} from '@stride/core';
import { checkOptions, fail, option } from './check.js';
import { Module } from './module.js';

/** Options every loss module takes. */
export interface LossModuleOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

/** Options of `NLLLoss`. */
export interface NLLLossOptions extends LossModuleOptions {
  /** A weight per class `[C]`. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
}

/** Options of `CrossEntropyLoss`. */
export interface CrossEntropyLossOptions extends NLLLossOptions {
  /** Mixes the one-hot target with the uniform distribution by this amount (default 0). */
  labelSmoothing?: number;
}

/** Options of `BCEWithLogitsLoss`. */
export interface BCEWithLogitsLossOptions extends LossModuleOptions {
  /** Rescales each element's loss; broadcast to the input. */
  weight?: Tensor | null;
  /** Weight of the positive term, broadcast along the last dims (e.g. `[C]`). */
  posWeight?: Tensor | null;
}

/** A class weight the loss keeps: a disposed one would fail only at the first forward. */
function live(fn: string, name: string, t: Tensor | null | undefined): Tensor | null {
  if (t?.isDisposed) fail(fn, `option '${name}' [${t.shape.join(',')}] was disposed`);
  return t ?? null;
}

const reduction = option.oneOf('mean', 'sum', 'none');
const weight = option.nullable(option.tensor);
const ignoreIndex = option.integer();

abstract class Loss extends Module {
  /** How the per-element losses are combined: `'mean'` (default), `'sum'` or `'none'`. */
  readonly reduction: Reduction;

  /** `options` has been checked by the subclass. */
  constructor(options: LossModuleOptions) {
    super();
    this.reduction = options.reduction ?? 'mean';
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  protected override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/** Cross-entropy of logits `[N, C, ...]` against int32 class indices `[N, ...]`. */
export class CrossEntropyLoss extends Loss {
  static override readonly typeName = 'CrossEntropyLoss';

  /** The weight per class `[C]` (a buffer, state-dict key `weight`), or null. */
  weight: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  readonly ignoreIndex: number;
  /** How much the one-hot target is mixed with the uniform distribution, in [0, 1] (default 0). */
  readonly labelSmoothing: number;

  constructor(options?: CrossEntropyLossOptions) {
    const opts = checkOptions('CrossEntropyLoss', options, {
      reduction,
      weight,
      ignoreIndex,
      labelSmoothing: option.number({ min: 0, max: 1 }),
    });
    super(opts);
    this.weight = this.buffer(live('CrossEntropyLoss', 'weight', opts.weight));
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }

  /**
   * `crossEntropy(input, target)` with this module's options: a scalar unless `reduction` is
   * `'none'`.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
      reduction: this.reduction,
    });
  }
}

/** Negative log-likelihood of log-probabilities `[N, C, ...]` (e.g. from `LogSoftmax(1)`). */
export class NLLLoss extends Loss {
  static override readonly typeName = 'NLLLoss';

  /** The weight per class `[C]` (a buffer, state-dict key `weight`), or null. */
  weight: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  readonly ignoreIndex: number;

  constructor(options?: NLLLossOptions) {
    const opts = checkOptions('NLLLoss', options, { reduction, weight, ignoreIndex });
    super(opts);
    this.weight = this.buffer(live('NLLLoss', 'weight', opts.weight));
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  /**
   * `nllLoss(input, target)` with this module's options: a scalar unless `reduction` is `'none'`.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
}

/** Mean squared error between tensors of one shape. */
export class MSELoss extends Loss {
  static override readonly typeName = 'MSELoss';

  constructor(options?: LossModuleOptions) {
    super(checkOptions('MSELoss', options, { reduction }));
  }

  /** `mseLoss(input, target)`: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error between tensors of one shape. */
export class L1Loss extends Loss {
  static override readonly typeName = 'L1Loss';

  constructor(options?: LossModuleOptions) {
    super(checkOptions('L1Loss', options, { reduction }));
  }

  /** `l1Loss(input, target)`: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Binary cross-entropy on logits, numerically stable for any logit. */
export class BCEWithLogitsLoss extends Loss {
  static override readonly typeName = 'BCEWithLogitsLoss';

  /**
   * The weight of each element's loss, broadcast to the input (a buffer, state-dict key `weight`),
   * or null.
   */
  weight: Tensor | null;
  /**
   * The weight of the positive term, broadcast along the last dims (a buffer, state-dict key
   * `pos_weight`), or null.
   */
  posWeight: Tensor | null;

  constructor(options?: BCEWithLogitsLossOptions) {
    const opts = checkOptions('BCEWithLogitsLoss', options, {
      reduction,
      weight,
      posWeight: weight,
    });
    super(opts);
    this.weight = this.buffer(live('BCEWithLogitsLoss', 'weight', opts.weight));
    this.posWeight = this.buffer(
      live('BCEWithLogitsLoss', 'posWeight', opts.posWeight),
      'pos_weight',
    );
  }

  /**
   * `bceWithLogits(input, target)` with this module's options: a scalar unless `reduction` is
   * `'none'`.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction,
    });
  }
}
