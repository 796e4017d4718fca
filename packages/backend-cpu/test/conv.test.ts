import { cpu } from '@stride/backend-cpu';
import type { ConvParams, Shape } from '@stride/core';
import { describe, expect, it } from 'vitest';
import type { KT } from './helpers.js';
import { expectClose, randomTensor, size, stridesOf, tensor, unravel } from './helpers.js';

const b = cpu();

function outSpatial(xShape: Shape, wShape: Shape, p: ConvParams): number[] {
  return xShape.slice(2).map((d, i) => {
    const span = p.dilation[i] * (wShape[2 + i] - 1) + 1;
    return Math.floor((d + p.padBefore[i] + p.padAfter[i] - span) / p.stride[i]) + 1;
  });
}

/**
 * Calls `visit` for every (output position, kernel tap) pair of a direct convolution whose input
 * position lies inside the input, with flat indices into x, w and y. This is the definition of
 * cross-correlation written as plainly as possible; forward and both gradients are built from it.
 */
function forEachTap(
  xShape: Shape,
  wShape: Shape,
  p: ConvParams,
  visit: (xi: number, wi: number, yi: number) => void,
): void {
  const [batch, channels] = xShape;
  const outChannels = wShape[0];
  const cg = channels / p.groups;
  const og = outChannels / p.groups;
  const ySpatial = outSpatial(xShape, wShape, p);
  const kSpatial = wShape.slice(2);
  const xSpatial = xShape.slice(2);
  const xs = stridesOf(xShape);
  const ws = stridesOf(wShape);
  const yShape = [batch, outChannels, ...ySpatial];
  const rank = xSpatial.length;
  for (let yi = 0; yi < size(yShape); yi++) {
    const [n, o, ...op] = unravel(yi, yShape);
    const g = Math.floor(o / og);
    for (let c = 0; c < cg; c++) {
      for (let ki = 0; ki < size(kSpatial); ki++) {
        const k = unravel(ki, kSpatial);
        let xi = n * xs[0] + (g * cg + c) * xs[1];
        let inside = true;
        for (let a = 0; a < rank; a++) {
          const pos = op[a] * p.stride[a] - p.padBefore[a] + k[a] * p.dilation[a];
          if (pos < 0 || pos >= xSpatial[a]) inside = false;
          xi += pos * xs[2 + a];
        }
        if (!inside) continue;
        let wi = o * ws[0] + c * ws[1];
        for (let a = 0; a < rank; a++) wi += k[a] * ws[2 + a];
        visit(xi, wi, yi);
      }
    }
  }
}

function naiveConv(x: KT, w: KT, p: ConvParams): number[] {
  const y = new Array<number>(
    size([x.shape[0], w.shape[0], ...outSpatial(x.shape, w.shape, p)]),
  ).fill(0);
  forEachTap(x.shape, w.shape, p, (xi, wi, yi) => {
    y[yi] += x.storage[xi] * w.storage[wi];
  });
  return y;
}

function naiveBackwardInput(dy: KT, w: KT, xShape: Shape, p: ConvParams): number[] {
  const dx = new Array<number>(size(xShape)).fill(0);
  forEachTap(xShape, w.shape, p, (xi, wi, yi) => {
    dx[xi] += dy.storage[yi] * w.storage[wi];
  });
  return dx;
}

function naiveBackwardFilter(x: KT, dy: KT, wShape: Shape, p: ConvParams): number[] {
  const dw = new Array<number>(size(wShape)).fill(0);
  forEachTap(x.shape, wShape, p, (xi, wi, yi) => {
    dw[wi] += dy.storage[yi] * x.storage[xi];
  });
  return dw;
}

interface Case {
  name: string;
  x: Shape;
  w: Shape;
  p: ConvParams;
}

function params(
  rank: number,
  stride: number[] | number,
  padBefore: number[] | number,
  padAfter: number[] | number,
  dilation: number[] | number,
  groups: number,
): ConvParams {
  const arr = (v: number[] | number) => (Array.isArray(v) ? v : new Array<number>(rank).fill(v));
  return {
    stride: arr(stride),
    padBefore: arr(padBefore),
    padAfter: arr(padAfter),
    dilation: arr(dilation),
    groups,
  };
}

