import { add, mul, neg, type Tensor } from '@stride/core';
import {
  type AdamHyper,
  type AdamOptions,
  adamDefaults,
  adamRules,
  adamUpdate,
} from './adam-family.js';
import { Optimizer, type ParamState } from './optimizer.js';
import type { ParamGroup, Params } from './param-group.js';

const RULES = adamRules('Adam');

/**
 * Adam, as `torch.optim.Adam` (defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8, no weight
 * decay). Weight decay is the L2 form, added to the gradient; see AdamW for the decoupled one.
 *
 *     g ← ∇θ (negated if maximize) + λθ
 *     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²   (v̂ ← max(v̂, v) with amsgrad)
 *     θ ← θ − lr/(1 − β₁ᵗ) · m / (√(v/(1 − β₂ᵗ)) + eps)
 */
export class Adam extends Optimizer<AdamHyper> {
  constructor(params: Params<AdamHyper>, options?: AdamOptions) {
    super(params, options, adamDefaults(0), RULES);
  }

  protected override update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup<AdamHyper>,
    state: ParamState,
  ): void {
    let g = group.maximize ? neg(grad) : grad;
    state.step = (state.step ?? 0) + 1;
    if (group.weightDecay !== 0) g = add(g, mul(p, group.weightDecay));
    p.assign(adamUpdate(p, p, g, group, state, (key, value) => this.setBuffer(state, key, value)));
  }
}
