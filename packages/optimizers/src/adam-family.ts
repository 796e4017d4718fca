/**
 * What Adam and AdamW share: their hyper-parameters, checks and the moment update. They differ
 * only in how weight decay enters (added to the gradient, or decoupled and applied to θ).
 */
import {
  adamStep,
  add,
  div,
  maximum,
  mul,
  type OptionRule,
  sqrt,
  type Tensor,
  zerosLike,
} from '@stride/core';
import { nonNegative, option } from './check.js';
import type { OptimizerRules, ParamState } from './optimizer.js';

/** The hyper-parameters of `Adam` and `AdamW`, as each parameter group holds them. */
export interface AdamHyper {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates (β₁, β₂) of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /**
   * Weight decay λ: for Adam an L2 penalty added to the gradient as λ·θ (default 0); for AdamW a
   * decoupled decay, θ ← θ·(1 − lr·λ) before the update (default 1e-2).
   */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/** Options of `Adam` and `AdamW`: any hyper-parameter, each with its default when left out. */
export type AdamOptions = Partial<AdamHyper>;

/** (β₁, β₂), each in [0, 1) as PyTorch requires: the rule of every Adam-like optimizer. */
export const betasRule: OptionRule<readonly number[]> = option.arrayOf(
  option.number({ min: 0, below: 1 }),
  2,
);

export function adamRules(name: string): OptimizerRules<AdamHyper> {
  return {
    name,
    specs: {
      lr: { torch: 'lr', rule: nonNegative },
      betas: { torch: 'betas', rule: betasRule },
      eps: { torch: 'eps', rule: nonNegative },
      weightDecay: { torch: 'weight_decay', rule: nonNegative },
      amsgrad: { torch: 'amsgrad', rule: option.boolean },
      maximize: { torch: 'maximize', rule: option.boolean },
    },
    stateKeys: ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
  };
}

/**
 * Updates the moments of `grad` (already negated for maximize, and with L2 decay for Adam) and
 * returns `base − lr/(1 − β₁ᵗ) · m / (√(v/(1 − β₂ᵗ)) + eps)`, following PyTorch's single-tensor
 * path operation for operation. `store` keeps a state tensor and returns the kept handle.
 */
export function adamUpdate(
  p: Tensor,
  base: Tensor,
  grad: Tensor,
  group: AdamHyper,
  state: ParamState,
  store: (key: string, value: Tensor) => Tensor,
): Tensor {
  const [beta1, beta2] = group.betas;
  const step = state.step as number;
  const prevAvg = state.buffers.get('exp_avg') ?? zerosLike(p);
  const prevSq = state.buffers.get('exp_avg_sq') ?? zerosLike(p);
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = group.lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  if (!group.amsgrad) {
    // Core's adamStep runs these very operations as one op: a single pass over the parameter
    // where the backend has a fused kernel. AMSGrad puts a maximum in between, so it stays here.
    const fused = adamStep(base, grad, prevAvg, prevSq, {
      beta1,
      beta2,
      stepSize,
      biasCorrection2Sqrt,
      eps: group.eps,
    });
    store('exp_avg', fused.expAvg);
    store('exp_avg_sq', fused.expAvgSq);
    return fused.param;
  }
  const expAvg = store('exp_avg', add(mul(prevAvg, beta1), mul(grad, 1 - beta1)));
  // addcmul_(grad, grad, value=1 − β₂) computes value·grad·grad, left to right.
  const expAvgSq = store('exp_avg_sq', add(mul(prevSq, beta2), mul(mul(grad, 1 - beta2), grad)));
  const prevMax = state.buffers.get('max_exp_avg_sq') ?? zerosLike(p);
  const second = store('max_exp_avg_sq', maximum(prevMax, expAvgSq));
  const denom = add(div(sqrt(second), biasCorrection2Sqrt), group.eps);
  // addcdiv_(exp_avg, denom, value=−stepSize) computes value·exp_avg / denom.
  return add(base, div(mul(expAvg, -stepSize), denom));
}

/** The defaults of Adam and AdamW, which differ in weight decay only. */
export function adamDefaults(weightDecay: number): AdamHyper {
  return {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay,
    amsgrad: false,
    maximize: false,
  };
}
