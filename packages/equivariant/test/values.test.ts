/**
 * The p4 convolutions against the group correlation written out as plain loops over the group,
 * with no filter bank, reshape or conv2d (Cohen & Welling 2016, eq. 10 and 11):
 *   lifting:  out[o](t, r) = Σ_c Σ_u x[c](u) · w[o, c](r⁻¹(u − t))
 *   group:    out[o](t, r) = Σ_c Σ_s Σ_u x[c, s](u) · w[o, c, s − r](r⁻¹(u − t))
 * where r turns a kernel offset (a, b) (row, column, from the kernel centre) the way rot90 turns
 * an array: a quarter turn takes array entry (i, j) to (m − 1 − j, i), i.e. offset (a, b) to
 * (−b, a), so r⁻¹ takes (a, b) to (b, −a).
 */
import { type Tensor, tensor } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { p4Conv2d, p4LiftConv2d } from '../src/index.js';
import { maxDiff, rand64 } from './helpers.js';

/** The offset (a, b) turned back by r quarter turns: r⁻¹(a, b). */
function unturn(a: number, b: number, r: number): [number, number] {
  let [p, q] = [a, b];
  for (let i = 0; i < r; i++) [p, q] = [q, -p];
  return [p, q];
}

/**
 * The group correlation of a p4 input `[N, C, S, H, W]` (S = 1 for an image, whose plane does not
 * move) with `w` `[O, C, S, k, k]`, odd k, no padding, stride 1, by the formulas above.
 */
function reference(x: Tensor, w: Tensor): Tensor {
  const [n, c, s, h, wd] = x.shape as number[] as [number, number, number, number, number];
  const [o, , , k] = w.shape as number[] as [number, number, number, number];
  const m = (k - 1) / 2;
  const xs = x.dataSync();
  const ws = w.dataSync();
  const oh = h - k + 1;
  const ow = wd - k + 1;
  const out = new Float64Array(n * o * 4 * oh * ow);
  const at = (i: number, j: number, l: number, p: number, q: number, dims: number[]) =>
    (((i * (dims[1] as number) + j) * (dims[2] as number) + l) * (dims[3] as number) + p) *
      (dims[4] as number) +
    q;
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let r = 0; r < 4; r++)
        for (let ti = 0; ti < oh; ti++)
          for (let tj = 0; tj < ow; tj++) {
            // t is the output position's centre in input coordinates.
            const [ci, cj] = [ti + m, tj + m];
            let sum = 0;
            for (let ic = 0; ic < c; ic++)
              for (let si = 0; si < s; si++)
                for (let a = -m; a <= m; a++)
                  for (let bb = -m; bb <= m; bb++) {
                    const [p, q] = unturn(a, bb, r);
                    // The filter plane that meets input rotation si: s − r for a p4 input.
                    const plane = s === 1 ? 0 : (((si - r) % 4) + 4) % 4;
                    sum +=
                      (xs[at(b, ic, si, ci + a, cj + bb, [n, c, s, h, wd])] as number) *
                      (ws[at(oc, ic, plane, p + m, q + m, [o, c, s, k, k])] as number);
                  }
            out[at(b, oc, r, ti, tj, [n, o, 4, oh, ow])] = sum;
          }
  return tensor(out, { dtype: 'float64' }).reshape([n, o, 4, oh, ow]);
}

describe('the p4 convolutions compute the group correlation', () => {
  it('p4LiftConv2d, kernel 3 and 5', () => {
    for (const k of [3, 5]) {
      const x = rand64([2, 3, 7, 8], 20 + k);
      const w = rand64([4, 3, k, k], 30 + k);
      const expected = reference(x.unsqueeze(2), w.unsqueeze(2));
      expect(maxDiff(p4LiftConv2d(x, w), expected)).toBeLessThan(1e-12);
    }
  });

  it('p4Conv2d, kernel 3 and 5', () => {
    for (const k of [3, 5]) {
      const x = rand64([2, 3, 4, 7, 8], 40 + k);
      const w = rand64([2, 3, 4, k, k], 50 + k);
      expect(maxDiff(p4Conv2d(x, w), reference(x, w))).toBeLessThan(1e-12);
    }
  });

  it('adds each bias entry to the four rotations of its channel', () => {
    const x = rand64([1, 2, 4, 5, 5], 60);
    const w = rand64([3, 2, 4, 3, 3], 61);
    const bias = tensor([1, -2, 0.5], { dtype: 'float64' });
    const shift = tensor([1, -2, 0.5], { dtype: 'float64' }).reshape([1, 3, 1, 1, 1]);
    expect(maxDiff(p4Conv2d(x, w, { bias }), p4Conv2d(x, w).add(shift))).toBeLessThan(1e-14);
    const image = rand64([1, 2, 5, 5], 62);
    const lw = rand64([3, 2, 3, 3], 63);
    expect(
      maxDiff(p4LiftConv2d(image, lw, { bias }), p4LiftConv2d(image, lw).add(shift)),
    ).toBeLessThan(1e-14);
  });

  it('samples like conv2d: output sizes with stride, padding and dilation', () => {
    const x = rand64([1, 2, 4, 11, 9], 64);
    const w = rand64([3, 2, 4, 3, 3], 65);
    expect(p4Conv2d(x, w, { stride: 2, padding: 1 }).shape).toEqual([1, 3, 4, 6, 5]);
    expect(p4Conv2d(x, w, { dilation: 2 }).shape).toEqual([1, 3, 4, 7, 5]);
    expect(p4Conv2d(x, w, { padding: [[0, 1], 2], stride: [1, 2] }).shape).toEqual([
      1, 3, 4, 10, 6,
    ]);
    expect(
      p4LiftConv2d(rand64([2, 2, 10, 10], 66), rand64([3, 2, 5, 5], 67), { padding: 'same' }).shape,
    ).toEqual([2, 3, 4, 10, 10]);
  });
});
