import { ConvArgs, JobHeader, MatmulArgs } from './args';
import { NR, packedWeightFloats, ROW_ALIGN, sgemm } from './gemm';
import { directFilterGradUnit, padUnit } from './direct';
import { col2im, im2col } from './im2col';
import { adamUnit, binaryUnit, channelSumUnit, mapUnit } from './map';
import { maxPool2x2Unit, maxPoolBackwardUnit } from './pool';
import { shiftedConvUnit } from './shifted';
import { addScalar, reluRun } from './vector';

/**
 * Parallel jobs. The JavaScript side writes a job's arguments (i32 words, see args.ts) into shared memory and
 * publishes it through a control block; every thread, the caller's included, then calls `work`,
 * which claims units of the job one at a time until none are left. Units write disjoint parts
 * of the output, so the result does not depend on which thread ran which unit, nor on how many
 * threads there are.
 *
 * Control block (i32 words at `ctl`): [0] epoch of the published job, [1] job address,
 * [2] units finished, [4..5] the next unit to claim as an i64, tagged with the epoch in its high
 * word. A thread that wakes late and still holds an older epoch cannot claim anything: its tag
 * no longer matches, and the caller re-tags the counter before it rewrites any argument.
 */
export const JOB_MATMUL = 1;
export const JOB_CONV = 2;
export const JOB_CONV_INPUT_GRAD = 3;
export const JOB_CONV_FILTER_GRAD = 4;
export const JOB_PAD = 5;
export const JOB_DIRECT_FILTER_GRAD = 6;
export const JOB_SHIFTED_CONV = 7;
export const JOB_MAP = 8;
export const JOB_MAX_POOL_2X2 = 9;
export const JOB_MAX_POOL_BACKWARD = 10;
export const JOB_ADAM = 11;
export const JOB_CHANNEL_SUM = 12;
export const JOB_BINARY = 13;

export function work(ctl: usize, tid: i32): void {
  const epoch = atomic.load<i32>(ctl);
  const job = <usize>atomic.load<i32>(ctl, 4);
  const units = changetype<JobHeader>(job).units;
  const tag = <i64>epoch << 32;
  while (true) {
    const cur = atomic.load<i64>(ctl, 16);
    if ((cur & 0xffffffff00000000) !== tag) return;
    const u = <i32>(cur & 0xffffffff);
    if (u >= units) return;
    if (atomic.cmpxchg<i64>(ctl, cur, cur + 1, 16) !== cur) continue;
    runUnit(job, u, tid);
    if (atomic.add<i32>(ctl, 1, 8) + 1 === units) atomic.notify(ctl + 8, 1);
  }
}

function runUnit(job: usize, u: i32, tid: i32): void {
  const kind = changetype<JobHeader>(job).kind;
  if (kind === JOB_MATMUL) matmulUnit(job, u, tid);
  else if (kind === JOB_CONV) convUnit(job, u, tid);
  else if (kind === JOB_CONV_INPUT_GRAD) convInputGradUnit(job, u, tid);
  else if (kind === JOB_CONV_FILTER_GRAD) convFilterGradUnit(job, u, tid);
  else if (kind === JOB_PAD) padUnit(job, u);
  else if (kind === JOB_DIRECT_FILTER_GRAD) directFilterGradUnit(job, u);
  else if (kind === JOB_SHIFTED_CONV) shiftedConvUnit(job, u, tid);
  else if (kind === JOB_MAP) mapUnit(job, u);
  else if (kind === JOB_MAX_POOL_2X2) maxPool2x2Unit(job, u);
  else if (kind === JOB_MAX_POOL_BACKWARD) maxPoolBackwardUnit(job, u);
  else if (kind === JOB_ADAM) adamUnit(job, u);
  else if (kind === JOB_CHANNEL_SUM) channelSumUnit(job, u);
  else if (kind === JOB_BINARY) binaryUnit(job, u);
}

@inline
function ptr(base: usize, elements: i32): usize {
  return base + (<usize>elements << 2);
}

/** Start of the `index`-th of `parts` chunks of `total`, a multiple of `align`. */
@inline
function chunkStart(total: i32, parts: i32, align: i32, index: i32): i32 {
  const size = ((total + parts - 1) / parts + align - 1) / align * align;
  return min(total, index * size);
}

/** A unit of a batched matmul: one batch item's block of rows and block of columns. */
function matmulUnit(job: usize, u: i32, tid: i32): void {
  const a = changetype<MatmulArgs>(job);
  const perItem = a.mParts * a.nParts;
  const bi = u / perItem;
  const mi = (u % perItem) / a.nParts;
  const ni = u % a.nParts;
  const i0 = chunkStart(a.m, a.mParts, ROW_ALIGN, mi);
  const i1 = chunkStart(a.m, a.mParts, ROW_ALIGN, mi + 1);
  const j0 = chunkStart(a.n, a.nParts, NR, ni);
  const j1 = chunkStart(a.n, a.nParts, NR, ni + 1);
  if (i1 <= i0 || j1 <= j0) return;
  sgemm(
    i1 - i0,
    j1 - j0,
    a.k,
    ptr(a.a, bi * a.aBatch + i0 * a.aRs),
    a.aRs,
    a.aCs,
    ptr(a.b, bi * a.bBatch + j0 * a.bCs),
    a.bRs,
    a.bCs,
    ptr(a.c, bi * a.cBatch + i0 * a.ldc + j0),
    a.ldc,
    false,
    a.work + <usize>tid * <usize>a.workBytes,
  );
}

