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
import { fail, options as optionsOf, show } from './check.js';
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

function checkReduction(fn: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    fail(fn, `reduction must be 'mean', 'sum' or 'none', got ${show(reduction)}`);
  }
  return reduction;
}

abstract class Loss extends Module {
  /** How the per-element losses are combined: `'mean'` (default), `'sum'` or `'none'`. */
  readonly reduction: Reduction;

  constructor(options: LossModuleOptions) {
    super();
    this.reduction = checkReduction(this.constructor.name, options.reduction ?? 'mean');
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  protected override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/** Cross-entropy of logits `[N, C, ...]` against int32 class indices `[N, ...]`. */
export class CrossEntropyLoss extends Loss {
  /** The weight per class `[C]` (a buffer, state-dict key `weight`), or null. */
  weight: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  readonly ignoreIndex: number;
  /** How much the one-hot target is mixed with the uniform distribution, in [0, 1] (default 0). */
  readonly labelSmoothing: number;

  constructor(options?: CrossEntropyLossOptions) {
    const opts = optionsOf('CrossEntropyLoss', options);
    super(opts);
    this.weight = this.buffer(opts.weight ?? null);
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
  /** The weight per class `[C]` (a buffer, state-dict key `weight`), or null. */
  weight: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  readonly ignoreIndex: number;

  constructor(options?: NLLLossOptions) {
    const opts = optionsOf('NLLLoss', options);
    super(opts);
    this.weight = this.buffer(opts.weight ?? null);
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
  constructor(options?: LossModuleOptions) {
    super(optionsOf('MSELoss', options));
  }

  /** `mseLoss(input, target)`: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error between tensors of one shape. */
export class L1Loss extends Loss {
  constructor(options?: LossModuleOptions) {
    super(optionsOf('L1Loss', options));
  }

  /** `l1Loss(input, target)`: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Binary cross-entropy on logits, numerically stable for any logit. */
export class BCEWithLogitsLoss extends Loss {
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
    const opts = optionsOf('BCEWithLogitsLoss', options);
    super(opts);
    this.weight = this.buffer(opts.weight ?? null);
    this.posWeight = this.buffer(opts.posWeight ?? null, 'pos_weight');
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
