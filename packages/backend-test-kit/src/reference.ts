/**
 * Plain TypeScript references for the direct kernel checks (kernel-checks.ts): each computes in
 * float64 what a kernel of the contract must return, written for clarity (index loops over the
 * definitions in backend.ts), never for speed, and independent of every backend.
 */
import type { ConvParams, PoolParams, ReduceOp, Shape } from '@stride/core';

export function sizeOf(shape: Shape): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--)
    s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/** Every multi-index of `shape` in row-major order. */
export function* indices(shape: Shape): Generator<number[]> {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield idx.slice();
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
}

/** The batched product of the contract: see `Backend.matmul`. */
export function matmulRef(
  a: ArrayLike<number>,
  aShape: Shape,
  b: ArrayLike<number>,
  bShape: Shape,
  transposeA: boolean,
  transposeB: boolean,
): { values: number[]; shape: number[] } {
  const [ba, a1, a2] = aShape as [number, number, number];
  const [bb, b1, b2] = bShape as [number, number, number];
  const [m, k] = transposeA ? [a2, a1] : [a1, a2];
  const n = transposeB ? b1 : b2;
  const batch = Math.max(ba, bb);
  const out: number[] = [];
  for (let p = 0; p < batch; p++) {
    const ao = (ba === 1 ? 0 : p) * a1 * a2;
    const bo = (bb === 1 ? 0 : p) * b1 * b2;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const av = a[ao + (transposeA ? q * a2 + i : i * a2 + q)] as number;
          const bv = b[bo + (transposeB ? j * b2 + q : q * b2 + j)] as number;
          s += av * bv;
        }
        out.push(s);
      }
    }
  }
  return { values: out, shape: [batch, m, n] };
}

/** A reduction over `axes` with each reduced axis kept as 1: see `ReduceOp`. */
export function reduceRef(
  op: ReduceOp,
  x: ArrayLike<number>,
  shape: Shape,
  axes: readonly number[],
): { values: number[]; shape: number[] } {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = stridesOf(outShape);
  const groups: number[][] = Array.from({ length: sizeOf(outShape) }, () => []);
  let flat = 0;
  for (const idx of indices(shape)) {
    let o = 0;
    idx.forEach((v, d) => {
      if (!axes.includes(d)) o += v * (outStrides[d] as number);
    });
    (groups[o] as number[]).push(x[flat++] as number);
  }
  const values = groups.map((g) => {
    if (op === 'sum') return g.reduce((s, v) => s + v, 0);
    if (op === 'prod') return g.reduce((s, v) => s * v, 1);
    if (op === 'max') return Math.max(...g);
    if (op === 'min') return Math.min(...g);
    return g.indexOf(op === 'argmax' ? Math.max(...g) : Math.min(...g));
  });
  return { values, shape: outShape };
}

/** Softmax (or log-softmax) along `axis`. */
export function softmaxRef(
  x: ArrayLike<number>,
  shape: Shape,
  axis: number,
  log: boolean,
): number[] {
  const stride = stridesOf(shape)[axis] as number;
  const n = shape[axis] as number;
  const out = new Array<number>(sizeOf(shape)).fill(0);
  for (const idx of indices(shape)) {
    if (idx[axis] !== 0) continue;
    const base = idx.reduce((s, v, d) => s + v * (stridesOf(shape)[d] as number), 0);
    const row = Array.from({ length: n }, (_, i) => x[base + i * stride] as number);
    const m = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - m), 0);
    row.forEach((v, i) => {
      out[base + i * stride] = log ? v - m - Math.log(sum) : Math.exp(v - m) / sum;
    });
  }
  return out;
}

/**
 * Visits every (input, weight, output) triple of flat indices that a convolution multiplies
 * together: y[yi] += x[xi] * w[wi]. Forward and both backward kernels are sums over the same
 * triples, so one walk defines all three.
 */
