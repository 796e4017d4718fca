import { add, div, mul, sqrt, type Tensor, zerosLike } from '@stride/core';
import { betasRule } from './adam-family.js';
import { nonNegative } from './check.js';
import { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

/** NAdam's hyper-parameters, as each parameter group holds them. */
export interface NAdamHyper {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates (β₁, β₂) of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient as λ·θ (default 0). */
  weightDecay: number;
  /** ψ of the momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)) (default 4e-3). */
  momentumDecay: number;
}

/** Options of `NAdam`: any hyper-parameter, each with its default when left out. */
export type NAdamOptions = Partial<NAdamHyper>;

const RULES: OptimizerRules<NAdamHyper> = {
  name: 'NAdam',
  specs: {
    lr: { torch: 'lr', rule: nonNegative },
    betas: { torch: 'betas', rule: betasRule },
    eps: { torch: 'eps', rule: nonNegative },
    weightDecay: { torch: 'weight_decay', rule: nonNegative },
    momentumDecay: { torch: 'momentum_decay', rule: nonNegative },
  },
  stateKeys: ['step', 'mu_product', 'exp_avg', 'exp_avg_sq'],
  scalarKeys: ['mu_product'],
};

/**
 * Adam with Nesterov momentum, as `torch.optim.NAdam` of PyTorch 1.13 (defaults lr 2e-3, betas
 * [0.9, 0.999], eps 1e-8, momentumDecay 4e-3; L2 weight decay; no `maximize`):
 *
 *     g ← ∇θ + λθ
 *     μₜ ← β₁(1 − ½·0.96^(tψ)),   Πₜ ← Πₜ₋₁·μₜ   (the state's mu_product)
 *     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,   d ← √(v/(1 − β₂ᵗ)) + eps
 *     θ ← θ − lr(1 − μₜ)/(1 − Πₜ) · g/d − lr·μₜ₊₁/(1 − Πₜ·μₜ·μₜ₊₁) · m/d
 *
 * The last denominator is PyTorch 1.13's, `mu_product * mu * mu_next`, which counts μₜ twice
 * (Πₜ already holds it); later PyTorch releases use Πₜ·μₜ₊₁. Stride follows 1.13, which its
 * fixtures come from.
 * PyTorch keeps the product Π in a float32 tensor whatever the parameters' dtype, so it is
 * rounded to float32 here too: float64 runs then follow PyTorch's to the last digits.
 */
export class NAdam extends Optimizer<NAdamHyper> {
  constructor(params: Params<NAdamHyper>, options?: NAdamOptions) {
    super(
      params,
      options,
      { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 },
      RULES,
    );
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<NAdamHyper>,
    state: ParamState,
  ): void {
    const { lr, betas, eps, weightDecay, momentumDecay } = group;
    const [beta1, beta2] = betas;
    const store = (key: string, value: Tensor) => this.setBuffer(state, key, value);
    const f32 = Math.fround;
    const step = (state.step ?? 0) + 1;
    state.step = step;
    const biasCorrection2 = 1 - beta2 ** step;
    const g = weightDecay !== 0 ? add(grad, mul(p, weightDecay)) : grad;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
    // Float32 tensor times a number: the number is rounded to float32 first, then the product.
    const muProduct = f32((state.scalars.get('mu_product') ?? 1) * f32(mu));
    state.scalars.set('mu_product', muProduct);
    const muProductNext = f32(f32(muProduct * f32(mu)) * f32(muNext));
    const prevAvg = state.buffers.get('exp_avg') ?? zerosLike(p);
    const prevSq = state.buffers.get('exp_avg_sq') ?? zerosLike(p);
    const expAvg = store('exp_avg', add(mul(prevAvg, beta1), mul(g, 1 - beta1)));
    const expAvgSq = store('exp_avg_sq', add(mul(prevSq, beta2), mul(mul(g, 1 - beta2), g)));
    const denom = add(sqrt(div(expAvgSq, biasCorrection2)), eps);
    // Two addcdiv_ steps, each value·t / denom.
    const first = add(p, div(mul(g, (-lr * (1 - mu)) / (1 - muProduct)), denom));
    p.assign(add(first, div(mul(expAvg, (-lr * muNext) / (1 - muProductNext)), denom)));
  }
}
