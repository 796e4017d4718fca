/**
 * PyTorch's default initialisation of convolution and linear layers (their `reset_parameters`):
 * weights from `kaiming_uniform_(w, a=√5)`, which works out to U(-1/√fanIn, 1/√fanIn), and
 * biases from U(-1/√fanIn, 1/√fanIn). Samples come from core's global generator, so
 * `manualSeed` makes a model's initial weights reproducible (on every backend alike).
 */
import { type DType, noGrad, rand, type Tensor, tidy } from '@stride/core';
import { arg, asCalledBy, checkOptions, factoryRules, fail, option } from './check.js';

/** Where a layer creates its parameters: their dtype and backend. */
export interface FactoryOptions {
  /** Parameter dtype: `'float32'` (default) or `'float64'`. */
  dtype?: DType;
  /** Backend name; defaults to the active backend. */
  device?: string;
}

const shapeRule = option.arrayOf(option.integer({ min: 0 }));

/** A weight's shape: at least 2 dims, `[out, in, ...kernel]`, as PyTorch requires for fans. */
const weightShape = option.custom<readonly number[]>(
  'an array of at least 2 integers ≥ 0 ([out, in, ...kernel])',
  (v) => shapeRule.test(v) && (v as unknown[]).length >= 2,
);

/** Input connections per output unit of a weight `[out, in, ...kernel]` (`in` already / groups). */
export function fanIn(shape: readonly number[]): number {
  arg('fanIn', 'shape', shape, weightShape);
  return shape.slice(1).reduce((n, d) => n * d, 1);
}

/** Samples of U(low, high) (the upper bound excluded), without gradient history. */
export function uniform(
  shape: readonly number[],
  low: number,
  high: number,
  options?: FactoryOptions,
): Tensor {
  const fn = 'uniform';
  arg(fn, 'shape', shape, shapeRule);
  arg(fn, 'low', low, option.number());
  arg(fn, 'high', high, option.number());
  if (low > high) fail(fn, `low must not exceed high, got low ${low} and high ${high}`);
  const opts = checkOptions(fn, options, factoryRules());
  return sample(fn, shape, low, high, opts);
}

/** `uniform`'s samples, a size error reported as `fn`'s. */
function sample(
  fn: string,
  shape: readonly number[],
  low: number,
  high: number,
  options: FactoryOptions,
): Tensor {
  return asCalledBy(fn, () =>
    tidy(() =>
      noGrad(() =>
        rand(shape, { dtype: options.dtype ?? 'float32', device: options.device })
          .mul(high - low)
          .add(low),
      ),
    ),
  );
}

/**
 * `torch.nn.init.kaiming_uniform_` with leaky-ReLU slope `a`: U(-b, b) where
 * b = gain · √(3 / fanIn) and gain = √(2 / (1 + a²)). With PyTorch's layer default a = √5 this
 * is b = 1/√fanIn.
 */
export function kaimingUniform(
  shape: readonly number[],
  a = Math.sqrt(5),
  options?: FactoryOptions,
): Tensor {
  const fn = 'kaimingUniform';
  arg(fn, 'shape', shape, weightShape);
  arg(fn, 'a', a, option.number());
  const opts = checkOptions(fn, options, factoryRules());
  const fan = fanIn(shape);
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = fan > 0 ? gain * Math.sqrt(3 / fan) : 0;
  return sample(fn, shape, -bound, bound, opts);
}

/** PyTorch's bias initialisation for a layer whose weight has `fan` inputs per output. */
export function biasUniform(size: number, fan: number, options?: FactoryOptions): Tensor {
  const fn = 'biasUniform';
  arg(fn, 'size', size, option.integer({ min: 0 }));
  arg(fn, 'fan', fan, option.integer({ min: 0 }));
  const opts = checkOptions(fn, options, factoryRules());
  const bound = fan > 0 ? 1 / Math.sqrt(fan) : 0;
  return sample(fn, [size], -bound, bound, opts);
}
