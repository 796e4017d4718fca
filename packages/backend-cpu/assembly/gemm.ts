import { madd } from './simd';

/**
 * Single-precision GEMM, C = A·B or C += A·B, on strided operands so transposes cost nothing:
 * A(i, p) = a[i·aRs + p·aCs], B(p, j) = b[p·bRs + j·bCs], C(i, j) = c[i·ldc + j]; strides are
 * in elements, pointers in bytes.
 *
 * The structure is Goto/BLIS: B is packed KC×NC at a time into panels NR wide (kept in L2/L3),
 * A MC×KC at a time into panels of `rows` rows (kept in L2), and a register-blocked rows×NR
 * micro-kernel streams one A panel against one B panel (in L1).
 *
 * The tile is 4×8 or 6×8, chosen once per memory by the runtime (setTileRows), which times both
 * (tileProbe). 6×8 runs twelve independent multiply-add chains, enough to keep two FMA units busy
 * through their latency, in 15 vector registers: on Node 24's V8 it reaches the FMA ceiling where
 * 4×8's eight chains reach 93%. Node 20's and 22's V8 spill it and run it at under half the
 * ceiling, while 4×8 (11 registers) runs at 93% there. Every output sums its products in the
 * same order on either tile, so the results are the same bit for bit.
 */
export const NR = 8;
export const KC = 256;
/** A multiple of both tile heights. */
export const MC = 120;
export const NC = 1024;
/** Both tile heights divide this: blocks of rows split between threads are multiples of it. */
export const ROW_ALIGN = 12;
/**
 * Where the tile's height is kept: a word below the heap (src/wasm/layout.ts leaves bytes
 * 1020–1023 to it), shared by every thread's instance. A fresh memory holds 0, read as 4.
 */
const TILE_ROWS_AT: usize = 1020;

/** Chooses the tile: 6 rows (6×8), or 4 (4×8) for any other value. */
export function setTileRows(rows: i32): void {
  store<i32>(TILE_ROWS_AT, rows === 6 ? 6 : 4);
}

@inline
function tileRows(): i32 {
  return load<i32>(TILE_ROWS_AT) === 6 ? 6 : 4;
}

/** Bytes of packing space `sgemm` needs at `work`. */
export function gemmWorkBytes(): i32 {
  return (MC * KC + KC * NC + 6 * NR) * 4;
}

/** Bytes of scratch `tileProbe` works in. */
export function tileProbeBytes(): i32 {
  return (6 * KC + NR * KC + 2 * 6 * NR) * 4;
}

/**
 * Runs the rows×8 micro-kernel (rows 4 or 6) `reps` times on KC-deep panels in `scratch`, for the
 * runtime to time the two tiles against each other. The scratch should hold zeros (no subnormal
 * numbers, which some processors multiply slowly).
 */
export function tileProbe(rows: i32, reps: i32, scratch: usize): void {
  const bp = scratch + <usize>(6 * KC * 4);
  const c = bp + <usize>(NR * KC * 4);
  const edge = c + <usize>(6 * NR * 4);
  for (let r = 0; r < reps; r++) multiplyPanels(rows, NR, KC, scratch, bp, c, NR, false, edge, rows);
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
 * from one output row into the next. `a` is the weights as packWeights packed them.
 */
export function sgemmShifted(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  base: usize,
  offsets: usize,
  rowLen: i32,
  gridStride: i32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  gemm(m, n, k, a, 0, 0, base, rowLen, gridStride, offsets, c, ldc, false, work);
}

/**
 * Floats packWeights writes for an m×k A: each block of KC columns holds every row, in panels
 * of the tile's height (the last zero-padded).
 */
export function packedWeightFloats(m: i32, k: i32): i32 {
  const rows = tileRows();
  return ((m + rows - 1) / rows) * rows * k;
}

/**
 * Packs an m×k A once for many GEMMs (a convolution's weights, shared by every image): row-major
 * at `a`, or with `transposed` the transpose of a row-major k×m matrix there. Block (pc, ic) of
 * gemm's loops, packed as packA_ packs it, starts pc·mPad + ic·kc floats into `dst`, with mPad =
 * m rounded up to the tile's height.
 */
export function packWeights(dst: usize, a: usize, m: i32, k: i32, transposed: bool): void {
  const rows = tileRows();
  const mPad = ((m + rows - 1) / rows) * rows;
  const rs = transposed ? 1 : k;
  const cs = transposed ? m : 1;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    for (let ic = 0; ic < m; ic += MC) {
      const at = dst + (<usize>(pc * mPad + ic * kc) << 2);
      packA_(at, a + (<usize>(ic * rs + pc * cs) << 2), rs, cs, min(MC, m - ic), kc, rows);
    }
  }
}

