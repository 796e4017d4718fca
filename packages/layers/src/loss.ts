/**
 * Loss functions as modules (`new CrossEntropyLoss().forward(logits, target)`), with PyTorch's
 * options. Class weights are buffers, as in PyTorch (state-dict keys `weight`, `pos_weight`):
 * the module keeps the given tensor, moves it with `to()` and frees it on `dispose()`.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import {
  bceLoss,
  bceWithLogits,
  crossEntropy,
  type HuberLossOptions,
  huberLoss,
  type KlDivReduction,
  klDiv,
  l1Loss,
  mseLoss,
  nllLoss,
  type Reduction,
  type SmoothL1LossOptions,
  smoothL1Loss,
  type Tensor,
} from '@stride/core';
import { asCalledBy, checkOptions, fail, noExtraArgs, option } from './check.js';
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

/** Options of `BCELoss`. */
export interface BCELossOptions extends LossModuleOptions {
  /** Rescales each element's loss; broadcast to the input. */
  weight?: Tensor | null;
}

/** Options of `KLDivLoss`. */
export interface KLDivLossOptions {
  /** `'mean'` (default, over every element, as PyTorch), `'batchmean'`, `'sum'` or `'none'`. */
  reduction?: KlDivReduction;
  /** Whether the target holds log-probabilities (default false). */
  logTarget?: boolean;
}

/** A class weight the loss keeps: a disposed one would fail only at the first forward. */
function live(fn: string, name: string, t: Tensor | null | undefined): Tensor | null {
  if (t?.isDisposed) fail(fn, `option '${name}' [${t.shape.join(',')}] was disposed`);
  return t ?? null;
}

const reduction = option.oneOf('mean', 'sum', 'none');
const weight = option.nullable(option.tensor);
const ignoreIndex = option.integer();

abstract class Loss<R extends string = Reduction> extends Module {
  /** How the per-element losses are combined: `'mean'` (default), `'sum'` or `'none'`. */
  readonly reduction: R;

  /** `options` has been checked by the subclass. */
  constructor(options: { reduction?: R }) {
    super();
    this.reduction = options.reduction ?? ('mean' as R);
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  protected override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/**
 * Cross-entropy of logits `[N, C, ...]` against int32 class indices `[N, ...]` or class
 * probabilities (a float target of the input's shape), as `crossEntropy`.
 */
export class CrossEntropyLoss extends Loss {
  static override readonly typeName = 'CrossEntropyLoss';

  /** The weight per class `[C]` (a buffer, state-dict key `weight`), or null. */
  weight: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  readonly ignoreIndex: number;
  /** How much the one-hot target is mixed with the uniform distribution, in [0, 1] (default 0). */
  readonly labelSmoothing: number;

  constructor(options?: CrossEntropyLossOptions) {
    noExtraArgs('CrossEntropyLoss', arguments, ['options']);
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
    noExtraArgs('NLLLoss', arguments, ['options']);
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
    noExtraArgs('MSELoss', arguments, ['options']);
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
    noExtraArgs('L1Loss', arguments, ['options']);
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
    noExtraArgs('BCEWithLogitsLoss', arguments, ['options']);
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

/**
 * Binary cross-entropy of probabilities in [0, 1] (e.g. after `Sigmoid`), each log clamped to
 * ≥ -100 as in PyTorch. On logits, `BCEWithLogitsLoss` is the stable form.
 */
export class BCELoss extends Loss {
  static override readonly typeName = 'BCELoss';

  /**
   * The weight of each element's loss, broadcast to the input (a buffer, state-dict key `weight`),
   * or null.
   */
  weight: Tensor | null;

  constructor(options?: BCELossOptions) {
    noExtraArgs('BCELoss', arguments, ['options']);
    const opts = checkOptions('BCELoss', options, { reduction, weight });
    super(opts);
    this.weight = this.buffer(live('BCELoss', 'weight', opts.weight));
  }

  /** `bceLoss(input, target)` with this module's options: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return asCalledBy('BCELoss', () =>
      bceLoss(input, target, { weight: this.weight, reduction: this.reduction }),
    );
  }
}

/** Smooth L1 loss: quadratic where |input - target| < beta, linear beyond (beta 0 is L1). */
export class SmoothL1Loss extends Loss {
  static override readonly typeName = 'SmoothL1Loss';

  /** Where the loss turns from quadratic to linear, ≥ 0 (default 1). */
  readonly beta: number;

  constructor(options?: SmoothL1LossOptions) {
    noExtraArgs('SmoothL1Loss', arguments, ['options']);
    const opts = checkOptions('SmoothL1Loss', options, {
      reduction,
      beta: option.number({ min: 0 }),
    });
    super(opts);
    this.beta = opts.beta ?? 1;
  }

  /** `smoothL1Loss(input, target)`: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return asCalledBy('SmoothL1Loss', () =>
      smoothL1Loss(input, target, { beta: this.beta, reduction: this.reduction }),
    );
  }

  /** The options shown by `toString()`: the reduction and `beta`. */
  protected override extraRepr(): string {
    return `${super.extraRepr()}, beta=${this.beta}`;
  }
}

/** Huber loss: quadratic where |input - target| < delta, linear (of slope delta) beyond. */
export class HuberLoss extends Loss {
  static override readonly typeName = 'HuberLoss';

  /** Where the loss turns from quadratic to linear, > 0 (default 1). */
  readonly delta: number;

  constructor(options?: HuberLossOptions) {
    noExtraArgs('HuberLoss', arguments, ['options']);
    const opts = checkOptions('HuberLoss', options, {
      reduction,
      delta: option.number({ above: 0 }),
    });
    super(opts);
    this.delta = opts.delta ?? 1;
  }

  /** `huberLoss(input, target)`: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return asCalledBy('HuberLoss', () =>
      huberLoss(input, target, { delta: this.delta, reduction: this.reduction }),
    );
  }

  /** The options shown by `toString()`: the reduction and `delta`. */
  protected override extraRepr(): string {
    return `${super.extraRepr()}, delta=${this.delta}`;
  }
}

/**
 * Kullback-Leibler divergence of the target distribution from the input's log-probabilities
 * (e.g. from `LogSoftmax(1)`). `reduction: 'batchmean'` gives the KL divergence per sample;
 * `'mean'`, PyTorch's default, divides by the number of elements.
 */
export class KLDivLoss extends Loss<KlDivReduction> {
  static override readonly typeName = 'KLDivLoss';

  /** Whether the target holds log-probabilities (default false). */
  readonly logTarget: boolean;

  constructor(options?: KLDivLossOptions) {
    noExtraArgs('KLDivLoss', arguments, ['options']);
    const opts = checkOptions('KLDivLoss', options, {
      reduction: option.oneOf('mean', 'batchmean', 'sum', 'none'),
      logTarget: option.boolean,
    });
    super(opts);
    this.logTarget = opts.logTarget ?? false;
  }

  /** `klDiv(input, target)`: a scalar unless `reduction` is `'none'`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return asCalledBy('KLDivLoss', () =>
      klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget }),
    );
  }

  /** The options shown by `toString()`: the reduction and `logTarget`. */
  protected override extraRepr(): string {
    return `${super.extraRepr()}, logTarget=${this.logTarget}`;
  }
}
