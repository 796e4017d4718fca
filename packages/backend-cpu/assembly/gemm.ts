import { madd } from './simd';

/**
 * Single-precision GEMM, C = A·B or C += A·B, on strided operands so transposes cost nothing:
 * A(i, p) = a[i·aRs + p·aCs], B(p, j) = b[p·bRs + j·bCs], C(i, j) = c[i·ldc + j]; strides are
 * in elements, pointers in bytes.
 *
 * The structure is Goto/BLIS: B is packed KC×NC at a time into panels NR wide (kept in L2/L3),
 * A MC×KC at a time into panels MR tall (kept in L2), and a register-blocked MR×NR micro-kernel
 * streams one A panel against one B panel (in L1). 4×8 holds eight f32x4 accumulators, two B
 * vectors and a broadcast A value: 11 of the 16 vector registers, so nothing spills. A 6×8 tile
 * (twelve chains) measured 5–10% faster on Node 24's V8 but ran at under half the FMA ceiling
 * on Node 20's, where more than eight accumulators spill.
 */
export const MR = 4;
export const NR = 8;
export const KC = 256;
export const MC = 128;
export const NC = 1024;

/** Bytes of packing space `sgemm` needs at `work`. */
export function gemmWorkBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

export function sgemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  aRs: i32,
  aCs: i32,
  b: usize,
  bRs: i32,
  bCs: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  work: usize,
): void {
  gemm(m, n, k, a, aRs, aCs, b, bRs, bCs, 0, c, ldc, accumulate, work);
}

/**
 * C = A·B for a stride-1 convolution on zero-padded input planes (see shifted.ts), with no
 * im2col: B(p, j) = base[offsets[p] + grid(j)], where column j is output position
 * (j / rowLen, j % rowLen) and grid(j) = (j / rowLen)·gridStride + j % rowLen its place on
 * the padded grid. Each kernel tap is a shifted view of the planes, so packing B is a copy:
 * two vector loads per row of an 8-column panel, blended with two more where the panel runs
 * from one output row into the next.
 */
export function sgemmShifted(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  aRs: i32,
  base: usize,
  offsets: usize,
  rowLen: i32,
  gridStride: i32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  gemm(m, n, k, a, aRs, 1, base, rowLen, gridStride, offsets, c, ldc, false, work);
}

@inline
function gemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  aRs: i32,
  aCs: i32,
  b: usize,
  bRs: i32,
  bCs: i32,
  offsets: usize,
  c: usize,
  ldc: i32,
  accumulate: bool,
  work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>(i * ldc) * 4, 0, n * 4);
    return;
  }
  const packA = work;
  const packB = work + <usize>(MC * KC) * 4;
  // Each thread has its own work area, so the edge scratch lives there too.
  const edge = packB + <usize>(KC * NC) * 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // A shifted B: bRs and bCs are its output row length and grid stride (sgemmShifted).
      if (offsets !== 0) packShifted(packB, b, offsets + (<usize>pc << 2), bRs, bCs, jc, kc, nc);
      else packB_(packB, b + (<usize>(pc * bRs + jc * bCs) << 2), bRs, bCs, kc, nc);
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA_(packA, a + (<usize>(ic * aRs + pc * aCs) << 2), aRs, aCs, mc, kc);
        multiplyPanels(mc, nc, kc, packA, packB, c + (<usize>(ic * ldc + jc) << 2), ldc, add, edge);
      }
    }
  }
}

/**
 * C[mc×nc] (+)= A·B from packed operands: `packA` holds A in panels of MR rows (packA_'s
 * layout), `packB` B in panels of NR columns (packB_'s), both kc deep; `edge` is MR×NR floats of
 * scratch.
 */
