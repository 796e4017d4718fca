/**
 * An optimizer's state inside a checkpoint file: a safetensors file holds named tensors and
 * string metadata, so the state tensors go in under a prefix (`optimizer.state.0.exp_avg`, next
 * to the model's `conv1.weight`) and the parameter groups as JSON under `<prefix>param_groups`.
 *
 *     const { tensors, metadata } = packOptimizerState(opt.stateDict());
 *     const bytes = await encodeSafetensors({ ...model.stateDict(), ...tensors }, metadata);
 *     ...
 *     await opt.loadStateDict(unpackOptimizerState(decodeSafetensors(bytes)));
 */
import type { Tensor } from '@stride/core';
import { fail, isRecord, show } from './check.js';
import type { OptimizerStateDict, ParamGroupState } from './state-dict.js';

/**
 * An optimizer state dict ready to be saved with `encodeSafetensors`: what `packOptimizerState`
 * returns.
 */
export interface PackedOptimizerState {
  /**
   * The state tensors under prefixed names (`optimizer.state.0.exp_avg`); the same tensor objects
   * as in the state dict.
   */
  tensors: Record<string, Tensor>;
  /** One entry, `<prefix>param_groups`: the parameter groups as JSON. */
  metadata: Record<string, string>;
}

/** The state dict as prefixed tensor names plus one metadata entry; the tensors are not copied. */
export function packOptimizerState(
  stateDict: OptimizerStateDict,
  prefix = 'optimizer.',
): PackedOptimizerState {
  const fn = 'packOptimizerState';
  if (!isRecord(stateDict) || !isRecord(stateDict.state) || !Array.isArray(stateDict.paramGroups)) {
    fail(fn, `expected { state, paramGroups }, got ${show(stateDict)}`);
  }
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(stateDict.state)) tensors[prefix + name] = t;
  return {
    tensors,
    metadata: { [`${prefix}param_groups`]: JSON.stringify(stateDict.paramGroups) },
  };
}

/**
 * The inverse: picks the tensors under `prefix` (others, such as the model's, are left alone)
 * and parses the groups. The result holds the same tensor objects, for `loadStateDict`.
 */
export function unpackOptimizerState(
  contents: {
    /** Named tensors, such as `decodeSafetensors` returns; only those under `prefix` are used. */
    tensors: Record<string, Tensor>;
    /** String metadata holding `<prefix>param_groups`. */
    metadata: Record<string, string>;
  },
  prefix = 'optimizer.',
): OptimizerStateDict {
  const fn = 'unpackOptimizerState';
  if (!isRecord(contents) || !isRecord(contents.tensors) || !isRecord(contents.metadata)) {
    fail(fn, `expected { tensors, metadata }, got ${show(contents)}`);
  }
  const key = `${prefix}param_groups`;
  const json = contents.metadata[key];
  if (typeof json !== 'string') {
    fail(fn, `the metadata has no '${key}': the file holds no optimizer state under '${prefix}'`);
  }
  let paramGroups: unknown;
  try {
    paramGroups = JSON.parse(json);
  } catch {
    fail(fn, `metadata '${key}' is not valid JSON`);
  }
  if (!Array.isArray(paramGroups)) {
    fail(
      fn,
      `metadata '${key}' must be a JSON array of parameter groups, got ${show(paramGroups)}`,
    );
  }
  const state: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(contents.tensors)) {
    if (name.startsWith(`${prefix}state.`)) state[name.slice(prefix.length)] = t;
  }
  return { state, paramGroups: paramGroups as ParamGroupState[] };
}
