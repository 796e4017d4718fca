/**
 * `gather` and `scatterAdd` (`torch.gather` / `torch.scatter_add`) along one axis, with int32
 * indices. Core has the index values checked on the GPU first (`checkIndices`), but that check
 * is reported only at the next read, after these kernels ran; so they also clamp every index
 * into [0, size of the axis), and never read or write out of bounds meanwhile.
 *
 * `gather` moves 32-bit patterns, so one pipeline per rank serves every dtype: one invocation
 * per output element, addressed like `strided` with the axis coordinate taken from the index.
 *
 * `scatterAdd` has two formulations:
 * - gather (deterministic), for float32 when each output element has little to scan: one
 *   invocation per output element q walks the K = index.shape[axis] positions of `index` that
 *   share q's other coordinates, in order, and adds the matching `src` values to base[q]. The
 *   additions happen in the CPU backend's order (row-major over the index), so results are
 *   identical to it and to themselves from run to run. Its cost is output size × K.
 * - atomic, for int32 and bool always, and for float32 when output size × K is too large: one
 *   invocation per index position adds into a copy of `base`. int32 uses `atomicAdd` (wrapping
 *   addition is associative, so the order cannot change the result), bool `atomicOr`; float32
 *   uses a compare-exchange loop on the bits (WGSL has no float atomics), whose order, and so
 *   whose rounding when indices repeat, varies between runs.
 */
