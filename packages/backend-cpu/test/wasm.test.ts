import type { ConvParams, Shape, TypedArray } from '@stride/core';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceHash } from '../scripts/source-hash.mjs';
import { cpu } from '../src/index.js';
import { sourceHash as builtHash } from '../src/wasm/binaries.generated.js';
import type { KT } from './helpers.js';
import { randomTensor, size } from './helpers.js';

// The reference: TypeScript kernels accumulate in double and round once.
const exact = cpu({ kernels: 'js' });
// Both GEMM tiles: every result below must be the same bit for bit on either.
const one = cpu({ threads: 1, relaxedSimd: false, tile: '4x8' });
const two = cpu({ threads: 2, relaxedSimd: false, tile: '6x8' });
const three = cpu({ threads: 3, relaxedSimd: false, tile: '4x8' });
afterAll(() => {
  for (const b of [one, two, three]) b.destroy();
});

const abs = (t: KT): KT => ({ ...t, storage: t.storage.map(Math.abs) as TypedArray });

/**
 * A float32 sum of k products is within k·2⁻²⁴·Σ|aᵢbᵢ| of the exact sum (the classic bound for
 * recursive summation; blocked sums do better). `magnitude` is Σ|aᵢbᵢ| per output.
 */
function expectWithinSummationBound(
  got: TypedArray,
  want: TypedArray,
  magnitude: TypedArray,
  k: number,
): void {
  expect(got).toBeInstanceOf(Float32Array);
  expect(got.length).toBe(want.length);
  const u = 2 ** -24;
  for (let i = 0; i < want.length; i++) {
    const bound = (k + 2) * u * (magnitude[i] as number) + 1e-30;
    const err = Math.abs((got[i] as number) - (want[i] as number));
    if (!(err <= bound)) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]}, error ${err} > ${bound}`);
    }
  }
}

function params(
  rank: number,
  stride: number,
  pad: number,
  dilation: number,
  groups: number,
): ConvParams {
  const fill = (v: number) => new Array<number>(rank).fill(v);
  return {
    stride: fill(stride),
    padBefore: fill(pad),
    padAfter: fill(pad),
    dilation: fill(dilation),
    groups,
  };
}

function outShape(x: Shape, w: Shape, p: ConvParams): number[] {
  const out = [x[0] as number, w[0] as number];
  for (let i = 2; i < x.length; i++) {
    const span = (p.dilation[i - 2] as number) * ((w[i] as number) - 1) + 1;
    const padded = (x[i] as number) + (p.padBefore[i - 2] as number) * 2;
    out.push(Math.floor((padded - span) / (p.stride[i - 2] as number)) + 1);
  }
  return out;
}

describe('the WebAssembly kernels', () => {
  it('were built from the current assembly/ sources', () => {
    // Stale binaries: run `pnpm wasm` (the root scripts do it before they start).
    expect(builtHash).toBe(sourceHash());
  });

  it('report what they run on', () => {
    expect(one.kernels).toBe('wasm-simd');
    expect(one.threads).toBe(1);
    expect(three.threads).toBe(3);
    expect([one.tile, two.tile]).toEqual(['4x8', '6x8']);
    expect(exact.kernels).toBe('js');
  });

  const matmuls: [number, number, number, number, number, boolean, boolean][] = [
    // batchA, batchB, m, k, n, transposeA, transposeB
    [1, 1, 1, 1, 1, false, false],
    [1, 1, 7, 13, 5, false, false],
    [1, 1, 300, 200, 150, false, false],
    [1, 1, 129, 515, 67, true, false],
    [1, 1, 64, 400, 120, false, true],
    [1, 1, 33, 1100, 1030, true, true],
    [4, 1, 17, 30, 9, false, false],
    [1, 3, 20, 31, 40, true, false],
    [3, 3, 5, 260, 7, false, true],
    // Row counts that leave every remainder of the 6-row tile, on transposed A too.
    [1, 1, 10, 37, 19, true, false],
    [1, 1, 150, 16, 100, true, false],
    [1, 1, 148, 21, 23, false, false],
  ];
  for (const [ba, bb, m, k, n, ta, tb] of matmuls) {
    it(`matmul [${ba},${m},${k}]·[${bb},${k},${n}] ta=${ta} tb=${tb} on 1, 2 and 3 threads`, () => {
      const a = randomTensor(ta ? [ba, k, m] : [ba, m, k], 'float32', m + k);
      const c = randomTensor(tb ? [bb, n, k] : [bb, k, n], 'float32', n + 1);
      const want = exact.matmul(a, c, ta, tb);
      const magnitude = exact.matmul(abs(a), abs(c), ta, tb);
      const got = one.matmul(a, c, ta, tb);
      expectWithinSummationBound(got, want, magnitude, k);
      // Units write disjoint blocks in a fixed order, and each output sums its products in the
      // same order on either tile: threads and tiles change nothing, bit for bit.
      expect(two.matmul(a, c, ta, tb)).toEqual(got);
      expect(three.matmul(a, c, ta, tb)).toEqual(got);
    });
  }

  const convs: [string, Shape, Shape, ConvParams][] = [
    ['LeNet conv1', [8, 1, 28, 28], [6, 1, 5, 5], params(2, 1, 2, 1, 1)],
    ['LeNet conv2', [8, 6, 14, 14], [16, 6, 5, 5], params(2, 1, 0, 1, 1)],
    ['3×3 pad 1', [2, 16, 20, 19], [24, 16, 3, 3], params(2, 1, 1, 1, 1)],
    ['strided', [2, 8, 17, 17], [12, 8, 3, 3], params(2, 2, 1, 1, 1)],
    ['dilated', [2, 4, 15, 16], [6, 4, 3, 3], params(2, 1, 2, 2, 1)],
    ['grouped', [3, 8, 11, 9], [12, 4, 3, 2], params(2, 1, 1, 1, 2)],
    ['depthwise', [2, 6, 9, 9], [6, 1, 3, 3], params(2, 1, 1, 1, 6)],
    ['1×1', [2, 12, 7, 7], [10, 12, 1, 1], params(2, 1, 0, 1, 1)],
    ['1×1 strided', [2, 12, 7, 7], [10, 12, 1, 1], params(2, 2, 0, 1, 1)],
    ['padding larger than the kernel', [2, 3, 6, 6], [4, 3, 2, 2], params(2, 1, 3, 1, 1)],
    ['1-d', [4, 5, 40], [7, 5, 5], params(1, 1, 2, 1, 1)],
    ['1-d strided', [4, 5, 40], [7, 5, 4], params(1, 3, 1, 2, 1)],
    ['3-d', [2, 3, 6, 7, 8], [4, 3, 3, 2, 3], params(3, 1, 1, 1, 1)],
    // One input slice padded in depth: three output slices, two of them all padding.
    ['3-d, one slice padded in depth', [2, 2, 1, 5, 6], [3, 2, 1, 3, 3], params(3, 1, 1, 1, 1)],
    ['wide: many blocks per image', [1, 64, 40, 40], [8, 64, 3, 3], params(2, 1, 1, 1, 1)],
    // Output rows shorter than a packed panel of eight columns: panels span several rows.
    ['narrow: 6-wide output', [2, 3, 9, 6], [4, 3, 3, 3], params(2, 1, 1, 1, 1)],
    ['narrow: 1-wide output', [3, 2, 11, 3], [7, 2, 2, 3], params(2, 1, 0, 1, 1)],
    // Output rows longer than the kernels' blocks of positions.
    ['1-d, 601 wide, 13 channels', [2, 2, 601], [13, 2, 3], params(1, 1, 1, 1, 1)],
    // At most six output channels (per group) and rows a multiple of four wide: on the 6×8 tile
    // the product reads the input in place; the 4×8 tile packs it, and both agree bit for bit.
    // 7·12 outputs per image end in half a panel; 3 channels fill half the tile's rows.
    [
      'in place: 3 channels, a half panel at the end',
      [2, 2, 7, 12],
      [3, 2, 3, 3],
      params(2, 1, 1, 1, 1),
    ],
    ['in place: grouped, 4 per group', [2, 4, 6, 8], [8, 2, 3, 3], params(2, 1, 1, 1, 2)],
    ['in place: 1-d dilated', [3, 2, 20], [5, 2, 3], params(1, 1, 2, 2, 1)],
    // Strided convolutions on phase planes: stride 2 with odd sizes (the last row and column
    // of the input never read), stride 4 with an 11×11 kernel as AlexNet's first layer, a
    // dilation that is a multiple of the stride (one phase), a stride larger than the kernel,
    // different strides per axis, and few enough channels for the in-place product.
    ['stride 2, 3×3, pad 1, odd sizes', [2, 5, 19, 21], [9, 5, 3, 3], params(2, 2, 1, 1, 1)],
    ['stride 4, 11×11, pad 2', [2, 3, 39, 41], [8, 3, 11, 11], params(2, 4, 2, 1, 1)],
    ['stride 2, dilation 2', [2, 4, 17, 16], [7, 4, 3, 3], params(2, 2, 2, 2, 1)],
    ['stride 3, 2×2 kernel', [2, 4, 14, 13], [5, 4, 2, 2], params(2, 3, 0, 1, 1)],
    [
      'strides 2 and 1, grouped',
      [2, 6, 12, 10],
      [6, 3, 3, 2],
      { stride: [2, 1], padBefore: [1, 0], padAfter: [1, 0], dilation: [1, 1], groups: 2 },
    ],
    ['in place: stride 2, 3 channels', [2, 3, 16, 16], [3, 3, 3, 3], params(2, 2, 1, 1, 1)],
    ['1-d stride 2, 7 wide', [3, 4, 50], [6, 4, 7], params(1, 2, 3, 1, 1)],
  ];
  for (const [name, xShape, wShape, p] of convs) {
    const k = ((xShape[1] as number) / p.groups) * size(wShape.slice(2));
    const x = randomTensor(xShape, 'float32', 11);
    const w = randomTensor(wShape, 'float32', 12);
    const yShape = outShape(xShape, wShape, p);
    const dy = randomTensor(yShape, 'float32', 13);
    const batchPositions = (yShape[0] as number) * size(yShape.slice(2));

    it(`conv ${name}: forward within the float32 bound, the same on every thread count`, () => {
      const got = one.conv(x, w, p);
      expectWithinSummationBound(got, exact.conv(x, w, p), exact.conv(abs(x), abs(w), p), k);
      expect(two.conv(x, w, p)).toEqual(got);
      expect(three.conv(x, w, p)).toEqual(got);
    });

    it(`conv ${name}: with a bias, each output rounded once more, bit for bit`, () => {
      const outC = wShape[0] as number;
      const bias = randomTensor([outC], 'float32', 14);
      const plane = batchPositions / (yShape[0] as number);
      const want = one.conv(x, w, p).map((v, i) => {
        const channel = Math.floor(i / plane) % outC;
        return Math.fround(v + (bias.storage[channel] as number));
      });
      for (const b of [one, two, three]) expect(b.convBias?.(x, w, bias, p)).toEqual(want);
    });

    it(`conv ${name}: with relu, with and without a bias, bit for bit`, () => {
      const outC = wShape[0] as number;
      const bias = randomTensor([outC], 'float32', 15);
      const relu = (a: TypedArray) => a.map((v) => (v > 0 || Number.isNaN(v) ? v : 0));
      const withBias = relu(one.convBias?.(x, w, bias, p) as TypedArray);
      const without = relu(one.conv(x, w, p));
      expect(withBias.some((v) => v === 0) && withBias.some((v) => v > 0)).toBe(true);
      for (const b of [one, two, three]) {
        expect(b.convBiasRelu?.(x, w, bias, p)).toEqual(withBias);
        expect(b.convBiasRelu?.(x, w, null, p)).toEqual(without);
      }
    });

    it(`conv ${name}: input gradient within the bound, the same on every thread count`, () => {
      const got = one.convBackwardInput(dy, w, xShape, p);
      const want = exact.convBackwardInput(dy, w, xShape, p);
      const magnitude = exact.convBackwardInput(abs(dy), abs(w), xShape, p);
      expectWithinSummationBound(
        got,
        want,
        magnitude,
        (wShape[0] as number) * size(wShape.slice(2)),
      );
      expect(two.convBackwardInput(dy, w, xShape, p)).toEqual(got);
      expect(three.convBackwardInput(dy, w, xShape, p)).toEqual(got);
    });

    it(`conv ${name}: filter gradient within the bound, the same on every thread count`, () => {
      const got = one.convBackwardFilter(x, dy, wShape, p);
      const want = exact.convBackwardFilter(x, dy, wShape, p);
      const magnitude = exact.convBackwardFilter(abs(x), abs(dy), wShape, p);
      expectWithinSummationBound(got, want, magnitude, batchPositions);
      expect(two.convBackwardFilter(x, dy, wShape, p)).toEqual(got);
      expect(three.convBackwardFilter(x, dy, wShape, p)).toEqual(got);
    });
  }

  it.each([
    [1, [2, 4, 8, 8]],
    [2, [2, 4, 4, 4]],
  ])(
    'keeps infinities and NaNs where the TypeScript kernels have them (stride %i)',
    (stride, yShape) => {
      const p = params(2, stride, 1, 1, 1);
      const x = randomTensor([2, 3, 8, 8], 'float32', 21);
      x.storage[5] = Number.POSITIVE_INFINITY;
      x.storage[100] = Number.NaN;
      const w = randomTensor([4, 3, 3, 3], 'float32', 22);
      const dy = randomTensor(yShape, 'float32', 23);
      const nonFinite = (a: TypedArray) => Array.from(a, (v) => !Number.isFinite(v));
      for (const b of [one, two]) {
        expect(nonFinite(b.conv(x, w, p))).toEqual(nonFinite(exact.conv(x, w, p)));
        const dw = b.convBackwardFilter(x, dy, w.shape, p);
        expect(nonFinite(dw)).toEqual(nonFinite(exact.convBackwardFilter(x, dy, w.shape, p)));
        // Taps that never meet the bad positions stay finite.
        expect(nonFinite(dw).some((v) => !v)).toBe(true);
      }
    },
  );

  it('runs calls of very different sizes one after another (the arena grows and is reused)', () => {
    const big = randomTensor([1, 700, 900], 'float32', 31);
    const small = randomTensor([1, 900, 3], 'float32', 32);
    const tiny = randomTensor([1, 3, 2], 'float32', 33);
    const first = two.matmul(small, tiny, false, false);
    two.matmul(big, small, false, false);
    expect(two.matmul(small, tiny, false, false)).toEqual(first);
  });

  it('keeps working on the calling thread after destroy()', () => {
    const b = cpu({ threads: 2, relaxedSimd: false });
    const a = randomTensor([1, 64, 64], 'float32', 41);
    const before = b.matmul(a, a, false, false);
    b.destroy();
    expect(b.threads).toBe(1);
    expect(b.matmul(a, a, false, false)).toEqual(before);
  });
});
