/**
 * Max and average pooling over [batch, channels, ...spatial] for 1, 2 or 3 spatial axes, all as
 * 3-d pooling: the spatial axes are lifted to three with leading axes of size 1 (kernel 1,
 * stride 1, no padding), so one pipeline per kernel serves every rank and shape.
 *
 * Forward kernels run one invocation per output element and visit the window's taps that lie
 * inside the input, in the CPU backend's order: max pooling keeps the first strictly greater
 * value and any NaN (PyTorch's rule), its index starting at the first tap inside the input.
 * Undilated max pooling over one or two axes has a variant that computes four outputs of a row
 * per invocation (`MAX_POOL_2D`).
 *
 * Backward kernels use no atomics: one invocation per input element gathers the output windows
 * that contain it (for max pooling, those whose recorded index is this element), adding their
 * gradients in increasing output order, the order in which the CPU backend scatters them. The
 * max-pool gradient is therefore bit-identical to the CPU's; the average-pool gradient differs
 * only in rounding each share g / divisor to float32 before adding it (the CPU adds it in
 * double).
 *
 * Average pooling sums in float32 (the CPU sums in double, then divides).
 */
import type { KernelTensor, PoolParams, Shape } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';

type T = KernelTensor<GpuStorage>;

/**
 * Uniform words: count, then per lifted axis (3 each): input size, output size, kernel, stride,
 * padding, dilation; then countIncludePad.
 */
const WORDS = 20;

function words(count: number, spatial: Shape, p: PoolParams, dilated: boolean): number[] {
  const lead = 3 - spatial.length;
  const lift = (values: readonly number[], fill: number) => [
    ...new Array<number>(lead).fill(fill),
    ...values,
  ];
  const dilation = dilated ? p.dilation : spatial.map(() => 1);
  return [
    count,
    ...lift(spatial, 1),
    ...lift(p.outSize, 1),
    ...lift(p.kernel, 1),
    ...lift(p.stride, 1),
    ...lift(p.padding, 0),
    ...lift(dilation, 1),
    p.countIncludePad ? 1 : 0,
  ];
}

/**
 * Accessors of the lifted geometry, and the decomposition of a flat position over
 * [planes, a0, a1, a2] (input or output sizes).
 */
const GEOMETRY = `
${uniforms(WORDS)}
fn in_size(a: u32) -> i32 { return iword(1u + a); }
fn out_size(a: u32) -> i32 { return iword(4u + a); }
fn kernel(a: u32) -> i32 { return iword(7u + a); }
fn stride(a: u32) -> i32 { return iword(10u + a); }
fn padding(a: u32) -> i32 { return iword(13u + a); }
fn dilation(a: u32) -> i32 { return iword(16u + a); }
fn include_pad() -> bool { return word(19u) != 0u; }
fn in_volume() -> i32 { return in_size(0u) * in_size(1u) * in_size(2u); }
fn out_volume() -> i32 { return out_size(0u) * out_size(1u) * out_size(2u); }
// Coordinates of flat position i of a [planes, s0, s1, s2] tensor: plane, then the three axes.
fn split(i: u32, input: bool) -> vec4<i32> {
  var rest = i32(i);
  var c: vec4<i32>;
  for (var a = 3u; a > 0u; a--) {
    let n = select(out_size(a - 1u), in_size(a - 1u), input);
    c[a] = rest % n;
    rest = rest / n;
  }
  c[0] = rest;
  return c;
}
// The window of output coordinate o along axis a: its start, and the taps [lo, hi) inside the
// input (the CPU backend's kLo and kHi).
fn window(a: u32, o: i32) -> vec3<i32> {
  let st = o * stride(a) - padding(a);
  let d = dilation(a);
  let k = kernel(a);
  let lo = min(k, max(0, (d - 1 - st) / d));
  let num = in_size(a) - 1 - st;
  let hi = max(lo, min(k, select(num / d + 1, 0, num < 0)));
  return vec3<i32>(st, lo, hi);
}`;

const MAX_POOL = `
${GEOMETRY}
${bindings({ xs: 'f32' }, { values: 'f32', indices: 'i32' })}
${MATH_WGSL}
${main(`if (i >= word(0u)) { return; }
  let o = split(i, false);
  let wd = window(0u, o[1]);
  let wh = window(1u, o[2]);
  let ww = window(2u, o[3]);
  let dd = dilation(0u);
  let dh = dilation(1u);
  let dw = dilation(2u);
  let h = in_size(1u);
  let w = in_size(2u);
  let base = o[0] * in_volume();
  var best = -inf_f32();
  var at = ((wd.x + wd.y * dd) * h + wh.x + wh.y * dh) * w + ww.x + ww.y * dw;
  for (var kd = wd.y; kd < wd.z; kd++) {
    for (var kh = wh.y; kh < wh.z; kh++) {
      let row = ((wd.x + kd * dd) * h + wh.x + kh * dh) * w + ww.x;
      for (var kw = ww.y; kw < ww.z; kw++) {
        let idx = row + kw * dw;
        let v = xs[base + idx];
        if (v > best || is_nan_f32(v)) {
          best = v;
          at = idx;
        }
      }
    }
  }
  values[i] = best;
  indices[i] = at;`)}
`;