const cases: Case[] = [];
for (const stride of [1, 2]) {
  for (const [pb, pa] of [
    [0, 0],
    [1, 1],
    [2, 1],
  ]) {
    for (const dilation of [1, 2]) {
      for (const groups of [1, 2]) {
        const tag = `s${stride} p${pb}/${pa} d${dilation} g${groups}`;
        cases.push({
          name: `1-d ${tag}`,
          x: [2, 4, 11],
          w: [6, 4 / groups, 3],
          p: params(1, stride, pb, pa, dilation, groups),
        });
        cases.push({
          name: `2-d ${tag}`,
          x: [2, 4, 7, 8],
          w: [4, 4 / groups, 3, 2],
          p: params(2, stride, pb, pa, dilation, groups),
        });
        cases.push({
          name: `3-d ${tag}`,
          x: [1, 2, 5, 6, 5],
          w: [4, 2 / groups, 2, 3, 2],
          p: params(3, stride, pb, pa, dilation, groups),
        });
      }
    }
  }
}
// Mixed per-axis parameters, depthwise, 1x1 kernels (the shortcut that skips im2col) and odd shapes.
cases.push(
  {
    name: '2-d mixed per-axis',
    x: [2, 3, 9, 7],
    w: [5, 3, 3, 2],
    p: params(2, [2, 1], [1, 0], [0, 2], [1, 3], 1),
  },
  {
    name: '3-d mixed per-axis',
    x: [1, 2, 6, 5, 7],
    w: [2, 1, 2, 1, 3],
    p: params(3, [1, 2, 3], [0, 1, 2], [1, 0, 2], [2, 1, 1], 2),
  },
  { name: '2-d depthwise', x: [2, 6, 6, 6], w: [6, 1, 3, 3], p: params(2, 1, 1, 1, 1, 6) },
  { name: '2-d 1x1', x: [3, 8, 5, 4], w: [6, 8, 1, 1], p: params(2, 1, 0, 0, 1, 1) },
  { name: '2-d 1x1 grouped', x: [2, 8, 3, 3], w: [4, 2, 1, 1], p: params(2, 1, 0, 0, 1, 4) },
  { name: '2-d 1x1 stride 2', x: [2, 4, 5, 5], w: [3, 4, 1, 1], p: params(2, 2, 0, 0, 1, 1) },
  { name: '2-d 1x1 padded', x: [1, 3, 3, 3], w: [2, 3, 1, 1], p: params(2, 1, 1, 0, 1, 1) },
  {
    name: '1-d kernel larger than input with padding',
    x: [1, 2, 2],
    w: [3, 2, 4],
    p: params(1, 1, 2, 2, 1, 1),
  },
  { name: '2-d many channels', x: [1, 40, 6, 6], w: [70, 40, 3, 3], p: params(2, 1, 1, 1, 1, 1) },
);

