/**
 * Parameter groups: the parameters an optimizer updates, each group with its own
 * hyper-parameters (PyTorch's `param_groups`). Options are read from the group on every step,
 * so changing `group.lr` (what schedulers do) takes effect at the next `step()`.
 */
import type { OptionRule, Tensor } from '@stride/core';

/** The hyper-parameters every optimizer has. */
export interface BaseHyper {
  /** Learning rate: the step size of every update. */
  lr: number;
}

/**
 * Fields that schedulers add to a group, as PyTorch's do (`initial_lr` by every scheduler,
 * the rest by `OneCycleLR`). They are saved with the group, so a resumed run finds them.
 */
export interface ScheduleFields {
  /** The learning rate a schedule starts from (PyTorch's `initial_lr`). */
  initialLr?: number;
  /** `OneCycleLR`: the peak learning rate (PyTorch's `max_lr`). */
  maxLr?: number;
  /** `OneCycleLR`: the learning rate the cycle ends at (PyTorch's `min_lr`). */
  minLr?: number;
  /**
   * `OneCycleLR`: the momentum (or β₁) at the start and end of the cycle (PyTorch's
   * `max_momentum`).
   */
  maxMomentum?: number;
  /** `OneCycleLR`: the momentum (or β₁) at the peak learning rate (PyTorch's `base_momentum`). */
  baseMomentum?: number;
}

/**
 * A parameter group as an optimizer holds it: its hyper-parameters (every one set), any fields
 * schedulers added, and its parameters.
 */
export type ParamGroup<H extends BaseHyper = BaseHyper> = H &
  ScheduleFields & {
    /** The parameters of the group, in order. */
    readonly params: readonly Tensor[];
  };

/** A group as the constructor takes it: its parameters, and options that override the defaults. */
export type ParamGroupInput<H extends BaseHyper = BaseHyper> = Partial<H> & {
  /** The group's parameters: one tensor or several. */
  params: Tensor | Iterable<Tensor>;
};

/** The parameters to optimize: tensors (one group), or groups with per-group options. */
export type Params<H extends BaseHyper = BaseHyper> =
  | Iterable<Tensor>
  | Iterable<ParamGroupInput<H>>;

/** How a hyper-parameter is named in PyTorch and what values it takes. */
export interface HyperSpec {
  /** The hyper-parameter's name in PyTorch's state dict (`weight_decay` for `weightDecay`). */
  readonly torch: string;
  /**
   * The values it takes (core's `option` rules, e.g. `option.number({ min: 0 })`), checked in the
   * options, in every parameter group, at every `step()` and when a state dict is loaded.
   */
  readonly rule: OptionRule<unknown>;
}

/** A `HyperSpec` for every hyper-parameter of `H`. */
export type HyperSpecs<H extends BaseHyper> = { readonly [K in keyof H]-?: HyperSpec };

export const SCHEDULE_FIELDS: { readonly [K in keyof ScheduleFields]-?: string } = {
  initialLr: 'initial_lr',
  maxLr: 'max_lr',
  minLr: 'min_lr',
  maxMomentum: 'max_momentum',
  baseMomentum: 'base_momentum',
};
