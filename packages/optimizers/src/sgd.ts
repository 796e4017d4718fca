import { add, mul, neg, sgdStep, type Tensor } from '@stride/core';
import { fail, nonNegative, option } from './check.js';
import { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

/** SGD's hyper-parameters, as each parameter group holds them. */
export interface SGDHyper {
  /** Learning rate (required; no default). */
  lr: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum: number;
  /** Dampening τ of the momentum: the gradient enters the buffer scaled by 1 − τ (default 0). */
  dampening: number;
  /** L2 penalty λ added to the gradient as λ·θ (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

/** `lr` has no default, as in PyTorch. */
export type SGDOptions = Partial<SGDHyper> & {
  /** Learning rate. */
  lr: number;
};

const RULES: OptimizerRules<SGDHyper> = {
  name: 'SGD',
  specs: {
    lr: { torch: 'lr', rule: nonNegative },
    momentum: { torch: 'momentum', rule: nonNegative },
    dampening: { torch: 'dampening', rule: option.number() },
    weightDecay: { torch: 'weight_decay', rule: nonNegative },
    nesterov: { torch: 'nesterov', rule: option.boolean },
    maximize: { torch: 'maximize', rule: option.boolean },
  },
  stateKeys: ['momentum_buffer'],
  validate(h, fn, where) {
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      fail(
        fn,
        `${where('nesterov')} needs momentum > 0 and dampening 0, got momentum ${h.momentum} and dampening ${h.dampening}`,
      );
    }
  },
};

/**
 * Stochastic gradient descent with optional momentum, as `torch.optim.SGD`:
 *
 *     g ← ∇θ (negated if maximize) + λθ
 *     b ← g on the first step, else μb + (1 − τ)g
 *     g ← g + μb (nesterov) or b
 *     θ ← θ − lr·g
 *
 * The momentum buffer starts as the first gradient (not zero), and lr multiplies the whole
 * buffer, unlike the Sutskever et al. form some libraries use.
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: Params<SGDHyper>, options: SGDOptions) {
    // No default lr, as in PyTorch: the base class requires it.
    super(
      params,
      options,
      { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
      RULES,
    );
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<SGDHyper>,
    state: ParamState,
  ): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let d = maximize ? neg(grad) : grad;
    if (weightDecay !== 0) d = add(d, mul(p, weightDecay));
    if (momentum !== 0) {
      const prev = state.buffers.get('momentum_buffer');
      const buf = this.setBuffer(
        state,
        'momentum_buffer',
        prev ? add(mul(prev, momentum), mul(d, 1 - dampening)) : d,
      );
      d = nesterov ? add(d, mul(buf, momentum)) : buf;
    }
    // One fused pass where the backend has one; add(p, mul(d, -lr)) otherwise.
    p.assign(sgdStep(p, d, lr));
  }
}
