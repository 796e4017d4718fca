/**
 * Parameter groups: the parameters an optimizer updates, each group with its own
 * hyper-parameters (PyTorch's `param_groups`). Options are read from the group on every step,
 * so changing `group.lr` (what schedulers do) takes effect at the next `step()`.
 */
import type { Tensor } from '@stride/core';

/** The hyper-parameters every optimizer has. */
export interface BaseHyper {
  lr: number;
}

/**
 * Fields that schedulers add to a group, as PyTorch's do (`initial_lr` by every scheduler,
 * the rest by `OneCycleLR`). They are saved with the group, so a resumed run finds them.
 */
export interface ScheduleFields {
  /** The learning rate a schedule starts from (PyTorch's `initial_lr`). */
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

export type ParamGroup<H extends BaseHyper = BaseHyper> = H &
  ScheduleFields & {
    readonly params: readonly Tensor[];
  };

/** A group as the constructor takes it: its parameters, and options that override the defaults. */
export type ParamGroupInput<H extends BaseHyper = BaseHyper> = Partial<H> & {
  params: Tensor | Iterable<Tensor>;
};

/** The parameters to optimize: tensors (one group), or groups with per-group options. */
export type Params<H extends BaseHyper = BaseHyper> =
  | Iterable<Tensor>
  | Iterable<ParamGroupInput<H>>;

/** How a hyper-parameter is named in PyTorch and what kind of value it holds. */
export interface HyperSpec {
  readonly torch: string;
  readonly kind: 'number' | 'boolean' | 'pair';
}

export type HyperSpecs<H extends BaseHyper> = { readonly [K in keyof H]-?: HyperSpec };

export const SCHEDULE_FIELDS: { readonly [K in keyof ScheduleFields]-?: string } = {
  initialLr: 'initial_lr',
  maxLr: 'max_lr',
  minLr: 'min_lr',
  maxMomentum: 'max_momentum',
  baseMomentum: 'base_momentum',
};
