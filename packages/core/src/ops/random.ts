import type { RandomDistribution } from '../backend.js';
import { type DType, isFloat } from '../dtype.js';
import { fail } from '../errors.js';
import { checkDtypeSupported, wrap } from '../kernel.js';
import { hash32 } from '../random.js';
import { checkShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../tidy.js';
import { add, cast, floor, mul } from './arithmetic.js';
import { type CreateOptions, resolveDevice } from './creation.js';

/**
 * The global generator: a seed and a position in its stream. Each call takes the next `size`
 * positions, so a seeded program draws the same numbers on every backend.
 */
const generator = { seed: (Math.random() * 2 ** 32) >>> 0, offset: 0 };

/** Seeds the global generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    fail('manualSeed', `seed must be an integer, got ${String(seed)}`);
  // Fold the high bits in so that seeds beyond 2^32 still differ.
  generator.seed = (hash32(Math.floor(seed / 2 ** 32)) ^ seed) >>> 0;
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
  const backend = resolveDevice(fn, options.device);
  checkDtypeSupported(fn, backend, dtype);
  const size = sizeOf(s);
  let seed: number;
  let offset: number;
  if (options.seed !== undefined) {
    if (!Number.isInteger(options.seed)) fail(fn, `seed must be an integer, got ${options.seed}`);
    seed = options.seed >>> 0;
    offset = 0;
  } else {
    seed = generator.seed;
    offset = generator.offset;
    generator.offset = (generator.offset + size) >>> 0;
  }
  const t = wrap(backend, backend.random(size, dtype, dist, seed, offset), s, dtype);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Uniform samples in [0, 1). */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return draw('rand', shape, 'uniform', options);
}

/** Standard normal samples. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return draw('randn', shape, 'normal', options);
}

/** Integers uniform in [low, high), int32. */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  options: RandomOptions = {},
): Tensor {
  const fn = 'randint';
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    fail(fn, `expected integers low < high, got low ${low}, high ${high}`);
  }
  const { dtype = 'int32', requiresGrad, ...rest } = options;
  if (requiresGrad) fail(fn, 'integer tensors cannot require gradients');
  return tidy(() => {
    // float64 where available keeps every integer of a wide range reachable.
    const backend = resolveDevice(fn, options.device);
    const work: DType = backend.dtypes.includes('float64') ? 'float64' : 'float32';
    const u = draw(fn, shape, 'uniform', { ...rest, dtype: work });
    return cast(floor(add(mul(u, high - low), low)), dtype);
  });
}
