/**
 * `reduce`: sum, prod, max and min over any set of axes, argmax and argmin over one.
 *
 * No permuted copy is made: the input is addressed as [kept, reduced], where the kept axes (the
 * output's, in order) and the reduced axes are each coalesced by indexing.ts into a strided
 * plan, so the reduced axes may be anywhere and need not be adjacent. The code depends only on
 * (op, dtype, kept rank, reduced rank, shape of launch); sizes travel as uniforms.
 *
 * Two shapes of launch:
 * - tree: one workgroup per output element. Each invocation folds every W-th reduced element,
 *   then a shared-memory tree combines the W partial results. For long reductions whose elements
 *   are contiguous (the common case: the last axes), where neighbouring invocations then read
 *   neighbouring addresses.
 * - loop: one invocation per output element, folding its elements in order. For short
 *   reductions, and for reductions over outer axes with many outputs, where neighbouring
 *   invocations (neighbouring outputs) read neighbouring addresses at every step.
 * When few outputs each reduce very many elements, a first tree pass reduces chunks of each into
 * partial results [outputs, S] and a second pass reduces those, so that more than a handful of
 * workgroups share the work.
 *
 * Floats accumulate in float32 (the CPU backend sums in double). The tree's pairwise combination
 * keeps the rounding error of a sum near eps·log2(W) + eps·(n / W) relative to Σ|x|, rather than
 * the eps·n of a running sum. int32 sums and products wrap (WGSL's i32 arithmetic does), and
 * since wrapping arithmetic is associative the order does not change them. max and min
 * propagate NaN; argmax and argmin take the first occurrence, a NaN counting as the extreme:
 * ties between partial results are broken by the smaller index, which makes the tree's answer
 * the sequential one.
 */
