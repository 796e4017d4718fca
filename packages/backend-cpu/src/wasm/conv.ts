import type { ConvGeometry, ConvParams, KernelTensor, Shape, TypedArray } from '@stride/core';
import { convGeometry, sizeOf } from '@stride/core';
import { isIdentity } from '../im2col.js';
import { jobWords } from './jobs.js';
import { GEOMETRY } from './layout.js';
import type { WasmRuntime } from './runtime.js';

/**
 * Float32 convolutions on the WebAssembly kernels: forward (with its bias), input gradient and
 * filter gradient. Each returns null when the call does not fit in the kernels' memory, and the
 * TypeScript kernel runs instead.
 */

type T = KernelTensor<TypedArray>;

/** Output positions one shifted-convolution unit multiplies, and at most this many floats. */
const SHIFTED_UNIT_COLUMNS = 2048;
const SHIFTED_UNIT_FLOATS = 1 << 16;
/** Floats of planes one padding unit copies. */
const PAD_UNIT_FLOATS = 1 << 14;
/**
 * At most this many floats of one image's (and group's) planes are padded by the shifted
 * convolution's unit itself, in its work area (LeNet-5's first layer: 1024).
 */
const UNIT_PAD_FLOATS = 1 << 14;
/** Floats in one im2col block: a block stays in L2 while the GEMM packs it. */
const COL_BLOCK_FLOATS = 1 << 16;
/** At most this many filter-gradient slices, and at most this many floats for all partials. */
const MAX_SLICES = 16;
const MAX_PARTIAL_FLOATS = 1 << 23;
const NR = 8;

/**
 * The forward pass and the filter gradient of 2-d (and 1-d) convolutions with a kernel bigger
 * than 1×1 run on zero-padded phase planes, where each kernel tap is a shifted view
 * (assembly/shifted.ts and direct.ts); the rest, and every input gradient, use im2col and
 * col2im (1×1 kernels use the input as it is). Measured on LeNet-5's and a VGG layer's shapes:
 * the shifted forward is ~20% faster than im2col on small images, the direct filter gradient up
 * to 2×, while a shifted input gradient (the flipped kernel on the padded output gradient) was
 * 2× slower than col2im on LeNet-5, its few output channels wasting most of each register tile.
 */
function onPhaseGrid(g: ConvGeometry): boolean {
  // 2-d and 1-d only: one depth slice in and out (depth padding would add slices of zeros).
  return (
    g.input[0] === 1 && g.kernel[0] === 1 && g.output[0] === 1 && g.pad[0] === 0 && g.kernelSize > 1
  );
}

/**
 * Along one axis, the phases a convolution's taps read: with stride s and dilation d, tap k
 * reads padded position s·o + d·k, which is phase (d·k) mod s at o + ⌊d·k / s⌋. Only the phases
 * some tap lands on are kept (one at stride 1, or where the dilation is a multiple of the
 * stride).
 */
function axisPhases(kernel: number, dilation: number, stride: number) {
  const taps = Array.from({ length: kernel }, (_, k) => dilation * k);
  const used = [...new Set(taps.map((t) => t % stride))].sort((a, b) => a - b);
  return {
    used,
    index: (k: number) => used.indexOf((dilation * k) % stride),
    shift: (k: number) => Math.floor((dilation * k) / stride),
    extra: Math.floor((dilation * (kernel - 1)) / stride),
  };
}

/**
 * The phase planes of a 2-d geometry (depth 1): every input plane becomes `phases` planes of
 * Hp × Wp floats, Wp = OW + ⌊(KW − 1)·dw / sw⌋, laid out channel after channel, `channelStride`
 * floats apart; phase (r, c) of a plane holds padded positions (sh·i + r, sw·j + c) (padUnit in
 * assembly/direct.ts). At stride 1 the one phase is the zero-padded plane.
 */
