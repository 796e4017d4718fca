/**
 * Core's optional fused kernels that are element-wise: `reluBackward`, `sgdStep` and `adamStep`.
 * Each is one launch where core would otherwise compose two (relu's gradient: a comparison and a
 * `where`; an SGD update: a product and a sum) or about twenty (an Adam step: a dozen
 * element-wise ops and the scalars they lift),
 * with every intermediate rounded to float32 as the separate kernels would store it.
 */
import type { AdamStepParams, KernelTensor } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import { f32 } from '../dispatch.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { MATH_WGSL } from '../wgsl-math.js';

type T = KernelTensor<GpuStorage>;

/** `dy` where `x > 0`, else 0: a NaN `x` fails the ordered comparison, as in `where(x > 0, ...)`. */
const RELU_BACKWARD = `
${uniforms(1)}
${bindings({ dy: 'f32', x: 'f32' }, { dx: 'f32' })}
${main(`if (i >= word(0u)) { return; }
  dx[i] = select(0.0, dy[i], x[i] > 0.0);`)}
`;

export function reluBackward(ctx: GpuContext, dy: T, x: T): GpuStorage {
  const n = sizeOf(dy.shape);
  const out = ctx.alloc(dy.dtype, n);
  ctx.run({
    name: 'reluBackward',
    code: RELU_BACKWARD,
    inputs: [dy.storage, x.storage],
    outputs: [out],
    uniforms: [n],
    threads: n,
  });
  return out;
}

/**
 * One step of plain gradient descent (see `Backend.sgdStep` in core): `param + keep(direction ·
 * −lr)`, the product rounded apart from the sum as `mul` then `add` round it.
 */
const SGD_STEP = `
${uniforms(3)}
${bindings({ base: 'f32', dir: 'f32' }, { p: 'f32' })}
// Word 2 is 0, unknown to the compiler: or-ing it in keeps the product from fusing into the sum.
fn keep(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) | word(2u)); }
${main(`if (i >= word(0u)) { return; }
  p[i] = base[i] + keep(dir[i] * fword(1u));`)}
`;

export function sgdStep(ctx: GpuContext, param: T, direction: T, lr: number): GpuStorage {
  const n = sizeOf(param.shape);
  const out = ctx.alloc(param.dtype, n);
  ctx.run({
    name: 'sgdStep',
    code: SGD_STEP,
    inputs: [param.storage, direction.storage],
    outputs: [out],
    uniforms: [n, f32(-lr), 0],
    threads: n,
  });
  return out;
}

/**
 * One Adam step (see `Backend.adamStep` in core). The scalars arrive as float32 words, each the
 * float32 rounding of the scalar core would lift to a tensor (1 − β₁ is rounded once, after the
 * subtraction, as `mul(grad, 1 − β₁)` rounds it), and each intermediate goes through `keep`, so
 * that the compiler cannot fuse a multiply and an add into one rounding.
 */
const ADAM_STEP = `
${uniforms(9)}
${bindings({ base: 'f32', grad: 'f32', m0: 'f32', v0: 'f32' }, { p: 'f32', m: 'f32', v: 'f32' })}
${MATH_WGSL}
// Word 8 is 0, unknown to the compiler: or-ing it in forces each value to be rounded apart.
fn keep(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) | word(8u)); }
${main(`if (i >= word(0u)) { return; }
  let g = grad[i];
  let mi = keep(keep(m0[i] * fword(1u)) + keep(g * fword(2u)));
  let vi = keep(keep(v0[i] * fword(3u)) + keep(keep(g * fword(4u)) * g));
  let root = select(sqrt(vi), nan_f32(), vi < 0.0);
  let denom = keep(keep(root / fword(6u)) + fword(7u));
  m[i] = mi;
  v[i] = vi;
  p[i] = base[i] + keep(keep(mi * fword(5u)) / denom);`)}
`;

export function adamStep(
  ctx: GpuContext,
  base: T,
  grad: T,
  expAvg: T,
  expAvgSq: T,
  h: AdamStepParams,
): { param: GpuStorage; expAvg: GpuStorage; expAvgSq: GpuStorage } {
  const n = sizeOf(base.shape);
  const param = ctx.alloc(base.dtype, n);
  const m = ctx.alloc(base.dtype, n);
  const v = ctx.alloc(base.dtype, n);
  ctx.run({
    name: 'adamStep',
    code: ADAM_STEP,
    inputs: [base.storage, grad.storage, expAvg.storage, expAvgSq.storage],
    outputs: [param, m, v],
    uniforms: [
      n,
      f32(h.beta1),
      f32(1 - h.beta1),
      f32(h.beta2),
      f32(1 - h.beta2),
      f32(-h.stepSize),
      f32(h.biasCorrection2Sqrt),
      f32(h.eps),
      0,
    ],
    threads: n,
  });
  return { param, expAvg: m, expAvgSq: v };
}
