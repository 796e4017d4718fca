/**
 * The input gradient of a strided convolution, visiting only the taps that reach each input
 * element. With stride s along an axis, input position i is reached by tap t only when
 * i + pad − t·dilation is a multiple of s, so for a 3×3 kernel at stride 2 an input element
 * sees 2.25 of the 9 taps on average. The implicit GEMM of conv.ts runs every tap and masks the
 * missing ones (four times the work at stride 2 in 2-d, nine at stride 3); this kernel tests
 * the taps once per invocation and multiplies only the ones that exist.
 *
 * Each invocation computes a 4 × 4 block (8 × 4 on a CPU adapter for groups of more than four
 * channels): four input channels (sharing every dy load) by four
 * input positions along the last axis that lie s apart, so that they have the same residue
 * modulo the stride and hence the same taps, at four consecutive output positions (sharing
 * every weight load). The taps are the outer loop and the output channels of the group the
 * inner one, so the divisibility tests run once per tap, not once per multiply.
 *
 * conv.ts also sends unit-stride gradients here on a CPU adapter (SwiftShader): every tap then
 * reaches, but this kernel runs no workgroup barriers, which cost more there than the GEMM's
 * shared loads save.
 *
 * Taps that miss dy are never multiplied, as in the masked GEMM: an infinite weight there gives
 * no NaN. Sums run in float32 in the order (tap, output channel).
 */
import type { ConvGeometry } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { cachedCode } from './code-cache.js';
import { GEOMETRY_NAMES, geometryWords } from './conv-words.js';
import { onCpu } from './gemm-wgsl.js';

/** Input channels of one invocation's block (twice as many on a CPU adapter, see below). */
const TAP_CHANNELS = 4;

/** Uniform words: invocations, channel blocks, position blocks per phase, then the geometry. */
const NAMES = [
  'Total',
  'CB',
  'JB',
  'C',
  'O',
  'Cg',
  'Og',
  'Kvol',
  'P',
  ...GEOMETRY_NAMES,
  'G',
] as const;

const ACCESSORS = NAMES.map((n, i) => `fn c${n}() -> u32 { return word(${i}u); }`).join('\n');

/**
 * The first tap along an axis whose numerator i + pad − t·dil is divisible by the stride, or
 * `k` when none is; the later ones follow every stride/gcd(stride, dil) taps. With `stop`, a
 * negative numerator ends the search (no later tap reaches i); without it (the last axis,
 * whose invocations cover several positions i + s·j) it does not.
 */
const AXIS_FNS = `
fn firstTap(i: u32, pad: u32, dil: u32, s: u32, k: u32, stop: bool) -> u32 {
  for (var t = 0u; t < k; t++) {
    let u = i32(i + pad) - i32(t * dil);
    if (stop && u < 0) { return k; }
    if (u % i32(s) == 0) { return t; }
  }
  return k;
}
fn tapStep(dil: u32, s: u32) -> u32 {
  var a = dil % s;
  var b = s;
  while (a != 0u) { let r = b % a; b = a; a = r; }
  return s / b;
}`;

