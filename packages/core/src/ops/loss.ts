/**
 * Loss functions with PyTorch's semantics, written as composites of ops so that their gradients
 * come from autograd.
 */
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { backendOf } from '../kernel.js';
import { checkOptions, option } from '../options.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import {
  abs,
  add,
  cast,
  div,
  eq,
  exp,
  log1p,
  logicalNot,
  minimum,
  mul,
  neg,
  square,
  sub,
  where,
} from './arithmetic.js';
import { checkIndexRange, gather } from './indexing.js';
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

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : mean(loss);
}

/**
 * Cross-entropy between `input` logits `[N, C]`, `[N, C, d1, ...]` or `[C]` and int32 class
 * indices `target` `[N]`, `[N, d1, ...]` or `[]` (`torch.nn.functional.cross_entropy` with class
 * indices). With weights, 'mean' divides by the summed weights of the non-ignored targets.
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  opts: CrossEntropyOptions = {},
): Tensor {
  const fn = 'crossEntropy';
  const options = checkOptions(fn, opts, CROSS_ENTROPY_OPTIONS);
  const smoothing = options.labelSmoothing ?? 0;
  const args = checkClassArgs(fn, input, target, options);
  return tidy(() => {
    const logits = args.batched ? args.input : unsqueeze(args.input, 0);
    return classLoss(fn, logSoftmax(logits, 1), args, smoothing);
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
  const args: [string, Tensor][] = [
    ['input', input],
    ['target', target],
  ];
  if (weight) args.push(['weight', weight]);
  backendOf(fn, args);
  const shapes = `input ${fmtShape(input.shape)}, target ${fmtShape(target.shape)}`;
  if (!isFloat(input.dtype)) fail(fn, `input must be a float tensor, got ${input.dtype}`);
  if (target.dtype !== 'int32') {
    fail(fn, `target must hold int32 class indices, got ${target.dtype} (${shapes})`);
  }
  if (input.rank === 0) {
    fail(
      fn,
      `input must have a class dim: [C], [N, C] or [N, C, d1, ...], got input ${fmtShape(input.shape)}`,
    );
  }
  const batched = input.rank >= 2;
  const expected = batched ? [input.shape[0] as number, ...input.shape.slice(2)] : [];
  if (!shapesEqual(target.shape, expected)) {
    fail(
      fn,
      `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)}: expected target ${fmtShape(expected)} (the input's shape without the class dim ${batched ? 1 : 0})`,
    );
  }
  const classes = input.shape[batched ? 1 : 0] as number;
  if (weight) {
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
  const extras: [string, Tensor | null][] = [
    ['weight', weight],
    ['posWeight', posWeight],
  ];
  for (const [name, t] of extras) {
    if (!t) continue;
    backendOf(fn, [
      ['input', input],
      [name, t],
    ]);
    if (t.dtype !== input.dtype) fail(fn, `${name} is ${t.dtype} but input is ${input.dtype}`);
    if (!broadcastsTo(t.shape, input.shape)) {
      fail(
        fn,
        `${name} ${fmtShape(t.shape)} cannot be broadcast to input ${fmtShape(input.shape)}`,
      );
    }
  }
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