function phaseGrid(g: ConvGeometry) {
  const [, H, W] = g.input as [number, number, number];
  const [, KH, KW] = g.kernel as [number, number, number];
  const [, OH, OW] = g.output as [number, number, number];
  const [, sh, sw] = g.stride as [number, number, number];
  const [, dh, dw] = g.dilation as [number, number, number];
  const [, top, left] = g.pad as [number, number, number];
  const rows = axisPhases(KH, dh, sh);
  const cols = axisPhases(KW, dw, sw);
  const Wp = OW + cols.extra;
  const Hp = OH + rows.extra;
  const plane = Hp * Wp;
  const phases = rows.used.length * cols.used.length;
  // Each phase's first source row and column (negative within the padding).
  const starts = new Int32Array(
    rows.used.flatMap((r) => cols.used.flatMap((c) => [r - top, c - left])),
  );
  /** Element offsets of the taps (c, kh, kw), c < channels, from a group's first plane. */
  const tapOffsets = (channels: number): Int32Array => {
    const out = new Int32Array(channels * KH * KW);
    let i = 0;
    for (let c = 0; c < channels; c++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          const phase = rows.index(kh) * cols.used.length + cols.index(kw);
          out[i++] = (c * phases + phase) * plane + rows.shift(kh) * Wp + cols.shift(kw);
        }
      }
    }
    return out;
  };
  const steps = { phases, starts, rowStep: sh, colStep: sw };
  return { H, W, OH, OW, Wp, Hp, plane, channelStride: phases * plane, steps, tapOffsets };
}

/** Plain zero padding: one phase, the source's first row and column at the plane's. */
const PLAIN = { phases: 1, starts: new Int32Array(2), rowStep: 1, colStep: 1 };

/**
 * The forward convolution; `bias` (one value per output channel) is added in the same pass, and
 * with `relu` the output goes through relu after it.
 */
export function conv(
  rt: WasmRuntime,
  x: T,
  w: T,
  params: ConvParams,
  bias?: T | null,
  relu = false,
): Float32Array | null {
  const [batch, channels] = x.shape as [number, number];
  const outChannels = w.shape[0] as number;
  const s = setup(rt, x.shape, w.shape, params);
  const size = batch * outChannels * s.g.outSize;
  if (size === 0) return new Float32Array(0);
  if (onPhaseGrid(s.g)) {
    return shiftedConv(rt, x.storage as Float32Array, w.storage as Float32Array, {
      batch,
      inChannels: channels,
      outChannels,
      groups: params.groups,
      g: s.g,
      bias: bias?.storage as Float32Array | undefined,
      relu,
    });
  }
  const xp = rt.put(x.storage as Float32Array);
  const wp = rt.put(w.storage as Float32Array);
  const bp = bias ? rt.put(bias.storage as Float32Array) : 0;
  const out = rt.output(size);
  const work = rt.alloc(s.workBytes * rt.threads);
  if (xp < 0 || wp < 0 || bp < 0 || out < 0 || work < 0) return null;
  const blocks = Math.ceil(s.g.outSize / s.colBlock);
  rt.run(
    jobWords('conv', {
      units: batch * params.groups * blocks,
      batch,
      channels,
      outChannels,
      groups: params.groups,
      geometry: GEOMETRY,
      in0: xp,
      in1: wp,
      out,
      colBlock: s.colBlock,
      blocks,
      workArea: work,
      workBytes: s.workBytes,
      identity: s.identity ? 1 : 0,
      bias: bp,
      relu: relu ? 1 : 0,
    }),
  );
  return rt.take(out, size);
}

