/**
 * Loss functions with PyTorch's semantics, written as composites of ops so that their gradients
 * come from autograd.
 */
import { noGrad, withGrad } from '../autograd.js';
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf, wrap } from '../kernel.js';
import { checkOptions, option } from '../options.js';
import { shapesEqual } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import {
  abs,
  add,
  cast,
  div,
  eq,
  exp,
  ge,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  lt,
  maximum,
  minimum,
  mul,
  neg,
  square,
  sub,
  where,
} from './arithmetic.js';
import { checkIndexRange, checkValues, gather } from './indexing.js';
import { reshape, squeeze, unsqueeze } from './layout.js';
import { logSoftmax, mean, sum } from './reduce.js';

/** How per-element losses are combined: averaged (default), summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss function takes. */
export interface LossOptions {
  /** How the per-element losses are combined. Default `'mean'`. */
  reduction?: Reduction;
}

/** Options of `nllLoss`. */
export interface NllLossOptions extends LossOptions {
  /** A weight per class `[C]`; 'mean' then divides by the summed weights of the targets. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, not even to the 'mean' divisor. Default -100. */
  ignoreIndex?: number;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the one-hot target with the uniform distribution by this amount, in [0, 1]. */
  labelSmoothing?: number;
}

/** Options of `bceWithLogits`. */
export interface BceWithLogitsOptions extends LossOptions {
  /** Rescales each element's loss; broadcast to the input's shape. */
  weight?: Tensor | null;
  /** Weight of the positive term per class, broadcast along the last dims (e.g. `[C]`). */
  posWeight?: Tensor | null;
}

/** Options of `bceLoss`. */
export interface BceLossOptions extends LossOptions {
  /** Rescales each element's loss; broadcast to the input's shape. */
  weight?: Tensor | null;
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear, ≥ 0 (default 1; 0 is `l1Loss`). */
  beta?: number;
}

/** Options of `huberLoss`. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear, > 0 (default 1). */
  delta?: number;
}

/**
 * How `klDiv` combines its per-element terms: as every loss, or `'batchmean'`, the sum divided
 * by the batch size (the size of dim 0), which is the KL divergence per sample.
 */
export type KlDivReduction = Reduction | 'batchmean';

/** Options of `klDiv`. */
export interface KlDivOptions {
  /** Default `'mean'` (over every element, as PyTorch); `'batchmean'` is the KL divergence. */
  reduction?: KlDivReduction;
  /** Whether `target` holds log-probabilities instead of probabilities (default false). */
  logTarget?: boolean;
}

const LOSS_OPTIONS = { reduction: option.oneOf('mean', 'sum', 'none') } as const;
const NLL_OPTIONS = {
  ...LOSS_OPTIONS,
  weight: option.nullable(option.tensor),
  ignoreIndex: option.integer(),
} as const;
const CROSS_ENTROPY_OPTIONS = {
  ...NLL_OPTIONS,
  labelSmoothing: option.number({ min: 0, max: 1 }),
} as const;
const BCE_OPTIONS = {
  ...LOSS_OPTIONS,
  weight: option.nullable(option.tensor),
  posWeight: option.nullable(option.tensor),
} as const;
const BCE_LOSS_OPTIONS = { ...LOSS_OPTIONS, weight: option.nullable(option.tensor) } as const;
const SMOOTH_L1_OPTIONS = { ...LOSS_OPTIONS, beta: option.number({ min: 0 }) } as const;
const HUBER_OPTIONS = { ...LOSS_OPTIONS, delta: option.number({ above: 0 }) } as const;
const KL_DIV_OPTIONS = {
  reduction: option.oneOf('mean', 'batchmean', 'sum', 'none'),
  logTarget: option.boolean,
} as const;

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : mean(loss);
}

