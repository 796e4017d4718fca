import { cpu } from '@stride/backend-cpu';
import type { PoolParams, Shape } from '@stride/core';
import { describe, expect, it } from 'vitest';
import type { KT } from './helpers.js';
import {
  expectClose,
  expectExact,
  randomTensor,
  size,
  stridesOf,
  tensor,
  unravel,
} from './helpers.js';

const b = cpu();

function pool(
  kernel: number[],
  stride: number[],
  padding: number[],
  outSize: number[],
  countIncludePad = true,
  dilation?: number[],
): PoolParams {
  return {
    kernel,
    stride,
    padding,
    outSize,
    countIncludePad,
    dilation: dilation ?? kernel.map(() => 1),
  };
}

/** Output size as PyTorch computes it, with the "last window starts inside" rule for ceil mode. */
function poolOut(
  inSize: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil: boolean,
): number {
  const span = d * (k - 1) + 1;
  const num = inSize + 2 * p - span;
  let out = (ceil ? Math.ceil(num / s) : Math.floor(num / s)) + 1;
  if (ceil && (out - 1) * s >= inSize + p) out--;
  return out;
}

/** Direct-loop reference for both poolings over any spatial rank. */
function naivePool(
  x: KT,
  p: PoolParams,
  kind: 'max' | 'avg',
): { values: number[]; indices: number[] } {
  const [n, c, ...spatial] = x.shape;
  const rank = spatial.length;
  const planeSize = size(spatial);
  const ss = stridesOf(spatial);
  const values: number[] = [];
  const indices: number[] = [];
  for (let plane = 0; plane < n * c; plane++) {
    for (let oi = 0; oi < size(p.outSize); oi++) {
      const o = unravel(oi, p.outSize);
      let best = -Infinity;
      let at = -1;
      let sum = 0;
      let real = 1;
      let padded = 1;
      for (let a = 0; a < rank; a++) {
        const start = o[a] * p.stride[a] - p.padding[a];
        const end = Math.min(start + p.kernel[a], spatial[a] + p.padding[a]);
        padded *= end - start;
        real *= Math.min(end, spatial[a]) - Math.max(start, 0);
      }
      for (let ki = 0; ki < size(p.kernel); ki++) {
        const k = unravel(ki, p.kernel);
        let flat = 0;
        let inside = true;
        for (let a = 0; a < rank; a++) {
          const d = kind === 'max' ? p.dilation[a] : 1;
          const pos = o[a] * p.stride[a] - p.padding[a] + k[a] * d;
          if (pos < 0 || pos >= spatial[a]) inside = false;
          flat += pos * ss[a];
        }
        if (!inside) continue;
        const v = x.storage[plane * planeSize + flat];
        if (at < 0) at = flat;
        if (v > best || Number.isNaN(v)) {
          best = v;
          at = flat;
        }
        sum += v;
      }
      values.push(kind === 'max' ? best : sum / (p.countIncludePad ? padded : real));
      indices.push(at);
    }
  }
  return { values, indices };
}

