import type {
  AdamStepParams,
  ConvGeometry,
  ConvParams,
  KernelTensor,
  PoolParams,
  Shape,
  TypedArray,
} from '@stride/core';
import { convGeometry } from '@stride/core';
import { isIdentity } from '../im2col.js';
import { sizeOf } from '../shape.js';
import { floatBits, jobWords, MAP } from './jobs.js';
import { GEOMETRY } from './layout.js';
import type { WasmRuntime } from './runtime.js';

type T = KernelTensor<TypedArray>;

/** Output positions one shifted-convolution unit multiplies, and at most this many floats. */
const SHIFTED_UNIT_COLUMNS = 2048;
const SHIFTED_UNIT_FLOATS = 1 << 16;
/** Floats of planes one padding unit copies. */
const PAD_UNIT_FLOATS = 1 << 14;

/** Element-wise maps take over from TypeScript from this many elements, this many per unit. */
const MAP_MIN_ELEMENTS = 1 << 14;
const MAP_UNIT_ELEMENTS = 1 << 15;
/** An Adam step is worth a job from this many elements (it costs about 13 ns each in JS). */
const ADAM_MIN_ELEMENTS = 2048;
/** Floats of input planes one pooling unit reads. */
const POOL_UNIT_FLOATS = 1 << 15;

/** Below this many multiply-adds a job is one unit: waking a thread would cost more. */
const MIN_PARALLEL_MACS = 1 << 16;
/** Floats in one im2col block: a block stays in L2 while the GEMM packs it. */
const COL_BLOCK_FLOATS = 1 << 16;
/** At most this many filter-gradient slices, and at most this many floats for all partials. */
const MAX_SLICES = 16;
const MAX_PARTIAL_FLOATS = 1 << 23;

const MR = 4;
const NR = 8;

/**
 * The forward pass and the filter gradient of stride-1 2-d (and 1-d) convolutions with a kernel
 * bigger than 1×1 run on zero-padded planes, where each kernel tap is a shifted view
 * (assembly/shifted.ts and direct.ts); the rest, and every input gradient, use im2col and
 * col2im (1×1 kernels use the input as it is). Measured on LeNet-5's and a VGG layer's shapes:
 * the shifted forward is ~20% faster than im2col on small images, the direct filter gradient up
 * to 2×, while a shifted input gradient (the flipped kernel on the padded output gradient) was
 * 2× slower than col2im on LeNet-5, its few output channels wasting most of each register tile.
 */
function strideOne(g: ConvGeometry): boolean {
  return (
    g.input[0] === 1 &&
    g.kernel[0] === 1 &&
    g.stride[1] === 1 &&
    g.stride[2] === 1 &&
    g.kernelSize > 1
  );
}

/**
 * The zero-padded grid of a stride-1 convolution (a 2-d geometry; depth 1): planes Hp × Wp
 * with Wp = OW + (KW − 1)·dw, so that every tap of every output position is in the plane.
 */
function paddedGrid(g: ConvGeometry) {
  const [, H, W] = g.input;
  const [, KH, KW] = g.kernel;
  const [, OH, OW] = g.output;
  const [, dh, dw] = g.dilation;
  const [, top, left] = g.pad;
  const Wp = OW + (KW - 1) * dw;
  const Hp = OH + (KH - 1) * dh;
  return { H, W, KH, KW, OH, OW, dh, dw, top, left, Wp, Hp, plane: Hp * Wp };
}

/** Element offsets of the kernel taps (c, kh, kw) on planes `plane` floats apart. */
function tapOffsets(
  channels: number,
  plane: number,
  KH: number,
  KW: number,
  rowStep: number,
  colStep: number,
): Int32Array {
  const out = new Int32Array(channels * KH * KW);
  let i = 0;
  for (let c = 0; c < channels; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) out[i++] = c * plane + kh * rowStep + kw * colStep;
    }
  }
  return out;
}

/**
 * Float32 matmul, convolution and the convolution gradients on the WebAssembly kernels. Each
 * returns null when the call does not fit in the kernels' memory, and the backend falls back to
 * its TypeScript kernel.
 */
export class WasmKernels {
  constructor(readonly runtime: WasmRuntime) {}