function code(block: number): string {
  const ks = Array.from({ length: block }, (_, k) => k);
  return `
${uniforms(NAMES.length)}
${bindings({ w: 'f32', dy: 'f32' }, { dx: 'f32' })}
${ACCESSORS}
${AXIS_FNS}
${main(`if (i >= cTotal()) { return; }
  // i = ((((((b·G + z)·CB + cb)·D + id)·H + ih)·SW + pw)·JB + jb)
  var r = i;
  let jb = r % cJB(); r /= cJB();
  let pw = r % cSW(); r /= cSW();
  let ih = r % cH(); r /= cH();
  let id = r % cD(); r /= cD();
  let cb = r % cCB(); r /= cCB();
  let z = r % cG();
  let b = r / cG();
  let c0 = cb * ${block}u;
  let j0 = jb * 4u;
  // Input columns pw + SW·(j0 + j); the first must exist.
  let iw0 = pw + cSW() * j0;
  if (iw0 >= cW()) { return; }
  // One accumulator per channel of the block, four positions each: separate vectors rather
  // than an array, which a CPU implementation may keep in memory (and index one lane at a time).
  ${ks.map((k) => `var acc${k} = vec4<f32>(0.0);`).join('\n  ')}
  let zero = vec4<f32>(0.0);
  // Channels past the group's end read the last channel's weights; they are never stored.
  let last = cCg() - 1u;
  ${ks.map((k) => `let off${k} = min(c0 + ${k}u, last) * cKvol();`).join('\n  ')}
  let stepD = tapStep(cDD(), cSD());
  let stepH = tapStep(cDH(), cSH());
  let stepW = tapStep(cDW(), cSW());
  let wPerO = cCg() * cKvol();
  for (var kd = firstTap(id, cPD(), cDD(), cSD(), cKD(), true); kd < cKD(); kd += stepD) {
    let ud = i32(id + cPD()) - i32(kd * cDD());
    if (ud < 0) { break; }
    let qd = u32(ud) / cSD();
    if (qd >= cOD()) { continue; }
    for (var kh = firstTap(ih, cPH(), cDH(), cSH(), cKH(), true); kh < cKH(); kh += stepH) {
      let uh = i32(ih + cPH()) - i32(kh * cDH());
      if (uh < 0) { break; }
      let qh = u32(uh) / cSH();
      if (qh >= cOH()) { continue; }
      for (var kw = firstTap(pw, cPW(), cDW(), cSW(), cKW(), false); kw < cKW(); kw += stepW) {
        // Output column of input column pw + SW·j: (pw + PW − kw·DW)/SW + j, exactly.
        let q0 = (i32(pw + cPW()) - i32(kw * cDW())) / i32(cSW()) + i32(j0);
        let js = vec4<i32>(0, 1, 2, 3);
        let q = vec4<i32>(q0) + js;
        let iw = vec4<u32>(iw0) + cSW() * vec4<u32>(js);
        let ok = (q >= vec4<i32>(0)) & (q < vec4<i32>(i32(cOW()))) & (iw < vec4<u32>(cW()));
        if (!any(ok)) { continue; }
        // Columns that miss read column 0 of the row and are masked out below.
        let qs = select(vec4<u32>(0u), vec4<u32>(q), ok);
        let t = (kd * cKH() + kh) * cKW() + kw;
        let dyRow = (qd * cOH() + qh) * cOW();
        var wAt = z * cOg() * wPerO + t;
        var dyAt = (b * cO() + z * cOg()) * cP() + dyRow;
        for (var o = 0u; o < cOg(); o++) {
          let dv = vec4<f32>(dy[dyAt + qs.x], dy[dyAt + qs.y], dy[dyAt + qs.z], dy[dyAt + qs.w]);
          // Only the existing taps: a missing one adds nothing, not w · 0.
          ${ks.map((k) => `acc${k} += select(zero, w[wAt + off${k}] * dv, ok);`).join('\n          ')}
          wAt += wPerO;
          dyAt += cP();
        }
      }
    }
  }
  let accs = array<vec4<f32>, ${block}>(${ks.map((k) => `acc${k}`).join(', ')});
  for (var cc = 0u; cc < ${block}u; cc++) {
    let c = c0 + cc;
    if (c >= cCg()) { break; }
    let rowAt = (((b * cC() + z * cCg() + c) * cD() + id) * cH() + ih) * cW();
    let a = accs[cc];
    for (var j = 0u; j < 4u; j++) {
      let iw = iw0 + cSW() * j;
      if (iw < cW()) { dx[rowAt + iw] = a[j]; }
    }
  }`)}
`;
}

const CODES = new Map<string, string>();
const codeOf = (block: number): string => cachedCode(CODES, `${block}`, () => code(block));

/**
 * Records dx for a strided convolution (some stride above 1) into `out`, which holds
 * `batch · channels · inSize` elements.
 */
export function stridedConvBackwardInput(
  ctx: GpuContext,
  dy: GpuStorage,
  w: GpuStorage,
  out: GpuStorage,
  g: ConvGeometry,
  batch: number,
  channels: number,
  outChannels: number,
  groups: number,
): void {
  const [D, H, W] = g.input;
  const cg = channels / groups;
  const sw = g.stride[2] as number;
  // Eight channels share each dy load on a CPU adapter (a quarter less time on SwiftShader for
  // VGG-size layers); four elsewhere, and for groups that small.
  const block = onCpu(ctx) && cg > TAP_CHANNELS ? 2 * TAP_CHANNELS : TAP_CHANNELS;
  const cBlocks = Math.ceil(cg / block);
  // Positions per phase of the last axis: at most ceil(W / SW), in blocks of four.
  const jBlocks = Math.ceil(Math.ceil((W as number) / sw) / 4);
  const total = batch * groups * cBlocks * (D as number) * (H as number) * sw * jBlocks;
  ctx.run({
    name: 'convBackwardInput',
    code: codeOf(block),
    inputs: [w, dy],
    outputs: [out],
    uniforms: [
      total,
      cBlocks,
      jBlocks,
      channels,
      outChannels,
      cg,
      outChannels / groups,
      g.kernelSize,
      g.outSize,
      ...geometryWords(g),
      groups,
    ],
    threads: total,
  });
}