describe('maxPool', () => {
  it('2x2 stride 2 on a 4x4 plane', () => {
    const x = tensor(
      Array.from({ length: 32 }, (_, i) => (i * 5) % 32),
      [1, 2, 4, 4],
    );
    const { values, indices } = b.maxPool(x, pool([2, 2], [2, 2], [0, 0], [2, 2]));
    // plane 0 rows: [0 5 10 15] [20 25 30 3] [8 13 18 23] [28 1 6 11]
    // plane 1 rows: [16 21 26 31] [4 9 14 19] [24 29 2 7] [12 17 22 27]
    expectExact(values, [25, 30, 28, 23, 21, 31, 29, 27]);
    expectExact(indices, [5, 6, 12, 11, 1, 3, 9, 15]);
    expect(indices).toBeInstanceOf(Int32Array);
  });

  it('ceil-mode output and padding (windows hanging over the right edge)', () => {
    const x = tensor([1, 2, 3, 4], [1, 1, 4]);
    const p = pool([3], [2], [1], [poolOut(4, 3, 2, 1, 1, true)]);
    expect(p.outSize).toEqual([3]);
    const { values, indices } = b.maxPool(x, p);
    expectExact(values, [2, 4, 4]);
    expectExact(indices, [1, 3, 3]);
    const c = b.maxPool(tensor([1, 2, 3, 4, 5], [1, 1, 5]), pool([2], [2], [0], [3]));
    expectExact(c.values, [2, 4, 5]);
    expectExact(c.indices, [1, 3, 4]);
  });

  it('dilation spreads the taps', () => {
    const x = tensor([0, 1, 2, 3, 4, 5, 6], [1, 1, 7]);
    const { values, indices } = b.maxPool(x, pool([3], [1], [0], [3], true, [2]));
    expectExact(values, [4, 5, 6]);
    expectExact(indices, [4, 5, 6]);
  });

  it('first of equal maxima wins; NaN propagates (last NaN, as PyTorch CPU); -inf keeps the first tap', () => {
    const ties = b.maxPool(tensor([3, 1, 3, 3], [1, 1, 4]), pool([4], [1], [0], [1]));
    expectExact(ties.indices, [0]);
    const nan = b.maxPool(
      tensor([1, Number.NaN, 9, Number.NaN, 2, 3], [1, 1, 6]),
      pool([4], [2], [0], [2]),
    );
    expect(Number.isNaN(nan.values[0]) && Number.isNaN(nan.values[1])).toBe(true);
    expectExact(nan.indices, [3, 3]);
    const inf = b.maxPool(
      tensor([-Infinity, -Infinity, -Infinity], [1, 1, 3]),
      pool([2], [1], [1], [3]),
    );
    expectExact(inf.values, [-Infinity, -Infinity, -Infinity]);
    expectExact(inf.indices, [0, 0, 1]);
  });

  const grid: { name: string; x: Shape; p: PoolParams }[] = [
    {
      name: '1-d k3 s2 p1',
      x: [2, 3, 10],
      p: pool([3], [2], [1], [poolOut(10, 3, 2, 1, 1, false)]),
    },
    {
      name: '1-d k2 d3 ceil',
      x: [1, 2, 9],
      p: pool([2], [2], [0], [poolOut(9, 2, 2, 0, 3, true)], true, [3]),
    },
    {
      name: '2-d k3 s2 p1 ceil',
      x: [2, 2, 7, 8],
      p: pool([3, 3], [2, 2], [1, 1], [poolOut(7, 3, 2, 1, 1, true), poolOut(8, 3, 2, 1, 1, true)]),
    },
    {
      name: '2-d k(2,3) s(1,2) p(1,0) d(2,1)',
      x: [1, 3, 6, 7],
      p: pool(
        [2, 3],
        [1, 2],
        [1, 0],
        [poolOut(6, 2, 1, 1, 2, false), poolOut(7, 3, 2, 0, 1, false)],
        true,
        [2, 1],
      ),
    },
    {
      name: '3-d k2 s2 ceil',
      x: [1, 2, 5, 4, 5],
      p: pool([2, 2, 2], [2, 2, 2], [0, 0, 0], [3, 2, 3]),
    },
    {
      name: '3-d k3 s(1,2,3) p1',
      x: [2, 1, 4, 6, 7],
      p: pool(
        [3, 3, 3],
        [1, 2, 3],
        [1, 1, 1],
        [
          poolOut(4, 3, 1, 1, 1, false),
          poolOut(6, 3, 2, 1, 1, false),
          poolOut(7, 3, 3, 1, 1, true),
        ],
      ),
    },
  ];
  for (const g of grid) {
    it(`${g.name}: values, indices and backward match direct loops`, () => {
      const x = randomTensor(g.x, 'float64', 17);
      const { values, indices } = b.maxPool(x, g.p);
      const ref = naivePool(x, g.p, 'max');
      expectExact(values, ref.values);
      expectExact(indices, ref.indices);
      const yShape = [g.x[0], g.x[1], ...g.p.outSize];
      const dy = randomTensor(yShape, 'float64', 18);
      const dx = b.maxPoolBackward(
        dy,
        { storage: indices, shape: yShape, dtype: 'int32' },
        g.x,
        g.p,
      );
      const expected = new Array<number>(size(g.x)).fill(0);
      const plane = size(g.x.slice(2));
      const out = size(g.p.outSize);
      for (let i = 0; i < dy.storage.length; i++) {
        expected[Math.floor(i / out) * plane + ref.indices[i]] += dy.storage[i];
      }
      expectClose(dx, expected, 1e-14, 1e-14);
    });
  }
});