/**
 * Cross-entropy of `input` logits `[N, C]`, `[N, C, d1, ...]` or `[C]`, like
 * `torch.nn.functional.cross_entropy`, against either target PyTorch takes:
 * - int32 class indices `[N]`, `[N, d1, ...]` or `[]`. With weights, 'mean' divides by the summed
 *   weights of the non-ignored targets.
 * - class probabilities: a float tensor of the input's shape (soft labels, mixup). The loss of a
 *   sample is -Σ_c weight_c · target_c · log softmax(input)_c; 'mean' divides by the number of
 *   samples (N · d1 · ...), whatever the weights. `ignoreIndex` has no meaning there: one ≥ 0 is
 *   an error, as in PyTorch.
 *
 * @example
 * ```ts
 * const logits = randn([4, 3]);
 * crossEntropy(logits, tensor([0, 2, 1, 2], { dtype: 'int32' }));  // a scalar
 * const soft = softmax(randn([4, 3]), 1);                          // rows sum to 1
 * crossEntropy(logits, soft, { labelSmoothing: 0.1 });             // a scalar
 * crossEntropy(logits, soft, { reduction: 'none' }).shape;        // [4]
 * ```
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  opts: CrossEntropyOptions = {},
): Tensor {
  const fn = 'crossEntropy';
  const options = checkOptions(fn, opts, CROSS_ENTROPY_OPTIONS);
  const smoothing = options.labelSmoothing ?? 0;
  if (
    isTensor(input) &&
    isTensor(target) &&
    isFloat(target.dtype) &&
    shapesEqual(input.shape, target.shape)
  ) {
    return probabilityCrossEntropy(fn, input, target, options);
  }
  const args = checkClassArgs(fn, input, target, options);
  const b = input.backend;
  if (!args.weight && input.rank <= 2 && b.crossEntropy && b.crossEntropyBackward) {
    return fusedClassCrossEntropy(fn, args, smoothing);
  }
  return tidy(() => {
    const logits = args.batched ? args.input : unsqueeze(args.input, 0);
    return classLoss(fn, logSoftmax(logits, 1), args, smoothing);
  });
}

/**
 * Cross-entropy of class indices without class weights on [N, C] or [C] logits, through the
 * backend's fused kernels: one launch forward and one backward where the composite takes about
 * thirty small ones (a classifier's loss is a long chain of tiny ops). Same checks, same values
 * up to the order of float sums.
 */
function fusedClassCrossEntropy(fn: string, args: ClassArgs, smoothing: number): Tensor {
  const b = args.input.backend;
  const forward = b.crossEntropy as NonNullable<typeof b.crossEntropy>;
  const backward = b.crossEntropyBackward as NonNullable<typeof b.crossEntropyBackward>;
  const { ignoreIndex, reduction } = args;
  const params = { ignoreIndex, smoothing, reduction };
  return tidy(() => {
    const logits = args.batched ? args.input : unsqueeze(args.input, 0);
    const target = args.batched ? args.target : reshape(args.target, [1]);
    const classes = logits.shape[1] as number;
    checkIndexRange(
      fn,
      'target',
      where(eq(target, ignoreIndex), 0, target),
      classes,
      ` (the number of classes; ignoreIndex is ${ignoreIndex})`,
    );
    const shape = reduction === 'none' ? target.shape : [];
    const raw = wrap(b, forward(logits._kernel(), target._kernel(), params), shape, logits.dtype);
    const loss = withGrad(fn, raw, [logits], [logits, target], (dy, [x, t]) => {
      const s = x as Tensor;
      const dx = backward(dy._kernel(), s._kernel(), (t as Tensor)._kernel(), params);
      return [wrap(dy.backend, dx, s.shape, dy.dtype)];
    });
    return reduction === 'none' ? reshape(loss, args.outShape) : loss;
  });
}

/**
 * Negative log-likelihood of int32 class indices under log-probabilities `input` (shapes as in
 * `crossEntropy`), like `torch.nn.functional.nll_loss`.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  const fn = 'nllLoss';
  const args = checkClassArgs(fn, input, target, checkOptions(fn, opts, NLL_OPTIONS));
  return tidy(() => classLoss(fn, args.batched ? args.input : unsqueeze(args.input, 0), args, 0));
}

interface ClassArgs {
  input: Tensor;
  target: Tensor;
  /** Whether input and target have a batch dim (else one is added, inside the op's tidy). */
  batched: boolean;
  weight: Tensor | null;
  ignoreIndex: number;
  reduction: Reduction;
  /** The shape 'none' returns. */
  outShape: readonly number[];
}

