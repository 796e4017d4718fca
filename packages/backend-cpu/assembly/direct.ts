import { DirectFilterGradArgs, PadArgs } from './args';
import { KC, MC, MR, multiplyPanels, NC, NR } from './gemm';
import { madd } from './simd';
import { fill } from './vector';

/**
 * The filter gradient of a stride-1 convolution without im2col. Each input plane is first
 * copied into a zero-padded plane Wp = OW + (KW − 1)·dw wide, so that output position (oh, ow)
 * reads its window at oh·Wp + ow + offset(c, kh, kw) with offset = c·planeStride + kh·dh·Wp +
 * kw·dw: the input under one tap along an output row is a contiguous run of the plane, which
 * the matrix product packs with vector loads. The forward pass uses the same padded planes
 * (shifted.ts).
 */

/**
 * Copies planes into zero-padded planes: dst[i][j] = src[i − top][j − left] where that lies in
 * the source, else 0. `top` and `left` may be negative (the source is cropped). A unit is a run
 * of planes (arguments: PadArgs). When `flags` is not 0, unit u stores 1 at flags[u] if its planes hold
 * an infinity or NaN (the filter gradient's dropped columns multiply zeros by real inputs, and
 * 0·∞ would leak a NaN into a finite result).
 */
export function padUnit(job: usize, u: i32): void {
  const args = changetype<PadArgs>(job);
  const planes = args.planes;
  const src = args.src;
  const sh = args.srcH;
  const sw = args.srcW;
  const dst = args.dst;
  const dh = args.dstH;
  const dw = args.dstW;
  const stride = args.dstPlaneStride;
  const top = args.top;
  const left = args.left;
  const per = args.planesPerUnit;
  const flags = args.flags;
  const p1 = min(planes, (u + 1) * per);
  // x·0 is 0 for every finite x and NaN otherwise.
  let probe = f32x4.splat(0);
  let probeTail: f32 = 0;
  // Destination columns [c0, c1) come from the source; the rest are zero.
  const c0 = min(dw, max(0, left));
  const c1 = max(c0, min(dw, sw + left));
  for (let p = u * per; p < p1; p++) {
    const s = src + (<usize>(p * sh * sw) << 2);
    const d = dst + (<usize>(p * stride) << 2);
    for (let i = 0; i < dh; i++) {
      const row = d + (<usize>(i * dw) << 2);
      const si = i - top;
      if (si < 0 || si >= sh) {
        fill(row, 0, dw);
        continue;
      }
      fill(row, 0, c0);
      const from = s + (<usize>(si * sw + c0 - left) << 2);
      const to = row + (<usize>c0 << 2);
      let j = 0;
      const n = c1 - c0;
      for (; j + 4 <= n; j += 4) {
        const v = v128.load(from + (<usize>j << 2));
        probe = f32x4.add(probe, f32x4.mul(v, f32x4.splat(0)));
        v128.store(to + (<usize>j << 2), v);
      }
      for (; j < n; j++) {
        const v = load<f32>(from + (<usize>j << 2));
        probeTail += v * 0;
        store<f32>(to + (<usize>j << 2), v);
      }
      fill(row + (<usize>c1 << 2), 0, dw - c1);
    }
    // The tail of the plane stride (alignment padding) must read as zeros too.
    fill(d + (<usize>(dh * dw) << 2), 0, stride - dh * dw);
  }
  if (flags !== 0) {
    const finite = hsum(probe) + probeTail === 0;
    store<i32>(flags + (<usize>u << 2), finite ? 0 : 1);
  }
}


/**
 * Filter gradient of a stride-1 convolution, one batch slice per unit: partial[o, t] +=
 * Σ_j dy[n, o, j] · x[n, offsets[t] + grid(j)] over the slice's images (arguments:
 * DirectFilterGradArgs), a matrix product C[og × ck] += A·B with K running over output
 * positions: A = dy as it is, B(j, t) = the padded input under tap t at position j. Each output
 * row is taken ⌈OW/4⌉·4 positions wide, the extra positions packed as zeros in A, so that B is
 * packed four positions at a time with 4×4 transposes of contiguous input (the extra positions
 * read padding or the next row, multiplied by those zeros: the caller makes sure x is finite).
 * K is cut into blocks of whole rows (or pieces of a row wider than KC) that fit the packing
 * space.
 */
