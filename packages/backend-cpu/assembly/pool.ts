import { Pool2x2Args } from './args';

/**
 * 2×2 max pooling whose windows all lie inside the input, the same as maxPool2x2 in
 * src/pool.ts: the first maximum of each window (index arithmetic, no data-dependent branch),
 * and PyTorch's rule (the last NaN wins) for a window holding a NaN. A unit is a run of planes.
 * With `indices` 0 only the maxima are written (maxPoolValues).
 */
export function maxPool2x2Unit(job: usize, u: i32): void {
  const a = changetype<Pool2x2Args>(job);
  const W = a.W;
  const p0 = u * a.planesPerUnit;
  const p1 = min(a.planes, p0 + a.planesPerUnit);
  const vectors = a.sw === 2;
  let o = p0 * a.outH * a.outW;
  for (let plane = p0; plane < p1; plane++) {
    const base = a.x + (<usize>(plane * a.H * W) << 2);
    for (let oh = 0; oh < a.outH; oh++) {
      const row = oh * a.sh * W;
      let ow = 0;
      // Stride 2 along W: four windows at once from two rows of eight floats, their taps split
      // into even and odd lanes. A group holding a NaN is left to the scalar loop below. A row
      // whose width is not a multiple of four ends with the last four windows, overlapping the
      // group before: they are stored twice, the same both times.
      if (vectors && a.outW >= 4) {
        for (; ow < a.outW; ow += 4, o += 4) {
          if (ow + 4 > a.outW) {
            o -= ow - (a.outW - 4);
            ow = a.outW - 4;
          }
          const at0 = row + ow * 2;
          const p = base + (<usize>at0 << 2);
          const q = p + (<usize>W << 2);
          const r0 = v128.load(p);
          const r1 = v128.load(p, 16);
          const s0 = v128.load(q);
          const s1 = v128.load(q, 16);
          const v0 = v128.shuffle<f32>(r0, r1, 0, 2, 4, 6);
          const v1 = v128.shuffle<f32>(r0, r1, 1, 3, 5, 7);
          const v2 = v128.shuffle<f32>(s0, s1, 0, 2, 4, 6);
          const v3 = v128.shuffle<f32>(s0, s1, 1, 3, 5, 7);
          const sum = f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3));
          if (v128.any_true(f32x4.ne(sum, sum))) break;
          // The first maximum: of each row, then of the two (ties keep the earlier tap), which
          // is what pmax(a, b) = a < b ? b : a keeps.
          const topValue = f32x4.pmax(v0, v1);
          const bottomValue = f32x4.pmax(v2, v3);
          v128.store(a.values + (<usize>o << 2), f32x4.pmax(topValue, bottomValue));
          if (a.indices !== 0) {
            const topIndex = v128.bitselect(i32x4.splat(1), i32x4.splat(0), f32x4.gt(v1, v0));
            const bottomIndex = v128.bitselect(
              i32x4.splat(W + 1),
              i32x4.splat(W),
              f32x4.gt(v3, v2),
            );
            const k = v128.bitselect(bottomIndex, topIndex, f32x4.gt(bottomValue, topValue));
            const at = i32x4.add(k, i32x4.add(i32x4.splat(at0), i32x4(0, 2, 4, 6)));
            v128.store(a.indices + (<usize>o << 2), at);
          }
        }
      }
      for (; ow < a.outW; ow++, o++) {
        const at0 = row + ow * a.sw;
        const p = base + (<usize>at0 << 2);
        const v0 = load<f32>(p);
        const v1 = load<f32>(p, 4);
        const v2 = load<f32>(p + (<usize>W << 2));
        const v3 = load<f32>(p + (<usize>W << 2), 4);
        // As in JavaScript, the sum is taken in double: only a NaN makes it NaN.
        const sum = <f64>v0 + <f64>v1 + <f64>v2 + <f64>v3;
        let k: i32;
        if (sum == sum) {
          const top = <i32>(v1 > v0);
          const bottom = W + <i32>(v3 > v2);
          const vt = load<f32>(p + (<usize>top << 2));
          const vb = load<f32>(p + (<usize>bottom << 2));
          k = top + <i32>(vb > vt) * (bottom - top);
        } else {
          k = 0;
          let best = v0;
          if (v1 > best || v1 != v1) {
            best = v1;
            k = 1;
          }
          if (v2 > best || v2 != v2) {
            best = v2;
            k = W;
          }
          if (v3 > best || v3 != v3) k = W + 1;
        }
        store<f32>(a.values + (<usize>o << 2), load<f32>(p + (<usize>k << 2)));
        if (a.indices !== 0) store<i32>(a.indices + (<usize>o << 2), at0 + k);
      }
    }
  }
}

/**
 * The gradient of a max pooling whose windows do not overlap: each plane of dx zeroed, then
 * each output gradient stored at the position its maximum came from (0 + g, as a sum would
 * give: −0 becomes +0).
 */
export function maxPoolBackwardUnit(job: usize, u: i32): void {
  const a = changetype<Pool2x2Args>(job);
  const inSize = a.H * a.W;
  const outSize = a.outH * a.outW;
  const p0 = u * a.planesPerUnit;
  const p1 = min(a.planes, p0 + a.planesPerUnit);
  for (let plane = p0; plane < p1; plane++) {
    const dx = a.dx + (<usize>(plane * inSize) << 2);
    memory.fill(dx, 0, <usize>inSize << 2);
    const o0 = plane * outSize;
    for (let o = o0; o < o0 + outSize; o++) {
      const g = load<f32>(a.dy + (<usize>o << 2));
      const at = load<i32>(a.indices + (<usize>o << 2));
      store<f32>(dx + (<usize>at << 2), g + 0);
    }
  }
}