export function convTriples(
  xShape: Shape,
  wShape: Shape,
  p: ConvParams,
  visit: (xi: number, wi: number, yi: number) => void,
): number[] {
  const batch = xShape[0] as number;
  const [outC, cPerGroup] = wShape as [number, number];
  const inSp = xShape.slice(2);
  const kSp = wShape.slice(2);
  const outSp = inSp.map(
    (n, i) =>
      Math.floor(
        (n +
          (p.padBefore[i] as number) +
          (p.padAfter[i] as number) -
          (p.dilation[i] as number) * ((kSp[i] as number) - 1) -
          1) /
          (p.stride[i] as number),
      ) + 1,
  );
  const yShape = [batch, outC, ...outSp];
  const xs = stridesOf(xShape);
  const ws = stridesOf(wShape);
  const ys = stridesOf(yShape);
  const oPerGroup = outC / p.groups;
  for (const y of indices(yShape)) {
    const [nb, o] = y as [number, number];
    const g = Math.floor(o / oPerGroup);
    for (let c = 0; c < cPerGroup; c++) {
      for (const k of indices(kSp)) {
        const plane = nb * (xs[0] as number) + (g * cPerGroup + c) * (xs[1] as number);
        const xi = tapIndex(plane, y, k, p.stride, p.padBefore, p.dilation, inSp, xs);
        if (xi < 0) continue;
        const wi =
          o * (ws[0] as number) +
          c * (ws[1] as number) +
          k.reduce((s, kv, i) => s + kv * (ws[i + 2] as number), 0);
        const yi = y.reduce((s, v, d) => s + v * (ys[d] as number), 0);
        visit(xi, wi, yi);
      }
    }
  }
  return yShape;
}

/**
 * The flat input index that kernel tap `k` of output position `y` (batch and channel first) reads,
 * from the start of its input `plane`; -1 when the tap falls in the padding.
 */
function tapIndex(
  plane: number,
  y: readonly number[],
  k: readonly number[],
  stride: readonly number[],
  padBefore: readonly number[],
  dilation: readonly number[],
  inSp: readonly number[],
  xs: readonly number[],
): number {
  let xi = plane;
  for (let i = 0; i < k.length; i++) {
    const pos =
      (y[i + 2] as number) * (stride[i] as number) -
      (padBefore[i] as number) +
      (k[i] as number) * (dilation[i] as number);
    if (pos < 0 || pos >= (inSp[i] as number)) return -1;
    xi += pos * (xs[i + 2] as number);
  }
  return xi;
}

/** The input positions of each pooling window, by output flat index (padding left out). */
export function poolWindows(
  xShape: Shape,
  p: PoolParams,
): { yShape: number[]; windows: number[][] } {
  const [batch, channels] = xShape as [number, number];
  const inSp = xShape.slice(2);
  const yShape = [batch, channels, ...p.outSize];
  const xs = stridesOf(xShape);
  const windows: number[][] = [];
  for (const y of indices(yShape)) {
    const plane = (y[0] as number) * (xs[0] as number) + (y[1] as number) * (xs[1] as number);
    const window: number[] = [];
    for (const k of indices(p.kernel)) {
      const xi = tapIndex(plane, y, k, p.stride, p.padding, p.dilation, inSp, xs);
      if (xi >= 0) window.push(xi);
    }
    windows.push(window);
  }
  return { yShape, windows };
}

/** The average-pooling divisor of each output (see `PoolParams`). */
export function avgDivisors(xShape: Shape, p: PoolParams): number[] {
  const inSp = xShape.slice(2);
  const yShape = [xShape[0] as number, xShape[1] as number, ...p.outSize];
  const out: number[] = [];
  for (const y of indices(yShape)) {
    let d = 1;
    for (let i = 0; i < inSp.length; i++) {
      const start = (y[i + 2] as number) * (p.stride[i] as number) - (p.padding[i] as number);
      const end = Math.min(
        start + (p.kernel[i] as number),
        (inSp[i] as number) + (p.padding[i] as number),
      );
      d *= p.countIncludePad ? end - start : Math.min(end, inSp[i] as number) - Math.max(start, 0);
    }
    out.push(d);
  }
  return out;
}
