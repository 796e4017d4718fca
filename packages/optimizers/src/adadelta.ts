import { add, div, mul, neg, sqrt, type Tensor, zerosLike } from '@stride/core';
import { nonNegative, option } from './check.js';
import { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

/** Adadelta's hyper-parameters, as each parameter group holds them. */
export interface AdadeltaHyper {
  /** Scales the update before it is applied (default 1). */
  lr: number;
  /** Decay ρ of the running averages of squared gradients and squared updates, in [0, 1]. */
  rho: number;
  /** Added inside both square roots for numerical stability (default 1e-6). */
  eps: number;
  /** L2 penalty λ added to the gradient as λ·θ (default 0). */
  weightDecay: number;
  /** Ascend the objective instead of descending it (default false). */
  maximize: boolean;
}

/** Options of `Adadelta`: any hyper-parameter, each with its default when left out. */
export type AdadeltaOptions = Partial<AdadeltaHyper>;

const RULES: OptimizerRules<AdadeltaHyper> = {
  name: 'Adadelta',
  specs: {
    lr: { torch: 'lr', rule: nonNegative },
    rho: { torch: 'rho', rule: option.number({ min: 0, max: 1 }) },
    eps: { torch: 'eps', rule: nonNegative },
    weightDecay: { torch: 'weight_decay', rule: nonNegative },
    maximize: { torch: 'maximize', rule: option.boolean },
  },
  stateKeys: ['step', 'square_avg', 'acc_delta'],
};

/**
 * Adadelta, as `torch.optim.Adadelta` (defaults lr 1, rho 0.9, eps 1e-6): the optimizer of
 * PyTorch's MNIST example, usually with `StepLR(opt, { stepSize: 1, gamma: 0.7 })`.
 *
 *     g ← ∇θ (negated if maximize) + λθ
 *     v ← ρv + (1 − ρ)g²
 *     Δ ← √(u + eps) / √(v + eps) · g
 *     u ← ρu + (1 − ρ)Δ²
 *     θ ← θ − lr·Δ
 */
export class Adadelta extends Optimizer<AdadeltaHyper> {
  constructor(params: Params<AdadeltaHyper>, options?: AdadeltaOptions) {
    super(params, options, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }, RULES);
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdadeltaHyper>,
    state: ParamState,
  ): void {
    const { lr, rho, eps, weightDecay, maximize } = group;
    const store = (key: string, value: Tensor) => this.setBuffer(state, key, value);
    state.step = (state.step ?? 0) + 1;
    let g = maximize ? neg(grad) : grad;
    if (weightDecay !== 0) g = add(g, mul(p, weightDecay));
    const prevSq = state.buffers.get('square_avg') ?? zerosLike(p);
    const prevAcc = state.buffers.get('acc_delta') ?? zerosLike(p);
    // addcmul_(g, g, value=1 − ρ) computes value·g·g, left to right.
    const squareAvg = store('square_avg', add(mul(prevSq, rho), mul(mul(g, 1 - rho), g)));
    const std = sqrt(add(squareAvg, eps));
    const delta = mul(div(sqrt(add(prevAcc, eps)), std), g);
    store('acc_delta', add(mul(prevAcc, rho), mul(mul(delta, 1 - rho), delta)));
    p.assign(add(p, mul(delta, -lr)));
  }
}