import type { DType, KernelTensor } from '@stride/core';
import { sizeOf, stridesOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import { indexWgsl, indexWordCount, indexWords, planIndex } from '../indexing.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms, wgslType } from '../wgsl.js';

type T = KernelTensor<GpuStorage>;

/** Float32 scatterAdd scans (output size × K) at most this much before turning to atomics. */
const GATHER_SCAN_MAX = 1 << 24;
/** ... unless every output element scans at most this many index positions. */
const GATHER_K_MAX = 64;

/** Uniform words before the index plan: count, axis length (for clamping), axis stride. */
const HEAD = 3;

const gatherCache = new Map<number, string>();

function gatherCode(rank: number): string {
  let c = gatherCache.get(rank);
  if (c === undefined) {
    c = `
${uniforms(HEAD + indexWordCount(rank, 1))}
${bindings({ xs: 'u32', index: 'i32' }, { ys: 'u32' })}
${indexWgsl(rank, 1, HEAD)}
${main(`if (i >= word(0u)) { return; }
  let k = clamp(index[i], 0, iword(1u) - 1);
  ys[i] = xs[offsets(i)[0] + k * iword(2u)];`)}
`;
    gatherCache.set(rank, c);
  }
  return c;
}

/**
 * The strides of a tensor of `shape` (`target`) walked over the positions of `index`, with the
 * axis coordinate left out (it comes from the index values): the plan of both kernels that run
 * one invocation per index position.
 */
function indexPlan(indexShape: readonly number[], target: readonly number[], axis: number) {
  const strides = stridesOf(target);
  const axisStride = strides[axis];
  strides[axis] = 0;
  return { plan: planIndex(indexShape, [{ strides, offset: 0 }]), axisStride };
}

/** A scalar (rank 0, whose one axis core accepts as axis 0) as a vector of one. */
function vector(shape: readonly number[]): readonly number[] {
  return shape.length === 0 ? [1] : shape;
}

export function gather(ctx: GpuContext, x: T, axis: number, index: T): GpuStorage {
  const n = sizeOf(index.shape);
  const out = ctx.alloc(x.dtype, n);
  if (n === 0) return out;
  const xShape = vector(x.shape);
  const { plan, axisStride } = indexPlan(vector(index.shape), xShape, axis);
  ctx.run({
    name: 'gather',
    code: gatherCode(plan.shape.length),
    inputs: [x.storage, index.storage],
    outputs: [out],
    uniforms: [n, xShape[axis], axisStride, ...indexWords(plan)],
    threads: n,
  });
  return out;
}

const scanCache = new Map<number, string>();

/**
 * The deterministic float32 formulation, for rank `r`. Words: count, axis, axis length, K, the
 * index's axis stride, then the output shape, the index shape and the index strides (r each).
 */
function scanCode(r: number): string {
  let c = scanCache.get(r);
  if (c === undefined) {
    c = `
${uniforms(5 + 3 * r)}
${bindings({ base: 'f32', index: 'i32', src: 'f32' }, { ys: 'f32' })}
${main(`if (i >= word(0u)) { return; }
  let axis = word(1u);
  // q's coordinates: the one along the axis, and the index position sharing the others.
  var rest = i;
  var at = 0u;
  var inside = true;
  var want = 0i;
  for (var d = ${r}u; d > 0u; d--) {
    let dim = word(5u + d - 1u);
    let c = rest % dim;
    rest = rest / dim;
    if (d - 1u == axis) {
      want = i32(c);
    } else {
      inside = inside && c < word(5u + ${r}u + d - 1u);
      at += c * word(5u + ${2 * r}u + d - 1u);
    }
  }
  var acc = base[i];
  if (inside) {
    let last = iword(2u) - 1;
    let step = word(4u);
    for (var k = 0u; k < word(3u); k++) {
      let p = at + k * step;
      if (clamp(index[p], 0, last) == want) { acc += src[p]; }
    }
  }
  ys[i] = acc;`)}
`;
    scanCache.set(r, c);
  }
  return c;
}

const atomicCache = new Map<string, string>();

/** The atomic formulation over a plan of `rank`, for `dtype`; words as `gatherCode`. */
function atomicCode(dtype: DType, rank: number): string {
  const key = `${dtype}:${rank}`;
  let c = atomicCache.get(key);
  if (c === undefined) {
    const t = wgslType(dtype);
    const add =
      dtype === 'float32'
        ? `var old = atomicLoad(&ys[at]);
  loop {
    let r = atomicCompareExchangeWeak(&ys[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }`
        : dtype === 'int32'
          ? 'atomicAdd(&ys[at], v);'
          : 'if (v != 0u) { atomicOr(&ys[at], 1u); }';
    c = `
${uniforms(HEAD + indexWordCount(rank, 1))}
${bindings({ index: 'i32', src: t }, { ys: dtype === 'int32' ? 'atomic<i32>' : 'atomic<u32>' })}
${indexWgsl(rank, 1, HEAD)}
${main(`if (i >= word(0u)) { return; }
  let k = clamp(index[i], 0, iword(1u) - 1);
  let at = offsets(i)[0] + k * iword(2u);
  let v = src[i];
  ${add}`)}
`;
    atomicCache.set(key, c);
  }
  return c;
}

/** Which formulation of `scatterAdd` runs (see the file comment); tests may force one. */
export type ScatterStrategy = 'auto' | 'scan' | 'atomic';

export function scatterAdd(
  ctx: GpuContext,
  base: T,
  axis: number,
  index: T,
  src: T,
  strategy: ScatterStrategy = 'auto',
): GpuStorage {
  const size = sizeOf(base.shape);
  const out = ctx.alloc(base.dtype, size);
  if (size === 0) return out;
  const baseShape = vector(base.shape);
  const indexShape = vector(index.shape);
  const n = sizeOf(indexShape);
  const k = indexShape[axis];
  const scan =
    strategy === 'scan' ||
    (strategy === 'auto' &&
      base.dtype === 'float32' &&
      (k <= GATHER_K_MAX || size * k <= GATHER_SCAN_MAX));
  if (scan && base.dtype === 'float32') {
    const r = baseShape.length;
    const indexStrides = stridesOf(indexShape);
    ctx.run({
      name: 'scatterAdd',
      code: scanCode(r),
      inputs: [base.storage, index.storage, src.storage],
      outputs: [out],
      uniforms: [
        size,
        axis,
        baseShape[axis],
        k,
        indexStrides[axis],
        ...baseShape,
        ...indexShape,
        ...indexStrides,
      ],
      threads: size,
    });
    return out;
  }
  ctx.copy(base.storage, out, out.byteSize);
  if (n === 0) return out;
  const { plan, axisStride } = indexPlan(indexShape, baseShape, axis);
  ctx.run({
    name: 'scatterAdd',
    code: atomicCode(base.dtype, plan.shape.length),
    inputs: [index.storage, src.storage],
    outputs: [out],
    uniforms: [n, baseShape[axis], axisStride, ...indexWords(plan)],
    threads: n,
  });
  return out;
}
