/**
 * The filter gradient without a GEMM, for WebGPU on a CPU (SwiftShader), as conv-tap.ts is for
 * the forward pass: dw[o, c, t] = Σ_(b, p) dy[b, o, p] · x[b, c, p·stride − pad + t·dilation].
 * The GEMM path multiplies dy [og, batch·P] by im2col(x)ᵀ [batch·P, ck], whose few rows and
 * columns (6 × 25 for LeNet's first layer) fill a sixth of its smallest tile, and its workgroup
 * barriers cost more than they save on a CPU. Here each invocation sums one kernel tap of one
 * input channel for four output channels (sharing every input load) over one slice of the batch,
 * four consecutive output positions along the last axis at a time in vector accumulators, with
 * no workgroup memory. The slices' partial sums are then added in order, so the result does not
 * depend on scheduling.
 *
 * As in the GEMM (and PyTorch), zero padding is multiplied like any input: an infinite dy there
 * gives NaN.
 */
import type { ConvGeometry } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { GEOMETRY_NAMES, geometryWords, INPUT_ROW_WGSL } from './conv-words.js';
import { sumSlices } from './gemm-wgsl.js';

/** Output channels of one invocation (output positions: four along the last axis). */
const BLOCK = 4;
/** The partial sums of all slices take at most this many elements. */
const MAX_PARTIAL = 1 << 22;

/** Uniform words: invocations, channel blocks, images per slice, then the geometry. */
const NAMES = [
  'Total',
  'OB',
  'PerSlice',
  'N',
  'C',
  'O',
  'Cg',
  'Og',
  'Kvol',
  'In',
  'Out',
  'G',
  ...GEOMETRY_NAMES,
] as const;

const ACCESSORS = NAMES.map((n, i) => `fn c${n}() -> u32 { return word(${i}u); }`).join('\n');

const ks = Array.from({ length: BLOCK }, (_, k) => k);

const CODE = `
${uniforms(NAMES.length)}
${bindings({ x: 'f32', dy: 'f32' }, { part: 'f32' })}
${ACCESSORS}
${INPUT_ROW_WGSL}
${main(`if (i >= cTotal()) { return; }
  // i = ((((s·G + z)·OB + ob)·Cg + c)·Kvol + t)
  var r = i;
  let t = r % cKvol(); r /= cKvol();
  let c = r % cCg(); r /= cCg();
  let ob = r % cOB(); r /= cOB();
  let z = r % cG();
  let s = r / cG();
  let kw = t % cKW();
  let kh = (t / cKW()) % cKH();
  let kd = t / (cKW() * cKH());
  let o0 = ob * ${BLOCK}u;
  // Channels past the group's end read the last channel's dy; they are never stored.
  let last = cOg() - 1u;
  ${ks.map((k) => `let ch${k} = z * cOg() + min(o0 + ${k}u, last);`).join('\n  ')}
  ${ks.map((k) => `var acc${k} = vec4<f32>(0.0);`).join('\n  ')}
  let zero = vec4<f32>(0.0);
  let b0 = s * cPerSlice();
  let b1 = min(cN(), b0 + cPerSlice());
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);
  for (var b = b0; b < b1; b++) {
    let xPlane = (b * cC() + z * cCg() + c) * cIn();
    ${ks.map((k) => `let dyPlane${k} = (b * cO() + ch${k}) * cOut();`).join('\n    ')}
    for (var od = 0u; od < cOD(); od++) {
      for (var oh = 0u; oh < cOH(); oh++) {
        let row = inputRow(od, oh, kd, kh);
        let okRow = row.y != 0u;
        let xRow = xPlane + row.x;
        let dyRow = (od * cOH() + oh) * cOW();
        for (var ow0 = 0u; ow0 < cOW(); ow0 += 4u) {
          let ow = vec4<u32>(ow0) + lanes;
          let inRow = ow < vec4<u32>(cOW());
          let iw = vec4<i32>(ow * cSW()) + vec4<i32>(i32(kw * cDW()) - i32(cPW()));
          let ok = vec4<bool>(okRow) & inRow & (iw >= vec4<i32>(0)) & (iw < vec4<i32>(i32(cW())));
          let at = vec4<u32>(xRow) + select(vec4<u32>(0u), vec4<u32>(iw), ok);
          // Zeros over the padding (multiplied like any input) and past the row's end.
          let xv = select(zero, vec4<f32>(x[at.x], x[at.y], x[at.z], x[at.w]), ok);
          let q = vec4<u32>(dyRow) + select(vec4<u32>(0u), ow, inRow);
          ${ks
            .map(
              (k) =>
                `acc${k} += select(zero, vec4<f32>(dy[dyPlane${k} + q.x], dy[dyPlane${k} + q.y], dy[dyPlane${k} + q.z], dy[dyPlane${k} + q.w]), inRow) * xv;`,
            )
            .join('\n          ')}
        }
      }
    }
  }
  let wPerO = cCg() * cKvol();
  let sliceAt = s * cG() * cOg() * wPerO;
  let accs = array<vec4<f32>, ${BLOCK}>(${ks.map((k) => `acc${k}`).join(', ')});
  for (var oc = 0u; oc < ${BLOCK}u; oc++) {
    let o = o0 + oc;
    if (o >= cOg()) { break; }
    let a = accs[oc];
    part[sliceAt + (z * cOg() + o) * wPerO + c * cKvol() + t] = (a.x + a.y) + (a.z + a.w);
  }`)}
`;

/**
 * Records dw = the filter gradient of x and dy into `out` (`outChannels · channels/groups ·
 * kernelSize` elements). `maxPartial` caps the elements of the slices' partial sums (tests lower
 * it to make slices of several images).
 */
export function tapConvBackwardFilter(
  ctx: GpuContext,
  x: GpuStorage,
  dy: GpuStorage,
  out: GpuStorage,
  g: ConvGeometry,
  batch: number,
  channels: number,
  outChannels: number,
  groups: number,
  maxPartial = MAX_PARTIAL,
): void {
  const og = outChannels / groups;
  const cg = channels / groups;
  const size = outChannels * cg * g.kernelSize;
  const oBlocks = Math.ceil(og / BLOCK);
  // One slice per image, as far as the partial sums stay small; the count depends on the shapes
  // alone, so the order of the sums does too.
  const slices = Math.max(1, Math.min(batch, Math.floor(maxPartial / size)));
  const perSlice = Math.ceil(batch / slices);
  const used = Math.ceil(batch / perSlice);
  const total = used * groups * oBlocks * cg * g.kernelSize;
  const target = used === 1 ? out : ctx.alloc('float32', used * size);
  ctx.run({
    name: 'convBackwardFilter',
    code: CODE,
    inputs: [x, dy],
    outputs: [target],
    uniforms: [
      total,
      oBlocks,
      perSlice,
      batch,
      channels,
      outChannels,
      cg,
      og,
      g.kernelSize,
      g.inSize,
      g.outSize,
      groups,
      ...geometryWords(g),
    ],
    threads: total,
  });
  if (target !== out) {
    sumSlices(ctx, 'convBackwardFilter', target, out, size, used);
    ctx.release(target);
  }
}
