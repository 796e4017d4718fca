import { DirectFilterGradArgs, PadArgs } from './args';
import { madd } from './simd';
import { fill } from './vector';

/**
 * The filter gradient of a convolution without im2col. Each input plane is first copied into
 * zero-padded phase planes Wq = OW + ⌊(KW − 1)·dw / sw⌋ wide (one phase at stride 1; see
 * padUnit), so that output position (oh, ow) reads its window at j + offset(c, kh, kw) with
 * j = oh·Wq + ow and the offset that tap's phase plane and shift within it. dW[o, (c, kh, kw)]
 * is then a dot product of two contiguous runs: dy on the same Wq-wide grid (zero in the columns
 * ow ≥ OW) and the input from that tap's offset, which vectorises along j with no gathering. The
 * forward pass uses the same planes as a GEMM operand (shifted.ts).
 */

/**
 * Copies planes into zero-padded phase planes. A convolution with stride s reads, along each axis,
 * padded positions s·o + d·k: tap k lands on phase (d·k) mod s, at o + ⌊d·k / s⌋ of that phase's
 * plane, so on phase planes every tap of every stride is again a shifted view (stride 1 has one
 * phase, the padded plane itself).
 *
 * Destination plane q is phase f = q mod phases of source plane q / phases: dst[q][i][j] =
 * src[rowStep·i + r][colStep·j + c], where (r, c) is phase f's pair in phaseStarts (i32 pairs:
 * the first source row and column, negative for padding) and the position lies in the source;
 * 0 elsewhere. A unit is a run of destination planes (arguments: PadArgs). When `flags` is not 0,
 * unit u stores 1 at flags[u] if its planes hold an infinity or NaN (the filter gradient's dropped
 * columns multiply zeros by real inputs, and 0·∞ would leak a NaN into a finite result).
 */
export function padUnit(job: usize, u: i32): void {
  const args = changetype<PadArgs>(job);
  const per = args.planesPerUnit;
  const q0 = u * per;
  const q1 = min(args.planes * args.phases, q0 + per);
  const finite = padPlanes(args, q0, q1, args.dst + (<usize>(q0 * args.dstPlaneStride) << 2));
  if (args.flags !== 0) store<i32>(args.flags + (<usize>u << 2), finite ? 0 : 1);
}

/**
 * Writes destination planes [q0, q1) of a pad job (`args`, as padUnit reads them) from `dst` on,
 * `dstPlaneStride` floats apart, and returns whether the source floats it copied were all finite.
 * The shifted convolution calls it for one image's planes into its own work area.
 */
export function padPlanes(args: PadArgs, q0: i32, q1: i32, dst: usize): bool {
  const phases = args.phases;
  const src = args.src;
  const sh = args.srcH;
  const sw = args.srcW;
  const dh = args.dstH;
  const dw = args.dstW;
  const stride = args.dstPlaneStride;
  const rowStep = args.rowStep;
  const colStep = args.colStep;
  // x·0 is 0 for every finite x and NaN otherwise.
  let probe = f32x4.splat(0);
  let probeTail: f32 = 0;
  for (let q = q0; q < q1; q++) {
    const f = q % phases;
    const r0 = load<i32>(args.phaseStarts + (<usize>f << 3));
    const s0 = load<i32>(args.phaseStarts + (<usize>f << 3), 4);
    const s = src + (<usize>((q / phases) * sh * sw) << 2);
    const d = dst + (<usize>((q - q0) * stride) << 2);
    // Destination columns [c0, c1) come from the source; the rest are zero.
    const c0 = min(dw, s0 >= 0 ? 0 : (colStep - 1 - s0) / colStep);
    const c1 = max(c0, min(dw, sw - s0 <= 0 ? 0 : (sw - s0 + colStep - 1) / colStep));
    const n = c1 - c0;
    for (let i = 0; i < dh; i++) {
      const row = d + (<usize>(i * dw) << 2);
      const si = rowStep * i + r0;
      if (si < 0 || si >= sh) {
        fill(row, 0, dw);
        continue;
      }
      fill(row, 0, c0);
      const from = s + (<usize>(si * sw + colStep * c0 + s0) << 2);
      const to = row + (<usize>c0 << 2);
      let j = 0;
      if (colStep === 1) {
        for (; j + 4 <= n; j += 4) {
          const v = v128.load(from + (<usize>j << 2));
          probe = f32x4.add(probe, f32x4.mul(v, f32x4.splat(0)));
          v128.store(to + (<usize>j << 2), v);
        }
      } else if (colStep === 2) {
        // Every other float: the even lanes of two vectors, both within the source row.
        for (; j + 4 <= n && colStep * (c0 + j + 3) + s0 + 1 < sw; j += 4) {
          const at = from + (<usize>j << 3);
          const v = v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
          probe = f32x4.add(probe, f32x4.mul(v, f32x4.splat(0)));
          v128.store(to + (<usize>j << 2), v);
        }
      }
      for (; j < n; j++) {
        const v = load<f32>(from + (<usize>(colStep * j) << 2));
        probeTail += v * 0;
        store<f32>(to + (<usize>j << 2), v);
      }
      fill(row + (<usize>c1 << 2), 0, dw - c1);
    }
    // The tail of the plane stride (alignment padding) must read as zeros too.
    fill(d + (<usize>(dh * dw) << 2), 0, stride - dh * dw);
  }
  return hsum(probe) + probeTail === 0;
}

/**
 * Filter gradient of a stride-1 convolution, one batch slice per unit: partial[o, p] +=
 * Σ_j dy[n, o, j] · x[n, j + offsets[p]] over the slice's images, with dy on the padded grid
 * (zero in the dropped columns, so they add nothing); arguments: DirectFilterGradArgs.
 * j runs in chunks so that the chunk of dy and the windows of x it meets stay in cache.
 */
export function directFilterGradUnit(job: usize, u: i32): void {
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
