import { add, div, mul, sqrt, sub, type Tensor, zerosLike } from '@stride/core';
import { betasRule } from './adam-family.js';
import { nonNegative } from './check.js';
import { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

/** RAdam's hyper-parameters, as each parameter group holds them. */
export interface RAdamHyper {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates (β₁, β₂) of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient as λ·θ (default 0). */
  weightDecay: number;
}

/** Options of `RAdam`: any hyper-parameter, each with its default when left out. */
export type RAdamOptions = Partial<RAdamHyper>;

const RULES: OptimizerRules<RAdamHyper> = {
  name: 'RAdam',
  specs: {
    lr: { torch: 'lr', rule: nonNegative },
    betas: { torch: 'betas', rule: betasRule },
    eps: { torch: 'eps', rule: nonNegative },
    weightDecay: { torch: 'weight_decay', rule: nonNegative },
  },
  stateKeys: ['step', 'exp_avg', 'exp_avg_sq'],
};

/**
 * Rectified Adam, as `torch.optim.RAdam` of PyTorch 1.13 (defaults lr 1e-3, betas
 * [0.9, 0.999], eps 1e-8; L2 weight decay; no `maximize`). While the variance of the adaptive
 * rate is not yet tractable (ρₜ ≤ 5, the first few steps) it takes a plain momentum step:
 *
 *     g ← ∇θ + λθ
 *     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,   m̂ ← m/(1 − β₁ᵗ)
 *     ρ∞ ← 2/(1 − β₂) − 1,   ρₜ ← ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
 *     ρₜ > 5:  r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)),
 *              θ ← θ − lr · m̂ · √(1 − β₂ᵗ)/(√v + eps) · r
 *     else:    θ ← θ − lr · m̂
 */
export class RAdam extends Optimizer<RAdamHyper> {
  constructor(params: Params<RAdamHyper>, options?: RAdamOptions) {
    super(params, options, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, RULES);
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<RAdamHyper>,
    state: ParamState,
  ): void {
    const { lr, betas, eps, weightDecay } = group;
    const [beta1, beta2] = betas;
    const store = (key: string, value: Tensor) => this.setBuffer(state, key, value);
    const step = (state.step ?? 0) + 1;
    state.step = step;
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const g = weightDecay !== 0 ? add(grad, mul(p, weightDecay)) : grad;
    const prevAvg = state.buffers.get('exp_avg') ?? zerosLike(p);
    const prevSq = state.buffers.get('exp_avg_sq') ?? zerosLike(p);
    const expAvg = store('exp_avg', add(mul(prevAvg, beta1), mul(g, 1 - beta1)));
    const expAvgSq = store('exp_avg_sq', add(mul(prevSq, beta2), mul(mul(g, 1 - beta2), g)));
    const corrected = div(expAvg, biasCorrection1);
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
    if (rhoT > 5) {
      const rect = Math.sqrt(
        ((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT),
      );
      const adaptiveLr = div(Math.sqrt(biasCorrection2), add(sqrt(expAvgSq), eps));
      p.assign(sub(p, mul(mul(mul(corrected, lr), adaptiveLr), rect)));
    } else {
      p.assign(sub(p, mul(corrected, lr)));
    }
  }
}