  matmul(a: T, b: T, transposeA: boolean, transposeB: boolean): Float32Array | null {
    const [ba, a1, a2] = a.shape as [number, number, number];
    const [bb, b1, b2] = b.shape as [number, number, number];
    const batch = ba === 1 ? bb : ba;
    const m = transposeA ? a2 : a1;
    const k = transposeA ? a1 : a2;
    const n = transposeB ? b1 : b2;
    if (batch * m * n === 0) return new Float32Array(batch * m * n);
    const rt = this.runtime;
    rt.begin();
    const ap = rt.put(a.storage as Float32Array);
    const bp = rt.put(b.storage as Float32Array);
    const cp = rt.output(batch * m * n);
    const work = rt.alloc(rt.gemmWorkBytes * rt.threads);
    if (ap < 0 || bp < 0 || cp < 0 || work < 0) return null;
    // A shared right operand with row-major left operands: the batch is just more rows.
    const fold = bb === 1 && ba === batch && !transposeA && batch > 1;
    const rows = fold ? batch * m : m;
    const items = fold ? 1 : batch;
    const [mParts, nParts] = this.split(items, rows, n, k);
    rt.run(
      jobWords('matmul', {
        units: items * mParts * nParts,
        batch: items,
        m: rows,
        n,
        k,
        a: ap,
        aRs: transposeA ? 1 : k,
        aCs: transposeA ? m : 1,
        aBatch: ba === 1 ? 0 : m * k,
        b: bp,
        bRs: transposeB ? 1 : n,
        bCs: transposeB ? k : 1,
        bBatch: bb === 1 ? 0 : k * n,
        c: cp,
        ldc: n,
        cBatch: m * n,
        mParts,
        nParts,
        work,
        workBytes: rt.gemmWorkBytes,
      }),
    );
    return rt.take(cp, batch * m * n);
  }

  /** Row and column blocks per batch item, so that every thread has about two units. */
  private split(batch: number, m: number, n: number, k: number): [number, number] {
    const threads = this.runtime.threads;
    if (threads === 1 || batch >= 2 * threads || batch * m * n * k < MIN_PARALLEL_MACS)
      return [1, 1];
    const parts = Math.ceil((2 * threads) / batch);
    if (n >= m) return [1, Math.max(1, Math.min(parts, Math.ceil(n / (4 * NR))))];
    return [Math.max(1, Math.min(parts, Math.ceil(m / (4 * MR)))), 1];
  }

