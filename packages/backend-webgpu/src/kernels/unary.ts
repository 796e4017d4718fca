/**
 * `unary`: one WGSL expression per (op, dtype) over `x`, compiled once each. Float ops use the
 * C-semantics helpers of wgsl-math.ts; int32 ops wrap like C; bool is stored as u32 0/1.
 */
import type { DType, KernelTensor, UnaryOp } from '@stride/core';
import { StrideError, sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms, wgslType } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';

const FLOAT: Partial<Record<UnaryOp, string>> = {
  neg: '-x',
  abs: 'abs(x)',
  // (0 < x) - (x < 0), as PyTorch: NaN and -0 give 0.
  sign: 'select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0)',
  square: 'x * x',
  exp: 'exp_f32(x)',
  log: 'log_f32(x)',
  log1p: 'log1p_f32(x)',
  expm1: 'expm1_f32(x)',
  // The built-in is undefined for negative arguments; sqrt(-0) stays -0.
  sqrt: 'select(sqrt(x), nan_f32(), x < 0.0)',
  rsqrt: '1.0 / select(sqrt(x), nan_f32(), x < 0.0)',
  reciprocal: '1.0 / x',
  sin: 'sin_f32(x)',
  cos: 'cos_f32(x)',
  tan: 'tan_f32(x)',
  tanh: 'tanh_f32(x)',
  sigmoid: 'sigmoid_f32(x)',
  erf: 'erf_f32(x)',
  floor: 'floor(x)',
  ceil: 'ceil(x)',
  // WGSL's round is already half-to-even.
  round: 'round(x)',
  trunc: 'trunc(x)',
  // NaN passes through; -inf and -0 give 0.
  relu: 'select(x, 0.0, x <= 0.0)',
  isnan: 'select(0u, 1u, is_nan_f32(x))',
};

const INT: Partial<Record<UnaryOp, string>> = {
  // Runtime i32 arithmetic wraps, and abs of the most negative value is itself, as in C.
  neg: '-x',
  abs: 'abs(x)',
  sign: 'sign(x)',
  square: 'x * x',
  relu: 'max(x, 0)',
};

const BOOL: Partial<Record<UnaryOp, string>> = {
  not: 'select(1u, 0u, x != 0u)',
  // Each is the identity on {0, 1}.
  abs: 'x',
  sign: 'x',
  square: 'x',
  relu: 'x',
};

/** The output dtype of `op` on `dtype` (bool for `isnan` and `not`). */
function outDType(op: UnaryOp, dtype: DType): DType {
  return op === 'isnan' || op === 'not' ? 'bool' : dtype;
}

const cache = new Map<string, string>();

function code(op: UnaryOp, dtype: DType): string {
  const k = `${op}:${dtype}`;
  let c = cache.get(k);
  if (c === undefined) {
    const table = dtype === 'float32' ? FLOAT : dtype === 'int32' ? INT : BOOL;
    const expr = table[op];
    if (!expr) throw new StrideError('unary', `'${op}' is not defined for ${dtype} on webgpu`);
    c = `
${uniforms(1)}
${bindings({ xs: wgslType(dtype) }, { ys: wgslType(outDType(op, dtype)) })}
${dtype === 'float32' ? MATH_WGSL : ''}
${main(`if (i >= word(0u)) { return; }
  let x = xs[i];
  ys[i] = ${expr};`)}
`;
    cache.set(k, c);
  }
  return c;
}

export function unary(ctx: GpuContext, op: UnaryOp, x: KernelTensor<GpuStorage>): GpuStorage {
  const n = sizeOf(x.shape);
  const c = code(op, x.dtype);
  const out = ctx.alloc(outDType(op, x.dtype), n);
  ctx.run({
    name: 'unary',
    code: c,
    inputs: [x.storage],
    outputs: [out],
    uniforms: [n],
    threads: n,
  });
  return out;
}
