/**
 * General matrix multiply, C += A * B, over strided operands so that transposes cost nothing.
 *
 * A(i, k) = a[aOff + i * aRs + k * aCs], B(k, j) = b[bOff + k * bRs + j * bCs],
 * C(i, j) = c[cOff + i * ldc + j]. C is always a Float64Array: products are summed in double and
 * the caller rounds once when it stores to float32, which keeps float32 results within a few ulp
 * of a correctly rounded product whatever K is.
 *
 * The structure is the usual one (Goto/BLIS): B is packed in KC x NC blocks into panels NR wide,
 * A in MC x KC blocks into panels MR tall, and a register-blocked MR x NR micro-kernel runs over
 * the packed panels. In plain JavaScript a 2 x 4 register block was measured fastest: larger ones
 * run out of registers and spill.
 */
export type Gemm = (
  m: number,
  n: number,
  k: number,
  a: ArrayLike<number>,
  aOff: number,
  aRs: number,
  aCs: number,
  b: ArrayLike<number>,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
) => void;

const MR = 2;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;

let packA = new Float64Array(0);
let packB = new Float64Array(0);

/**
 * The TypeScript `Gemm` of the `'js'` kernels, unless `CpuOptions.gemm` gives another: packed
 * panels and a 2 x 4 register block (see `Gemm`).
 */
export const gemm: Gemm = (m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc) => {
  if (m === 0 || n === 0 || k === 0) return;
  const nc0 = Math.min(NC, roundUp(n, NR));
  const kc0 = Math.min(KC, k);
  const mc0 = Math.min(MC, roundUp(m, MR));
  if (packB.length < kc0 * nc0) packB = new Float64Array(kc0 * nc0);
  if (packA.length < mc0 * kc0) packA = new Float64Array(mc0 * kc0);
  const ap = packA;
  const bp = packB;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanels(bp, b, bOff + pc * bRs + jc * bCs, bCs, bRs, nc, kc, NR);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanels(ap, a, aOff + ic * aRs + pc * aCs, aRs, aCs, mc, kc, MR);
        macroKernel(ap, bp, mc, nc, kc, c, cOff + ic * ldc + jc, ldc);
      }
    }
  }
};

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/**
 * Packs a `rows x depth` block (row r, depth p at src[off + r * rs + p * ps]) into panels of
 * `width` rows: dst[(panel * depth + p) * width + r % width]. The last panel is zero-padded so
 * the micro-kernel never needs a bounds check inside its loop.
 */
function packPanels(
  dst: Float64Array,
  src: ArrayLike<number>,
  off: number,
  rs: number,
  ps: number,
  rows: number,
  depth: number,
  width: number,
): void {
  for (let r0 = 0, d = 0; r0 < rows; r0 += width) {
    const w = Math.min(width, rows - r0);
    if (w === width && rs === 1) {
      for (let p = 0; p < depth; p++) {
        const s = off + r0 + p * ps;
        for (let r = 0; r < width; r++) dst[d++] = src[s + r];
      }
    } else {
      for (let p = 0; p < depth; p++) {
        const s = off + r0 * rs + p * ps;
        let r = 0;
        for (; r < w; r++) dst[d++] = src[s + r * rs];
        for (; r < width; r++) dst[d++] = 0;
      }
    }
  }
}

function macroKernel(
  ap: Float64Array,
  bp: Float64Array,
  mc: number,
  nc: number,
  kc: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  for (let j = 0; j < nc; j += NR) {
    const pb = j * kc;
    const nr = Math.min(NR, nc - j);
    for (let i = 0; i < mc; i += MR) {
      const mr = Math.min(MR, mc - i);
      micro2x4(ap, i * kc, bp, pb, kc, c, cOff + i * ldc + j, ldc, mr, nr);
    }
  }
}

function micro2x4(
  ap: Float64Array,
  pa: number,
  bp: Float64Array,
  pb: number,
  kc: number,
  c: Float64Array,
  ci: number,
  ldc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[pa];
    const a1 = ap[pa + 1];
    const b0 = bp[pb];
    const b1 = bp[pb + 1];
    const b2 = bp[pb + 2];
    const b3 = bp[pb + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    pa += MR;
    pb += NR;
  }
  if (mr === MR && nr === NR) {
    c[ci] += c00;
    c[ci + 1] += c01;
    c[ci + 2] += c02;
    c[ci + 3] += c03;
    const c1 = ci + ldc;
    c[c1] += c10;
    c[c1 + 1] += c11;
    c[c1 + 2] += c12;
    c[c1 + 3] += c13;
    return;
  }
  const row0 = [c00, c01, c02, c03];
  for (let j = 0; j < nr; j++) c[ci + j] += row0[j];
  if (mr > 1) {
    const row1 = [c10, c11, c12, c13];
    for (let j = 0; j < nr; j++) c[ci + ldc + j] += row1[j];
  }
}

/** int32 C += A * B with wrap-around; C is an Int32Array here. Not a hot path. */
export function gemmInt(
  m: number,
  n: number,
  k: number,
  a: ArrayLike<number>,
  aOff: number,
  aRs: number,
  aCs: number,
  b: ArrayLike<number>,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Int32Array,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[aOff + i * aRs + p * aCs];
      if (av === 0) continue;
      const bRow = bOff + p * bRs;
      const cRow = cOff + i * ldc;
      for (let j = 0; j < n; j++)
        c[cRow + j] = (c[cRow + j] + Math.imul(av, b[bRow + j * bCs])) | 0;
    }
  }
}