export function directFilterGradUnit(job: usize, u: i32, tid: i32): void {
  const args = changetype<DirectFilterGradArgs>(job);
  if (args.dyPlaneStride !== 0) {
    dotFilterGradUnit(job, u);
    return;
  }
  const slices = args.units;
  const batch = args.batch;
  const inChannels = args.inChannels;
  const outChannels = args.outChannels;
  const groups = args.groups;
  const offsets = args.offsets;
  const xPlane = args.xPlaneStride;
  const OH = args.OH;
  const OW = args.OW;
  const Wp = args.Wp;
  const ck = args.ck;
  const P = OH * OW;
  const cg = inChannels / groups;
  const og = outChannels / groups;
  const partial = args.partials + (<usize>(u * outChannels * ck) << 2);
  fill(partial, 0, outChannels * ck);
  const work = args.work + <usize>tid * <usize>args.workBytes;
  const packA = work;
  const packB = work + <usize>(MC * KC) * 4;
  const edge = packB + <usize>(KC * NC) * 4;
  const width4 = (OW + 3) & ~3;
  const rowsPerBlock = max(1, KC / width4);
  const piece = min(width4, KC);
  const size = (batch + slices - 1) / slices;
  const n0 = min(batch, u * size);
  const n1 = min(batch, n0 + size);
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < groups; g++) {
      const xb = args.x + (<usize>((n * inChannels + g * cg) * xPlane) << 2);
      const db = args.dy + (<usize>((n * outChannels + g * og) * P) << 2);
      const cb = partial + (<usize>(g * og * ck) << 2);
      for (let r0 = 0; r0 < OH; r0 += rowsPerBlock) {
        const r1 = min(OH, r0 + rowsPerBlock);
        for (let c0 = 0; c0 < width4; c0 += piece) {
          const c1 = min(width4, c0 + piece);
          const kc = (r1 - r0) * (c1 - c0);
          for (let jc = 0; jc < ck; jc += NC) {
            const nc = min(NC, ck - jc);
            packTaps(packB, xb, offsets + (<usize>jc << 2), Wp, r0, r1, c0, c1, nc);
            for (let ic = 0; ic < og; ic += MC) {
              const mc = min(MC, og - ic);
              packGrad(packA, db + (<usize>(ic * P) << 2), OH, OW, r0, r1, c0, c1, mc);
              const c = cb + (<usize>(ic * ck + jc) << 2);
              multiplyPanels(mc, nc, kc, packA, packB, c, ck, true, edge);
            }
          }
        }
      }
    }
  }
}

/**
 * B for a block of output rows [r0, r1) × columns [c0, c1) (c0 and c1 multiples of 4): for the
 * block's position k and tap t < nc, x at offsets[t] + oh·Wp + ow, in panels of NR taps
 * (dst[(t / NR)·kc·NR + k·NR + t % NR]).
 */
function packTaps(
  dst: usize,
  x: usize,
  offsets: usize,
  Wp: i32,
  r0: i32,
  r1: i32,
  c0: i32,
  c1: i32,
  nc: i32,
): void {
  const width = c1 - c0;
  const kc = (r1 - r0) * width;
  for (let t0 = 0; t0 < nc; t0 += NR) {
    const panel = dst + (<usize>(t0 * kc) << 2);
    // A last, partial panel repeats its last tap in the missing columns: the micro-kernel
    // computes those columns of C but never stores them.
    const last = min(NR, nc - t0) - 1;
    const tap = offsets + (<usize>t0 << 2);
    const x0 = x + (<usize>load<i32>(tap) << 2);
    const x1 = x + (<usize>load<i32>(tap + (<usize>min(1, last) << 2)) << 2);
    const x2 = x + (<usize>load<i32>(tap + (<usize>min(2, last) << 2)) << 2);
    const x3 = x + (<usize>load<i32>(tap + (<usize>min(3, last) << 2)) << 2);
    const x4 = x + (<usize>load<i32>(tap + (<usize>min(4, last) << 2)) << 2);
    const x5 = x + (<usize>load<i32>(tap + (<usize>min(5, last) << 2)) << 2);
    const x6 = x + (<usize>load<i32>(tap + (<usize>min(6, last) << 2)) << 2);
    const x7 = x + (<usize>load<i32>(tap + (<usize>min(7, last) << 2)) << 2);
    let o = panel;
    for (let oh = r0; oh < r1; oh++) {
      for (let ow = c0; ow < c1; ow += 4) {
        const q = <usize>(oh * Wp + ow) << 2;
        transposeTaps(o, x0 + q, x1 + q, x2 + q, x3 + q);
        transposeTaps(o + 16, x4 + q, x5 + q, x6 + q, x7 + q);
        o += NR * 16;
      }
    }
  }
}