/**
 * Whether sgemmInPlace serves a shifted GEMM: one row panel of the 6×8 tile (at most six output
 * channels), one block of depth, and output rows a whole number of vectors long, so that each
 * half of an 8-column panel lies in one output row.
 */
export function inPlaceFits(m: i32, k: i32, rowLen: i32): bool {
  return tileRows() === 6 && m <= 6 && k <= KC && rowLen % 4 === 0;
}

/**
 * sgemmShifted's product where inPlaceFits, with B read where it lies instead of packed: with a
 * single row panel each element of B is used once, so packing it would copy every element for
 * one read (a third of the time of LeNet-5's first convolution). Each half of a panel reads
 * four columns of one output row at base + offsets[p] + grid(j). `bias` (0, or one float per
 * row of C) is added to the finished sums, as the unit would add it after the product.
 */
export function sgemmInPlace(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  base: usize,
  offsets: usize,
  rowLen: i32,
  gridStride: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  work: usize,
): void {
  const edge = work + <usize>(MC * KC + KC * NC) * 4;
  for (let j = 0; j < n; j += NR) {
    const lo = base + (<usize>((j / rowLen) * gridStride + (j % rowLen)) << 2);
    const h = j + 4;
    // A panel cut short after its first half reads that half twice and stores it once.
    const hi = h < n ? base + (<usize>((h / rowLen) * gridStride + (h % rowLen)) << 2) : lo;
    microInPlace(k, a, lo, hi, offsets, c + (<usize>j << 2), ldc, m, min(NR, n - j), bias, edge);
  }
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
  const rows = tileRows();
  const mPad = ((m + rows - 1) / rows) * rows;
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
        // Strides of 0: `a` is packed already (packWeights), and this block lies within it.
        let ap = packA;
        if (aRs === 0 && aCs === 0) ap = a + (<usize>(pc * mPad + ic * kc) << 2);
        else packA_(packA, a + (<usize>(ic * aRs + pc * aCs) << 2), aRs, aCs, mc, kc, rows);
        const cBlock = c + (<usize>(ic * ldc + jc) << 2);
        multiplyPanels(mc, nc, kc, ap, packB, cBlock, ldc, add, edge, rows);
      }
    }
  }
}

