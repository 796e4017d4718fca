import { add, div, mul, neg, sqrt, type Tensor, zerosLike } from '@stride/core';
import { nonNegative, option } from './check.js';
import { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

/** RMSprop's hyper-parameters, as each parameter group holds them. */
export interface RMSpropHyper {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the running average of squared gradients. */
  alpha: number;
  /** Added to the denominator, outside the square root (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient as λ·θ (default 0). */
  weightDecay: number;
  /** Momentum factor μ of the update buffer (default 0: none). */
  momentum: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment. */
  centered: boolean;
  /** Ascend the objective instead of descending it (default false). */
  maximize: boolean;
}

/** Options of `RMSprop`: any hyper-parameter, each with its default when left out. */
export type RMSpropOptions = Partial<RMSpropHyper>;

const RULES: OptimizerRules<RMSpropHyper> = {
  name: 'RMSprop',
  specs: {
    lr: { torch: 'lr', rule: nonNegative },
    alpha: { torch: 'alpha', rule: nonNegative },
    eps: { torch: 'eps', rule: nonNegative },
    weightDecay: { torch: 'weight_decay', rule: nonNegative },
    momentum: { torch: 'momentum', rule: nonNegative },
    centered: { torch: 'centered', rule: option.boolean },
    maximize: { torch: 'maximize', rule: option.boolean },
  },
  stateKeys: ['step', 'square_avg', 'momentum_buffer', 'grad_avg'],
};

/**
 * RMSprop, as `torch.optim.RMSprop` (defaults lr 1e-2, alpha 0.99, eps 1e-8). Note that eps is
 * added outside the square root, as PyTorch does:
 *
 *     g ← ∇θ (negated if maximize) + λθ
 *     v ← αv + (1 − α)g²;   centered: ḡ ← αḡ + (1 − α)g,  d ← √(v − ḡ²) + eps,  else d ← √v + eps
 *     momentum: b ← μb + g/d,  θ ← θ − lr·b;   else θ ← θ − lr·g/d
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(params: Params<RMSpropHyper>, options?: RMSpropOptions) {
    super(
      params,
      options,
      {
        lr: 1e-2,
        alpha: 0.99,
        eps: 1e-8,
        weightDecay: 0,
        momentum: 0,
        centered: false,
        maximize: false,
      },
      RULES,
    );
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<RMSpropHyper>,
    state: ParamState,
  ): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    const store = (key: string, value: Tensor) => this.setBuffer(state, key, value);
    state.step = (state.step ?? 0) + 1;
    let g = maximize ? neg(grad) : grad;
    if (weightDecay !== 0) g = add(g, mul(p, weightDecay));
    const prevSq = state.buffers.get('square_avg') ?? zerosLike(p);
    const squareAvg = store('square_avg', add(mul(prevSq, alpha), mul(mul(g, 1 - alpha), g)));
    let avg: Tensor;
    if (centered) {
      const prevAvg = state.buffers.get('grad_avg') ?? zerosLike(p);
      const gradAvg = store('grad_avg', add(mul(prevAvg, alpha), mul(g, 1 - alpha)));
      avg = sqrt(add(squareAvg, mul(mul(gradAvg, -1), gradAvg)));
    } else {
      avg = sqrt(squareAvg);
    }
    avg = add(avg, eps);
    if (momentum > 0) {
      const prevBuf = state.buffers.get('momentum_buffer') ?? zerosLike(p);
      const buf = store('momentum_buffer', add(mul(prevBuf, momentum), div(g, avg)));
      p.assign(add(p, mul(buf, -lr)));
    } else {
      p.assign(add(p, div(mul(g, -lr), avg)));
    }
  }
}
