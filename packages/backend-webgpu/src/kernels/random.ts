/**
 * `random`: core's counter-based generator (random.ts in core). Element i of a stream depends only
 * on (seed, offset + i), so every invocation computes its element independently. Uniforms equal
 * the CPU's bit for bit; normals use Box–Muller in float32 (with an accurate log1p and an exactly
 * reduced cosine), within about 1e-6 of the float64 definition.
 */
import type { DType, RandomDistribution } from '@stride/core';
import { hash32, normalSeed } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { checkDType } from '../storage.js';
import { bindings, main, RANDOM_WGSL, uniforms } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';

/** The per-stream key: bitsAt(seed, i) = hash32(i ^ streamKey(seed)). */
export function streamKey(seed: number): number {
  return hash32((seed ^ 0x9e3779b9) >>> 0);
}

// Words: n, key, offset (mod 2^32, as core's `index >>> 0`).
const HEAD = `
${uniforms(3)}
${bindings({}, { y: 'f32' })}
${RANDOM_WGSL}
`;

const UNIFORM = `${HEAD}
${main(`if (i >= word(0u)) { return; }
  y[i] = uniform_at(word(1u), word(2u) + i);`)}
`;

const NORMAL = `${HEAD}
${MATH_WGSL}
${main(`if (i >= word(0u)) { return; }
  // The uniforms at 2j and 2j + 1 of the normal stream; 1 - u1 is in (0, 1].
  let j = (word(2u) + i) * 2u;
  let u1 = uniform_at(word(1u), j);
  let u2 = uniform_at(word(1u), j + 1u);
  y[i] = sqrt(-2.0 * log1p_f32(-u1)) * cos_2pi(u2);`)}
`;

export function random(
  ctx: GpuContext,
  size: number,
  dtype: DType,
  dist: RandomDistribution,
  seed: number,
  offset: number,
): GpuStorage {
  checkDType('random', dtype);
  const out = ctx.alloc(dtype, size);
  const key = streamKey(dist === 'uniform' ? seed : normalSeed(seed));
  ctx.run({
    name: 'random',
    code: dist === 'uniform' ? UNIFORM : NORMAL,
    inputs: [],
    outputs: [out],
    // `offset` may pass 2^32; only its value modulo 2^32 matters, as in core.
    uniforms: [size, key, offset % 4294967296],
    threads: size,
  });
  return out;
}
