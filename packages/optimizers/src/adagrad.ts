import { add, div, fullLike, mul, neg, sqrt, type Tensor, tidy } from '@stride/core';
import { nonNegative, option } from './check.js';
import { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
import type { ParamGroup, ParamGroupInput, Params } from './param-group.js';

/** Adagrad's hyper-parameters, as each parameter group holds them. */
export interface AdagradHyper {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** The learning rate at step t is lr / (1 + (t − 1)·lrDecay). */
  lrDecay: number;
  /** L2 penalty λ added to the gradient as λ·θ (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients. */
  initialAccumulatorValue: number;
  /** Added to the denominator √s for numerical stability (default 1e-10). */
  eps: number;
  /** Ascend the objective instead of descending it (default false). */
  maximize: boolean;
}

/** Options of `Adagrad`: any hyper-parameter, each with its default when left out. */
export type AdagradOptions = Partial<AdagradHyper>;

const RULES: OptimizerRules<AdagradHyper> = {
  name: 'Adagrad',
  specs: {
    lr: { torch: 'lr', rule: nonNegative },
    lrDecay: { torch: 'lr_decay', rule: nonNegative },
    weightDecay: { torch: 'weight_decay', rule: nonNegative },
    initialAccumulatorValue: { torch: 'initial_accumulator_value', rule: nonNegative },
    eps: { torch: 'eps', rule: nonNegative },
    maximize: { torch: 'maximize', rule: option.boolean },
  },
  stateKeys: ['step', 'sum'],
};

/**
 * Adagrad, as `torch.optim.Adagrad` (defaults lr 1e-2, eps 1e-10). As in PyTorch, every
 * parameter's state (step 0, and the sum filled with initialAccumulatorValue) exists from
 * construction on, so it is in the state dict before the first step.
 *
 *     g ← ∇θ (negated if maximize) + λθ
 *     s ← s + g²
 *     θ ← θ − lr/(1 + (t − 1)·lrDecay) · g / (√s + eps)
 */
export class Adagrad extends Optimizer<AdagradHyper> {
  constructor(params: Params<AdagradHyper>, options?: AdagradOptions) {
    super(
      params,
      options,
      {
        lr: 1e-2,
        lrDecay: 0,
        weightDecay: 0,
        initialAccumulatorValue: 0,
        eps: 1e-10,
        maximize: false,
      },
      RULES,
    );
  }

  override addParamGroup(input: ParamGroupInput<AdagradHyper>): void {
    super.addParamGroup(input);
    const group = this.paramGroups[this.paramGroups.length - 1] as ParamGroup<AdagradHyper>;
    for (const p of group.params) this.initState(p, group);
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdagradHyper>,
    state: ParamState,
  ): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    // State replaced by loadStateDict may lack entries; start them as construction does.
    const prevSum = state.buffers.get('sum') ?? fullLike(p, group.initialAccumulatorValue);
    const step = (state.step ?? 0) + 1;
    state.step = step;
    let g = maximize ? neg(grad) : grad;
    if (weightDecay !== 0) g = add(g, mul(p, weightDecay));
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sum = this.setBuffer(state, 'sum', add(prevSum, mul(g, g)));
    const std = add(sqrt(sum), eps);
    p.assign(add(p, div(mul(g, -clr), std)));
  }

  private initState(p: Tensor, group: ParamGroup<AdagradHyper>): void {
    const state = this.stateOf(p);
    state.step = 0;
    tidy(() => {
      this.setBuffer(state, 'sum', fullLike(p, group.initialAccumulatorValue));
    });
  }
}
