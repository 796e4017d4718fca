/**
 * Core's optional fused cross-entropy of class indices (`crossEntropy` and its backward): a
 * classifier's loss in one launch each way, where core would otherwise compose about thirty
 * tiny ones (log-softmax, the index check's helpers, gather, masks, sums and their gradients).
 *
 * - Forward, 'none': one invocation per row. 'sum' and 'mean': a single workgroup walks every
 *   row and sums the losses (and, for 'mean', the rows not ignored) in a shared-memory tree: a
 *   loss has one row per sample, far fewer than one workgroup can walk in a launch.
 * - Backward: one invocation per row writes the row's C gradients. For 'mean' each workgroup
 *   first counts the rows not ignored (the divisor), so that no second launch is needed.
 * Rows are softmax's short-row loop: the maximum taken out first, sums in float32.
 */
import type { CrossEntropyParams, KernelTensor } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import { f32, type Word } from '../dispatch.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';
import { treeWgsl } from './reduce.js';

type T = KernelTensor<GpuStorage>;

/** The workgroup that sums a reduced loss, and the one that counts rows for the backward. */
const WIDTH = 64;

/**
 * Words: 0 rows, 1 classes, 2 ignoreIndex (i32), 3 1 − ε, 4 ε / classes. `row_loss(r)` is the
 * loss of a row that is not ignored; `row_shift(r)` its maximum plus log Σ exp(x − max).
 */
const ROW = `
${uniforms(5)}
${MATH_WGSL}
fn max_nan(a: f32, b: f32) -> f32 { return select(a, b, b > a || is_nan_f32(b)); }
fn counted(r: u32) -> bool { return labels[r] != iword(2u); }
fn row_shift(r: u32) -> f32 {
  let classes = word(1u);
  let base = r * classes;
  var m = -inf_f32();
  for (var c = 0u; c < classes; c++) { m = max_nan(m, xs[base + c]); }
  var total = 0.0;
  for (var c = 0u; c < classes; c++) { total += exp_f32(xs[base + c] - m); }
  return m + log_f32(total);
}
fn row_loss(r: u32) -> f32 {
  let classes = word(1u);
  let base = r * classes;
  let shift = row_shift(r);
  var loss = -fword(3u) * (xs[base + u32(labels[r])] - shift);
  if (fword(4u) > 0.0) {
    var all = 0.0;
    for (var c = 0u; c < classes; c++) { all += xs[base + c] - shift; }
    loss -= fword(4u) * all;
  }
  return loss;
}`;

const FORWARD_NONE = `
${bindings({ xs: 'f32', labels: 'i32' }, { ys: 'f32' })}
${ROW}
${main(`if (i >= word(0u)) { return; }
  ys[i] = select(0.0, row_loss(i), counted(i));`)}
`;

function forwardReduced(mean: boolean): string {
  return `
${bindings({ xs: 'f32', labels: 'i32' }, { ys: 'f32' })}
${ROW}
var<workgroup> sums: array<f32, ${WIDTH}>;
var<workgroup> counts: array<f32, ${WIDTH}>;
@compute @workgroup_size(${WIDTH})
fn main(@builtin(local_invocation_index) lid: u32) {
  var total = 0.0;
  var count = 0.0;
  for (var r = lid; r < word(0u); r += ${WIDTH}u) {
    if (counted(r)) { total += row_loss(r); count += 1.0; }
  }
  sums[lid] = total;
  counts[lid] = count;
  workgroupBarrier();
  ${treeWgsl(WIDTH, 'sums[lid] += sums[lid + s]; counts[lid] += counts[lid + s];')}
  if (lid == 0u) {
    ${mean ? 'ys[0] = select(sums[0] / counts[0], nan_f32(), counts[0] == 0.0);' : 'ys[0] = sums[0];'}
  }
}
`;
}

const BACKWARD_ROW = `
fn write_row(r: u32, g: f32) {
  let classes = word(1u);
  let base = r * classes;
  if (!counted(r)) {
    for (var c = 0u; c < classes; c++) { dx[base + c] = 0.0; }
    return;
  }
  let shift = row_shift(r);
  let t = u32(labels[r]);
  for (var c = 0u; c < classes; c++) {
    let want = select(0.0, fword(3u), c == t) + fword(4u);
    dx[base + c] = g * (exp_f32(xs[base + c] - shift) - want);
  }
}`;

function backward(reduction: CrossEntropyParams['reduction']): string {
  const head = `
${bindings({ dy: 'f32', xs: 'f32', labels: 'i32' }, { dx: 'f32' })}
${ROW}
${BACKWARD_ROW}`;
  if (reduction === 'none') {
    return `${head}
${main(`if (i >= word(0u)) { return; }
  write_row(i, dy[i]);`)}
`;
  }
  if (reduction === 'sum') {
    return `${head}
${main(
  `if (i >= word(0u)) { return; }
  write_row(i, dy[0]);`,
  WIDTH,
)}
`;
  }
  // Every workgroup counts the rows itself before any invocation returns (barriers need
  // uniform control flow): rows are few, and a second launch would cost more than the walk.
  return `${head}
var<workgroup> counts: array<f32, ${WIDTH}>;
@compute @workgroup_size(${WIDTH})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  var count = 0.0;
  for (var r = lid; r < word(0u); r += ${WIDTH}u) { count += select(0.0, 1.0, counted(r)); }
  counts[lid] = count;
  workgroupBarrier();
  ${treeWgsl(WIDTH, 'counts[lid] += counts[lid + s];')}
  let i = (wid.y * nwg.x + wid.x) * ${WIDTH}u + lid;
  if (i >= word(0u)) { return; }
  write_row(i, dy[0] / counts[0]);
}
`;
}

const FORWARD_SUM = forwardReduced(false);
const FORWARD_MEAN = forwardReduced(true);
const BACKWARD = {
  none: backward('none'),
  sum: backward('sum'),
  mean: backward('mean'),
} as const;

function words(x: T, p: CrossEntropyParams): Word[] {
  const [rows, classes] = x.shape as [number, number];
  return [rows, classes, p.ignoreIndex >>> 0, f32(1 - p.smoothing), f32(p.smoothing / classes)];
}

export function crossEntropy(ctx: GpuContext, x: T, target: T, p: CrossEntropyParams): GpuStorage {
  const rows = x.shape[0] as number;
  if (p.reduction === 'none') {
    const out = ctx.alloc(x.dtype, rows);
    ctx.run({
      name: 'crossEntropy',
      code: FORWARD_NONE,
      inputs: [x.storage, target.storage],
      outputs: [out],
      uniforms: words(x, p),
      threads: rows,
    });
    return out;
  }
  const out = ctx.alloc(x.dtype, 1);
  ctx.run({
    name: 'crossEntropy',
    code: p.reduction === 'mean' ? FORWARD_MEAN : FORWARD_SUM,
    inputs: [x.storage, target.storage],
    outputs: [out],
    uniforms: words(x, p),
    threads: WIDTH,
    workgroupSize: WIDTH,
  });
  return out;
}

export function crossEntropyBackward(
  ctx: GpuContext,
  dy: T,
  x: T,
  target: T,
  p: CrossEntropyParams,
): GpuStorage {
  const rows = x.shape[0] as number;
  const out = ctx.alloc(x.dtype, sizeOf(x.shape));
  ctx.run({
    name: 'crossEntropyBackward',
    code: BACKWARD[p.reduction],
    inputs: [dy.storage, x.storage, target.storage],
    outputs: [out],
    uniforms: words(x, p),
    threads: rows,
    workgroupSize: p.reduction === 'none' ? undefined : WIDTH,
  });
  return out;
}