function checkClassArgs(
  fn: string,
  input: Tensor,
  target: Tensor,
  options: NllLossOptions,
): ClassArgs {
  const weight = options.weight ?? null;
  checkLogits(fn, input, target, weight);
  if (target.dtype !== 'int32') {
    const shapes = `input ${fmtShape(input.shape)}, target ${fmtShape(target.shape)}`;
    const soft =
      fn === 'crossEntropy' && isFloat(target.dtype)
        ? '; a float target holds class probabilities and must have the shape of input'
        : '';
    fail(fn, `target must hold int32 class indices, got ${target.dtype} (${shapes})${soft}`);
  }
  const batched = input.rank >= 2;
  const expected = batched ? [input.shape[0] as number, ...input.shape.slice(2)] : [];
  if (!shapesEqual(target.shape, expected)) {
    fail(
      fn,
      `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)}: expected target ${fmtShape(expected)} (the input's shape without the class dim ${batched ? 1 : 0})`,
    );
  }
  if (weight) checkClassWeight(fn, input, weight, input.shape[batched ? 1 : 0] as number);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? 'mean';
  return {
    input,
    target,
    batched,
    weight,
    ignoreIndex,
    reduction,
    outShape: target.shape,
  };
}

/**
 * What both kinds of target need of the other arguments: input, target and class weight on one
 * backend, and a float input with a class dim.
 */
function checkLogits(fn: string, input: Tensor, target: Tensor, weight: Tensor | null): void {
  const args: [string, Tensor][] = [
    ['input', input],
    ['target', target],
  ];
  if (weight) args.push(['weight', weight]);
  backendOf(fn, args);
  if (!isFloat(input.dtype)) fail(fn, `input must be a float tensor, got ${input.dtype}`);
  if (input.rank === 0) {
    fail(
      fn,
      `input must have a class dim: [C], [N, C] or [N, C, d1, ...], got input ${fmtShape(input.shape)}`,
    );
  }
}

/** A weight per class: `[classes]`, of the input's dtype. */
function checkClassWeight(fn: string, input: Tensor, weight: Tensor, classes: number): void {
  if (weight.rank !== 1 || weight.shape[0] !== classes) {
    fail(
      fn,
      `weight must be [${classes}] (one per class of input ${fmtShape(input.shape)}), got weight ${fmtShape(weight.shape)}`,
    );
  }
  if (weight.dtype !== input.dtype) {
    fail(fn, `weight is ${weight.dtype} but input is ${input.dtype}`);
  }
}

/**
 * Cross-entropy against class probabilities of the input's shape (the caller checked the shape
 * and that both are float): -Σ_c w_c t_c log p_c per sample, where label smoothing ε first mixes
 * the target with the uniform distribution, t (1 - ε) + ε / C, as PyTorch does.
 */
function probabilityCrossEntropy(
  fn: string,
  input: Tensor,
  target: Tensor,
  options: CrossEntropyOptions,
): Tensor {
  const weight = options.weight ?? null;
  checkLogits(fn, input, target, weight);
  if (target.dtype !== input.dtype) {
    fail(fn, `target is ${target.dtype} but input is ${input.dtype}`);
  }
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (ignoreIndex >= 0) {
    fail(
      fn,
      `ignoreIndex is not supported with class probabilities (a float target ${fmtShape(target.shape)}), got ignoreIndex ${ignoreIndex}`,
    );
  }
  const classDim = input.rank >= 2 ? 1 : 0;
  const classes = input.shape[classDim] as number;
  if (weight) checkClassWeight(fn, input, weight, classes);
  const smoothing = options.labelSmoothing ?? 0;
  const reduction = options.reduction ?? 'mean';
  return tidy(() => {
    let t = target;
    if (smoothing > 0) t = add(mul(t, 1 - smoothing), smoothing / classes);
    if (weight)
      t = mul(
        t,
        reshape(
          weight,
          input.shape.map((d, i) => (i === classDim ? d : 1)),
        ),
      );
    // The loss of each sample: [N, d1, ...] ([] for an unbatched [C] input).
    return reduce(neg(sum(mul(logSoftmax(input, classDim), t), classDim)), reduction);
  });
}