import type { DType, KernelTensor, ReduceOp } from '@stride/core';
import { sizeOf, stridesOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import { type IndexPlan, indexWgsl, indexWordCount, indexWords, planIndex } from '../indexing.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms, wgslType } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';

type T = KernelTensor<GpuStorage>;
type Wgsl = 'f32' | 'i32' | 'u32';

/** Reductions this short run as one loop per output (see the file comment). */
const LOOP_MAX = 32;
/** With the reduced elements strided and at least this many outputs, loops beat trees. */
const LOOP_OUTPUTS = 2048;
/** Fewer outputs than this, each over at least `SPLIT_MIN` elements, split into chunks. */
const SPLIT_OUTPUTS = 128;
const SPLIT_MIN = 8192;
/** Elements per chunk of a split reduction, at least. */
const SPLIT_CHUNK = 4096;
/** Workgroups a split reduction aims for. */
const SPLIT_GROUPS = 256;

/** Uniform words before the index plans: count, splits, chunk length, reduced length. */
const HEAD = 4;

/** `combine(a, b)` of an accumulating op; for f32 `max` and `min`, a NaN on either side wins. */
export function combineWgsl(op: 'sum' | 'prod' | 'max' | 'min', t: Wgsl): string {
  const head = `fn combine(a: ${t}, b: ${t}) -> ${t}`;
  switch (op) {
    case 'sum':
      return `${head} { return a + b; }`;
    case 'prod':
      return `${head} { return a * b; }`;
    case 'max':
      return t === 'f32'
        ? `${head} { return select(a, b, !is_nan_f32(a) && (b > a || is_nan_f32(b))); }`
        : `${head} { return max(a, b); }`;
    case 'min':
      return t === 'f32'
        ? `${head} { return select(a, b, !is_nan_f32(a) && (b < a || is_nan_f32(b))); }`
        : `${head} { return min(a, b); }`;
  }
}

/** The identity of `op` as a WGSL expression (the CPU backend's, for bool too). */
export function identityWgsl(op: 'sum' | 'prod' | 'max' | 'min', t: Wgsl): string {
  const of = (f: string, i: string, u: string) => (t === 'f32' ? f : t === 'i32' ? i : u);
  switch (op) {
    case 'sum':
      return of('0.0', '0i', '0u');
    case 'prod':
      return of('1.0', '1i', '1u');
    case 'max':
      // Built at run time: a constant expression may not be an infinity.
      return of('-inf_f32()', 'bitcast<i32>(0x80000000u)', '0u');
    case 'min':
      return of('inf_f32()', '2147483647i', '1u');
  }
}

/**
 * `take(va, ia, vb, ib)`: whether candidate b replaces a for argmax (`max`) or argmin. An index
 * of NONE marks no candidate yet. NaN is the extreme; among equals the smaller index wins.
 */
function takeWgsl(isMax: boolean, t: Wgsl): string {
  const cmp = isMax ? '>' : '<';
  const nan =
    t === 'f32'
      ? `if (is_nan_f32(va)) { return is_nan_f32(vb) && ib < ia; }
  if (is_nan_f32(vb)) { return true; }`
      : '';
  return `const NONE = 0xffffffffu;
fn take(va: ${t}, ia: u32, vb: ${t}, ib: u32) -> bool {
  if (ib == NONE) { return false; }
  if (ia == NONE) { return true; }
  ${nan}
  return vb ${cmp} va || (vb == va && ib < ia);
}`;
}

/**
 * `for` loop of a shared-memory tree over `width` slots: `step` runs with `lid < s`, combining
 * slot `lid + s` into slot `lid`. Every invocation reaches each barrier (uniform control flow).
 */
export function treeWgsl(width: number, step: string): string {
  return `for (var s = ${width / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { ${step} }
    workgroupBarrier();
  }`;
}

interface Variant {
  readonly op: ReduceOp;
  readonly dtype: DType;
  readonly keptRank: number;
  readonly redRank: number;
  /** 0 for one loop per output, else the workgroup size of a tree. */
  readonly width: number;
}

const cache = new Map<string, string>();

function code(v: Variant): string {
  const key = `${v.op}:${v.dtype}:${v.keptRank}:${v.redRank}:${v.width}`;
  let c = cache.get(key);
  if (c !== undefined) return c;
  const t = wgslType(v.dtype);
  const arg = v.op === 'argmax' || v.op === 'argmin';
  const redFirst = HEAD + indexWordCount(v.keptRank, 1);
  const words = redFirst + indexWordCount(v.redRank, 1);
  const fns = arg
    ? takeWgsl(v.op === 'argmax', t)
    : combineWgsl(v.op as 'sum' | 'prod' | 'max' | 'min', t);
  const init = arg
    ? `var acc: ${t};\n  var ai = NONE;`
    : `var acc = ${identityWgsl(v.op as 'sum', t)};`;
  const fold = arg ? 'if (take(acc, ai, v, r)) { acc = v; ai = r; }' : 'acc = combine(acc, v);';
  // argmax of an empty axis is 0, as on the CPU.
  const result = (val: string, idx: string) =>
    arg ? `select(i32(${idx}), 0, ${idx} == NONE)` : val;
  const header = `
${uniforms(words)}
${bindings({ xs: t }, { ys: arg ? 'i32' : t })}
${MATH_WGSL}
${indexWgsl(v.keptRank, 1, HEAD, 'kept_at')}
${indexWgsl(v.redRank, 1, redFirst, 'red_at')}
${fns}`;
  if (v.width === 0) {
    c = `${header}
${main(`if (i >= word(0u)) { return; }
  let base = kept_at(i)[0];
  let n = word(3u);
  ${init}
  for (var r = 0u; r < n; r++) {
    let v = xs[base + red_at(r)[0]];
    ${fold}
  }
  ys[i] = ${result('acc', 'ai')};`)}
`;
  } else {
    const w = v.width;
    const step = arg
      ? `if (take(sv[lid], si[lid], sv[lid + s], si[lid + s])) {
        sv[lid] = sv[lid + s];
        si[lid] = si[lid + s];
      }`
      : 'sv[lid] = combine(sv[lid], sv[lid + s]);';
    c = `${header}
var<workgroup> sv: array<${t}, ${w}>;
${arg ? `var<workgroup> si: array<u32, ${w}>;` : ''}
@compute @workgroup_size(${w})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Uniform across the workgroup, so the early return keeps the barriers in uniform control flow.
  let g = wid.y * nwg.x + wid.x;
  if (g >= word(0u)) { return; }
  let splits = word(1u);
  let start = (g % splits) * word(2u);
  let end = min(word(3u), start + word(2u));
  let base = kept_at(g / splits)[0];
  ${init}
  for (var r = start + lid; r < end; r += ${w}u) {
    let v = xs[base + red_at(r)[0]];
    ${fold}
  }
  sv[lid] = acc;
  ${arg ? 'si[lid] = ai;' : ''}
  workgroupBarrier();
  ${treeWgsl(w, step)}
  if (lid == 0u) { ys[g] = ${result('sv[0]', 'si[0]')}; }
}
`;
  }
  cache.set(key, c);
  return c;
}

/** Reduces `x` as planned into `out` (outputs × splits elements), one launch. */
function launch(
  ctx: GpuContext,
  v: Variant,
  x: GpuStorage,
  out: GpuStorage,
  kept: IndexPlan,
  red: IndexPlan,
  outputs: number,
  length: number,
  splits: number,
  chunk: number,
): void {
  const count = v.width === 0 ? outputs : outputs * splits;
  ctx.run({
    name: 'reduce',
    code: code(v),
    inputs: [x],
    outputs: [out],
    uniforms: [count, splits, chunk, length, ...indexWords(kept), ...indexWords(red)],
    threads: v.width === 0 ? count : count * v.width,
    workgroupSize: v.width === 0 ? undefined : v.width,
  });
}

/** Reduces every output's `length` elements (addressed through `kept` and `red`) into `out`. */
function reducePlanned(
  ctx: GpuContext,
  op: ReduceOp,
  dtype: DType,
  x: GpuStorage,
  out: GpuStorage,
  kept: IndexPlan,
  red: IndexPlan,
  outputs: number,
  length: number,
): void {
  const redStrides = red.operands[0].strides;
  const contiguous = redStrides[redStrides.length - 1] === 1;
  const loop = length <= LOOP_MAX || (!contiguous && outputs >= LOOP_OUTPUTS);
  const base = { op, dtype, keptRank: kept.shape.length, redRank: red.shape.length };
  if (loop) {
    launch(ctx, { ...base, width: 0 }, x, out, kept, red, outputs, length, 1, length);
    return;
  }
  const width = length <= 2048 ? 64 : 256;
  const arg = op === 'argmax' || op === 'argmin';
  let splits = 1;
  if (!arg && outputs < SPLIT_OUTPUTS && length >= SPLIT_MIN) {
    splits = Math.min(Math.ceil(SPLIT_GROUPS / outputs), Math.ceil(length / SPLIT_CHUNK));
  }
  const chunk = Math.ceil(length / splits);
  splits = Math.ceil(length / chunk);
  if (splits === 1) {
    launch(ctx, { ...base, width }, x, out, kept, red, outputs, length, 1, length);
    return;
  }
  // Partial results laid out [outputs, splits], then reduced along their last axis.
  const partial = ctx.alloc(dtype, outputs * splits);
  launch(ctx, { ...base, width }, x, partial, kept, red, outputs, length, splits, chunk);
  reducePlanned(
    ctx,
    op,
    dtype,
    partial,
    out,
    planIndex([outputs], [{ strides: [splits], offset: 0 }]),
    planIndex([splits], [{ strides: [1], offset: 0 }]),
    outputs,
    splits,
  );
  ctx.release(partial);
}

export function reduce(ctx: GpuContext, op: ReduceOp, x: T, axes: readonly number[]): GpuStorage {
  const strides = stridesOf(x.shape);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  x.shape.forEach((n, d) => {
    if (axes.includes(d)) {
      redShape.push(n);
      redStrides.push(strides[d]);
    } else {
      keptShape.push(n);
      keptStrides.push(strides[d]);
    }
  });
  const outputs = sizeOf(keptShape);
  const arg = op === 'argmax' || op === 'argmin';
  const out = ctx.alloc(arg ? 'int32' : x.dtype, outputs);
  if (outputs === 0) return out;
  reducePlanned(
    ctx,
    op,
    x.dtype,
    x.storage,
    out,
    planIndex(keptShape, [{ strides: keptStrides, offset: 0 }]),
    planIndex(redShape, [{ strides: redStrides, offset: 0 }]),
    outputs,
    sizeOf(redShape),
  );
  return out;
}