/**
 * C[mc×nc] (+)= A·B from packed operands: `packA` holds A in panels of `rows` rows (packA_'s
 * layout), `packB` B in panels of NR columns (packB_'s), both kc deep; `edge` is 6×NR floats of
 * scratch. One copy serves every caller (it is called once per packed block, so the call costs
 * nothing): inlined, its six micro-kernels would grow each of the four builds past the 32 kB that
 * gzip looks back over, and the package's compressed size would double.
 */
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
  rows: i32,
): void {
  const step = rows * 4;
  // A last, short row panel runs on the smallest tile that covers it: three to five rows on
  // 4×8 or 6×8 (with the edge path), one or two (6 output channels on a 4×8 tile, say) on a
  // 2×16 kernel instead of wasting most of a taller one.
  const rest = mc % rows;
  const full = mc - rest;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bp = packB + (<usize>(jr * kc) << 2);
    for (let ir = 0; ir < full; ir += rows) {
      const ap = packA + (<usize>(ir * kc) << 2);
      const cp = c + (<usize>(ir * ldc + jr) << 2);
      if (rows === 6) micro6(kc, ap, bp, cp, ldc, 6, nr, add, edge);
      else micro4(kc, ap, 16, bp, cp, ldc, 4, nr, add, edge);
    }
    if (rest > 2) {
      const ap = packA + (<usize>(full * kc) << 2);
      const cp = c + (<usize>(full * ldc + jr) << 2);
      if (rest > 4) micro6(kc, ap, bp, cp, ldc, rest, nr, add, edge);
      else micro4(kc, ap, step, bp, cp, ldc, rest, nr, add, edge);
    }
  }
  if (rest === 1 || rest === 2) {
    const ap = packA + (<usize>(full * kc) << 2);
    const cRow = c + (<usize>(full * ldc) << 2);
    let jr = 0;
    for (; jr + 2 * NR <= nc; jr += 2 * NR) {
      const bp = packB + (<usize>(jr * kc) << 2);
      const bq = bp + (<usize>(NR * kc) << 2);
      micro2x16(kc, ap, step, bp, bq, cRow + (<usize>jr << 2), ldc, rest, add);
    }
    for (; jr < nc; jr += NR) {
      const bp = packB + (<usize>(jr * kc) << 2);
      micro4(kc, ap, step, bp, cRow + (<usize>jr << 2), ldc, rest, min(NR, nc - jr), add, edge);
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
        transpose4(o, NR * 4, c0 + q, step);
        transpose4(o + 16, NR * 4, c0 + 4 * step + q, step);
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
 * Four rows of four floats (`srcStep` bytes apart, from `src`) written as four columns: row p of
 * the result, 4 floats at dst + p·dstStep, holds element p of each source row.
 */
@inline
function transpose4(dst: usize, dstStep: usize, src: usize, srcStep: usize): void {
  const x0 = v128.load(src);
  const x1 = v128.load(src + srcStep);
  const x2 = v128.load(src + 2 * srcStep);
  const x3 = v128.load(src + 3 * srcStep);
  const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + dstStep, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStep, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStep, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Packs A(i, p), i < mc, p < kc into panels of `rows` rows (4 or 6), zero-padded at the bottom:
 * dst[(i / rows)·kc·rows + p·rows + i % rows].
 */
function packA_(dst: usize, a: usize, rs: i32, cs: i32, mc: i32, kc: i32, rows: i32): void {
  const step = <usize>rows << 2;
  for (let i0 = 0; i0 < mc; i0 += rows) {
    const h = min(rows, mc - i0);
    const panel = dst + (<usize>(i0 * kc) << 2);
    if (h === rows && cs === 1) {
      // Rows of A are contiguous: four rows through a 4×4 transpose in registers, and on the
      // 6-row tile the last two interleaved in pairs.
      const r0 = a + (<usize>(i0 * rs) << 2);
      const rowStep = <usize>rs << 2;
      const r4 = r0 + 4 * rowStep;
      const r5 = r4 + rowStep;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const q = <usize>p << 2;
        const o = panel + <usize>p * step;
        transpose4(o, step, r0 + q, rowStep);
        if (rows === 6) {
          const x4 = v128.load(r4 + q);
          const x5 = v128.load(r5 + q);
          const lo = v128.shuffle<f32>(x4, x5, 0, 4, 1, 5);
          const hi = v128.shuffle<f32>(x4, x5, 2, 6, 3, 7);
          v128.store64_lane(o, lo, 0, 16);
          v128.store64_lane(o + step, lo, 1, 16);
          v128.store64_lane(o + 2 * step, hi, 0, 16);
          v128.store64_lane(o + 3 * step, hi, 1, 16);
        }
      }
      for (; p < kc; p++) {
        const q = <usize>p << 2;
        const o = panel + <usize>p * step;
        for (let ii = 0; ii < rows; ii++) {
          store<f32>(o + (<usize>ii << 2), load<f32>(r0 + <usize>ii * rowStep + q));
        }
      }
    } else if (h === rows && rs === 1) {
      // Columns of A are contiguous (A is transposed): each packed column is one vector load
      // (and a pair on the 6-row tile).
      const colStep = <usize>cs << 2;
      let src = a + (<usize>i0 << 2);
      for (let p = 0; p < kc; p++) {
        const o = panel + <usize>p * step;
        v128.store(o, v128.load(src));
        if (rows === 6) store<u64>(o, load<u64>(src, 16), 16);
        src += colStep;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const o = panel + <usize>p * step;
        const src = a + (<usize>(i0 * rs + p * cs) << 2);
        for (let ii = 0; ii < rows; ii++) {
          store<f32>(o + (<usize>ii << 2), ii < h ? load<f32>(src + (<usize>(ii * rs) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * C[rows×16] (+)= the first one or two rows of an A panel (packed columns `step` bytes apart) ·
 * two B panels side by side: eight accumulators, like the 4×8 kernel, so nothing spills.
 */
@inline
function micro2x16(
  kc: i32,
  ap: usize,
  step: i32,
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
    ap += step;
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
 * C[mr×nr] (+)= the first four rows of an A panel (packed columns `step` bytes apart: 16 on the
 * 4×8 tile, 24 for the last rows of a 6-row one) · a B panel, with 4×8 accumulators in registers;
 * a tile cut by the edge of C goes through `edge`.
 */
@inline
function micro4(
  kc: i32,
  ap: usize,
  step: i32,
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
    ap += step;
    bp += NR * 4;
  }
  const row = <usize>ldc << 2;
  if (mr === 4 && nr === NR) {
    storeRow(c, c00, c01, add);
    storeRow(c + row, c10, c11, add);
    storeRow(c + 2 * row, c20, c21, add);
    storeRow(c + 3 * row, c30, c31, add);
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

/** micro4's work for a six-row panel: twelve accumulators (see the tile choice above). */
@inline
function micro6(
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
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0);
  let c51 = f32x4.splat(0);
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
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = madd(a, b0, c50);
    c51 = madd(a, b1, c51);
    ap += 24;
    bp += NR * 4;
  }
  storeTile6(c, ldc, mr, nr, add, edge, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
}

/**
 * micro6 for sgemmInPlace: row p of the B panel is the four floats at lo + offsets[p] and the
 * four at hi + offsets[p] (offsets in floats), and C (mr×nr of it) is stored, never added to,
 * with the bias of its row (when `bias` is not 0) added to each finished sum. The sums run in
 * micro6's order, so the results are micro6's bit for bit.
 */
@inline
function microInPlace(
  kc: i32,
  ap: usize,
  lo: usize,
  hi: usize,
  offsets: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  bias: usize,
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
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0);
  let c51 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const at = <usize>load<i32>(offsets + (<usize>p << 2)) << 2;
    const b0 = v128.load(lo + at);
    const b1 = v128.load(hi + at);
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
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = madd(a, b0, c50);
    c51 = madd(a, b1, c51);
    ap += 24;
  }
  if (bias !== 0) {
    // Rows past mr are never stored; their lanes take the last row's bias, read in bounds.
    const last = <usize>(mr - 1) << 2;
    let b = v128.load32_splat(bias);
    c00 = f32x4.add(c00, b);
    c01 = f32x4.add(c01, b);
    b = v128.load32_splat(bias + min<usize>(4, last));
    c10 = f32x4.add(c10, b);
    c11 = f32x4.add(c11, b);
    b = v128.load32_splat(bias + min<usize>(8, last));
    c20 = f32x4.add(c20, b);
    c21 = f32x4.add(c21, b);
    b = v128.load32_splat(bias + min<usize>(12, last));
    c30 = f32x4.add(c30, b);
    c31 = f32x4.add(c31, b);
    b = v128.load32_splat(bias + min<usize>(16, last));
    c40 = f32x4.add(c40, b);
    c41 = f32x4.add(c41, b);
    b = v128.load32_splat(bias + min<usize>(20, last));
    c50 = f32x4.add(c50, b);
    c51 = f32x4.add(c51, b);
  }
  storeTile6(c, ldc, mr, nr, false, edge, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
}

/**
 * Stores (or adds) a 6×8 tile of accumulators into C: whole rows when all of it lies in C, else
 * through `edge` for the first mr×nr of it.
 */
@inline
function storeTile6(
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  add: bool,
  edge: usize,
  c00: v128,
  c01: v128,
  c10: v128,
  c11: v128,
  c20: v128,
  c21: v128,
  c30: v128,
  c31: v128,
  c40: v128,
  c41: v128,
  c50: v128,
  c51: v128,
): void {
  const row = <usize>ldc << 2;
  if (mr === 6 && nr === NR) {
    storeRow(c, c00, c01, add);
    storeRow(c + row, c10, c11, add);
    storeRow(c + 2 * row, c20, c21, add);
    storeRow(c + 3 * row, c30, c31, add);
    storeRow(c + 4 * row, c40, c41, add);
    storeRow(c + 5 * row, c50, c51, add);
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
  v128.store(edge, c40, 128);
  v128.store(edge, c41, 144);
  v128.store(edge, c50, 160);
  v128.store(edge, c51, 176);
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
