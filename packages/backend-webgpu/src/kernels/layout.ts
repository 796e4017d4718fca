/**
 * Layout kernels: `strided` (gather through strides), `stridedWrite` (scatter through strides
 * into a copy of the base) and `concat` (one scatter per input). All three only move 32-bit
 * patterns, so their pipelines serve every dtype; the code varies only with the rank of the
 * coalesced index plan.
 */
import type { KernelTensor, Shape } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import {
  indexWgsl,
  indexWordCount,
  indexWords,
  planIndex,
  type StridedOperand,
} from '../indexing.js';
import { GPU_ELEMENT_BYTES, type GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';

type T = KernelTensor<GpuStorage>;

const gatherCache = new Map<number, string>();
const scatterCache = new Map<number, string>();

/** ys[i] = xs[offset(i)] for i < n. */
function gatherCode(rank: number): string {
  let c = gatherCache.get(rank);
  if (c === undefined) {
    c = `
${uniforms(1 + indexWordCount(rank, 1))}
${bindings({ xs: 'u32' }, { ys: 'u32' })}
${indexWgsl(rank, 1, 1)}
${main('if (i >= word(0u)) { return; }\n  ys[i] = xs[offsets(i)[0]];')}
`;
    gatherCache.set(rank, c);
  }
  return c;
}

/** ys[offset(i)] = xs[i] for i < n (addresses never repeat). */
function scatterCode(rank: number): string {
  let c = scatterCache.get(rank);
  if (c === undefined) {
    c = `
${uniforms(1 + indexWordCount(rank, 1))}
${bindings({ xs: 'u32' }, { ys: 'u32' })}
${indexWgsl(rank, 1, 1)}
${main('if (i >= word(0u)) { return; }\n  ys[offsets(i)[0]] = xs[i];')}
`;
    scatterCache.set(rank, c);
  }
  return c;
}

/** Writes `src` (dense, `shape`) into `dst` at the positions of `target`. */
function scatter(
  ctx: GpuContext,
  name: string,
  src: GpuStorage,
  shape: Shape,
  dst: GpuStorage,
  target: StridedOperand,
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const plan = planIndex(shape, [target]);
  // A contiguous target is a plain copy.
  if (plan.shape.length === 1 && plan.operands[0].strides[0] === 1) {
    const start = plan.operands[0].offset * GPU_ELEMENT_BYTES;
    ctx.copy(src, dst, n * GPU_ELEMENT_BYTES, 0, start);
    return;
  }
  ctx.run({
    name,
    code: scatterCode(plan.shape.length),
    inputs: [src],
    outputs: [dst],
    uniforms: [n, ...indexWords(plan)],
    threads: n,
  });
}

export function strided(
  ctx: GpuContext,
  x: T,
  outShape: Shape,
  strides: readonly number[],
  offset: number,
): GpuStorage {
  const n = sizeOf(outShape);
  const out = ctx.alloc(x.dtype, n);
  if (n === 0) return out;
  const plan = planIndex(outShape, [{ strides, offset }]);
  if (plan.shape.length === 1 && plan.operands[0].strides[0] === 1) {
    ctx.copy(x.storage, out, n * GPU_ELEMENT_BYTES, offset * GPU_ELEMENT_BYTES);
    return out;
  }
  ctx.run({
    name: 'strided',
    code: gatherCode(plan.shape.length),
    inputs: [x.storage],
    outputs: [out],
    uniforms: [n, ...indexWords(plan)],
    threads: n,
  });
  return out;
}

export function stridedWrite(
  ctx: GpuContext,
  base: T,
  src: T,
  strides: readonly number[],
  offset: number,
): GpuStorage {
  const out = ctx.alloc(base.dtype, sizeOf(base.shape));
  ctx.copy(base.storage, out, out.byteSize);
  scatter(ctx, 'stridedWrite', src.storage, src.shape, out, { strides, offset });
  return out;
}

export function concat(ctx: GpuContext, xs: readonly T[], axis: number): GpuStorage {
  const first = xs[0];
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  const total = xs.reduce((s, x) => s + x.shape[axis], 0);
  const out = ctx.alloc(first.dtype, outer * total * inner);
  // Input j is the block [outer, len_j] of rows of length total * inner, starting at column start.
  let start = 0;
  for (const x of xs) {
    const len = x.shape[axis] * inner;
    const shape = [outer, len];
    scatter(ctx, 'concat', x.storage, shape, out, {
      strides: [total * inner, 1],
      offset: start,
    });
    start += len;
  }
  return out;
}
