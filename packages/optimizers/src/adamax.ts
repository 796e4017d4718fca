import { abs, add, div, maximum, mul, neg, type Tensor, zerosLike } from '@stride/core';
import { betasRule } from './adam-family.js';
import { nonNegative, option } from './check.js';
import { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

/** Adamax's hyper-parameters, as each parameter group holds them. */
export interface AdamaxHyper {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates (β₁, β₂) of the gradient's running average and of its infinity norm. */
  betas: [number, number];
  /** Added to |g| before the maximum, so the denominator is never 0 (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient as λ·θ (default 0). */
  weightDecay: number;
  /** Ascend the objective instead of descending it (default false). */
  maximize: boolean;
}

/** Options of `Adamax`: any hyper-parameter, each with its default when left out. */
export type AdamaxOptions = Partial<AdamaxHyper>;

const RULES: OptimizerRules<AdamaxHyper> = {
  name: 'Adamax',
  specs: {
    lr: { torch: 'lr', rule: nonNegative },
    betas: { torch: 'betas', rule: betasRule },
    eps: { torch: 'eps', rule: nonNegative },
    weightDecay: { torch: 'weight_decay', rule: nonNegative },
    maximize: { torch: 'maximize', rule: option.boolean },
  },
  stateKeys: ['step', 'exp_avg', 'exp_inf'],
};

/**
 * Adamax, Adam with the infinity norm in place of the second moment, as `torch.optim.Adamax`
 * (defaults lr 2e-3, betas [0.9, 0.999], eps 1e-8):
 *
 *     g ← ∇θ (negated if maximize) + λθ
 *     m ← β₁m + (1 − β₁)g,   u ← max(β₂u, |g| + eps)
 *     θ ← θ − lr/(1 − β₁ᵗ) · m / u
 */
export class Adamax extends Optimizer<AdamaxHyper> {
  constructor(params: Params<AdamaxHyper>, options?: AdamaxOptions) {
    super(
      params,
      options,
      { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
      RULES,
    );
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamaxHyper>,
    state: ParamState,
  ): void {
    const { lr, betas, eps, weightDecay, maximize } = group;
    const [beta1, beta2] = betas;
    const store = (key: string, value: Tensor) => this.setBuffer(state, key, value);
    const step = (state.step ?? 0) + 1;
    state.step = step;
    let g = maximize ? neg(grad) : grad;
    if (weightDecay !== 0) g = add(g, mul(p, weightDecay));
    const prevAvg = state.buffers.get('exp_avg') ?? zerosLike(p);
    const prevInf = state.buffers.get('exp_inf') ?? zerosLike(p);
    const expAvg = store('exp_avg', add(mul(prevAvg, beta1), mul(g, 1 - beta1)));
    const expInf = store('exp_inf', maximum(mul(prevInf, beta2), add(abs(g), eps)));
    const clr = lr / (1 - beta1 ** step);
    // addcdiv_(exp_avg, exp_inf, value=−clr) computes value·exp_avg / exp_inf.
    p.assign(add(p, div(mul(expAvg, -clr), expInf)));
  }
}
