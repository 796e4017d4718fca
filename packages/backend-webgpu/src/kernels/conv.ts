/**
 * Convolution forward and both gradients as implicit GEMMs on the tiled GEMM of gemm-wgsl.ts.
 * 1-d and 2-d convolutions are 3-d ones with unit leading axes, so one set of shaders serves
 * every rank; `z` is the group. Per group g (cg = C/g input and og = O/g output channels,
 * P output positions, kvol kernel taps, ck = cg·kvol):
 *
 * - `conv`: y[b, o, p] = Σ_(c,t) w[o, c, t] · x[b, c, p·stride − pad + t·dilation], the GEMM
 *   W [og, ck] · im2col(x) [ck, batch·P]. The B loader gathers im2col(x) on the fly, zero in the
 *   padding. Columns are (batch, position), so output rows are contiguous (vec4 stores).
 * - `convBackwardInput`: dx[b, c, i] = Σ_(o,t) w[o, c, t] · dy[b, o, (i + pad − t·dilation) /
 *   stride] over the taps where that division is exact and in range: the GEMM Wᵀ [cg, og·kvol]
 *   · G [og·kvol, batch·inSize] where G gathers dy. Each input element is computed once from the
 *   outputs that touch it, so there is no scatter, no atomics, and the result is deterministic.
 *   A variant for unit strides skips the divisibility test.
 * - `convBackwardFilter`: dw[o, c, t] = Σ_(b,p) dy[b, o, p] · x[b, c, p·stride − pad + t·dilation],
 *   the GEMM dy [og, batch·P] · im2col(x)ᵀ [batch·P, ck]. K is long and the output small, so on
 *   a GPU this is where split-K (see gemm-wgsl.ts) matters.
 *
 * Strided input gradients (some stride above 1) skip the GEMM: conv-strided-dx.ts visits only
 * the taps that reach each input element, where the GEMM would mask three in four of them. On a
 * CPU adapter (SwiftShader), so do unit-stride ones: that kernel runs no workgroup barriers, which
 * cost more there than the loads the GEMM's workgroup memory saves.
 *
 * Two other paths:
 * - direct: a 1×1 kernel with unit stride and no padding (or any geometry where im2col is the
 *   identity) reads its operands as plain [channels, positions] planes, with vec4 loads when the
 *   plane size is a multiple of 4, and no index math at all;
 * - explicit im2col (forward only, on a GPU): when a group's weights span several row tiles,
 *   every row tile would repeat the gather, so for outputs small enough that the im2col matrix
 *   is cheap to hold (at most `IM2COL_MAX_ELEMENTS`) it is written once and multiplied as a
 *   plain matrix;
 * - tap (forward only, on a CPU adapter such as SwiftShader): conv-tap.ts, blocks of 4 output
 *   channels by 4 positions with no workgroup memory, since barriers cost more there than the
 *   loads they save (on SwiftShader a third to two thirds of the time of the GEMM paths, from
 *   LeNet's layers to a VGG layer);
 * - tap filter gradient (on a CPU adapter, for gradients that fill under half of one GEMM tile):
 *   conv-tap-dw.ts, the same idea for `convBackwardFilter`.
 *
 * All geometry travels in uniform words, so the code varies only with the path, the tile and
 * which operands allow vec4 access.
 */
