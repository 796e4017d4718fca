import { mul, neg, type Tensor } from '@stride/core';
import {
  type AdamHyper,
  type AdamOptions,
  adamDefaults,
  adamRules,
  adamUpdate,
} from './adam-family.js';
import { Optimizer, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

const RULES = adamRules('AdamW');

/**
 * Adam with decoupled weight decay, as `torch.optim.AdamW` (weight decay defaults to 1e-2):
 * θ is first scaled by 1 − lr·λ, then takes Adam's step on the plain gradient.
 */
export class AdamW extends Optimizer<AdamHyper> {
  constructor(params: Params<AdamHyper>, options?: AdamOptions) {
    super(params, options, adamDefaults(1e-2), RULES);
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamHyper>,
    state: ParamState,
  ): void {
    const g = group.maximize ? neg(grad) : grad;
    state.step = (state.step ?? 0) + 1;
    const decayed = mul(p, 1 - group.lr * group.weightDecay);
    p.assign(
      adamUpdate(p, decayed, g, group, state, (key, value) => this.setBuffer(state, key, value)),
    );
  }
}