describe('avgPool', () => {
  it('divides by the padded window or by the real taps (countIncludePad)', () => {
    const x = tensor([1, 2, 3, 4], [1, 1, 4]);
    const outSize = [poolOut(4, 3, 2, 1, 1, true)];
    expectClose(b.avgPool(x, pool([3], [2], [1], outSize, true)), [1, 3, 2]);
    expectClose(b.avgPool(x, pool([3], [2], [1], outSize, false)), [1.5, 3, 4]);
    // Ceil mode without padding: the last window holds one element either way.
    const y = tensor([1, 2, 3, 4, 5], [1, 1, 5]);
    expectClose(b.avgPool(y, pool([2], [2], [0], [3], true)), [1.5, 3.5, 5]);
    expectClose(b.avgPool(y, pool([2], [2], [0], [3], false)), [1.5, 3.5, 5]);
  });

  it('2-d corner windows with padding, both divisors', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    // 2x2 windows, stride 2, padding 1 -> 2x2 output; windows start at -1 and 1.
    const inc = b.avgPool(x, pool([2, 2], [2, 2], [1, 1], [2, 2], true));
    expectClose(inc, [1 / 4, (2 + 3) / 4, (4 + 7) / 4, (5 + 6 + 8 + 9) / 4]);
    const exc = b.avgPool(x, pool([2, 2], [2, 2], [1, 1], [2, 2], false));
    expectClose(exc, [1, 2.5, 5.5, 7]);
  });

  const grid: { name: string; x: Shape; p: (inc: boolean) => PoolParams }[] = [
    {
      name: '1-d k4 s3 p2 ceil',
      x: [2, 2, 11],
      p: (inc) => pool([4], [3], [2], [poolOut(11, 4, 3, 2, 1, true)], inc),
    },
    {
      name: '2-d k3 s2 p1 ceil',
      x: [2, 3, 6, 7],
      p: (inc) =>
        pool(
          [3, 3],
          [2, 2],
          [1, 1],
          [poolOut(6, 3, 2, 1, 1, true), poolOut(7, 3, 2, 1, 1, true)],
          inc,
        ),
    },
    {
      name: '2-d k(3,2) s(1,2) p(1,1)',
      x: [1, 2, 5, 6],
      p: (inc) =>
        pool(
          [3, 2],
          [1, 2],
          [1, 1],
          [poolOut(5, 3, 1, 1, 1, false), poolOut(6, 2, 2, 1, 1, false)],
          inc,
        ),
    },
    {
      name: '3-d k3 s2 p1 ceil',
      x: [1, 2, 5, 6, 4],
      p: (inc) =>
        pool(
          [3, 3, 3],
          [2, 2, 2],
          [1, 1, 1],
          [
            poolOut(5, 3, 2, 1, 1, true),
            poolOut(6, 3, 2, 1, 1, true),
            poolOut(4, 3, 2, 1, 1, true),
          ],
          inc,
        ),
    },
  ];
  for (const g of grid) {
    for (const inc of [true, false]) {
      it(`${g.name} countIncludePad=${inc}: forward matches, backward is its adjoint`, () => {
        const p = g.p(inc);
        const x = randomTensor(g.x, 'float64', 23);
        const y = b.avgPool(x, p);
        expectClose(y, naivePool(x, p, 'avg').values, 1e-14, 1e-14);
        const dy = randomTensor([g.x[0], g.x[1], ...p.outSize], 'float64', 24);
        const dx = b.avgPoolBackward(dy, g.x, p);
        let lhs = 0;
        let rhs = 0;
        for (let i = 0; i < y.length; i++) lhs += y[i] * dy.storage[i];
        for (let i = 0; i < dx.length; i++) rhs += dx[i] * x.storage[i];
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12);
      });
    }
  }

  it('backward spreads each gradient over its window, hand-checked', () => {
    const dy = tensor([4, 8], [1, 1, 2]);
    // Windows [-1, 2) and [1, 4) over 3 inputs, padding 1, countIncludePad: divisor 3 and 3.
    const dx = b.avgPoolBackward(dy, [1, 1, 3], pool([3], [2], [1], [2], true));
    expectClose(dx, [4 / 3, 4 / 3 + 8 / 3, 8 / 3]);
    const dxe = b.avgPoolBackward(dy, [1, 1, 3], pool([3], [2], [1], [2], false));
    expectClose(dxe, [2, 2 + 4, 4]);
    expect(dx).toBeInstanceOf(Float32Array);
  });

  it('handles empty batches', () => {
    expect(b.avgPool(tensor([], [0, 3, 4, 4]), pool([2, 2], [2, 2], [0, 0], [2, 2])).length).toBe(
      0,
    );
    expect(
      b.maxPool(tensor([], [0, 3, 4, 4]), pool([2, 2], [2, 2], [0, 0], [2, 2])).values.length,
    ).toBe(0);
  });
});