@inline
function multiplyPanels(
  mc: i32,
  nc: i32,
  kc: i32,
  packA: usize,
  packB: usize,
  c: usize,
  ldc: i32,
  add: bool,
  edge: usize,
): void {
  // A last row panel of one or two rows (6 output channels, say) runs on a 2×16 micro-kernel
  // instead of wasting half of a 4×8 one.
  const rest = mc % MR;
  const rows4 = rest === 1 || rest === 2 ? mc - rest : mc;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bp = packB + (<usize>(jr * kc) << 2);
    for (let ir = 0; ir < rows4; ir += MR) {
      const mr = min(MR, mc - ir);
      const cp = c + (<usize>(ir * ldc + jr) << 2);
      micro(kc, packA + (<usize>(ir * kc) << 2), bp, cp, ldc, mr, nr, add, edge);
    }
  }
  if (rows4 < mc) {
    const ap = packA + (<usize>(rows4 * kc) << 2);
    const cRow = c + (<usize>(rows4 * ldc) << 2);
    let jr = 0;
    for (; jr + 2 * NR <= nc; jr += 2 * NR) {
      const bp = packB + (<usize>(jr * kc) << 2);
      micro2x16(kc, ap, bp, bp + (<usize>(NR * kc) << 2), cRow + (<usize>jr << 2), ldc, rest, add);
    }
    for (; jr < nc; jr += NR) {
      const bp = packB + (<usize>(jr * kc) << 2);
      micro(kc, ap, bp, cRow + (<usize>jr << 2), ldc, rest, min(NR, nc - jr), add, edge);
    }
  }
}

/**
 * Packs B(p, j), p < kc, j < nc into panels of NR columns: dst[(j / NR)·kc·NR + p·NR + j % NR].
 * The last panel is zero-padded so the micro-kernel never checks bounds.
 */
