/**
 * im2col and col2im over a range of output positions, for 1-, 2- and 3-d convolutions lifted to
 * 3-d. A geometry is 18 i32 values at `g`: input D H W, kernel KD KH KW, output OD OH OW,
 * stride, padding before, dilation (each D H W).
 *
 * col is a [channels·KD·KH·KW, p1 − p0] row-major matrix: row (c, kd, kh, kw), column o − p0
 * holds the input under that kernel tap for output position o (flattened od, oh, ow), or 0 in
 * the padding. Working on a range of columns lets a thread unfold just the block it multiplies,
 * which stays in cache.
 */

import { addTo, copy, fill } from './vector';

/** The 18 words of a geometry, read in place. */
@unmanaged
class Geometry {
  D: i32;
  H: i32;
  W: i32;
  KD: i32;
  KH: i32;
  KW: i32;
  OD: i32;
  OH: i32;
  OW: i32;
  sd: i32;
  sh: i32;
  sw: i32;
  pd: i32;
  ph: i32;
  pw: i32;
  dd: i32;
  dh: i32;
  dw: i32;
}

export function im2col(x: usize, channels: i32, g: usize, p0: i32, p1: i32, col: usize): void {
  if (wholeRows(g, p0, p1)) rows(x, channels, g, p0, p1, col, false);
  else walk(x, channels, g, p0, p1, col, false);
}

/** The adjoint of im2col: adds every column entry back onto its input position in `x`. */
export function col2im(col: usize, channels: i32, g: usize, p0: i32, p1: i32, x: usize): void {
  if (wholeRows(g, p0, p1)) rows(x, channels, g, p0, p1, col, true);
  else walk(x, channels, g, p0, p1, col, true);
}

/**
 * A 2-d (or 1-d) geometry with a unit stride along W, and a block of whole output rows: the
 * common case, which `rows` serves with a fraction of `walk`'s bookkeeping per run.
 */
@inline
function wholeRows(g: usize, p0: i32, p1: i32): bool {
  const G = changetype<Geometry>(g);
  const OW = G.OW;
  // One depth slice, and no depth padding (which would make every slice but one all zeros).
  const flat = G.D === 1 && G.KD === 1 && G.OD === 1 && G.pd === 0;
  return flat && G.sw === 1 && p0 % OW === 0 && (p1 % OW === 0 || p1 === G.OH * OW);
}

/**
 * `walk` for `wholeRows` geometries. For tap (c, kh, kw) the columns whose input lies inside the
 * row [0, W) are the same [lo, hi) for every output row, so each output row is one run found
 * with a few additions. Measured on LeNet-5's conv2 input gradient (runs of ten floats), col2im
 * took as long as the matrix product before it; this loop takes under half of that.
 */
@inline
function rows(x: usize, channels: i32, g: usize, p0: i32, p1: i32, col: usize, backward: bool): void {
  const G = changetype<Geometry>(g);
  const width = p1 - p0;
  const oh0 = p0 / G.OW;
  const oh1 = (p1 + G.OW - 1) / G.OW;
  const rowBytes = <usize>G.OW << 2;
  let row = col;
  for (let c = 0; c < channels; c++) {
    const xc = x + (<usize>(c * G.H * G.W) << 2);
    for (let kh = 0; kh < G.KH; kh++) {
      for (let kw = 0; kw < G.KW; kw++) {
        const shift = kw * G.dw - G.pw;
        const lo = min(G.OW, max(0, -shift));
        const hi = max(lo, min(G.OW, G.W - shift));
        const n = hi - lo;
        let dst = row;
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * G.sh - G.ph + kh * G.dh;
          if (ih < 0 || ih >= G.H) {
            if (!backward) fill(dst, 0, G.OW);
          } else {
            const xr = xc + (<usize>(ih * G.W + lo + shift) << 2);
            const d = dst + (<usize>lo << 2);
            if (backward) {
              if (n > 0) addTo(xr, d, n);
            } else {
              fill(dst, 0, lo);
              copy(d, xr, n);
              fill(d + (<usize>n << 2), 0, G.OW - hi);
            }
          }
          dst += rowBytes;
        }
        row += <usize>width << 2;
      }
    }
  }
}

/**
 * Both directions share one traversal: rows of col in order, and within a row the output
 * positions in runs along W, where the input row (id, ih) is fixed and only iw = ow·sw − pw +
 * kw·dw moves. The runs' in-bounds part [lo, hi) is worked out once per run, so the inner loops
 * have no bounds checks.
 */
@inline
function walk(
  x: usize,
  channels: i32,
  g: usize,
  p0: i32,
  p1: i32,
  col: usize,
  backward: bool,
): void {
  const G = changetype<Geometry>(g);
  const width = p1 - p0;
  const plane = G.OH * G.OW;
  let row = col;
  for (let c = 0; c < channels; c++) {
    const xc = x + (<usize>(c * G.D * G.H * G.W) << 2);
    for (let kd = 0; kd < G.KD; kd++) {
      for (let kh = 0; kh < G.KH; kh++) {
        for (let kw = 0; kw < G.KW; kw++) {
          const shift = kw * G.dw - G.pw;
          // Output columns whose input column lies inside [0, W).
          let lo = shift >= 0 ? 0 : (-shift + G.sw - 1) / G.sw;
          let hi = G.W - 1 - shift >= 0 ? (G.W - 1 - shift) / G.sw + 1 : 0;
          if (hi > G.OW) hi = G.OW;
          if (lo > hi) lo = hi;
          let o = p0;
          let od = o / plane;
          let oh = (o % plane) / G.OW;
          let ow = o % G.OW;
          let dst = row;
          while (o < p1) {
            const run = min(G.OW - ow, p1 - o);
            const end = ow + run;
            const id = od * G.sd - G.pd + kd * G.dd;
            const ih = oh * G.sh - G.ph + kh * G.dh;
            if (id < 0 || id >= G.D || ih < 0 || ih >= G.H) {
              if (!backward) fill(dst, 0, run);
            } else {
              const a = max(ow, lo);
              const b = min(end, hi);
              const xr = xc + (<usize>((id * G.H + ih) * G.W) << 2);
              if (!backward) {
                if (a > ow) fill(dst, 0, min(a, end) - ow);
                if (b > a) {
                  const out = dst + (<usize>(a - ow) << 2);
                  const src = xr + (<usize>(a * G.sw + shift) << 2);
                  if (G.sw === 1) copy(out, src, b - a);
                  else
                    for (let j = 0; j < b - a; j++) {
                      store<f32>(out + (<usize>j << 2), load<f32>(src + (<usize>(j * G.sw) << 2)));
                    }
                }
                const z = max(b, max(a, ow));
                if (end > z) fill(dst + (<usize>(z - ow) << 2), 0, end - z);
              } else if (b > a) {
                const from = dst + (<usize>(a - ow) << 2);
                const to = xr + (<usize>(a * G.sw + shift) << 2);
                if (G.sw === 1) addTo(to, from, b - a);
                else
                  for (let j = 0; j < b - a; j++) {
                    const t = to + (<usize>(j * G.sw) << 2);
                    store<f32>(t, load<f32>(t) + load<f32>(from + (<usize>j << 2)));
                  }
              }
            }
            dst += <usize>run << 2;
            o += run;
            ow = 0;
            oh++;
            if (oh === G.OH) {
              oh = 0;
              od++;
            }
          }
          row += <usize>width << 2;
        }
      }
    }
  }
}
