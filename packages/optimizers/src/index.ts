/**
 * @stride/optimizers: PyTorch's optimizers, learning-rate schedulers and gradient clipping,
 * update for update (checked against PyTorch trajectories in fixtures/).
 *
 *     const opt = new Adam(model.parameters(), { lr: 1e-3 });
 *     const schedule = new CosineAnnealingLR(opt, { tMax: epochs });
 *     for (let epoch = 0; epoch < epochs; epoch++) {
 *       for (const [x, y] of batches) {
 *         opt.zeroGrad();
 *         tidy(() => lossFn(model.forward(x), y).backward());
 *         clipGradNorm(model.parameters(), 1).dispose();
 *         opt.step();
 *       }
 *       schedule.step();
 *     }
 *
 * @packageDocumentation
 */

export { Adadelta, type AdadeltaHyper, type AdadeltaOptions } from './adadelta.js';
export { Adagrad, type AdagradHyper, type AdagradOptions } from './adagrad.js';
export { Adam } from './adam.js';
export type { AdamHyper, AdamOptions } from './adam-family.js';
export { Adamax, type AdamaxHyper, type AdamaxOptions } from './adamax.js';
export { AdamW } from './adamw.js';
export {
  type PackedOptimizerState,
  packOptimizerState,
  unpackOptimizerState,
} from './checkpoint.js';
export { clipGradNorm, clipGradValue } from './clip-grad.js';
export { NAdam, type NAdamHyper, type NAdamOptions } from './nadam.js';
export { Optimizer, type OptimizerRules, type ParamState } from './optimizer.js';
export type {
  BaseHyper,
  HyperSpec,
  HyperSpecs,
  ParamGroup,
  ParamGroupInput,
  Params,
  ScheduleFields,
} from './param-group.js';
export { RAdam, type RAdamHyper, type RAdamOptions } from './radam.js';
export { RMSprop, type RMSpropHyper, type RMSpropOptions } from './rmsprop.js';
export {
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
} from './schedulers/cosine-annealing-lr.js';
export {
  CosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from './schedulers/cosine-annealing-warm-restarts.js';
export { CyclicLR, type CyclicLROptions } from './schedulers/cyclic-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './schedulers/exponential-lr.js';
export { LambdaLR, type LrLambda } from './schedulers/lambda-lr.js';
export { LinearLR, type LinearLROptions } from './schedulers/linear-lr.js';
export { MultiStepLR, type MultiStepLROptions } from './schedulers/multi-step-lr.js';
export { OneCycleLR, type OneCycleLROptions } from './schedulers/one-cycle-lr.js';
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
} from './schedulers/reduce-lr-on-plateau.js';
export { type AnyOptimizer, LRScheduler, type SchedulerStateDict } from './schedulers/scheduler.js';
export { SequentialLR, type SequentialLROptions } from './schedulers/sequential-lr.js';
export { StepLR, type StepLROptions } from './schedulers/step-lr.js';
export { SGD, type SGDHyper, type SGDOptions } from './sgd.js';
export type { JsonValue, OptimizerStateDict, ParamGroupState } from './state-dict.js';