describe('conv', () => {
  for (const c of cases) {
    it(`${c.name}: forward and both gradients match the direct loops`, () => {
      const x = randomTensor(c.x, 'float64', 1);
      const w = randomTensor(c.w, 'float64', 2);
      const yShape = [c.x[0], c.w[0], ...outSpatial(c.x, c.w, c.p)];
      const dy = randomTensor(yShape, 'float64', 3);
      expectClose(b.conv(x, w, c.p), naiveConv(x, w, c.p), 1e-12, 1e-12);
      expectClose(
        b.convBackwardInput(dy, w, c.x, c.p),
        naiveBackwardInput(dy, w, c.x, c.p),
        1e-12,
        1e-12,
      );
      expectClose(
        b.convBackwardFilter(x, dy, c.w, c.p),
        naiveBackwardFilter(x, dy, c.w, c.p),
        1e-12,
        1e-12,
      );
    });
  }

  it('TypeScript kernels keep float32 and agree with the double result to float32 rounding', () => {
    const b = cpu({ kernels: 'js' });
    const p = params(2, 1, 1, 1, 1, 1);
    const x = randomTensor([2, 16, 9, 9], 'float32', 5);
    const w = randomTensor([8, 16, 3, 3], 'float32', 6);
    const y = b.conv(x, w, p);
    expect(y).toBeInstanceOf(Float32Array);
    expectClose(y, naiveConv(x, w, p), 1e-6, 1e-6);
    const dy = randomTensor([2, 8, 9, 9], 'float32', 7);
    const dx = b.convBackwardInput(dy, w, x.shape, p);
    expect(dx).toBeInstanceOf(Float32Array);
    expectClose(dx, naiveBackwardInput(dy, w, x.shape, p), 1e-6, 1e-6);
    const dw = b.convBackwardFilter(x, dy, w.shape, p);
    expect(dw).toBeInstanceOf(Float32Array);
    expectClose(dw, naiveBackwardFilter(x, dy, w.shape, p), 1e-6, 1e-6);
  });

  it('gradients agree with central finite differences of the forward kernel', () => {
    const p = params(2, [2, 1], [1, 0], [2, 1], [1, 2], 2);
    const xShape: Shape = [2, 4, 6, 7];
    const wShape: Shape = [4, 2, 3, 2];
    const x = randomTensor(xShape, 'float64', 31);
    const w = randomTensor(wShape, 'float64', 32);
    const yShape = [2, 4, ...outSpatial(xShape, wShape, p)];
    const dy = randomTensor(yShape, 'float64', 33);
    // L(x, w) = <conv(x, w), dy>; dL/dx and dL/dw are the two backward kernels.
    const loss = (xv: KT, wv: KT) => {
      const y = b.conv(xv, wv, p);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * dy.storage[i];
      return s;
    };
    const dx = b.convBackwardInput(dy, w, xShape, p);
    const dw = b.convBackwardFilter(x, dy, wShape, p);
    const h = 1e-6;
    const probe = (t: KT, grad: ArrayLike<number>, other: KT, first: boolean) => {
      for (let i = 0; i < t.storage.length; i += 7) {
        const plus = Float64Array.from(t.storage);
        const minus = Float64Array.from(t.storage);
        plus[i] += h;
        minus[i] -= h;
        const tp = { ...t, storage: plus };
        const tm = { ...t, storage: minus };
        const fd = first
          ? (loss(tp, other) - loss(tm, other)) / (2 * h)
          : (loss(other, tp) - loss(other, tm)) / (2 * h);
        expect(Math.abs(fd - grad[i])).toBeLessThan(1e-7);
      }
    };
    probe(x, dx, w, true);
    probe(w, dw, x, false);
  });

  it('handles empty batches and channel-free outputs', () => {
    const p = params(2, 1, 0, 0, 1, 1);
    expect(b.conv(tensor([], [0, 2, 3, 3]), randomTensor([4, 2, 2, 2]), p).length).toBe(0);
    expect(
      b.convBackwardInput(tensor([], [0, 4, 2, 2]), randomTensor([4, 2, 2, 2]), [0, 2, 3, 3], p)
        .length,
    ).toBe(0);
    const dw = b.convBackwardFilter(
      tensor([], [0, 2, 3, 3]),
      tensor([], [0, 4, 2, 2]),
      [4, 2, 2, 2],
      p,
    );
    expect(Array.from(dw)).toEqual(new Array(32).fill(0));
  });

  it('computes a hand-checked 1-d case', () => {
    // x = [1, 2, 3, 4], w = [1, 0, -1], padding 1: y[i] = x[i-1] - x[i+1]
    const y = b.conv(
      tensor([1, 2, 3, 4], [1, 1, 4]),
      tensor([1, 0, -1], [1, 1, 3]),
      params(1, 1, 1, 1, 1, 1),
    );
    expect(Array.from(y)).toEqual([-2, -2, -2, 3]);
  });
});
