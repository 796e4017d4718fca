/**
 * `softmax` and log-softmax along one axis, computed stably: m = max(x) (NaN propagates), then
 * s = Σ exp(x - m), then exp(x - m) / s or (x - m) - log(s), the CPU backend's formulas.
 *
 * The input is [outer, n, inner] and each of the outer·inner rows is n elements `inner` apart.
 * - tree: one workgroup per row, for long rows: the maximum and the sum are each a strided
 *   fold per invocation followed by a shared-memory tree.
 * - loop: one invocation per row, for short rows (a classifier's logits), and for rows along an
 *   outer axis when there are many of them (neighbouring invocations then read neighbouring
 *   addresses).
 * Sums accumulate in float32 (the CPU backend uses double), pairwise in the tree.
 */
import type { KernelTensor } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';
import { treeWgsl } from './reduce.js';

type T = KernelTensor<GpuStorage>;

/** Rows this short use one invocation each. */
const LOOP_MAX = 64;
/** Strided rows (inner > 1) use one invocation each when there are at least this many. */
const LOOP_ROWS = 2048;

const HEADER = `
${uniforms(3)}
${bindings({ xs: 'f32' }, { ys: 'f32' })}
${MATH_WGSL}
fn max_nan(a: f32, b: f32) -> f32 { return select(a, b, b > a || is_nan_f32(b)); }`;

/** The output element for v = x - m and the row's sum `total`. */
function result(log: boolean): string {
  return log ? 'v - log_f32(total)' : 'exp_f32(v) / total';
}

const cache = new Map<string, string>();

function code(log: boolean, width: number): string {
  const key = `${log}:${width}`;
  let c = cache.get(key);
  if (c !== undefined) return c;
  if (width === 0) {
    c = `${HEADER}
${main(`if (i >= word(0u)) { return; }
  let n = word(1u);
  let inner = word(2u);
  let base = (i / inner) * n * inner + i % inner;
  var m = -inf_f32();
  for (var k = 0u; k < n; k++) { m = max_nan(m, xs[base + k * inner]); }
  var total = 0.0;
  for (var k = 0u; k < n; k++) { total += exp_f32(xs[base + k * inner] - m); }
  for (var k = 0u; k < n; k++) {
    let v = xs[base + k * inner] - m;
    ys[base + k * inner] = ${result(log)};
  }`)}
`;
  } else {
    const w = width;
    c = `${HEADER}
var<workgroup> sv: array<f32, ${w}>;
@compute @workgroup_size(${w})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Uniform across the workgroup, so the early return keeps the barriers in uniform control flow.
  let g = wid.y * nwg.x + wid.x;
  if (g >= word(0u)) { return; }
  let n = word(1u);
  let inner = word(2u);
  let base = (g / inner) * n * inner + g % inner;
  var m = -inf_f32();
  for (var k = lid; k < n; k += ${w}u) { m = max_nan(m, xs[base + k * inner]); }
  sv[lid] = m;
  workgroupBarrier();
  ${treeWgsl(w, 'sv[lid] = max_nan(sv[lid], sv[lid + s]);')}
  m = sv[0];
  // Everyone has read the maximum before the slots are reused.
  workgroupBarrier();
  var total = 0.0;
  for (var k = lid; k < n; k += ${w}u) { total += exp_f32(xs[base + k * inner] - m); }
  sv[lid] = total;
  workgroupBarrier();
  ${treeWgsl(w, 'sv[lid] = sv[lid] + sv[lid + s];')}
  total = sv[0];
  for (var k = lid; k < n; k += ${w}u) {
    let v = xs[base + k * inner] - m;
    ys[base + k * inner] = ${result(log)};
  }
}
`;
  }
  cache.set(key, c);
  return c;
}

export function softmax(ctx: GpuContext, x: T, axis: number, log: boolean): GpuStorage {
  const size = sizeOf(x.shape);
  const out = ctx.alloc(x.dtype, size);
  if (size === 0) return out;
  // A scalar is a row of one.
  const shape = x.shape.length === 0 ? [1] : x.shape;
  const n = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const rows = size / n;
  const loop = n <= LOOP_MAX || (inner > 1 && rows >= LOOP_ROWS);
  const width = loop ? 0 : n <= 2048 ? 64 : 256;
  ctx.run({
    name: 'softmax',
    code: code(log, width),
    inputs: [x.storage],
    outputs: [out],
    uniforms: [rows, n, inner],
    threads: loop ? rows : rows * width,
    workgroupSize: loop ? undefined : width,
  });
  return out;
}