/**
 * The weighted, ignore-aware NLL of `logp` plus, with smoothing ε, PyTorch's
 * (1 - ε) * nll + ε / C * (-Σ_c w_c logp_c), both normalised by the same 'mean' divisor.
 */
function classLoss(fn: string, logp: Tensor, args: ClassArgs, smoothing: number): Tensor {
  const { weight, ignoreIndex, reduction } = args;
  const target = args.batched ? args.target : reshape(args.target, [1]);
  const classes = logp.shape[1] as number;
  const ignored = eq(target, ignoreIndex);
  // Ignored positions point at class 0 so that gather stays in range; they are masked below.
  const safe = where(ignored, 0, target);
  checkIndexRange(
    fn,
    'target',
    safe,
    classes,
    ` (the number of classes; ignoreIndex is ${ignoreIndex})`,
  );
  const picked = squeeze(gather(logp, 1, unsqueeze(safe, 1)), 1);
  const targetWeight = weight
    ? reshape(gather(weight, 0, reshape(safe, [-1])), target.shape)
    : null;
  // where (not a product with a 0/1 mask) so that an ignored -inf log-probability gives 0, not NaN.
  let loss = where(ignored, 0, neg(targetWeight ? mul(picked, targetWeight) : picked));
  if (smoothing > 0) {
    const wShape = logp.shape.map((d, i) => (i === 1 ? d : 1));
    const weighted = weight ? mul(logp, reshape(weight, wShape)) : logp;
    const smooth = where(ignored, 0, neg(sum(weighted, 1)));
    loss = add(mul(loss, 1 - smoothing), mul(smooth, smoothing / classes));
  }
  if (reduction === 'none') return reshape(loss, args.outShape);
  const total = sum(loss);
  if (reduction === 'sum') return total;
  const divisor = sum(
    targetWeight ? where(ignored, 0, targetWeight) : cast(logicalNot(ignored), logp.dtype),
  );
  return div(total, divisor);
}

/** Whether `from` broadcasts to exactly `to` (NumPy rules). */
function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  const lead = to.length - from.length;
  return lead >= 0 && from.every((d, i) => d === 1 || d === to[lead + i]);
}

function checkPair(fn: string, input: Tensor, target: Tensor): void {
  backendOf(fn, [
    ['input', input],
    ['target', target],
  ]);
  if (!isFloat(input.dtype)) fail(fn, `input must be a float tensor, got ${input.dtype}`);
  if (target.dtype !== input.dtype) {
    fail(fn, `target is ${target.dtype} but input is ${input.dtype}`);
  }
  if (!shapesEqual(input.shape, target.shape)) {
    fail(
      fn,
      `target ${fmtShape(target.shape)} must have the shape of input ${fmtShape(input.shape)}`,
    );
  }
}

/** A weight that multiplies the loss of each element: broadcast to the input, of its dtype. */
function checkBroadcastWeight(fn: string, input: Tensor, name: string, t: Tensor | null): void {
  if (!t) return;
  backendOf(fn, [
    ['input', input],
    [name, t],
  ]);
  if (t.dtype !== input.dtype) fail(fn, `${name} is ${t.dtype} but input is ${input.dtype}`);
  if (!broadcastsTo(t.shape, input.shape)) {
    fail(fn, `${name} ${fmtShape(t.shape)} cannot be broadcast to input ${fmtShape(input.shape)}`);
  }
}

/** Mean squared error, like `torch.nn.functional.mse_loss` (shapes must match exactly). */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const fn = 'mseLoss';
  checkPair(fn, input, target);
  const reduction = checkOptions(fn, opts, LOSS_OPTIONS).reduction ?? 'mean';
  return tidy(() => reduce(square(sub(input, target)), reduction));
}

/** Mean absolute error, like `torch.nn.functional.l1_loss` (shapes must match exactly). */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const fn = 'l1Loss';
  checkPair(fn, input, target);
  const reduction = checkOptions(fn, opts, LOSS_OPTIONS).reduction ?? 'mean';
  return tidy(() => reduce(abs(sub(input, target)), reduction));
}

/**
 * Binary cross-entropy on logits, like `torch.nn.functional.binary_cross_entropy_with_logits`:
 * (1 - t) x - (1 + (posWeight - 1) t) log σ(x), with log σ(x) = min(x, 0) - log(1 + e^-|x|) so
 * that no exp can overflow.
 */