/** The gradient with respect to the input: dcol = Wᵀ·dy, then col2im (1×1: Wᵀ·dy itself). */
export function convBackwardInput(
  rt: WasmRuntime,
  dy: T,
  w: T,
  xShape: Shape,
  params: ConvParams,
): Float32Array | null {
  const [batch, channels] = xShape as [number, number];
  const outChannels = w.shape[0] as number;
  const s = setup(rt, xShape, w.shape, params);
  const size = sizeOf(xShape);
  if (size === 0 || s.g.outSize === 0 || outChannels === 0) return new Float32Array(size);
  const og = outChannels / params.groups;
  const ck = (channels / params.groups) * s.g.kernelSize;
  const dyp = rt.put(dy.storage as Float32Array);
  // Every unit multiplies by the same Wᵀ of its group: packed once here, not once per block.
  const wp = rt.packWeights(rt.put(w.storage as Float32Array), params.groups, ck, og, true);
  const out = rt.output(size);
  const work = rt.alloc(s.workBytes * rt.threads);
  if (dyp < 0 || wp < 0 || out < 0 || work < 0) return null;
  rt.run(
    jobWords('convInputGrad', {
      units: batch * params.groups,
      batch,
      channels,
      outChannels,
      groups: params.groups,
      geometry: GEOMETRY,
      in0: dyp,
      in1: wp,
      out,
      colBlock: s.colBlock,
      blocks: Math.ceil(s.g.outSize / s.colBlock),
      workArea: work,
      workBytes: s.workBytes,
      identity: s.identity ? 1 : 0,
      bias: 0,
      relu: 0,
    }),
  );
  return rt.take(out, size);
}

/**
 * The gradient with respect to the weight: stride-1 convolutions as dot products on padded planes
 * (im2col where the input holds an infinity or NaN), the rest as dy·im2col(x)ᵀ, summed over
 * fixed slices of the batch.
 */
export function convBackwardFilter(
  rt: WasmRuntime,
  x: T,
  dy: T,
  wShape: Shape,
  params: ConvParams,
): Float32Array | null {
  const [batch, channels] = x.shape as [number, number];
  const outChannels = wShape[0] as number;
  const s = setup(rt, x.shape, wShape, params);
  const size = sizeOf(wShape);
  if (size === 0 || s.g.outSize === 0 || batch === 0) return new Float32Array(size);
  // Slices depend on the shapes only, never on the thread count: the sum is reproducible.
  const slices = Math.max(1, Math.min(batch, MAX_SLICES, Math.floor(MAX_PARTIAL_FLOATS / size)));
  if (onPhaseGrid(s.g)) {
    const result = directFilterGrad(rt, x, dy, outChannels, params.groups, s.g, slices, size);
    if (result) return result;
    // An infinity or NaN in x: the im2col path below keeps it where PyTorch has it.
    setup(rt, x.shape, wShape, params);
  }
  const xp = rt.put(x.storage as Float32Array);
  const dyp = rt.put(dy.storage as Float32Array);
  const partials = rt.alloc(slices * size * 4);
  const out = rt.output(size);
  const work = rt.alloc(s.workBytes * rt.threads);
  if (xp < 0 || dyp < 0 || partials < 0 || out < 0 || work < 0) return null;
  rt.run(
    jobWords('convFilterGrad', {
      units: slices,
      batch,
      channels,
      outChannels,
      groups: params.groups,
      geometry: GEOMETRY,
      in0: xp,
      in1: dyp,
      out: partials,
      colBlock: s.colBlock,
      blocks: Math.ceil(s.g.outSize / s.colBlock),
      workArea: work,
      workBytes: s.workBytes,
      identity: s.identity ? 1 : 0,
      bias: 0,
      relu: 0,
    }),
  );
  rt.sumSlices(partials, slices, size, out);
  return rt.take(out, size);
}

