/** Every fuzzed function, by name. */
import { DATASET_SPECS, LAYER_SPECS, OPTIMIZER_SPECS } from './modules.js';
import { CORE_OPS, METHOD_OPS, type OpSpec } from './ops.js';

export const ALL_SPECS: readonly OpSpec[] = [
  ...CORE_OPS,
  ...METHOD_OPS,
  ...LAYER_SPECS,
  ...OPTIMIZER_SPECS,
  ...DATASET_SPECS,
];

export const SPEC_BY_OP: ReadonlyMap<string, OpSpec> = new Map(ALL_SPECS.map((s) => [s.op, s]));