export function bceWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BceWithLogitsOptions = {},
): Tensor {
  const fn = 'bceWithLogits';
  const options = checkOptions(fn, opts, BCE_OPTIONS);
  const weight = options.weight ?? null;
  const posWeight = options.posWeight ?? null;
  checkPair(fn, input, target);
  checkBroadcastWeight(fn, input, 'weight', weight);
  checkBroadcastWeight(fn, input, 'posWeight', posWeight);
  const reduction = options.reduction ?? 'mean';
  return tidy(() => {
    // At x = 0 minimum splits its gradient in half, which is exactly d/dx log σ(x) there.
    const logSig = sub(minimum(input, 0), log1p(exp(neg(abs(input)))));
    const positive = posWeight ? mul(add(mul(sub(posWeight, 1), target), 1), logSig) : logSig;
    let loss = sub(mul(sub(1, target), input), positive);
    if (weight) loss = mul(loss, weight);
    return reduce(loss, reduction);
  });
}

/**
 * Binary cross-entropy of probabilities `input` in [0, 1] against `target` of the same shape,
 * like `torch.nn.functional.binary_cross_entropy`: -w (t log x + (1 - t) log(1 - x)), each log
 * clamped to ≥ -100 as PyTorch does, so that x = 0 or 1 gives a finite loss. An input outside
 * [0, 1] (or NaN) is an error: where the device cannot be read synchronously (a GPU) it is found
 * there and reported at the next read. On logits, `bceWithLogits` is the stable form.
 *
 * @example
 * ```ts
 * const p = sigmoid(randn([4, 3]));
 * const t = tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]], { dtype: 'float32' });
 * bceLoss(p, t);                                   // a scalar
 * bceLoss(p, t, { reduction: 'none' }).shape;      // [4, 3]
 * ```
 */
export function bceLoss(input: Tensor, target: Tensor, opts: BceLossOptions = {}): Tensor {
  const fn = 'bceLoss';
  const options = checkOptions(fn, opts, BCE_LOSS_OPTIONS);
  const weight = options.weight ?? null;
  checkPair(fn, input, target);
  checkBroadcastWeight(fn, input, 'weight', weight);
  const reduction = options.reduction ?? 'mean';
  return tidy(() => {
    checkProbabilities(fn, input);
    const logX = (x: Tensor) => maximum(log(x), -100);
    const log1mX = (x: Tensor) => maximum(log1p(neg(x)), -100);
    const raw = noGrad(() =>
      neg(add(mul(target, logX(input)), mul(sub(1, target), log1mX(input)))),
    );
    // PyTorch's gradient, not the chain rule through the clamps: at x = 0 or 1 that is 0 · ∞ =
    // NaN, where PyTorch gives w (x - t) / max(x (1 - x), 1e-12), large but finite.
    const targetGrad = target.requiresGrad;
    let loss = withGrad(fn, raw, [input, target], [input, target], (dy, saved) => {
      const [x, t] = saved as [Tensor, Tensor];
      return [
        mul(dy, div(sub(x, t), maximum(mul(x, sub(1, x)), 1e-12))),
        targetGrad ? mul(dy, sub(log1mX(x), logX(x))) : null,
      ];
    });
    if (weight) loss = mul(loss, weight);
    return reduce(loss, reduction);
  });
}

/** Checks that every value of `input` lies in [0, 1], here or, on a GPU, at the next read. */
function checkProbabilities(fn: string, input: Tensor): void {
  const problem = `input must hold probabilities in [0, 1] (input ${fmtShape(input.shape)})`;
  checkValues(
    fn,
    input,
    (v) => !(v >= 0 && v <= 1),
    // On the device the value is the mask's 1, not the input's.
    (v, element) =>
      element === null
        ? `${problem}, got a value outside [0, 1] or NaN`
        : `${problem}, got ${v} at element ${element}`,
    // 1 where a value is outside [0, 1] or NaN: the device's check against [0, 1) finds it.
    () => ({
      checked: cast(logicalNot(logicalAnd(ge(input, 0), le(input, 1))), 'int32'),
      high: 1,
    }),
  );
}

