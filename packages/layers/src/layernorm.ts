/**
 * `LayerNorm` with PyTorch's parameters: each sample standardised over its last dims
 * (`normalizedShape`), then an element-wise `weight` (ones) and `bias` (zeros) of that shape.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { fmtShape, isTensor, layerNorm, type Tensor } from '@stride/core';
import {
  arg,
  asCalledBy,
  checkOptions,
  factoryRules,
  fail,
  noExtraArgs,
  option,
  show,
} from './check.js';
import type { FactoryOptions } from './init.js';
import { type LayerInfo, numel } from './layer-info.js';
import { Module } from './module.js';
import { affineParams } from './norm-base.js';

/** Options of `LayerNorm`. */
export interface LayerNormLayerOptions extends FactoryOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Learn an element-wise `weight` and `bias` of `normalizedShape` (default true). */
  elementwiseAffine?: boolean;
}

const size = option.integer({ min: 1 });

/** One size, or a non-empty array of them: the last dims a `LayerNorm` normalises. */
const normalizedShapeRule = option.custom<number | readonly number[]>(
  'an integer ≥ 1 or a non-empty array of them',
  (v) => size.test(v) || (Array.isArray(v) && v.length > 0 && v.every((d) => size.test(d))),
);

/**
 * Layer normalisation over the last dims of the input, as `torch.nn.LayerNorm`: each sample (all
 * the leading dims) is standardised over the trailing `normalizedShape` with the biased variance,
 * then scaled and shifted element-wise. State-dict keys `weight` and `bias`.
 *
 * @example
 * ```ts
 * const norm = new LayerNorm([16, 7, 7]);        // over C, H and W of [N, 16, 7, 7]
 * norm.forward(randn([8, 16, 7, 7])).shape;      // [8, 16, 7, 7]
 * ```
 */
export class LayerNorm extends Module {
  static override readonly typeName = 'LayerNorm';

  /** The sizes of the last dims each sample is normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance for stability (default 1e-5). */
  readonly eps: number;
  /** Whether the layer learns `weight` and `bias` (default true). */
  readonly elementwiseAffine: boolean;
  /** Element-wise scale of `normalizedShape`, ones at first; null without `elementwiseAffine`. */
  weight: Tensor | null;
  /** Element-wise shift of `normalizedShape`, zeros at first; null without `elementwiseAffine`. */
  bias: Tensor | null;

  /** `normalizedShape`: the size of the last dim, or the sizes of the last several. */
  constructor(normalizedShape: number | readonly number[], options?: LayerNormLayerOptions) {
    noExtraArgs('LayerNorm', arguments, ['normalizedShape', 'options']);
    super();
    const fn = 'LayerNorm';
    const opts = checkOptions(fn, options, {
      eps: option.number({ min: 0 }),
      elementwiseAffine: option.boolean,
      ...factoryRules(),
    });
    const shape = arg(fn, 'normalizedShape', normalizedShape, normalizedShapeRule);
    this.normalizedShape = typeof shape === 'number' ? [shape] : [...shape];
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    const factory = { dtype: opts.dtype ?? 'float32', device: opts.device };
    const [weight, bias] = this.elementwiseAffine
      ? affineParams(fn, this.normalizedShape, factory)
      : [null, null];
    this.weight = this.param(weight);
    this.bias = this.param(bias);
  }

  forward(x: Tensor): Tensor {
    const fn = this.typeName;
    if (!isTensor(x)) fail(fn, `input must be a Tensor, got ${show(x)}`);
    const dims = this.normalizedShape;
    const lead = x.rank - dims.length;
    if (lead < 0 || dims.some((d, i) => x.shape[lead + i] !== d)) {
      fail(
        fn,
        `expected input [*,${dims.join(',')}] (normalizedShape), got input ${fmtShape(x.shape)}`,
      );
    }
    return asCalledBy(fn, () =>
      layerNorm(x, dims, { weight: this.weight, bias: this.bias, eps: this.eps }),
    );
  }

  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    return { flops: normFlops(output, this.elementwiseAffine) };
  }

  protected override extraRepr(): string {
    return `${show(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/**
 * FLOPs of normalising with statistics computed from the input: per element one add for the
 * mean, a subtract, a square and an add for the variance, and a multiply to scale (5), plus a
 * multiply-add (2) for a learnt scale and shift.
 */
export function normFlops(output: readonly number[], affine: boolean): number {
  return (affine ? 7 : 5) * numel(output);
}