import type { ConvGeometry, ConvParams, KernelTensor, Shape } from '@stride/core';
import { convGeometry, sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import type { Word } from '../dispatch.js';
import type { GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { stridedConvBackwardInput } from './conv-strided-dx.js';
import { tapConv } from './conv-tap.js';
import { tapConvBackwardFilter } from './conv-tap-dw.js';
import { GEOMETRY_NAMES, geometryWords } from './conv-words.js';
import {
  GEMM_WORDS,
  type GemmMode,
  gemmBindings,
  gemmCode,
  gemmMode,
  kw,
  onCpu,
  pickTile,
  rowVecFn,
  runGemm,
  type Tile,
} from './gemm-wgsl.js';

type T = KernelTensor<GpuStorage>;

/** Which forward path to take; `auto` chooses (the others are for tests). */
export type ConvPath = 'auto' | 'implicit' | 'im2col' | 'direct' | 'tap';

/** The explicit im2col path holds at most this many elements (16 MB). */
export const IM2COL_MAX_ELEMENTS = 1 << 22;

/** True when im2col would copy the input unchanged (1×1 kernel, unit stride, no padding). */
function isIdentity(g: ConvGeometry): boolean {
  if (g.kernelSize !== 1) return false;
  for (let i = 0; i < 3; i++) {
    if (g.pad[i] !== 0 || g.output[i] !== g.input[i]) return false;
    if (g.stride[i] !== 1 && g.input[i] !== 1) return false;
  }
  return true;
}

/** The convolution's uniform words (after the GEMM's), by name, and their WGSL accessors. */
const NAMES = [
  'C',
  'O',
  'Cg',
  'Og',
  'Kvol',
  'P',
  'In',
  ...GEOMETRY_NAMES,
  'KHW',
  'OHW',
  'HW',
] as const;

/** `fn cC() -> u32` ... one accessor per word, so the loaders read like the formulas. */
const ACCESSORS = NAMES.map((n, i) => `fn c${n}() -> u32 { return ${kw(i)}; }`).join('\n');

function convWords(g: ConvGeometry, channels: number, outChannels: number, groups: number): Word[] {
  const [, H, W] = g.input;
  const [, KH, KW] = g.kernel;
  const [, OH, OW] = g.output;
  return [
    channels,
    outChannels,
    channels / groups,
    outChannels / groups,
    g.kernelSize,
    g.outSize,
    g.inSize,
    ...geometryWords(g),
    KH * KW,
    OH * OW,
    H * W,
  ];
}

/**
 * WGSL `fn name(z, ch, pos) -> vec4<f32>`: elements pos..pos+3 of the (batch, position) axis of
 * channel z·groupChannels + ch of a [batch, channels, plane] tensor (plane = cP() elements), zero
 * outside `chBound` × `posBound`. With `vec` (plane a multiple of 4, pos a multiple of 4) the four
 * lie in one plane and are one vec4 load.
 */
function planeFn(
  name: string,
  buf: string,
  channels: string,
  groupChannels: string,
  chBound: string,
  posBound: string,
  vec: boolean,
): string {
  if (vec) {
    return `fn ${name}(z: u32, ch: u32, pos: u32) -> vec4<f32> {
  if (ch >= ${chBound} || pos >= ${posBound}) { return vec4<f32>(0.0); }
  let b = pos / cP();
  let p = pos - b * cP();
  return ${buf}[((b * ${channels} + z * ${groupChannels} + ch) * cP() + p) >> 2u];
}`;
  }
  return `fn ${name}(z: u32, ch: u32, pos: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (ch >= ${chBound}) { return v; }
  var b = pos / cP();
  var p = pos - b * cP();
  for (var j = 0u; j < 4u; j++) {
    if (pos + j < ${posBound}) {
      v[j] = ${buf}[(b * ${channels} + z * ${groupChannels} + ch) * cP() + p];
    }
    p += 1u;
    if (p == cP()) { p = 0u; b += 1u; }
  }
  return v;
}`;
}

/**
 * WGSL `fn im2colAt(z, tap, pos) -> vec4<f32>`: the im2col matrix of group z, for kernel row
 * `tap` = (channel, kd, kh, kw) of the group and columns pos..pos+3 = (batch, od, oh, ow): the
 * input under that tap, zero in the padding and past `posBound`. Out-of-range coordinates wrap
 * to huge unsigned values, so one comparison per axis tests both ends.
 */
function im2colFn(posBound: string): string {
  return `fn im2colAt(z: u32, tap: u32, pos: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  let c = tap / cKvol();
  let t = tap - c * cKvol();
  let kd = t / cKHW();
  let t2 = t - kd * cKHW();
  let kh = t2 / cKW();
  let kwi = t2 - kh * cKW();
  let offD = kd * cDD() - cPD();
  let offH = kh * cDH() - cPH();
  let offW = kwi * cDW() - cPW();
  let chan = z * cCg() + c;
  var b = pos / cP();
  let p = pos - b * cP();
  var od = p / cOHW();
  let q = p - od * cOHW();
  var oh = q / cOW();
  var ow = q - oh * cOW();
  for (var j = 0u; j < 4u; j++) {
    if (pos + j < ${posBound}) {
      let id = od * cSD() + offD;
      let ih = oh * cSH() + offH;
      let iw = ow * cSW() + offW;
      if (id < cD() && ih < cH() && iw < cW()) {
        v[j] = x[(b * cC() + chan) * cIn() + (id * cH() + ih) * cW() + iw];
      }
    }
    ow += 1u;
    if (ow == cOW()) {
      ow = 0u;
      oh += 1u;
      if (oh == cOH()) {
        oh = 0u;
        od += 1u;
        if (od == cOD()) { od = 0u; b += 1u; }
      }
    }
  }
  return v;
}`;
}

/** Output of the forward GEMM: row o of group z, column (b, p) → y[b, z·og + o, p]. */
const FORWARD_OUT = `fn outRow(z: u32, m: u32) -> u32 { return (z * cOg() + m) * cP(); }
fn outCol(z: u32, n: u32) -> u32 { let b = n / cP(); return b * cO() * cP() + n - b * cP(); }`;

/** Forward convolution (see the file comment); `path` forces a path, for tests. */
export function conv(
  ctx: GpuContext,
  x: T,
  w: T,
  params: ConvParams,
  path: ConvPath = 'auto',
): GpuStorage {
  return convForward(ctx, x, w, null, params, path);
}

/**
 * `conv` plus a bias per output channel, added by the GEMM as it stores each element (core's
 * optional `convBias`): one launch instead of two, and no pass over the output to add it.
 */
export function convBias(
  ctx: GpuContext,
  x: T,
  w: T,
  bias: T,
  params: ConvParams,
  path: ConvPath = 'auto',
): GpuStorage {
  return convForward(ctx, x, w, bias, params, path);
}

/**
 * `conv`, the bias when there is one, then relu, all as each element is stored (core's optional
 * `convBiasRelu`): one launch where conv, add and relu took up to three.
 */
export function convBiasRelu(
  ctx: GpuContext,
  x: T,
  w: T,
  bias: T | null,
  params: ConvParams,
  path: ConvPath = 'auto',
): GpuStorage {
  return convForward(ctx, x, w, bias, params, path, true);
}

/** `rowBias` of the GEMM's bias epilogue: output channel z·og + m. */
const ROW_BIAS = 'fn rowBias(z: u32, m: u32) -> f32 { return bias[z * cOg() + m]; }';

function convForward(
  ctx: GpuContext,
  x: T,
  w: T,
  bias: T | null,
  params: ConvParams,
  path: ConvPath,
  relu = false,
): GpuStorage {
  const [batch, channels] = x.shape;
  const outChannels = w.shape[0];
  const groups = params.groups;
  const g = convGeometry(x.shape.slice(2), w.shape.slice(2), params);
  const og = outChannels / groups;
  const ck = (channels / groups) * g.kernelSize;
  const positions = batch * g.outSize;
  const size = positions * outChannels;
  const out = ctx.alloc(x.dtype, size);
  if (size === 0) return out;
  const tile = pickTile(og, positions, groups);
  const vecW = ck % 4 === 0;
  const vecOut = g.outSize % 4 === 0;
  const identity = isIdentity(g);
  let chosen = path;
  if (chosen === 'auto') {
    // Row tiles of one group each gather the same columns (groups gather different ones).
    const repeats = Math.ceil(og / tile.m);
    const cpu = onCpu(ctx);
    if (identity) chosen = 'direct';
    else if (cpu) chosen = 'tap';
    else if (repeats >= 2 && ck * positions * groups <= IM2COL_MAX_ELEMENTS) chosen = 'im2col';
    else chosen = 'implicit';
  }
  if (chosen === 'tap') {
    tapConv(
      ctx,
      x.storage,
      w.storage,
      bias?.storage ?? null,
      out,
      g,
      batch,
      channels,
      outChannels,
      groups,
      relu,
    );
    return out;
  }
  const mode = gemmMode(ctx, chosen === 'implicit');
  if (chosen === 'direct' && !identity)
    throw new Error('conv: the direct path needs a 1×1 identity');
  const words = convWords(g, channels, outChannels, groups);
  const loadA = `${rowVecFn('rowW', 'w', 'dimM()', 'dimK()', vecW)}
fn loadA(z: u32, m: u32, k: u32) -> vec4<f32> { return rowW(z * dimM() * dimK(), m, k); }`;
  const gemm = { name: 'conv', tile, out, outSize: size, m: og, n: positions, k: ck, z: groups };
  const hasBias = bias !== null;
  const biasBinding: Record<string, boolean> = hasBias ? { bias: false } : {};
  const biasInput = bias ? [bias.storage] : [];
  const biasFn = hasBias ? ROW_BIAS : '';

  if (chosen === 'im2col') {
    const colSize = groups * ck * positions;
    const col = ctx.alloc('float32', colSize);
    const threads = groups * ck * Math.ceil(positions / 4);
    ctx.run({
      name: 'conv',
      code: IM2COL_CODE,
      inputs: [x.storage],
      outputs: [col],
      uniforms: [og, positions, ck, groups, 0, 0, 0, 0, 0, threads, ...words],
      threads,
    });
    const vecCol = positions % 4 === 0;
    const key = `conv:im2col:${vecW}:${vecCol}:${vecOut}:${hasBias}:${relu}`;
    const code = convCode(key, tile, mode, 'k', 'n', vecOut, {
      decls: `${gemmBindings({ w: vecW, unfolded: vecCol, ...biasBinding }, vecOut)}
${loadA}
${rowVecFn('rowCol', 'unfolded', 'dimK()', 'dimN()', vecCol)}
fn loadB(z: u32, k: u32, n: u32) -> vec4<f32> { return rowCol(z * dimK() * dimN(), k, n); }
${FORWARD_OUT}
${biasFn}`,
      rowBias: hasBias,
      relu,
    });
    runGemm(ctx, { ...gemm, code, inputs: [w.storage, col, ...biasInput], words });
    ctx.release(col);
    return out;
  }

  const direct = chosen === 'direct';
  const vecX = direct && vecOut;
  const loadB = direct
    ? `${planeFn('plane', 'x', 'cC()', 'cCg()', 'dimK()', 'dimN()', vecX)}
fn loadB(z: u32, k: u32, n: u32) -> vec4<f32> { return plane(z, k, n); }`
    : `${im2colFn('dimN()')}
fn loadB(z: u32, k: u32, n: u32) -> vec4<f32> {
  if (k >= dimK()) { return vec4<f32>(0.0); }
  return im2colAt(z, k, n);
}`;
  const key = `conv:${direct ? 'direct' : 'implicit'}:${vecW}:${vecX}:${vecOut}:${hasBias}:${relu}`;
  const code = convCode(key, tile, mode, 'k', 'n', vecOut, {
    decls: `${gemmBindings({ w: vecW, x: vecX, ...biasBinding }, vecOut)}
${loadA}
${loadB}
${FORWARD_OUT}
${biasFn}`,
    rowBias: hasBias,
    relu,
  });
  runGemm(ctx, { ...gemm, code, inputs: [w.storage, x.storage, ...biasInput], words });
  return out;
}

/**
 * Writes the im2col matrix of every group, [groups, ck, batch·P], four columns per invocation.
 * Its uniform words are laid out like the forward GEMM's (M, N = batch·P, K = ck, Z = groups,
 * ..., word 9 = invocations), so it shares the gather function.
 */
const IM2COL_CODE = `
${uniforms(GEMM_WORDS + NAMES.length)}
${ACCESSORS}
${bindings({ x: 'f32' }, { unfolded: 'f32' })}
${im2colFn('word(1u)')}
${main(`if (i >= word(9u)) { return; }
  let n = word(1u);
  let quads = (n + 3u) / 4u;
  let pos = (i % quads) * 4u;
  let row = i / quads;
  let z = row / word(2u);
  let v = im2colAt(z, row - z * word(2u), pos);
  let at = row * n + pos;
  unfolded[at] = v.x;
  if (pos + 1u < n) { unfolded[at + 1u] = v.y; }
  if (pos + 2u < n) { unfolded[at + 2u] = v.z; }
  if (pos + 3u < n) { unfolded[at + 3u] = v.w; }`)}
`;

/** A GEMM shader with the convolution's word accessors in scope. */
function convCode(
  key: string,
  tile: Tile,
  mode: GemmMode,
  aAxis: 'm' | 'k',
  bAxis: 'n' | 'k',
  vecOut: boolean,
  spec: { decls: string; maskB?: boolean; rowBias?: boolean; relu?: boolean },
): string {
  return gemmCode(
    key,
    {
      tile,
      aAxis,
      bAxis,
      vecOut,
      words: NAMES.length,
      decls: `${ACCESSORS}\n${spec.decls}`,
      maskB: spec.maskB,
      rowBias: spec.rowBias,
      relu: spec.relu,
    },
    mode,
  );
}

/** Gradient of `conv` with respect to its input (see the file comment). */
export function convBackwardInput(
  ctx: GpuContext,
  dy: T,
  w: T,
  xShape: Shape,
  params: ConvParams,
  path: 'auto' | 'implicit' = 'auto',
): GpuStorage {
  const [batch, channels] = xShape;
  const outChannels = w.shape[0];
  const groups = params.groups;
  const g = convGeometry(xShape.slice(2), w.shape.slice(2), params);
  const cg = channels / groups;
  const og = outChannels / groups;
  const size = sizeOf(xShape);
  const out = ctx.alloc(dy.dtype, size);
  if (size === 0) return out;
  const identity = isIdentity(g);
  const mode = gemmMode(ctx, !identity);
  const positions = batch * g.inSize;
  const tile = pickTile(cg, positions, groups);
  const vecOut = g.inSize % 4 === 0;
  const words = convWords(g, channels, outChannels, groups);
  const gemm = {
    name: 'convBackwardInput',
    tile,
    out,
    outSize: size,
    m: cg,
    n: positions,
    k: og * g.kernelSize,
    z: groups,
    inputs: [w.storage, dy.storage],
    words,
  };
  const outFns = `fn outRow(z: u32, m: u32) -> u32 { return (z * cCg() + m) * cIn(); }
fn outCol(z: u32, n: u32) -> u32 { let b = n / cIn(); return b * cC() * cIn() + n - b * cIn(); }`;

  if (identity) {
    // dx = Wᵀ · dy per group: A(c, o) = w[z·og + o, c] runs along c, B is dy's planes.
    const vecW = cg % 4 === 0;
    const vecDy = g.outSize % 4 === 0;
    const code = convCode(
      `convBackwardInput:direct:${vecW}:${vecDy}:${vecOut}`,
      tile,
      mode,
      'm',
      'n',
      vecOut,
      {
        decls: `${gemmBindings({ w: vecW, dy: vecDy }, vecOut)}
${rowVecFn('rowW', 'w', 'dimK()', 'dimM()', vecW)}
fn loadA(z: u32, m: u32, k: u32) -> vec4<f32> { return rowW(z * dimK() * dimM(), k, m); }
${planeFn('plane', 'dy', 'cO()', 'cOg()', 'dimK()', 'dimN()', vecDy)}
fn loadB(z: u32, k: u32, n: u32) -> vec4<f32> { return plane(z, k, n); }
${outFns}`,
      },
    );
    runGemm(ctx, { ...gemm, code });
    return out;
  }

  const unit = g.stride.every((s) => s === 1);
  // On a CPU adapter the tap kernel wins at unit stride too: it runs no workgroup barriers, and
  // its M is not padded to a tile (on SwiftShader, about a fifth of the GEMM's time for LeNet's
  // conv2 and half for a VGG layer, 64 → 64 channels at 56²).
  if ((!unit || onCpu(ctx)) && path === 'auto') {
    // Only the taps that reach each input element (conv-strided-dx.ts).
    stridedConvBackwardInput(
      ctx,
      dy.storage,
      w.storage,
      out,
      g,
      batch,
      channels,
      outChannels,
      groups,
    );
    return out;
  }
  // Output coordinate q along an axis from numerator u = i + pad − t·dilation: exact division
  // by the stride, or u itself for unit strides; a negative u wraps huge and fails q < size.
  const axis = (u: string, q: string, s: string, size: string) =>
    unit
      ? `let ${q} = ${u}; let ok${q} = ${q} < ${size};`
      : `let ${q} = ${u} / ${s}(); let ok${q} = ${q} < ${size} && ${q} * ${s}() == ${u};`;
  const code = convCode(
    `convBackwardInput:implicit:${unit}:${vecOut}`,
    tile,
    mode,
    'k',
    'n',
    vecOut,
    {
      // Taps that miss dy are missing entries of B, not zeros: PyTorch (and the CPU backend's
      // col2im) never multiply their weights, so an infinite weight there must not give NaN.
      maskB: true,
      decls: `${gemmBindings({ w: false, dy: false }, vecOut)}
fn loadA(z: u32, m: u32, k: u32) -> vec4<f32> {
  // A(c, (o, t)) = w[z·og + o, c, t] for k..k+3.
  var v = vec4<f32>(0.0);
  if (m >= dimM()) { return v; }
  var o = k / cKvol();
  var t = k - o * cKvol();
  for (var j = 0u; j < 4u; j++) {
    if (k + j < dimK()) { v[j] = w[((z * cOg() + o) * cCg() + m) * cKvol() + t]; }
    t += 1u;
    if (t == cKvol()) { t = 0u; o += 1u; }
  }
  return v;
}
fn loadB(z: u32, k: u32, n: u32) -> MaskedB {
  // B((o, t), (b, i)) = dy[b, z·og + o, q] where q·stride = i + pad − t·dilation per axis;
  // missing where no such q exists.
  var v = vec4<f32>(0.0);
  var ok = vec4<f32>(0.0);
  if (k >= dimK()) { return MaskedB(v, ok); }
  let o = k / cKvol();
  let t = k - o * cKvol();
  let kd = t / cKHW();
  let t2 = t - kd * cKHW();
  let kh = t2 / cKW();
  let kwi = t2 - kh * cKW();
  let offD = cPD() - kd * cDD();
  let offH = cPH() - kh * cDH();
  let offW = cPW() - kwi * cDW();
  let chan = z * cOg() + o;
  var b = n / cIn();
  let p = n - b * cIn();
  var id = p / cHW();
  let q = p - id * cHW();
  var ih = q / cW();
  var iw = q - ih * cW();
  for (var j = 0u; j < 4u; j++) {
    if (n + j < dimN()) {
      let ud = id + offD;
      let uh = ih + offH;
      let uw = iw + offW;
      ${axis('ud', 'qd', 'cSD', 'cOD()')}
      ${axis('uh', 'qh', 'cSH', 'cOH()')}
      ${axis('uw', 'qw', 'cSW', 'cOW()')}
      if (okqd && okqh && okqw) {
        v[j] = dy[(b * cO() + chan) * cP() + (qd * cOH() + qh) * cOW() + qw];
        ok[j] = 1.0;
      }
    }
    iw += 1u;
    if (iw == cW()) {
      iw = 0u;
      ih += 1u;
      if (ih == cH()) {
        ih = 0u;
        id += 1u;
        if (id == cD()) { id = 0u; b += 1u; }
      }
    }
  }
  return MaskedB(v, ok);
}
${outFns}`,
    },
  );
  runGemm(ctx, { ...gemm, code });
  return out;
}

/** Which filter-gradient path to take; `auto` chooses (the others are for tests). */
export type FilterGradPath = 'auto' | 'gemm' | 'tap';

/** Gradient of `conv` with respect to its weight (see the file comment). */
export function convBackwardFilter(
  ctx: GpuContext,
  x: T,
  dy: T,
  wShape: Shape,
  params: ConvParams,
  path: FilterGradPath = 'auto',
): GpuStorage {
  const [batch, channels] = x.shape;
  const outChannels = wShape[0];
  const groups = params.groups;
  const g = convGeometry(x.shape.slice(2), wShape.slice(2), params);
  const og = outChannels / groups;
  const ck = (channels / groups) * g.kernelSize;
  const size = sizeOf(wShape);
  const out = ctx.alloc(x.dtype, size);
  if (size === 0) return out;
  const tile = pickTile(og, ck, groups);
  // On a CPU adapter, a gradient that fills under half of one GEMM tile (LeNet's first layer:
  // 6 × 25 in 32 × 32) takes a third of the time without the GEMM; larger ones take twice as long.
  const small = onCpu(ctx) && 2 * og * ck <= tile.m * tile.n;
  if ((path === 'tap' || (path === 'auto' && small)) && batch > 0 && g.outSize > 0) {
    tapConvBackwardFilter(ctx, x.storage, dy.storage, out, g, batch, channels, outChannels, groups);
    return out;
  }
  const vecOut = ck % 4 === 0;
  const vecDy = g.outSize % 4 === 0;
  const identity = isIdentity(g);
  const mode = gemmMode(ctx, !identity);
  const vecX = identity && vecDy;
  const loadB = identity
    ? `${planeFn('planeX', 'x', 'cC()', 'cCg()', 'dimN()', 'dimK()', vecX)}
fn loadB(z: u32, k: u32, n: u32) -> vec4<f32> { return planeX(z, n, k); }`
    : `${im2colFn('dimK()')}
fn loadB(z: u32, k: u32, n: u32) -> vec4<f32> {
  // im2col(x)ᵀ: rows are (batch, position), columns the group's taps.
  if (n >= dimN()) { return vec4<f32>(0.0); }
  return im2colAt(z, n, k);
}`;
  const key = `convBackwardFilter:${identity ? 'direct' : 'implicit'}:${vecDy}:${vecX}:${vecOut}`;
  const code = convCode(key, tile, mode, 'k', 'k', vecOut, {
    decls: `${gemmBindings({ dy: vecDy, x: vecX }, vecOut)}
${planeFn('planeDy', 'dy', 'cO()', 'cOg()', 'dimM()', 'dimK()', vecDy)}
fn loadA(z: u32, m: u32, k: u32) -> vec4<f32> { return planeDy(z, m, k); }
${loadB}
fn outRow(z: u32, m: u32) -> u32 { return (z * cOg() + m) * dimN(); }
fn outCol(z: u32, n: u32) -> u32 { return n; }`,
  });
  runGemm(ctx, {
    name: 'convBackwardFilter',
    code,
    tile,
    inputs: [dy.storage, x.storage],
    out,
    outSize: size,
    m: og,
    n: ck,
    k: batch * g.outSize,
    z: groups,
    words: convWords(g, channels, outChannels, groups),
    splitK: true,
  });
  return out;
}
