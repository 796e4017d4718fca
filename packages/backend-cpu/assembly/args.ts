import { gemmWorkBytes } from './gemm';

/**
 * The arguments of each job, as the JavaScript side writes them (src/wasm/jobs.ts lists the
 * same fields in the same order): i32 words read in place through unmanaged classes, so a
 * field costs one load and needs no copying.
 */

@unmanaged
export class JobHeader {
  kind: i32;
  units: i32;
}

/** Batched matmul; a unit is one batch item's block of rows and block of columns. */
@unmanaged
export class MatmulArgs {
  kind: i32;
  units: i32;
  batch: i32;
  m: i32;
  n: i32;
  k: i32;
  a: usize;
  aRs: i32;
  aCs: i32;
  aBatch: i32;
  b: usize;
  bRs: i32;
  bCs: i32;
  bBatch: i32;
  c: usize;
  ldc: i32;
  cBatch: i32;
  mParts: i32;
  nParts: i32;
  work: usize;
  workBytes: i32;
}

/**
 * The im2col convolution jobs (forward, input gradient, filter gradient). `identity` marks a
 * 1×1 kernel with stride 1 and no padding, whose im2col is the input itself; `bias` (forward
 * only) is 0 or one value per output channel. A thread's work area holds the GEMM's packing
 * space, then a [ck, colBlock] im2col block.
 */
@unmanaged
export class ConvArgs {
  kind: i32;
  units: i32;
  batch: i32;
  channels: i32;
  outChannels: i32;
  groups: i32;
  geometry: usize;
  in0: usize;
  in1: usize;
  out: usize;
  colBlock: i32;
  blocks: i32;
  workArea: usize;
  workBytes: i32;
  identity: i32;
  bias: usize;
  /** Not 0: relu on the output, after the bias (forward only). */
  relu: i32;

  /** Input and output channels per group, and the depth of the GEMM (cg · kernel taps). */
  @inline get cg(): i32 {
    return this.channels / this.groups;
  }
  @inline get og(): i32 {
    return this.outChannels / this.groups;
  }
  @inline get ck(): i32 {
    return this.cg * geometrySize(this.geometry, 3);
  }
  /** Positions per input plane and per output plane. */
  @inline get inSize(): i32 {
    return geometrySize(this.geometry, 0);
  }
  @inline get outSize(): i32 {
    return geometrySize(this.geometry, 6);
  }
  /** Thread `tid`'s work area: the GEMM's packing space, then its im2col block (`col`). */
  @inline work(tid: i32): usize {
    return this.workArea + <usize>tid * <usize>this.workBytes;
  }
  @inline col(tid: i32): usize {
    return this.work(tid) + <usize>gemmWorkBytes();
  }
}

/** The product of three consecutive values of a geometry (input, kernel or output extent). */
@inline
export function geometrySize(g: usize, first: i32): i32 {
  return (
    load<i32>(g + (<usize>first << 2)) *
    load<i32>(g + (<usize>(first + 1) << 2)) *
    load<i32>(g + (<usize>(first + 2) << 2))
  );
}

/** Copying planes into zero-padded phase planes (direct.ts). */
@unmanaged
export class PadArgs {
  kind: i32;
  units: i32;
  planes: i32;
  src: usize;
  srcH: i32;
  srcW: i32;
  dst: usize;
  dstH: i32;
  dstW: i32;
  dstPlaneStride: i32;
  phases: i32;
  phaseStarts: usize;
  rowStep: i32;
  colStep: i32;
  planesPerUnit: i32;
  flags: usize;
}

/** The stride-1 forward convolution over shifted views of padded planes (shifted.ts). */
@unmanaged
export class ShiftedConvArgs {
  kind: i32;
  units: i32;
  batch: i32;
  inChannels: i32;
  outChannels: i32;
  groups: i32;
  offsets: usize;
  padded: usize;
  planeStride: i32;
  weights: usize;
  out: usize;
  OH: i32;
  OW: i32;
  Wp: i32;
  rowsPerUnit: i32;
  rowBlocks: i32;
  work: usize;
  workBytes: i32;
  ck: i32;
  bias: usize;
  /** Not 0: relu on the output, after the bias. */
  relu: i32;
  /**
   * 0 when `padded` holds the padded planes; else the address of a pad job's arguments (PadArgs,
   * never run as a job) by which each unit pads its own image's planes into its work area, after
   * the GEMM's packing space.
   */
  pad: usize;
}

/** The stride-1 filter gradient as dot products on padded planes (direct.ts). */
@unmanaged
export class DirectFilterGradArgs {
  kind: i32;
  units: i32;
  batch: i32;
  inChannels: i32;
  outChannels: i32;
  groups: i32;
  offsets: usize;
  x: usize;
  xPlaneStride: i32;
  dy: usize;
  dyPlaneStride: i32;
  partials: usize;
  ck: i32;
}

/** An element-wise map over `n` floats, `perUnit` (a multiple of 4) per unit (map.ts). */
@unmanaged
export class MapArgs {
  kind: i32;
  units: i32;
  op: i32;
  n: i32;
  a: usize;
  b: usize;
  out: usize;
  perUnit: i32;
}

/**
 * A float32 binary op over [rows, len] (map.ts): element (r, i) of the output, at r·len + i,
 * combines a[r·aRow + i·aStep] and b[r·bRow + i·bStep], each step 0 (broadcast) or 1.
 */
@unmanaged
export class BinaryArgs {
  kind: i32;
  units: i32;
  op: i32;
  n: i32;
  len: i32;
  a: usize;
  aRow: i32;
  aStep: i32;
  b: usize;
  bRow: i32;
  bStep: i32;
  out: usize;
  perUnit: i32;
}

/** 2×2 max pooling with every window inside the input, planes split into units (pool.ts). */
@unmanaged
export class Pool2x2Args {
  kind: i32;
  units: i32;
  planes: i32;
  H: i32;
  W: i32;
  outH: i32;
  outW: i32;
  sh: i32;
  sw: i32;
  x: usize;
  values: usize;
  indices: usize;
  dy: usize;
  dx: usize;
  planesPerUnit: i32;
}

/** One Adam step over `n` floats (map.ts); the hyper-parameters are f32 values. */
@unmanaged
export class AdamArgs {
  kind: i32;
  units: i32;
  n: i32;
  param: usize;
  grad: usize;
  expAvg: usize;
  expAvgSq: usize;
  outParam: usize;
  outExpAvg: usize;
  outExpAvgSq: usize;
  perUnit: i32;
  beta1: f32;
  keep1: f32;
  beta2: f32;
  keep2: f32;
  correction: f32;
  eps: f32;
  step: f32;
}

/** Sums of x [batch, channels, plane] over batch and plane, one channel per unit (map.ts). */
@unmanaged
export class ChannelSumArgs {
  kind: i32;
  units: i32;
  batch: i32;
  channels: i32;
  plane: i32;
  x: usize;
  out: usize;
}
