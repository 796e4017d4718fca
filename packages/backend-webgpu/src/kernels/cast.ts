/**
 * `cast`: float → int truncates toward zero (wrapping like a typed-array store, NaN to 0);
 * anything → bool is x != 0 (NaN counts as non-zero). A cast to the same dtype is a buffer copy.
 */
import type { DType, KernelTensor } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { checkDType } from '../storage.js';
import { bindings, main, uniforms, wgslType } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';

/** The conversion of a loaded `x` of `from` to `to` (`from` !== `to`). */
function conversion(from: DType, to: DType): string {
  // On the bits: every float but ±0 is non-zero, NaN included (a float `!=` may compile to an
  // ordered comparison, false for NaN: SwiftShader's does).
  if (to === 'bool') {
    return from === 'float32'
      ? 'select(0u, 1u, (bitcast<u32>(x) & 0x7fffffffu) != 0u)'
      : 'select(0u, 1u, x != 0)';
  }
  if (to === 'int32') return from === 'float32' ? 'f32_to_i32(x)' : 'i32(x)';
  return 'f32(x)';
}

const cache = new Map<string, string>();

function code(from: DType, to: DType): string {
  const k = `${from}:${to}`;
  let c = cache.get(k);
  if (c === undefined) {
    c = `
${uniforms(1)}
${bindings({ xs: wgslType(from) }, { ys: wgslType(to) })}
${MATH_WGSL}
${main(`if (i >= word(0u)) { return; }
  let x = xs[i];
  ys[i] = ${conversion(from, to)};`)}
`;
    cache.set(k, c);
  }
  return c;
}

export function cast(ctx: GpuContext, x: KernelTensor<GpuStorage>, dtype: DType): GpuStorage {
  checkDType('cast', dtype);
  const n = sizeOf(x.shape);
  const out = ctx.alloc(dtype, n);
  if (x.dtype === dtype) {
    ctx.copy(x.storage, out, out.byteSize);
  } else {
    const c = code(x.dtype, dtype);
    ctx.run({
      name: 'cast',
      code: c,
      inputs: [x.storage],
      outputs: [out],
      uniforms: [n],
      threads: n,
    });
  }
  return out;
}
