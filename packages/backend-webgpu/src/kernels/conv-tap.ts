/**
 * A forward convolution without a GEMM, for WebGPU on a CPU (SwiftShader), where workgroup
 * barriers cost more than the loads that workgroup memory saves: each invocation computes a 4 × 4
 * or 8 × 4 block, four or eight output channels (sharing every input load) by four consecutive
 * output positions along the last axis (sharing every weight load), looping over the taps and
 * then the input channels of its group, with no workgroup memory at all. Its loads are plain gathers: no
 * per-element address decomposition as in an implicit GEMM's loader.
 *
 * As in the GEMM (and PyTorch), the zero padding is multiplied by the weights: every tap is
 * visited, those over the padding with zeros, so an infinite weight there gives NaN. Sums run in
 * float32 in the order (tap, input channel); the bias, when given, is added once at the end.
 */
import type { ConvGeometry } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { cachedCode } from './code-cache.js';
import { GEOMETRY_NAMES, geometryWords, INPUT_ROW_WGSL } from './conv-words.js';

/**
 * Output channels of one invocation's block, or twice as many for groups of more than four
 * channels (output positions: four along the last axis).
 */
const BLOCK = 4;

/** Uniform words: invocations, channel blocks, position blocks of a row, then the geometry. */
const NAMES = [
  'Total',
  'OB',
  'QW',
  'C',
  'O',
  'Cg',
  'Og',
  'Kvol',
  'In',
  ...GEOMETRY_NAMES,
  'G',
] as const;

const ACCESSORS = NAMES.map((n, i) => `fn c${n}() -> u32 { return word(${i}u); }`).join('\n');

function code(bias: boolean, block: number, relu: boolean): string {
  const ks = Array.from({ length: block }, (_, k) => k);
  return `
${uniforms(NAMES.length)}
${bindings(bias ? { x: 'f32', w: 'f32', bias: 'f32' } : { x: 'f32', w: 'f32' }, { y: 'f32' })}
${ACCESSORS}
${INPUT_ROW_WGSL}
${main(`if (i >= cTotal()) { return; }
  // i = (((((b·G + z)·OB + ob)·OD + od)·OH + oh)·QW + qw)
  var r = i;
  let qw = r % cQW(); r /= cQW();
  let oh = r % cOH(); r /= cOH();
  let od = r % cOD(); r /= cOD();
  let ob = r % cOB(); r /= cOB();
  let z = r % cG();
  let b = r / cG();
  let o0 = ob * ${block}u;
  let ow0 = qw * 4u;
  // One accumulator per output channel of the block, four positions each: separate vectors
  // rather than an array, which a CPU implementation may keep in memory.
  ${ks.map((k) => `var acc${k} = vec4<f32>(0.0);`).join('\n  ')}
  let zero = vec4<f32>(0.0);
  let wPerO = cCg() * cKvol();
  // Channels past the group's end read the last channel's weights; they are never stored.
  let last = cOg() - 1u;
  ${ks.map((k) => `let off${k} = min(o0 + ${k}u, last) * wPerO;`).join('\n  ')}
  let owv = vec4<i32>(vec4<u32>(ow0) + vec4<u32>(0u, 1u, 2u, 3u));
  let xBase = (b * cC() + z * cCg()) * cIn();
  let wBase = z * cOg() * wPerO;
  for (var kd = 0u; kd < cKD(); kd++) {
    for (var kh = 0u; kh < cKH(); kh++) {
      let row = inputRow(od, oh, kd, kh);
      let okRow = row.y != 0u;
      let rowAt = xBase + row.x;
      for (var kw = 0u; kw < cKW(); kw++) {
        let iw = owv * i32(cSW()) + vec4<i32>(i32(kw * cDW()) - i32(cPW()));
        let ok = vec4<bool>(okRow) & (iw >= vec4<i32>(0)) & (iw < vec4<i32>(i32(cW())));
        let at = vec4<u32>(rowAt) + select(vec4<u32>(0u), vec4<u32>(iw), ok);
        var xAt = at;
        var wAt = wBase + (kd * cKH() + kh) * cKW() + kw;
        for (var c = 0u; c < cCg(); c++) {
          // Zeros over the padding, multiplied like any input (as PyTorch does).
          let xv = select(zero, vec4<f32>(x[xAt.x], x[xAt.y], x[xAt.z], x[xAt.w]), ok);
          ${ks.map((k) => `acc${k} += w[wAt + off${k}] * xv;`).join('\n          ')}
          xAt += vec4<u32>(cIn());
          wAt += cKvol();
        }
      }
    }
  }
  let accs = array<vec4<f32>, ${block}>(${ks.map((k) => `acc${k}`).join(', ')});
  for (var oc = 0u; oc < ${block}u; oc++) {
    let o = o0 + oc;
    if (o >= cOg()) { break; }
    let chan = z * cOg() + o;
    let rowAt = (((b * cO() + chan) * cOD() + od) * cOH() + oh) * cOW();
    let sum = accs[oc]${bias ? ' + vec4<f32>(bias[chan])' : ''};
    let a = ${relu ? 'select(sum, vec4<f32>(0.0), sum <= vec4<f32>(0.0))' : 'sum'};
    for (var j = 0u; j < 4u; j++) {
      let ow = ow0 + j;
      if (ow < cOW()) { y[rowAt + ow] = a[j]; }
    }
  }`)}
`;
}

const CODES = new Map<string, string>();
const codeOf = (bias: boolean, block: number, relu: boolean): string =>
  cachedCode(CODES, `${bias}:${block}:${relu}`, () => code(bias, block, relu));

/**
 * Records y = conv(x, w) (+ bias per output channel, then relu where `relu`) into `out`, which
 * holds `batch · outChannels · outSize` elements.
 */
export function tapConv(
  ctx: GpuContext,
  x: GpuStorage,
  w: GpuStorage,
  bias: GpuStorage | null,
  out: GpuStorage,
  g: ConvGeometry,
  batch: number,
  channels: number,
  outChannels: number,
  groups: number,
  relu: boolean,
): void {
  const [OD, OH, OW] = g.output as [number, number, number];
  const og = outChannels / groups;
  // Eight output channels share each input load where the group has more than four (about
  // 0.5 to 0.7 of the time of blocks of four on SwiftShader, LeNet's conv2 to a VGG layer).
  const block = og > BLOCK ? 2 * BLOCK : BLOCK;
  const oBlocks = Math.ceil(og / block);
  const qBlocks = Math.ceil(OW / BLOCK);
  const total = batch * groups * oBlocks * OD * OH * qBlocks;
  ctx.run({
    name: 'conv',
    code: codeOf(bias !== null, block, relu),
    inputs: bias ? [x, w, bias] : [x, w],
    outputs: [out],
    uniforms: [
      total,
      oBlocks,
      qBlocks,
      channels,
      outChannels,
      channels / groups,
      og,
      g.kernelSize,
      g.inSize,
      ...geometryWords(g),
      groups,
    ],
    threads: total,
  });
}