/** A convolution on the phase planes (assembly/shifted.ts). */
function shiftedConv(
  rt: WasmRuntime,
  input: Float32Array,
  weight: Float32Array,
  c: {
    batch: number;
    inChannels: number;
    outChannels: number;
    groups: number;
    g: ConvGeometry;
    bias: Float32Array | undefined;
    relu: boolean;
  },
): Float32Array | null {
  const { batch, inChannels, outChannels, groups, g } = c;
  const grid = phaseGrid(g);
  const { H, W, OH, OW, Wp, Hp, plane } = grid;
  const cg = inChannels / groups;
  const og = outChannels / groups;
  const ck = cg * g.kernelSize;
  const src = rt.put(input);
  const wp = rt.packWeights(rt.put(weight), groups, og, ck);
  const columns = Math.min(SHIFTED_UNIT_COLUMNS, Math.floor(SHIFTED_UNIT_FLOATS / og));
  const rowsPerUnit = Math.max(1, Math.min(OH, Math.floor(columns / OW)));
  const rowBlocks = Math.ceil(OH / rowsPerUnit);
  // Each unit pads its own planes where it is the only unit that reads them and they are small:
  // they stay in cache for the product, and the call has one job less.
  const groupPlaneFloats = cg * grid.channelStride;
  const asItIs = unpadded(rt, input, src, grid);
  const inUnit = !asItIs && rowBlocks === 1 && groupPlaneFloats <= UNIT_PAD_FLOATS;
  const planes = batch * inChannels;
  const padded =
    asItIs || inUnit ? src : pad(rt, src, planes, [H, W], [Hp, Wp], plane, grid.steps, 0);
  const words = inUnit ? padWords(rt, src, planes, [H, W], [Hp, Wp], plane, grid.steps, 0, 0) : [];
  const padArgs = !words ? -1 : inUnit ? rt.put(Int32Array.from(words)) : 0;
  const offsets = rt.put(grid.tapOffsets(cg));
  const bias = c.bias ? rt.put(c.bias) : 0;
  // The unit's own planes, with the slack read past the last of them.
  const workBytes = rt.gemmWorkBytes + (inUnit ? (groupPlaneFloats + Wp + 16) * 4 : 0);
  const work = rt.alloc(workBytes * rt.threads);
  const out = rt.output(batch * outChannels * OH * OW);
  if (src < 0 || wp < 0 || padded < 0 || padArgs < 0 || offsets < 0 || bias < 0) return null;
  if (work < 0 || out < 0) return null;
  rt.run(
    jobWords('shiftedConv', {
      units: batch * groups * rowBlocks,
      batch,
      inChannels,
      outChannels,
      groups,
      offsets,
      padded,
      planeStride: grid.channelStride,
      weights: wp,
      out,
      OH,
      OW,
      Wp,
      rowsPerUnit,
      rowBlocks,
      work,
      workBytes,
      ck,
      bias,
      relu: c.relu ? 1 : 0,
      pad: padArgs,
    }),
  );
  return rt.take(out, batch * outChannels * OH * OW);
}

/**
 * Whether the input at `src` serves as its own phase planes: stride 1 and no padding, so its
 * planes are the grid's, and the reads that the shifted GEMM makes past the last plane (up to a
 * row and a panel, into lanes it never stores) stay inside the memory.
 */
function unpadded(
  rt: WasmRuntime,
  input: Float32Array,
  src: number,
  g: ReturnType<typeof phaseGrid>,
): boolean {
  const { phases, starts, rowStep, colStep } = g.steps;
  const plain =
    phases === 1 && rowStep === 1 && colStep === 1 && starts[0] === 0 && starts[1] === 0;
  if (src < 0 || !plain || g.Hp !== g.H || g.Wp !== g.W) return false;
  return src + (input.length + g.Wp + 16) * 4 <= rt.memoryBytes;
}

/**
 * The filter gradient as dot products on the phase planes; null when x holds an infinity or NaN
 * (or the call does not fit), and the caller takes the im2col path.
 */
function directFilterGrad(
  rt: WasmRuntime,
  x: T,
  dy: T,
  outChannels: number,
  groups: number,
  g: ConvGeometry,
  slices: number,
  size: number,
): Float32Array | null {
  const [batch, channels] = x.shape as [number, number];
  const grid = phaseGrid(g);
  const { H, W, OH, OW, Wp, Hp, plane } = grid;
  const dyPlane = Math.ceil((OH * Wp) / 4) * 4;
  const cg = channels / groups;
  const ck = cg * g.kernelSize;
  const xs = rt.put(x.storage as Float32Array);
  const dys = rt.put(dy.storage as Float32Array);
  const flagCount = Math.ceil((batch * channels * grid.steps.phases) / padPlanesPerUnit(plane));
  const flags = rt.alloc(flagCount * 4);
  const xPadded = pad(rt, xs, batch * channels, [H, W], [Hp, Wp], plane, grid.steps, flags);
  const dyPadded = pad(rt, dys, batch * outChannels, [OH, OW], [OH, Wp], dyPlane, PLAIN, 0);
  const offsets = rt.put(grid.tapOffsets(cg));
  const partials = rt.alloc(slices * size * 4);
  const out = rt.output(size);
  if (xs < 0 || dys < 0 || flags < 0 || xPadded < 0 || dyPadded < 0 || offsets < 0) return null;
  if (partials < 0 || out < 0) return null;
  for (let i = 0; i < flagCount; i++) if (rt.word(flags + 4 * i) !== 0) return null;
  rt.run(
    jobWords('directFilterGrad', {
      units: slices,
      batch,
      inChannels: channels,
      outChannels,
      groups,
      offsets,
      x: xPadded,
      xPlaneStride: grid.channelStride,
      dy: dyPadded,
      dyPlaneStride: dyPlane,
      partials,
      ck,
    }),
  );
  rt.sumSlices(partials, slices, size, out);
  return rt.take(out, size);
}

