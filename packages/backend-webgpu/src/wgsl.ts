/**
 * WGSL snippets shared by every kernel, so that a kernel's own code is only its arithmetic.
 *
 * A one-dimensional kernel (one invocation per output element) looks like this:
 *
 * ```ts
 * const code = `
 * ${uniforms(1)}
 * ${bindings({ x: 'f32' }, { y: 'f32' })}
 * ${main('if (i >= word(0u)) { return; }  y[i] = -x[i];')}
 * `;
 * ctx.run({ name: 'neg', code, inputs: [x], outputs: [y], uniforms: [n], threads: n });
 * ```
 */
import type { DType } from '@stride/core';

/** Invocations per workgroup of the one-dimensional kernels (the WebGPU default maximum). */
export const WORKGROUP_SIZE = 256;

/** The WGSL type a dtype is stored as: bool is `u32` 0/1 (WGSL has no 8-bit storage). */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/**
 * Declares the uniform words at binding 0 and the accessors `word(i)` (u32), `iword(i)` (i32)
 * and `fword(i)` (f32). `count` is the number of words the kernel passes; it must not depend on
 * shapes (only on things baked into the code, like a rank), or each shape compiles anew.
 * Uniform arrays need 16-byte elements, hence the `vec4<u32>` packing.
 */
export function uniforms(count: number): string {
  const vectors = Math.max(1, Math.ceil(count / 4));
  return `@group(0) @binding(0) var<uniform> params: array<vec4<u32>, ${vectors}>;
fn word(i: u32) -> u32 { return params[i >> 2u][i & 3u]; }
fn iword(i: u32) -> i32 { return bitcast<i32>(word(i)); }
fn fword(i: u32) -> f32 { return bitcast<f32>(word(i)); }`;
}

/**
 * Declares the storage bindings in the order `dispatch.ts` binds them: `inputs` read-only from
 * binding 1, then `outputs` read-write. Keys are the WGSL names, values the element types, e.g.
 * `bindings({ a: 'f32', b: 'f32' }, { y: 'u32' })`.
 */
export function bindings(
  inputs: Readonly<Record<string, string>>,
  outputs: Readonly<Record<string, string>>,
): string {
  const lines: string[] = [];
  let binding = 1;
  for (const [name, type] of Object.entries(inputs)) {
    lines.push(`@group(0) @binding(${binding++}) var<storage, read> ${name}: array<${type}>;`);
  }
  for (const [name, type] of Object.entries(outputs)) {
    lines.push(
      `@group(0) @binding(${binding++}) var<storage, read_write> ${name}: array<${type}>;`,
    );
  }
  return lines.join('\n');
}

/**
 * The entry point `main` of a one-dimensional kernel: `body` runs with `i: u32`, the linear
 * index of the invocation. A dispatch has at most 65535 workgroups per dimension, so larger
 * ones run on a 2-D grid (see `gridFor` in dispatch.ts) and the index is linearised here; the
 * grid may overshoot, so `body` must return when `i` is past the end.
 */
export function main(body: string, workgroupSize = WORKGROUP_SIZE): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * ${workgroupSize}u + lid;
  ${body}
}`;
}

/**
 * The shared counter-based generator of core's `random.ts`, bit for bit: `lowbias32`, and
 * `uniform_at(key, index)` = (hash32(index ^ key) >> 8) / 2^24, where `key` is
 * `streamKey(seed)` computed on the host. u32 multiplication wraps in WGSL exactly like
 * `Math.imul`, and a 24-bit integer converts to f32 exactly.
 */
export const RANDOM_WGSL = `
fn hash32(x: u32) -> u32 {
  var h = x;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}
fn uniform_at(key: u32, index: u32) -> f32 {
  return f32(hash32(index ^ key) >> 8u) / 16777216.0;
}`;
