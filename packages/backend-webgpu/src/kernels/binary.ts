/**
 * `binary` and `where`: element-wise with NumPy broadcasting. The output is written in order;
 * each input is read through the strides of `indexing.ts` (0 on broadcast axes), so one pipeline
 * per (op, dtype, rank) serves every shape.
 */
import type { BinaryOp, DType, KernelTensor, Shape } from '@stride/core';
import { StrideError, sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import { broadcastOperand, indexWgsl, indexWordCount, indexWords, planIndex } from '../indexing.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms, wgslType } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';
import { hostBinary } from './host-binary.js';

type T = KernelTensor<GpuStorage>;

const COMPARE: Partial<Record<BinaryOp, string>> = {
  eq: 'a == b',
  ne: 'a != b',
  lt: 'a < b',
  le: 'a <= b',
  gt: 'a > b',
  ge: 'a >= b',
  and: 'TRUE(a) && TRUE(b)',
  or: 'TRUE(a) || TRUE(b)',
  xor: 'TRUE(a) != TRUE(b)',
};

const FLOAT: Partial<Record<BinaryOp, string>> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'pow_f32(a, b)',
  // NaN in either input wins, as in PyTorch.
  maximum: 'select(b, a, a > b || is_nan_f32(a))',
  minimum: 'select(b, a, a < b || is_nan_f32(a))',
  mod: 'mod_f32(a, b)',
};

const INT: Partial<Record<BinaryOp, string>> = {
  // Runtime i32 arithmetic wraps, as in C.
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  // Never called by core (true division promotes to float); truncates like C if it is.
  div: 'select(a / b, 0, b == 0)',
  pow: 'pow_i32(a, b)',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  mod: 'mod_i32(a, b)',
};

/**
 * Whether `$1` counts as true: not zero. NaN is true, as in PyTorch, so a float is tested on its
 * bits (an ordered `!=` would call NaN false); −0 is zero.
 */
const TRUTH: Record<DType, string> = {
  float32: '((bitcast<u32>($1) & 0x7fffffffu) != 0u)',
  float64: '($1 != 0.0)',
  int32: '($1 != 0)',
  bool: '($1 != 0u)',
};

/** The WGSL that computes `y` from `a` and `b`, and the output dtype. */
function expression(op: BinaryOp, dtype: DType): { expr: string; out: DType } {
  // NaN is tested on the bits: a float `!=` may compile to an ordered comparison (false for NaN).
  if (op === 'ne' && dtype === 'float32') {
    return { expr: 'select(0u, 1u, a != b || is_nan_f32(a) || is_nan_f32(b))', out: 'bool' };
  }
  const cmp = COMPARE[op];
  if (cmp) {
    return {
      expr: `select(0u, 1u, ${cmp.replaceAll(/TRUE\((\w)\)/g, TRUTH[dtype])})`,
      out: 'bool',
    };
  }
  const arith = dtype === 'float32' ? FLOAT[op] : INT[op];
  if (!arith) throw new StrideError('binary', `'${op}' is not defined for ${dtype} on webgpu`);
  if (dtype === 'bool') {
    // Bool arithmetic runs as integer arithmetic on 0/1, squashed back to 0/1.
    const e = arith.replaceAll(/\b([ab])\b/g, 'i32($1)');
    return { expr: `select(0u, 1u, (${e}) != 0)`, out: 'bool' };
  }
  return { expr: arith, out: dtype };
}

const cache = new Map<string, string>();

function code(op: BinaryOp, dtype: DType, rank: number): string {
  const k = `${op}:${dtype}:${rank}`;
  let c = cache.get(k);
  if (c === undefined) {
    const { expr, out } = expression(op, dtype);
    const t = wgslType(dtype);
    c = `
${uniforms(1 + indexWordCount(rank, 2))}
${bindings({ lhs: t, rhs: t }, { ys: wgslType(out) })}
${MATH_WGSL}
${indexWgsl(rank, 2, 1)}
${main(`if (i >= word(0u)) { return; }
  let o = offsets(i);
  let a = lhs[o[0]];
  let b = rhs[o[1]];
  ys[i] = ${expr};`)}
`;
    cache.set(k, c);
  }
  return c;
}

export function binary(ctx: GpuContext, op: BinaryOp, a: T, b: T, outShape: Shape): GpuStorage {
  const onHost = hostBinary(ctx, op, a, b, outShape);
  if (onHost) return onHost;
  const n = sizeOf(outShape);
  const plan = planIndex(outShape, [
    broadcastOperand(a.shape, outShape),
    broadcastOperand(b.shape, outShape),
  ]);
  const c = code(op, a.dtype, plan.shape.length);
  const out = ctx.alloc(expression(op, a.dtype).out, n);
  ctx.run({
    name: 'binary',
    code: c,
    inputs: [a.storage, b.storage],
    outputs: [out],
    uniforms: [n, ...indexWords(plan)],
    threads: n,
  });
  return out;
}

// `where` moves 32-bit patterns, so one pipeline per rank serves every dtype.
const whereCache = new Map<number, string>();

function whereCode(rank: number): string {
  let c = whereCache.get(rank);
  if (c === undefined) {
    c = `
${uniforms(1 + indexWordCount(rank, 3))}
${bindings({ cond: 'u32', lhs: 'u32', rhs: 'u32' }, { ys: 'u32' })}
${indexWgsl(rank, 3, 1)}
${main(`if (i >= word(0u)) { return; }
  let o = offsets(i);
  ys[i] = select(rhs[o[2]], lhs[o[1]], cond[o[0]] != 0u);`)}
`;
    whereCache.set(rank, c);
  }
  return c;
}

export function where(ctx: GpuContext, cond: T, a: T, b: T, outShape: Shape): GpuStorage {
  const n = sizeOf(outShape);
  const plan = planIndex(outShape, [
    broadcastOperand(cond.shape, outShape),
    broadcastOperand(a.shape, outShape),
    broadcastOperand(b.shape, outShape),
  ]);
  const out = ctx.alloc(a.dtype, n);
  ctx.run({
    name: 'where',
    code: whereCode(plan.shape.length),
    inputs: [cond.storage, a.storage, b.storage],
    outputs: [out],
    uniforms: [n, ...indexWords(plan)],
    threads: n,
  });
  return out;
}