/** Destination planes one padding unit writes, `stride` floats apart. */
function padPlanesPerUnit(stride: number): number {
  return Math.max(1, Math.floor(PAD_UNIT_FLOATS / stride));
}

/**
 * Copies `planes` planes at `src` into zero-padded phase planes (`steps.phases` per source
 * plane, `stride` floats apart, with slack after the last for the reads of dropped columns) and
 * returns their address, or -1. `flags`, when not 0, receives one word per unit (padUnit).
 */
function pad(
  rt: WasmRuntime,
  src: number,
  planes: number,
  [h, w]: [number, number],
  [ph, pw]: [number, number],
  stride: number,
  steps: typeof PLAIN,
  flags: number,
): number {
  const total = planes * steps.phases;
  const dst = rt.alloc((total * stride + pw + 16) * 4);
  if (dst < 0) return -1;
  const words = padWords(rt, src, planes, [h, w], [ph, pw], stride, steps, dst, flags);
  if (!words) return -1;
  rt.run(words);
  // The slack after the last plane is read, never written by the job.
  rt.zero(dst + total * stride * 4, pw + 16);
  return dst;
}

/** The arguments of a pad job (assembly/direct.ts, PadArgs); null when out of memory. */
function padWords(
  rt: WasmRuntime,
  src: number,
  planes: number,
  [h, w]: [number, number],
  [ph, pw]: [number, number],
  stride: number,
  steps: typeof PLAIN,
  dst: number,
  flags: number,
): number[] | null {
  const starts = rt.put(steps.starts);
  if (src < 0 || starts < 0 || flags < 0) return null;
  const total = planes * steps.phases;
  const per = padPlanesPerUnit(stride);
  return jobWords('pad', {
    units: Math.ceil(total / per),
    planes,
    src,
    srcH: h,
    srcW: w,
    dst,
    dstH: ph,
    dstW: pw,
    dstPlaneStride: stride,
    phases: steps.phases,
    phaseStarts: starts,
    rowStep: steps.rowStep,
    colStep: steps.colStep,
    planesPerUnit: per,
    flags,
  });
}

/**
 * Starts a convolution call: writes the geometry, and sizes the im2col block (a multiple of the
 * micro-kernel's width) and each thread's work area.
 */
function setup(
  rt: WasmRuntime,
  xShape: Shape,
  wShape: Shape,
  params: ConvParams,
): { g: ConvGeometry; colBlock: number; workBytes: number; identity: boolean } {
  const g = convGeometry(xShape.slice(2), wShape.slice(2), params);
  const ck = ((xShape[1] as number) / params.groups) * g.kernelSize;
  const target = Math.floor(COL_BLOCK_FLOATS / Math.max(1, ck));
  const colBlock = Math.min(g.outSize, Math.max(NR, Math.floor(target / NR) * NR));
  rt.begin();
  rt.setWords(GEOMETRY, [
    ...g.input,
    ...g.kernel,
    ...g.output,
    ...g.stride,
    ...g.pad,
    ...g.dilation,
  ]);
  const workBytes = rt.gemmWorkBytes + Math.ceil((ck * colBlock * 4) / 16) * 16;
  return { g, colBlock, workBytes, identity: isIdentity(g) };
}