function packB_(dst: usize, b: usize, rs: i32, cs: i32, kc: i32, nc: i32): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const w = min(NR, nc - j0);
    const panel = dst + (<usize>(j0 * kc) << 2);
    if (w === NR && cs === 1) {
      // Rows of B are contiguous: two vector loads per row.
      let src = b + (<usize>j0 << 2);
      const step = <usize>rs << 2;
      for (let p = 0; p < kc; p++) {
        const o = panel + (<usize>(p * NR) << 2);
        v128.store(o, v128.load(src));
        v128.store(o, v128.load(src, 16), 16);
        src += step;
      }
    } else if (rs === 1 && w === NR) {
      // Columns of B are contiguous (B is transposed): four rows at a time, each pair of 4×4
      // blocks transposed in registers.
      const c0 = b + (<usize>(j0 * cs) << 2);
      const step = <usize>cs << 2;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const q = <usize>p << 2;
        const o = panel + (<usize>(p * NR) << 2);
        transpose4(o, c0 + q, step);
        transpose4(o + 16, c0 + 4 * step + q, step);
      }
      for (; p < kc; p++) {
        const o = panel + (<usize>(p * NR) << 2);
        const q = <usize>p << 2;
        for (let jj = 0; jj < NR; jj++) {
          store<f32>(o + (<usize>jj << 2), load<f32>(c0 + <usize>jj * step + q));
        }
      }
    } else if (rs === 1) {
      // The last, partial panel of a transposed B: walk each column down.
      for (let jj = 0; jj < NR; jj++) {
        const o = panel + (<usize>jj << 2);
        if (jj < w) {
          const src = b + (<usize>((j0 + jj) * cs) << 2);
          for (let p = 0; p < kc; p++) {
            store<f32>(o + (<usize>(p * NR) << 2), load<f32>(src + (<usize>p << 2)));
          }
        } else {
          for (let p = 0; p < kc; p++) store<f32>(o + (<usize>(p * NR) << 2), 0);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const o = panel + (<usize>(p * NR) << 2);
        const src = b + (<usize>(p * rs + j0 * cs) << 2);
        for (let jj = 0; jj < NR; jj++) {
          store<f32>(o + (<usize>jj << 2), jj < w ? load<f32>(src + (<usize>(jj * cs) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * packB_ for a shifted B (sgemmShifted): columns j0 + jc … of row p start at base + offsets[p].
 * A panel inside one output row is two contiguous vectors; one that crosses into the next row
 * (at most once when rowLen ≥ NR) takes its later lanes from `gridStride − rowLen` floats
 * further on; shorter rows are gathered lane by lane. Lanes past column nc are never stored,
 * and their reads stay inside the caller's slack after the planes.
 */
function packShifted(
  dst: usize,
  base: usize,
  offsets: usize,
  rowLen: i32,
  gridStride: i32,
  jc: i32,
  kc: i32,
  nc: i32,
): void {
  const jump = <usize>(gridStride - rowLen) << 2;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const panel = dst + (<usize>(j0 * kc) << 2);
    const j = jc + j0;
    const row = j / rowLen;
    const col = j % rowLen;
    const b = base + (<usize>(row * gridStride + col) << 2);
    // Lanes [0, split) lie in this output row; the rest in the next (or later) rows.
    const split = rowLen - col;
    if (split >= NR || jump === 0) {
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>load<i32>(offsets + (<usize>p << 2)) << 2);
        const o = panel + (<usize>(p * NR) << 2);
        v128.store(o, v128.load(src));
        v128.store(o, v128.load(src, 16), 16);
      }
    } else if (NR - split <= rowLen) {
      // Lane i < split reads src + i, lane i ≥ split reads src + jump + i: a blend.
      const lanes = i32x4(0, 1, 2, 3);
      const lo = i32x4.lt_s(lanes, i32x4.splat(split));
      const hi = i32x4.lt_s(lanes, i32x4.splat(split - 4));
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>load<i32>(offsets + (<usize>p << 2)) << 2);
        const far = src + jump;
        const o = panel + (<usize>(p * NR) << 2);
        v128.store(o, v128.bitselect(v128.load(src), v128.load(far), lo));
        v128.store(o, v128.bitselect(v128.load(src, 16), v128.load(far, 16), hi), 16);
      }
    } else {
      const w = min(NR, nc - j0);
      for (let p = 0; p < kc; p++) {
        const src = base + (<usize>load<i32>(offsets + (<usize>p << 2)) << 2);
        const o = panel + (<usize>(p * NR) << 2);
        for (let i = 0; i < NR; i++) {
          const ji = j + i;
          const at = (ji / rowLen) * gridStride + ji % rowLen;
          store<f32>(o + (<usize>i << 2), i < w ? load<f32>(src + (<usize>at << 2)) : 0);
        }
      }
    }
  }
}

/**
 * Four rows of four floats (`step` bytes apart, from `src`) written as four columns: row p of
 * the result, 4 floats at dst + p·NR·4, holds element p of each source row.
 */
@inline
function transpose4(dst: usize, src: usize, step: usize): void {
  const x0 = v128.load(src);
  const x1 = v128.load(src + step);
  const x2 = v128.load(src + 2 * step);
  const x3 = v128.load(src + 3 * step);
  const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + NR * 4, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + NR * 8, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + NR * 12, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** Packs A(i, p), i < mc, p < kc into panels of MR rows: dst[(i / MR)·kc·MR + p·MR + i % MR]. */
function packA_(dst: usize, a: usize, rs: i32, cs: i32, mc: i32, kc: i32): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const h = min(MR, mc - i0);
    const panel = dst + (<usize>(i0 * kc) << 2);
    if (h === MR && cs === 1) {
      // Rows of A are contiguous: read four rows side by side.
      const r0 = a + (<usize>(i0 * rs) << 2);
      const step = <usize>rs << 2;
      const r1 = r0 + step;
      const r2 = r1 + step;
      const r3 = r2 + step;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        // A 4×4 transpose: four row vectors in, four column vectors out.
        const q = <usize>p << 2;
        const x0 = v128.load(r0 + q);
        const x1 = v128.load(r1 + q);
        const x2 = v128.load(r2 + q);
        const x3 = v128.load(r3 + q);
        const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
        const o = panel + (<usize>(p * MR) << 2);
        v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(o, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(o, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(o, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
      }
      for (; p < kc; p++) {
        const q = <usize>p << 2;
        const o = panel + (<usize>(p * MR) << 2);
        store<f32>(o, load<f32>(r0 + q));
        store<f32>(o, load<f32>(r1 + q), 4);
        store<f32>(o, load<f32>(r2 + q), 8);
        store<f32>(o, load<f32>(r3 + q), 12);
      }
    } else if (h === MR && rs === 1) {
      // Columns of A are contiguous (A is transposed): each packed row is one vector load.
      const step = <usize>cs << 2;
      let src = a + (<usize>i0 << 2);
      for (let p = 0; p < kc; p++) {
        v128.store(panel + (<usize>(p * MR) << 2), v128.load(src));
        src += step;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const o = panel + (<usize>(p * MR) << 2);
        const src = a + (<usize>(i0 * rs + p * cs) << 2);
        for (let ii = 0; ii < MR; ii++) {
          store<f32>(o + (<usize>ii << 2), ii < h ? load<f32>(src + (<usize>(ii * rs) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * C[rows×16] (+)= Apanel[kc×MR]ᵀ (its first one or two rows) · two B panels side by side: eight
 * accumulators, like the 4×8 kernel, so nothing spills.
 */
@inline
function micro2x16(
  kc: i32,
  ap: usize,
  bp: usize,
  bq: usize,
  c: usize,
  ldc: i32,
  rows: i32,
  add: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c02 = f32x4.splat(0);
  let c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c12 = f32x4.splat(0);
  let c13 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const b2 = v128.load(bq);
    const b3 = v128.load(bq, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    c02 = madd(a, b2, c02);
    c03 = madd(a, b3, c03);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    c12 = madd(a, b2, c12);
    c13 = madd(a, b3, c13);
    ap += MR * 4;
    bp += NR * 4;
    bq += NR * 4;
  }
  storeRow(c, c00, c01, add);
  storeRow(c + 32, c02, c03, add);
  if (rows > 1) {
    const c1 = c + (<usize>ldc << 2);
    storeRow(c1, c10, c11, add);
    storeRow(c1 + 32, c12, c13, add);
  }
}

/** Stores (or adds) eight floats of a row of C. */
@inline
function storeRow(c: usize, lo: v128, hi: v128, add: bool): void {
  if (add) {
    lo = f32x4.add(lo, v128.load(c));
    hi = f32x4.add(hi, v128.load(c, 16));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

/**
 * C[mr×nr] (+)= Apanel[kc×MR]ᵀ · Bpanel[kc×NR], with MR×NR accumulators in registers; a tile
 * cut by the edge of C goes through `edge` (MR×NR floats of scratch).
 */
@inline
function micro(
  kc: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  add: bool,
  edge: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += MR * 4;
    bp += NR * 4;
  }
  const row = <usize>ldc << 2;
  if (mr === MR && nr === NR) {
    if (add) {
      c00 = f32x4.add(c00, v128.load(c));
      c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c + row));
      c11 = f32x4.add(c11, v128.load(c + row, 16));
      c20 = f32x4.add(c20, v128.load(c + 2 * row));
      c21 = f32x4.add(c21, v128.load(c + 2 * row, 16));
      c30 = f32x4.add(c30, v128.load(c + 3 * row));
      c31 = f32x4.add(c31, v128.load(c + 3 * row, 16));
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + row, c10);
    v128.store(c + row, c11, 16);
    v128.store(c + 2 * row, c20);
    v128.store(c + 2 * row, c21, 16);
    v128.store(c + 3 * row, c30);
    v128.store(c + 3 * row, c31, 16);
    return;
  }
  v128.store(edge, c00);
  v128.store(edge, c01, 16);
  v128.store(edge, c10, 32);
  v128.store(edge, c11, 48);
  v128.store(edge, c20, 64);
  v128.store(edge, c21, 80);
  v128.store(edge, c30, 96);
  v128.store(edge, c31, 112);
  storeEdge(edge, c, row, mr, nr, add);
}

/** Stores (or adds) the first mr×nr floats of an edge tile (rows NR floats apart) into C. */
@inline
function storeEdge(edge: usize, c: usize, row: usize, mr: i32, nr: i32, add: bool): void {
  for (let i = 0; i < mr; i++) {
    const src = edge + (<usize>(i * NR) << 2);
    const dst = c + <usize>i * row;
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(src + (<usize>j << 2));
      const o = dst + (<usize>j << 2);
      store<f32>(o, add ? load<f32>(o) + v : v);
    }
  }
}
