/**
 * The saved form of an optimizer: named tensors plus plain JSON, so that a safetensors
 * checkpoint can hold it (the tensors under their names, the JSON in the file's metadata) and
 * a Python script can hand it to PyTorch.
 *
 * Mapping onto PyTorch's `optimizer.state_dict()`:
 *
 * | Stride                          | PyTorch                                      |
 * |---------------------------------|----------------------------------------------|
 * | `state['state.<i>.<key>']`      | `state_dict()['state'][i][key]`              |
 * | `paramGroups[g]`                | `state_dict()['param_groups'][g]`            |
 *
 * `<i>` numbers the parameters across all groups in order, from 0, exactly as PyTorch does, and
 * each group's `params` lists its numbers. `<key>` and the group keys are PyTorch's own names
 * (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`, `square_avg`, `grad_avg`,
 * `sum`, `acc_delta`, `exp_inf`, `mu_product`, `step`; `lr`, `betas`, `weight_decay`,
 * `momentum_decay`, `initial_lr`, ...), and `betas` is a 2-array where PyTorch has a tuple.
 * NAdam's `mu_product` is a float32 scalar tensor, as PyTorch makes it. Differences: `step` is
 * always a float32 scalar tensor (PyTorch's RMSprop and Adadelta keep a Python int, which
 * `int()` recovers); SGD without momentum saves no
 * `momentum_buffer` (PyTorch saves `None`, and treats a missing one the same way); PyTorch-only
 * switches (`foreach`, `capturable`, `differentiable`, `fused`) are not written, and PyTorch
 * fills in their defaults when loading. `scripts/make_fixtures.py` (`to_named` / `from_named`)
 * converts both ways and checks that the result loads into PyTorch unchanged.
 */
import type { OptionRule, Tensor } from '@stride/core';
import { fail, isRecord, nonNegative, show } from './check.js';
import {
  type BaseHyper,
  type HyperSpecs,
  type ParamGroup,
  SCHEDULE_FIELDS,
  type ScheduleFields,
} from './param-group.js';

/** Any value JSON can hold: what the non-tensor parts of a state dict are made of. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** One parameter group as saved: PyTorch's keys and the numbers of its parameters. */
export interface ParamGroupState {
  /** The numbers of the group's parameters (their `<i>` in the `state` keys). */
  params: number[];
  [key: string]: JsonValue;
}

/**
 * An optimizer's saved state in PyTorch's layout: the state tensors named `'state.<i>.<key>'`
 * and the parameter groups as JSON (`packOptimizerState` puts it in a checkpoint).
 */
export interface OptimizerStateDict {
  /** Per-parameter state, `'state.<i>.<key>'` → tensor. */
  state: Record<string, Tensor>;
  /** The parameter groups: hyper-parameters under PyTorch's names and parameter numbers. */
  paramGroups: ParamGroupState[];
}

/** Keys PyTorch writes into a group that have no meaning here; accepted and ignored on load. */
export const TORCH_ONLY_GROUP_KEYS: readonly string[] = [
  'foreach',
  'capturable',
  'differentiable',
  'fused',
];

export function stateKey(index: number, key: string): string {
  return `state.${index}.${key}`;
}

/** `'state.3.exp_avg'` → `[3, 'exp_avg']`, or null when the name has another form. */
export function parseStateKey(name: string): [number, string] | null {
  const m = /^state\.(0|[1-9]\d*)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name);
  return m ? [Number(m[1]), m[2] as string] : null;
}

/** A group's hyper-parameters and schedule fields under PyTorch's names. */
export function groupToJson<H extends BaseHyper>(
  group: ParamGroup<H>,
  specs: HyperSpecs<H>,
  indices: number[],
): ParamGroupState {
  const out: ParamGroupState = { params: indices };
  for (const key of Object.keys(specs) as (keyof H & string)[]) {
    const value = group[key] as unknown;
    out[specs[key].torch] = Array.isArray(value) ? [...value] : (value as JsonValue);
  }
  for (const key of Object.keys(SCHEDULE_FIELDS) as (keyof ScheduleFields)[]) {
    const value = group[key];
    if (value !== undefined) out[SCHEDULE_FIELDS[key]] = value;
  }
  return out;
}

/**
 * Reads a saved group back into Stride's names. Keys the optimizer does not know are an error
 * (a state dict of another optimizer, most likely); missing keys keep the current value.
 */
export function groupFromJson<H extends BaseHyper>(
  fn: string,
  where: string,
  json: unknown,
  specs: HyperSpecs<H>,
): Partial<H> & ScheduleFields {
  if (!isRecord(json)) fail(fn, `${where} must be an object, got ${show(json)}`);
  const byTorch = new Map<string, [string, OptionRule<unknown>]>();
  for (const key of Object.keys(specs) as (keyof H & string)[]) {
    byTorch.set(specs[key].torch, [key, specs[key].rule]);
  }
  for (const [key, torch] of Object.entries(SCHEDULE_FIELDS))
    byTorch.set(torch, [key, nonNegative]);
  const out: Record<string, unknown> = {};
  for (const [torch, value] of Object.entries(json)) {
    if (torch === 'params' || TORCH_ONLY_GROUP_KEYS.includes(torch)) continue;
    const entry = byTorch.get(torch);
    if (!entry) {
      fail(
        fn,
        `${where} has '${torch}', which this optimizer does not use (is it the state of another optimizer?); it knows ${[...byTorch.keys()].join(', ')}`,
      );
    }
    const [key, rule] = entry;
    if (!rule.test(value))
      fail(fn, `${where}.${torch} must be ${rule.expected}, got ${show(value)}`);
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out as Partial<H> & ScheduleFields;
}