/**
 * Four positions of four taps (a vector each, from t0…t3) written as four packed rows of B:
 * row i, four floats at dst + i·NR·4, holds position i of each tap.
 */
@inline
function transposeTaps(dst: usize, t0: usize, t1: usize, t2: usize, t3: usize): void {
  const a = v128.load(t0);
  const b = v128.load(t1);
  const c = v128.load(t2);
  const d = v128.load(t3);
  const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
  const cd0 = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
  const ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const cd1 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5));
  v128.store(dst + NR * 4, v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7));
  v128.store(dst + NR * 8, v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5));
  v128.store(dst + NR * 12, v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7));
}

/**
 * A for the same block: dy[i, oh, ow] for the block's positions (0 where ow ≥ OW) of mc
 * channels (`dy` at the first, OH·OW floats apart), in panels of MR rows (packA_'s layout).
 */
function packGrad(
  dst: usize,
  dy: usize,
  OH: i32,
  OW: i32,
  r0: i32,
  r1: i32,
  c0: i32,
  c1: i32,
  mc: i32,
): void {
  const kc = (r1 - r0) * (c1 - c0);
  const plane = OH * OW;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const h = min(MR, mc - i0);
    let o = dst + (<usize>(i0 * kc) << 2);
    for (let oh = r0; oh < r1; oh++) {
      for (let ow = c0; ow < c1; ow++) {
        const src = dy + (<usize>(i0 * plane + oh * OW + ow) << 2);
        const inside = ow < OW;
        for (let ii = 0; ii < MR; ii++) {
          const v: f32 = inside && ii < h ? load<f32>(src + (<usize>(ii * plane) << 2)) : 0;
          store<f32>(o + (<usize>ii << 2), v);
        }
        o += MR * 4;
      }
    }
  }
}

/**
 * The same filter gradient as dot products, for few output channels (LeNet-5's conv1 has six),
 * where packing B for the matrix product costs as much as multiplying it: partial[o, p] +=
 * Σ_j dy[n, o, j] · x[n, j + offsets[p]] over the slice's images, with dy on the padded grid
 * too (zero in the dropped columns, so they add nothing), `dyPlaneStride` floats a plane.
 * j runs in chunks so that the chunk of dy and the windows of x it meets stay in cache.
 */