/**
 * Smooth L1 loss, like `torch.nn.functional.smooth_l1_loss`: 0.5 d² / β where |d| < β, else
 * |d| - 0.5 β, for d = input - target (shapes must match exactly). β = 0 is `l1Loss`.
 *
 * @example
 * ```ts
 * const x = tensor([0, 0.5, 3]);
 * smoothL1Loss(x, zerosLike(x), { reduction: 'none' });             // [0, 0.125, 2.5]
 * smoothL1Loss(x, zerosLike(x), { beta: 2, reduction: 'none' });    // [0, 0.0625, 2]
 * ```
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  opts: SmoothL1LossOptions = {},
): Tensor {
  const fn = 'smoothL1Loss';
  const options = checkOptions(fn, opts, SMOOTH_L1_OPTIONS);
  checkPair(fn, input, target);
  const beta = options.beta ?? 1;
  const reduction = options.reduction ?? 'mean';
  return tidy(() => {
    const d = abs(sub(input, target));
    // β = 0 would divide by zero in the branch where() discards, and 0 · ∞ poisons its gradient.
    if (beta === 0) return reduce(d, reduction);
    return reduce(
      where(lt(d, beta), div(mul(square(d), 0.5), beta), sub(d, 0.5 * beta)),
      reduction,
    );
  });
}

/**
 * Huber loss, like `torch.nn.functional.huber_loss`: 0.5 d² where |d| < δ, else δ (|d| - 0.5 δ),
 * for d = input - target (shapes must match exactly). It is δ times `smoothL1Loss` with β = δ.
 *
 * @example
 * ```ts
 * const x = tensor([0, 0.5, 3]);
 * huberLoss(x, zerosLike(x), { reduction: 'none' });                // [0, 0.125, 2.5]
 * huberLoss(x, zerosLike(x), { delta: 2, reduction: 'none' });      // [0, 0.125, 4]
 * ```
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  const fn = 'huberLoss';
  const options = checkOptions(fn, opts, HUBER_OPTIONS);
  checkPair(fn, input, target);
  const delta = options.delta ?? 1;
  const reduction = options.reduction ?? 'mean';
  return tidy(() => {
    const d = abs(sub(input, target));
    return reduce(
      where(lt(d, delta), mul(square(d), 0.5), mul(sub(d, 0.5 * delta), delta)),
      reduction,
    );
  });
}

/**
 * Kullback-Leibler divergence of `target` from the distribution whose log-probabilities are
 * `input`, like `torch.nn.functional.kl_div` (shapes must match exactly): per element
 * t (log t - input), 0 where t = 0, or with `logTarget` e^t (t - input). 'batchmean' divides the
 * sum by the batch size (dim 0), which gives the KL divergence per sample; 'mean', the default as
 * in PyTorch, divides by the number of elements.
 *
 * @example
 * ```ts
 * const logp = logSoftmax(randn([4, 5]), 1);
 * const q = softmax(randn([4, 5]), 1);
 * klDiv(logp, q, { reduction: 'batchmean' });                       // KL(q ‖ p) per sample
 * klDiv(logp, log(q), { reduction: 'batchmean', logTarget: true }); // the same
 * ```
 */
export function klDiv(input: Tensor, target: Tensor, opts: KlDivOptions = {}): Tensor {
  const fn = 'klDiv';
  const options = checkOptions(fn, opts, KL_DIV_OPTIONS);
  checkPair(fn, input, target);
  const reduction = options.reduction ?? 'mean';
  return tidy(() => {
    let loss: Tensor;
    if (options.logTarget) loss = mul(exp(target), sub(target, input));
    else {
      // t log t is 0 at t = 0 (PyTorch's xlogy): log sees 1 there, so neither the value nor the
      // gradient becomes 0 · -∞. A negative target still gives NaN, as in PyTorch.
      const zero = eq(target, 0);
      loss = sub(mul(target, log(where(zero, 1, target))), mul(target, input));
    }
    if (reduction !== 'batchmean') return reduce(loss, reduction);
    const total = sum(loss);
    return input.rank === 0 ? total : div(total, input.shape[0] as number);
  });
}