/**
 * `MAX_POOL` for at most two spatial axes without dilation (the usual 2-d pooling), four
 * consecutive outputs of one row per invocation: the row's window and the decomposition of the
 * position are worked out once for the four, and no division is left in the window bounds
 * (integer division is slow where WebGPU runs on a CPU). Word 0 counts invocations. Same taps,
 * same order, same values and indices as `MAX_POOL`.
 */
const MAX_POOL_2D = `
${GEOMETRY}
${bindings({ xs: 'f32' }, { values: 'f32', indices: 'i32' })}
${MATH_WGSL}
${main(`if (i >= word(0u)) { return; }
  let oh_size = out_size(1u);
  let ow_size = out_size(2u);
  let quads = (ow_size + 3) / 4;
  let r = i32(i) / quads;
  let ow0 = (i32(i) - r * quads) * 4;
  let plane = r / oh_size;
  let oh = r - plane * oh_size;
  let h = in_size(1u);
  let w = in_size(2u);
  let kh_size = kernel(1u);
  let kw_size = kernel(2u);
  let sw_stride = stride(2u);
  let st_h = oh * stride(1u) - padding(1u);
  let kh0 = min(kh_size, max(0, -st_h));
  let kh1 = min(kh_size, h - st_h);
  let base = plane * h * w;
  let out_row = r * ow_size;
  for (var j = 0; j < 4; j++) {
    let ow = ow0 + j;
    if (ow >= ow_size) { break; }
    let st_w = ow * sw_stride - padding(2u);
    let kw0 = min(kw_size, max(0, -st_w));
    let kw1 = min(kw_size, w - st_w);
    var best = -inf_f32();
    var at = (st_h + kh0) * w + st_w + kw0;
    for (var kh = kh0; kh < kh1; kh++) {
      let row = (st_h + kh) * w + st_w;
      for (var kw = kw0; kw < kw1; kw++) {
        let v = xs[base + row + kw];
        if (v > best || is_nan_f32(v)) {
          best = v;
          at = row + kw;
        }
      }
    }
    values[out_row + ow] = best;
    indices[out_row + ow] = at;
  }`)}
`;

/**
 * The output coordinates along axis a whose windows tap input coordinate x, as tap numbers:
 * tap k of window o lands on x when o·stride - padding + k·dilation = x. Visiting k downwards
 * visits o upwards.
 */
const MAX_POOL_BACKWARD = `
${GEOMETRY}
${bindings({ dy: 'f32', indices: 'i32' }, { dx: 'f32' })}
// The window along axis a whose tap k lands on x, or -1.
fn source(a: u32, x: i32, k: i32) -> i32 {
  let num = x + padding(a) - k * dilation(a);
  let s = stride(a);
  if (num < 0 || num % s != 0 || num / s >= out_size(a)) { return -1; }
  return num / s;
}
${main(`if (i >= word(0u)) { return; }
  let x = split(i, true);
  let flat = i32(i) - x[0] * in_volume();
  let base = x[0] * out_volume();
  var acc = 0.0;
  for (var kd = kernel(0u) - 1; kd >= 0; kd--) {
    let od = source(0u, x[1], kd);
    if (od < 0) { continue; }
    for (var kh = kernel(1u) - 1; kh >= 0; kh--) {
      let oh = source(1u, x[2], kh);
      if (oh < 0) { continue; }
      for (var kw = kernel(2u) - 1; kw >= 0; kw--) {
        let ow = source(2u, x[3], kw);
        if (ow < 0) { continue; }
        let o = base + (od * out_size(1u) + oh) * out_size(2u) + ow;
        if (indices[o] == flat) { acc += dy[o]; }
      }
    }
  }
  dx[i] = acc;`)}
`;

/** Average-pool divisor factor of output coordinate o along axis a (PoolParams' rule). */
const DIVISOR = `
fn divisor(a: u32, o: i32) -> i32 {
  let st = o * stride(a) - padding(a);
  let end = min(st + kernel(a), in_size(a) + padding(a));
  if (include_pad()) { return end - st; }
  return min(end, in_size(a)) - max(st, 0);
}`;