/** Forward: a unit is one image, one group, one block of output positions. */
function convUnit(job: usize, u: i32, tid: i32): void {
  const a = changetype<ConvArgs>(job);
  const og = a.og;
  const ck = a.ck;
  const P = a.outSize;
  const n = u / (a.groups * a.blocks);
  const gi = (u / a.blocks) % a.groups;
  const p0 = (u % a.blocks) * a.colBlock;
  const p1 = min(P, p0 + a.colBlock);
  const w = a.work(tid);
  const x = ptr(a.in0, (n * a.channels + gi * a.cg) * a.inSize);
  const weight = ptr(a.in1, gi * og * ck);
  const out = ptr(a.out, (n * a.outChannels + gi * og) * P + p0);
  if (a.identity !== 0) {
    sgemm(og, p1 - p0, ck, weight, ck, 1, x + (<usize>p0 << 2), P, 1, out, P, false, w);
  } else {
    const col = a.col(tid);
    im2col(x, a.cg, a.geometry, p0, p1, col);
    sgemm(og, p1 - p0, ck, weight, ck, 1, col, p1 - p0, 1, out, P, false, w);
  }
  if (a.bias !== 0 || a.relu !== 0) {
    for (let o = 0; o < og; o++) {
      const row = out + (<usize>(o * P) << 2);
      if (a.bias !== 0) addScalar(row, row, load<f32>(a.bias + (<usize>(gi * og + o) << 2)), p1 - p0);
      if (a.relu !== 0) reluRun(row, row, p1 - p0);
    }
  }
}

/**
 * Input gradient: dcol = Wᵀ·dy block by block, then col2im adds it onto the input. Blocks of one
 * image overlap on the input, so a unit is a whole image and group, zeroed first.
 */
function convInputGradUnit(job: usize, u: i32, tid: i32): void {
  const a = changetype<ConvArgs>(job);
  const cg = a.cg;
  const og = a.og;
  const ck = a.ck;
  const P = a.outSize;
  const n = u / a.groups;
  const gi = u % a.groups;
  const w = a.work(tid);
  const dy = ptr(a.in0, (n * a.outChannels + gi * og) * P);
  // Strides of 0: each group's Wᵀ is packed already (packWeights).
  const weight = ptr(a.in1, gi * packedWeightFloats(ck, og));
  const dx = ptr(a.out, (n * a.channels + gi * cg) * a.inSize);
  if (a.identity !== 0) {
    sgemm(ck, P, og, weight, 0, 0, dy, P, 1, dx, P, false, w);
    return;
  }
  const dcol = a.col(tid);
  memory.fill(dx, 0, <usize>(cg * a.inSize) << 2);
  for (let p0 = 0; p0 < P; p0 += a.colBlock) {
    const p1 = min(P, p0 + a.colBlock);
    sgemm(ck, p1 - p0, og, weight, 0, 0, dy + (<usize>p0 << 2), P, 1, dcol, p1 - p0, false, w);
    col2im(dcol, cg, a.geometry, p0, p1, dx);
  }
}

/**
 * Filter gradient: dW = Σ dy·colᵀ over images and blocks. A unit is one of `units` slices of the
 * batch, summed in order into its own [outChannels, ck] partial at out + slice·size; the caller
 * adds the partials in slice order, so the rounding is the same however threads are scheduled.
 */
function convFilterGradUnit(job: usize, u: i32, tid: i32): void {
  const a = changetype<ConvArgs>(job);
  const cg = a.cg;
  const og = a.og;
  const ck = a.ck;
  const P = a.outSize;
  const w = a.work(tid);
  const col = a.col(tid);
  const partial = ptr(a.out, u * a.outChannels * ck);
  memory.fill(partial, 0, <usize>(a.outChannels * ck) << 2);
  const n0 = chunkStart(a.batch, a.units, 1, u);
  const n1 = chunkStart(a.batch, a.units, 1, u + 1);
  for (let n = n0; n < n1; n++) {
    for (let gi = 0; gi < a.groups; gi++) {
      const x = ptr(a.in0, (n * a.channels + gi * cg) * a.inSize);
      const dy = ptr(a.in1, (n * a.outChannels + gi * og) * P);
      const dw = partial + (<usize>(gi * og * ck) << 2);
      for (let p0 = 0; p0 < P; p0 += a.colBlock) {
        const p1 = min(P, p0 + a.colBlock);
        const d = dy + (<usize>p0 << 2);
        if (a.identity !== 0) {
          sgemm(og, ck, p1 - p0, d, P, 1, x + (<usize>p0 << 2), 1, P, dw, ck, true, w);
        } else {
          im2col(x, cg, a.geometry, p0, p1, col);
          sgemm(og, ck, p1 - p0, d, P, 1, col, 1, p1 - p0, dw, ck, true, w);
        }
      }
    }
  }
}

/** out[i] = Σ_s partials[s·size + i], in slice order. */
export function sumSlices(partials: usize, slices: i32, size: i32, out: usize): void {
  let i = 0;
  const stride = <usize>size << 2;
  for (; i + 4 <= size; i += 4) {
    let p = partials + (<usize>i << 2);
    let acc = v128.load(p);
    for (let s = 1; s < slices; s++) {
      p += stride;
      acc = f32x4.add(acc, v128.load(p));
    }
    v128.store(out + (<usize>i << 2), acc);
  }
  for (; i < size; i++) {
    let p = partials + (<usize>i << 2);
    let acc = load<f32>(p);
    for (let s = 1; s < slices; s++) {
      p += stride;
      acc += load<f32>(p);
    }
    store<f32>(out + (<usize>i << 2), acc);
  }
}