  /** The forward convolution; `bias` (one value per output channel) is added in the same pass. */
  conv(x: T, w: T, params: ConvParams, bias?: T): Float32Array | null {
    const [batch, channels] = x.shape as [number, number];
    const outChannels = w.shape[0] as number;
    const s = this.setup(x.shape, w.shape, params);
    const size = batch * outChannels * s.g.outSize;
    if (size === 0) return new Float32Array(0);
    if (strideOne(s.g)) {
      return this.shiftedConv(x.storage as Float32Array, w.storage as Float32Array, {
        batch,
        inChannels: channels,
        outChannels,
        groups: params.groups,
        g: s.g,
        bias: bias?.storage as Float32Array | undefined,
      });
    }
    const rt = this.runtime;
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
      }),
    );
    return rt.take(out, size);
  }

  convBackwardInput(dy: T, w: T, xShape: Shape, params: ConvParams): Float32Array | null {
    const [batch, channels] = xShape as [number, number];
    const outChannels = w.shape[0] as number;
    const s = this.setup(xShape, w.shape, params);
    const size = sizeOf(xShape);
    if (size === 0 || s.g.outSize === 0 || outChannels === 0) return new Float32Array(size);
    const rt = this.runtime;
    const dyp = rt.put(dy.storage as Float32Array);
    const wp = rt.put(w.storage as Float32Array);
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
      }),
    );
    return rt.take(out, size);
  }

  convBackwardFilter(x: T, dy: T, wShape: Shape, params: ConvParams): Float32Array | null {
    const [batch, channels] = x.shape as [number, number];
    const outChannels = wShape[0] as number;
    const s = this.setup(x.shape, wShape, params);
    const size = sizeOf(wShape);
    if (size === 0 || s.g.outSize === 0 || batch === 0) return new Float32Array(size);
    // Slices depend on the shapes only, never on the thread count: the sum is reproducible.
    const slices = Math.max(1, Math.min(batch, MAX_SLICES, Math.floor(MAX_PARTIAL_FLOATS / size)));
    if (strideOne(s.g)) {
      const result = this.directFilterGrad(x, dy, outChannels, params.groups, s.g, slices, size);
      if (result) return result;
      // An infinity or NaN in x: the im2col path below keeps it where PyTorch has it.
      this.setup(x.shape, wShape, params);
    }
    const rt = this.runtime;
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
      }),
    );
    rt.sumSlices(partials, slices, size, out);
    return rt.take(out, size);
  }

  /** A stride-1 convolution on the padded grid (assembly/shifted.ts). */
  private shiftedConv(
    input: Float32Array,
    weight: Float32Array,
    c: {
      batch: number;
      inChannels: number;
      outChannels: number;
      groups: number;
      g: ConvGeometry;
      bias: Float32Array | undefined;
    },
  ): Float32Array | null {
    const rt = this.runtime;
    const { batch, inChannels, outChannels, groups, g } = c;
    const { H, W, KH, KW, OH, OW, dh, dw, top, left, Wp, Hp, plane } = paddedGrid(g);
    const cg = inChannels / groups;
    const og = outChannels / groups;
    const ck = cg * KH * KW;
    const src = rt.put(input);
    const wp = rt.put(weight);
    const padded = this.pad(src, batch * inChannels, [H, W], [Hp, Wp], plane, [top, left], 0);
    const offsets = rt.put(tapOffsets(cg, plane, KH, KW, dh * Wp, dw));
    const bias = c.bias ? rt.put(c.bias) : 0;
    const columns = Math.min(SHIFTED_UNIT_COLUMNS, Math.floor(SHIFTED_UNIT_FLOATS / og));
    const rowsPerUnit = Math.max(1, Math.min(OH, Math.floor(columns / Wp)));
    const rowBlocks = Math.ceil(OH / rowsPerUnit);
    const workBytes = rt.gemmWorkBytes + Math.ceil((og * rowsPerUnit * Wp) / 4) * 16;
    const work = rt.alloc(workBytes * rt.threads);
    const out = rt.output(batch * outChannels * OH * OW);
    if (src < 0 || wp < 0 || padded < 0 || offsets < 0 || bias < 0 || work < 0 || out < 0) {
      return null;
    }
    rt.run(
      jobWords('shiftedConv', {
        units: batch * groups * rowBlocks,
        batch,
        inChannels,
        outChannels,
        groups,
        offsets,
        padded,
        planeStride: plane,
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
      }),
    );
    return rt.take(out, batch * outChannels * OH * OW);
  }

  /**
   * The stride-1 filter gradient as dot products on the padded grid; null when x holds an
   * infinity or NaN (or the call does not fit), and the caller takes the im2col path.
   */
  private directFilterGrad(
    x: T,
    dy: T,
    outChannels: number,
    groups: number,
    g: ConvGeometry,
    slices: number,
    size: number,
  ): Float32Array | null {
    const rt = this.runtime;
    const [batch, channels] = x.shape as [number, number];
    const { H, W, KH, KW, OH, OW, dh, dw, top, left, Wp, Hp, plane } = paddedGrid(g);
    const dyPlane = Math.ceil((OH * Wp) / 4) * 4;
    const cg = channels / groups;
    const ck = cg * KH * KW;
    const xs = rt.put(x.storage as Float32Array);
    const dys = rt.put(dy.storage as Float32Array);
    const planesPerUnit = Math.max(1, Math.floor(PAD_UNIT_FLOATS / plane));
    const flagCount = Math.ceil((batch * channels) / planesPerUnit);
    const flags = rt.alloc(flagCount * 4);
    const xPadded = this.pad(xs, batch * channels, [H, W], [Hp, Wp], plane, [top, left], flags);
    const dyPadded = this.pad(dys, batch * outChannels, [OH, OW], [OH, Wp], dyPlane, [0, 0], 0);
    const offsets = rt.put(tapOffsets(cg, plane, KH, KW, dh * Wp, dw));
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
        xPlaneStride: plane,
        dy: dyPadded,
        dyPlaneStride: dyPlane,
        partials,
        ck,
      }),
    );
    rt.sumSlices(partials, slices, size, out);
    return rt.take(out, size);
  }

  /**
   * Copies `planes` planes at `src` into zero-padded planes (`stride` floats apart, with slack
   * after the last for the reads of dropped columns) and returns their address, or -1.
   */
  private pad(
    src: number,
    planes: number,
    [h, w]: [number, number],
    [ph, pw]: [number, number],
    stride: number,
    [top, left]: [number, number],
    flags: number,
  ): number {
    const rt = this.runtime;
    const dst = rt.alloc((planes * stride + pw + 16) * 4);
    if (src < 0 || dst < 0) return -1;
    const per = Math.max(1, Math.floor(PAD_UNIT_FLOATS / stride));
    rt.run(
      jobWords('pad', {
        units: Math.ceil(planes / per),
        planes,
        src,
        srcH: h,
        srcW: w,
        dst,
        dstH: ph,
        dstW: pw,
        dstPlaneStride: stride,
        top,
        left,
        planesPerUnit: per,
        flags,
      }),
    );
    // The slack after the last plane is read, never written by the job.
    rt.zero(dst + planes * stride * 4, pw + 16);
    return dst;
  }

  /**
   * relu, or with `dy` its gradient (dy where x > 0, else 0), for large float32 tensors that
   * already live in this memory (a copy in and out would cost more than the map saves); null
   * otherwise, and the TypeScript kernel runs.
   */
  map(op: keyof typeof MAP, x: T, dy?: T): Float32Array | null {
    const n = sizeOf(x.shape);
    const rt = this.runtime;
    const inputs = dy ? [x, dy] : [x];
    if (n < MAP_MIN_ELEMENTS || inputs.some((t) => !rt.owns(t.storage as Float32Array)))
      return null;
    rt.begin();
    const out = rt.output(n);
    if (out < 0) return null;
    const perUnit = MAP_UNIT_ELEMENTS;
    rt.run(
      jobWords('map', {
        units: Math.ceil(n / perUnit),
        op: MAP[op],
        n,
        // reluBackward reads dy first, then x.
        a: rt.put((dy ?? x).storage as Float32Array),
        b: dy ? rt.put(x.storage as Float32Array) : 0,
        out,
        perUnit,
      }),
    );
    return rt.take(out, n);
  }

  /**
   * The sum of x [batch, channels, ...] over every axis but the channels' (a convolution's bias
   * gradient), for large float32 tensors in this memory; null otherwise.
   */
  channelSum(x: T): Float32Array | null {
    const n = sizeOf(x.shape);
    const rt = this.runtime;
    if (n < MAP_MIN_ELEMENTS || !rt.owns(x.storage as Float32Array)) return null;
    const [batch, channels] = x.shape as [number, number];
    rt.begin();
    const out = rt.output(channels);
    if (out < 0) return null;
    rt.run(
      jobWords('channelSum', {
        units: channels,
        batch,
        channels,
        plane: n / (batch * channels),
        x: rt.put(x.storage as Float32Array),
        out,
      }),
    );
    return rt.take(out, channels);
  }

  /**
   * One float32 Adam step (the contract's adamStep), bit for bit the TypeScript kernel's, for
   * tensors that live in this memory; null otherwise.
   */
  adamStep(
    base: T,
    grad: T,
    expAvg: T,
    expAvgSq: T,
    h: AdamStepParams,
  ): { param: Float32Array; expAvg: Float32Array; expAvgSq: Float32Array } | null {
    const n = sizeOf(base.shape);
    const rt = this.runtime;
    const inputs = [base, grad, expAvg, expAvgSq].map((t) => t.storage as Float32Array);
    if (n < ADAM_MIN_ELEMENTS || !inputs.every((s) => rt.owns(s))) return null;
    rt.begin();
    const outParam = rt.output(n);
    const outExpAvg = rt.output(n);
    const outExpAvgSq = rt.output(n);
    if (outParam < 0 || outExpAvg < 0 || outExpAvgSq < 0) return null;
    const [param, g, m, v] = inputs.map((s) => rt.put(s)) as [number, number, number, number];
    rt.run(
      jobWords('adam', {
        units: Math.ceil(n / MAP_UNIT_ELEMENTS),
        n,
        param,
        grad: g,
        expAvg: m,
        expAvgSq: v,
        outParam,
        outExpAvg,
        outExpAvgSq,
        perUnit: MAP_UNIT_ELEMENTS,
        beta1: floatBits(h.beta1),
        keep1: floatBits(1 - h.beta1),
        beta2: floatBits(h.beta2),
        keep2: floatBits(1 - h.beta2),
        correction: floatBits(h.biasCorrection2Sqrt),
        eps: floatBits(h.eps),
        step: floatBits(-h.stepSize),
      }),
    );
    return {
      param: rt.take(outParam, n),
      expAvg: rt.take(outExpAvg, n),
      expAvgSq: rt.take(outExpAvgSq, n),
    };
  }

  /**
   * Float32 2×2 max pooling with every window inside the input (see maxPool2dInside in
   * ../pool.ts), on storages in this memory; null otherwise.
   */
  maxPool2x2(x: T, p: PoolParams): { values: Float32Array; indices: Int32Array } | null {
    const [batch, channels, H, W] = x.shape as [number, number, number, number];
    const [outH, outW] = p.outSize as [number, number];
    const planes = batch * channels;
    const rt = this.runtime;
    if (planes * H * W < MAP_MIN_ELEMENTS || !rt.owns(x.storage as Float32Array)) return null;
    rt.begin();
    const size = planes * outH * outW;
    const values = rt.output(size);
    const indices = rt.output(size, 'int32');
    if (values < 0 || indices < 0) return null;
    const planesPerUnit = Math.max(1, Math.floor(POOL_UNIT_FLOATS / (H * W)));
    rt.run(
      jobWords('maxPool2x2', {
        units: Math.ceil(planes / planesPerUnit),
        planes,
        H,
        W,
        outH,
        outW,
        sh: p.stride[0] as number,
        sw: p.stride[1] as number,
        x: rt.put(x.storage as Float32Array),
        values,
        indices,
        dy: 0,
        dx: 0,
        planesPerUnit,
      }),
    );
    return {
      values: rt.take(values, size),
      indices: rt.takeAs(indices, size, 'int32') as Int32Array,
    };
  }

  /** The gradient of a 2-d max pooling whose windows do not overlap; null as for maxPool2x2. */
  maxPoolBackward(dy: T, indices: T, xShape: Shape, p: PoolParams): Float32Array | null {
    const [batch, channels, H, W] = xShape as [number, number, number, number];
    const [outH, outW] = p.outSize as [number, number];
    const planes = batch * channels;
    const rt = this.runtime;
    const owned = rt.owns(dy.storage as Float32Array) && rt.owns(indices.storage as Int32Array);
    if (planes * H * W < MAP_MIN_ELEMENTS || !owned) return null;
    rt.begin();
    const dx = rt.output(planes * H * W);
    if (dx < 0) return null;
    const planesPerUnit = Math.max(1, Math.floor(POOL_UNIT_FLOATS / (H * W)));
    rt.run(
      jobWords('maxPoolBackward', {
        units: Math.ceil(planes / planesPerUnit),
        planes,
        H,
        W,
        outH,
        outW,
        sh: 0,
        sw: 0,
        x: 0,
        values: 0,
        indices: rt.put(indices.storage as Int32Array),
        dy: rt.put(dy.storage as Float32Array),
        dx,
        planesPerUnit,
      }),
    );
    return rt.take(dx, planes * H * W);
  }

  /**
   * Starts a convolution call: writes the geometry, and sizes the im2col block (a multiple of the
   * micro-kernel's width) and each thread's work area.
   */
  private setup(
    xShape: Shape,
    wShape: Shape,
    params: ConvParams,
  ): { g: ConvGeometry; colBlock: number; workBytes: number; identity: boolean } {
    const g = convGeometry(xShape.slice(2), wShape.slice(2), params);
    const ck = ((xShape[1] as number) / params.groups) * g.kernelSize;
    const target = Math.floor(COL_BLOCK_FLOATS / Math.max(1, ck));
    const colBlock = Math.min(g.outSize, Math.max(NR, Math.floor(target / NR) * NR));
    const rt = this.runtime;
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
}