const AVG_POOL = `
${GEOMETRY}
${DIVISOR}
${bindings({ xs: 'f32' }, { ys: 'f32' })}
${main(`if (i >= word(0u)) { return; }
  let o = split(i, false);
  let wd = window(0u, o[1]);
  let wh = window(1u, o[2]);
  let ww = window(2u, o[3]);
  let h = in_size(1u);
  let w = in_size(2u);
  let base = o[0] * in_volume();
  var sum = 0.0;
  for (var kd = wd.y; kd < wd.z; kd++) {
    for (var kh = wh.y; kh < wh.z; kh++) {
      let row = base + ((wd.x + kd) * h + wh.x + kh) * w + ww.x;
      for (var kw = ww.y; kw < ww.z; kw++) { sum += xs[row + kw]; }
    }
  }
  let div = divisor(0u, o[1]) * divisor(1u, o[2]) * divisor(2u, o[3]);
  ys[i] = sum / f32(div);`)}
`;

/**
 * For each axis, the windows containing input coordinate x are those with
 * o·stride - padding <= x < o·stride - padding + kernel, clipped to the output.
 */
const AVG_POOL_BACKWARD = `
${GEOMETRY}
${DIVISOR}
${bindings({ dy: 'f32' }, { dx: 'f32' })}
fn floor_div(a: i32, b: i32) -> i32 {
  if (a >= 0) { return a / b; }
  return -((b - 1 - a) / b);
}
// The windows [first, last] along axis a that contain x.
fn windows(a: u32, x: i32) -> vec2<i32> {
  let t = x + padding(a);
  let first = max(0, floor_div(t - kernel(a), stride(a)) + 1);
  let last = min(out_size(a) - 1, t / stride(a));
  return vec2<i32>(first, last);
}
${main(`if (i >= word(0u)) { return; }
  let x = split(i, true);
  let rd = windows(0u, x[1]);
  let rh = windows(1u, x[2]);
  let rw = windows(2u, x[3]);
  let base = x[0] * out_volume();
  var acc = 0.0;
  for (var od = rd.x; od <= rd.y; od++) {
    for (var oh = rh.x; oh <= rh.y; oh++) {
      let row = base + (od * out_size(1u) + oh) * out_size(2u);
      let dvh = divisor(0u, od) * divisor(1u, oh);
      for (var ow = rw.x; ow <= rw.y; ow++) {
        acc += dy[row + ow] / f32(dvh * divisor(2u, ow));
      }
    }
  }
  dx[i] = acc;`)}
`;

export function maxPool(
  ctx: GpuContext,
  x: T,
  params: PoolParams,
): { values: GpuStorage; indices: GpuStorage } {
  const count = x.shape[0] * x.shape[1] * sizeOf(params.outSize);
  const values = ctx.alloc(x.dtype, count);
  const indices = ctx.alloc('int32', count);
  const spatial = x.shape.slice(2);
  if (spatial.length <= 2 && params.dilation.every((d) => d === 1) && count > 0) {
    const ow = params.outSize[spatial.length - 1] as number;
    const threads = (count / ow) * Math.ceil(ow / 4);
    ctx.run({
      name: 'maxPool',
      code: MAX_POOL_2D,
      inputs: [x.storage],
      outputs: [values, indices],
      uniforms: words(threads, spatial, params, true),
      threads,
    });
    return { values, indices };
  }
  ctx.run({
    name: 'maxPool',
    code: MAX_POOL,
    inputs: [x.storage],
    outputs: [values, indices],
    uniforms: words(count, x.shape.slice(2), params, true),
    threads: count,
  });
  return { values, indices };
}

export function maxPoolBackward(
  ctx: GpuContext,
  dy: T,
  indices: T,
  xShape: Shape,
  params: PoolParams,
): GpuStorage {
  const count = sizeOf(xShape);
  const dx = ctx.alloc(dy.dtype, count);
  ctx.run({
    name: 'maxPoolBackward',
    code: MAX_POOL_BACKWARD,
    inputs: [dy.storage, indices.storage],
    outputs: [dx],
    uniforms: words(count, xShape.slice(2), params, true),
    threads: count,
  });
  return dx;
}

export function avgPool(ctx: GpuContext, x: T, params: PoolParams): GpuStorage {
  const count = x.shape[0] * x.shape[1] * sizeOf(params.outSize);
  const out = ctx.alloc(x.dtype, count);
  ctx.run({
    name: 'avgPool',
    code: AVG_POOL,
    inputs: [x.storage],
    outputs: [out],
    uniforms: words(count, x.shape.slice(2), params, false),
    threads: count,
  });
  return out;
}

export function avgPoolBackward(
  ctx: GpuContext,
  dy: T,
  xShape: Shape,
  params: PoolParams,
): GpuStorage {
  const count = sizeOf(xShape);
  const dx = ctx.alloc(dy.dtype, count);
  ctx.run({
    name: 'avgPoolBackward',
    code: AVG_POOL_BACKWARD,
    inputs: [dy.storage],
    outputs: [dx],
    uniforms: words(count, xShape.slice(2), params, false),
    threads: count,
  });
  return dx;
}