function dotFilterGradUnit(job: usize, u: i32): void {
  const args = changetype<DirectFilterGradArgs>(job);
  const slices = args.units;
  const batch = args.batch;
  const inChannels = args.inChannels;
  const outChannels = args.outChannels;
  const groups = args.groups;
  const offsets = args.offsets;
  const x = args.x;
  const xPlane = args.xPlaneStride;
  const dy = args.dy;
  const dyPlane = args.dyPlaneStride;
  const partials = args.partials;
  const ck = args.ck;
  const cg = inChannels / groups;
  const og = outChannels / groups;
  const partial = partials + (<usize>(u * outChannels * ck) << 2);
  fill(partial, 0, outChannels * ck);
  const size = ((batch + slices - 1) / slices);
  const n0 = min(batch, u * size);
  const n1 = min(batch, n0 + size);
  const CHUNK = 512;
  for (let n = n0; n < n1; n++) {
    for (let g = 0; g < groups; g++) {
      const xb = x + (<usize>((n * inChannels + g * cg) * xPlane) << 2);
      const db = dy + (<usize>((n * outChannels + g * og) * dyPlane) << 2);
      const pw = partial + (<usize>(g * og * ck) << 2);
      for (let j0 = 0; j0 < dyPlane; j0 += CHUNK) {
        const len = min(CHUNK, dyPlane - j0);
        const xj = xb + (<usize>j0 << 2);
        // Two dy rows against four taps at a time (6 loads per 8 multiply-adds), then the
        // leftover taps and row one at a time.
        let o = 0;
        for (; o < og; o += 2) {
          const rows = min(2, og - o);
          const d = db + (<usize>(o * dyPlane + j0) << 2);
          const out = pw + (<usize>(o * ck) << 2);
          let p = 0;
          if (rows === 2) {
            for (; p + 4 <= ck; p += 4) dot2x4(d, dyPlane, xj, offsets, p, len, out, ck);
          }
          for (; p < ck; p++) {
            const x0 = xj + (<usize>load<i32>(offsets + (<usize>p << 2)) << 2);
            for (let i = 0; i < rows; i++) {
              dot1(d + (<usize>(i * dyPlane) << 2), x0, len, out + (<usize>(i * ck + p) << 2));
            }
          }
        }
      }
    }
  }
}

@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Two dy rows (ld apart) against the x windows of taps p..p + 3, over `len` positions (a
 * multiple of 4: planes are padded with zeros); the eight dot products are added into
 * out[i·ldo + p + t].
 */
@inline
function dot2x4(d: usize, ld: i32, x: usize, offsets: usize, p: i32, len: i32, out: usize, ldo: i32): void {
  const tap = offsets + (<usize>p << 2);
  const x0 = x + (<usize>load<i32>(tap) << 2);
  const x1 = x + (<usize>load<i32>(tap, 4) << 2);
  const x2 = x + (<usize>load<i32>(tap, 8) << 2);
  const x3 = x + (<usize>load<i32>(tap, 12) << 2);
  const d1 = d + (<usize>ld << 2);
  let a00 = f32x4.splat(0);
  let a01 = f32x4.splat(0);
  let a02 = f32x4.splat(0);
  let a03 = f32x4.splat(0);
  let a10 = f32x4.splat(0);
  let a11 = f32x4.splat(0);
  let a12 = f32x4.splat(0);
  let a13 = f32x4.splat(0);
  for (let j = 0; j < len; j += 4) {
    const q = <usize>j << 2;
    const y0 = v128.load(d + q);
    const y1 = v128.load(d1 + q);
    let b = v128.load(x0 + q);
    a00 = madd(y0, b, a00);
    a10 = madd(y1, b, a10);
    b = v128.load(x1 + q);
    a01 = madd(y0, b, a01);
    a11 = madd(y1, b, a11);
    b = v128.load(x2 + q);
    a02 = madd(y0, b, a02);
    a12 = madd(y1, b, a12);
    b = v128.load(x3 + q);
    a03 = madd(y0, b, a03);
    a13 = madd(y1, b, a13);
  }
  const o0 = out + (<usize>p << 2);
  const o1 = o0 + (<usize>ldo << 2);
  store<f32>(o0, load<f32>(o0) + hsum(a00));
  store<f32>(o0, load<f32>(o0, 4) + hsum(a01), 4);
  store<f32>(o0, load<f32>(o0, 8) + hsum(a02), 8);
  store<f32>(o0, load<f32>(o0, 12) + hsum(a03), 12);
  store<f32>(o1, load<f32>(o1) + hsum(a10));
  store<f32>(o1, load<f32>(o1, 4) + hsum(a11), 4);
  store<f32>(o1, load<f32>(o1, 8) + hsum(a12), 8);
  store<f32>(o1, load<f32>(o1, 12) + hsum(a13), 12);
}

@inline
function dot1(d: usize, x: usize, len: i32, out: usize): void {
  let acc = f32x4.splat(0);
  for (let j = 0; j < len; j += 4) {
    const q = <usize>j << 2;
    acc = madd(v128.load(d + q), v128.load(x + q), acc);
  }
  store<f32>(out, load<f32>(out) + hsum(acc));
}
