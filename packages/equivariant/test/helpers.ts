// The tests run on the CPU backend (float64 there makes the equivariance checks exact up to the
// rounding of reordered sums); the WebGPU file registers its own backend.
import { cpu } from '@stride/backend-cpu';
import { concat, randn, registerBackend, StrideError, slice, type Tensor } from '@stride/core';
import { rot90 } from '../src/index.js';

registerBackend(cpu());

/** A float64 tensor of standard normal values from its own seed. */
export function rand64(shape: readonly number[], seed: number): Tensor {
  return randn(shape, { dtype: 'float64', seed, device: 'cpu' });
}

/** The image turned by `k` quarter turns in its spatial plane (the last two dims). */
export function turn(x: Tensor, k = 1): Tensor {
  return rot90(x, k, [-2, -1]);
}

/** `y` with plane s of its rotation axis (dim 2) moved to (s + shift) mod 4. */
export function roll(y: Tensor, shift: number): Tensor {
  const r = ((shift % 4) + 4) % 4;
  return r === 0 ? y : concat([slice(y, 2, 4 - r, 4), slice(y, 2, 0, 4 - r)], 2);
}

/**
 * What `k` quarter turns of the network input do to a p4 feature map `[N, C, 4, H, W]`: every
 * plane turns k times, and rotation r moves to r + k.
 */
export function turnP4(y: Tensor, k = 1): Tensor {
  return turn(roll(y, k), k);
}

/** Largest |a − b| over all elements (shapes must match). */
export function maxDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`shapes differ: [${a.shape}] and [${b.shape}]`);
  }
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}

/** Largest |a| over all elements: the scale a difference is compared with. */
export function maxAbs(a: Tensor): number {
  let m = 0;
  for (const v of a.dataSync()) m = Math.max(m, Math.abs(v as number));
  return m;
}

/**
 * The message of the StrideError `run` throws; fails the test if it throws nothing or anything
 * else (a TypeError would mean an unchecked input).
 */
export function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (!(e instanceof StrideError)) throw new Error(`expected a StrideError, got ${String(e)}`);
    return e.message;
  }
  throw new Error('expected a StrideError, but nothing was thrown');
}
