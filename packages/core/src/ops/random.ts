import type { RandomDistribution } from '../backend.js';
import { type DType, isFloat } from '../dtype.js';
import { fail } from '../errors.js';
import { checkDtypeSupported, checkOutputSize, wrap } from '../kernel.js';
import { checkOptions, option, showValue } from '../options.js';
import { hash32 } from '../random.js';
import { checkShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { noteCaller } from '../trace.js';
import { add, cast, floor, mul } from './arithmetic.js';
import { CREATE_OPTIONS, type CreateOptions, checkValueFits, resolveDevice } from './creation.js';

const RANDOM_OPTIONS = { ...CREATE_OPTIONS, seed: option.number() } as const;

/**
 * The global generator: a seed and a position in its stream. Each call takes the next `size`
 * positions, so a seeded program draws the same numbers on every backend.
 */
const generator = { seed: (Math.random() * 2 ** 32) >>> 0, offset: 0 };

/**
 * The 32-bit generator state of a seed: any safe integer, negative ones too (as PyTorch takes
 * them). The high bits are hashed in, so seeds that differ only above bit 32 (0 and 2^32) give
 * different streams.
 */
function seedState(fn: string, arg: string, seed: unknown): number {
  if (!Number.isSafeInteger(seed)) {
    fail(fn, `${arg} must be an integer within ±2^53, got ${showValue(seed)}`);
  }
  const value = seed as number;
  return (hash32(Math.floor(value / 2 ** 32) >>> 0) ^ value) >>> 0;
}

/** Seeds the global generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  generator.seed = seedState('manualSeed', 'seed', seed);
  generator.offset = 0;
}

/**
 * Options of `rand`, `randn` and `randint`. `dtype` must be a float type for `rand` and `randn`
 * (default float32); `randint` defaults to int32 and refuses `requiresGrad`.
 */
export interface RandomOptions extends CreateOptions {
  /** Draw from this seed's stream (from its start) instead of the global generator. */
  seed?: number;
}

function draw(
  fn: string,
  shape: readonly number[],
  dist: RandomDistribution,
  options: RandomOptions,
): Tensor {
  const s = checkShape(fn, 'shape', shape);
  const dtype: DType = options.dtype ?? 'float32';
  if (!isFloat(dtype)) fail(fn, `dtype must be float32 or float64, got ${dtype}`);
  if (options.requiresGrad && !isFloat(dtype)) fail(fn, `requiresGrad needs a float dtype`);
  const backend = resolveDevice(fn, options.device);
  checkDtypeSupported(fn, backend, dtype);
  checkOutputSize(fn, backend, s, dtype);
  const size = sizeOf(s);
  let seed: number;
  let offset: number;
  if (options.seed !== undefined) {
    seed = seedState(fn, "option 'seed'", options.seed);
    offset = 0;
  } else {
    seed = generator.seed;
    offset = generator.offset;
    generator.offset = (generator.offset + size) >>> 0;
  }
  // Random values are not a constant of a traced model: a trace names their maker.
  noteCaller(fn);
  const t = wrap(backend, backend.random(size, dtype, dist, seed, offset), s, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return draw('rand', shape, 'uniform', checkOptions('rand', options, RANDOM_OPTIONS));
}

/** Standard normal samples. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return draw('randn', shape, 'normal', checkOptions('randn', options, RANDOM_OPTIONS));
}

/** Integers uniform in [low, high), int32. */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  options: RandomOptions = {},
): Tensor {
  const fn = 'randint';
  const o = checkOptions(fn, options, RANDOM_OPTIONS);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    fail(fn, `expected integers low < high, got low ${showValue(low)}, high ${showValue(high)}`);
  }
  const { dtype = 'int32', requiresGrad, ...rest } = o;
  if (requiresGrad) fail(fn, 'integer tensors cannot require gradients');
  // Every value drawn must fit the dtype: [low, high - 1] within int32 for the default.
  checkValueFits(fn, 'low', low, dtype);
  checkValueFits(fn, 'high - 1', high - 1, dtype);
  return tidy(() => {
    // float64 where available keeps every integer of a wide range reachable.
    const backend = resolveDevice(fn, options.device);
    const work: DType = backend.dtypes.includes('float64') ? 'float64' : 'float32';
    const u = draw(fn, shape, 'uniform', { ...rest, dtype: work });
    return cast(floor(add(mul(u, high - low), low)), dtype);
  });
}
