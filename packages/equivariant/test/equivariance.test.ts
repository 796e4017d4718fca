/**
 * The p4 guarantees, on random inputs and weights in float64: a quarter turn of the input turns
 * every output plane and moves rotation r to r + 1 (lifting and group convolution), group pooling
 * then just turns with the input, and a p4 network with group and global pooling is invariant.
 * "Exact" means up to float64 rounding: a turned input reaches the convolution's sums in another
 * order, so results agree to about 1e-15 of their size, never to a difference a bug would make
 * (a plain convolution in the same check is off by a sizeable fraction of its output).
 */
import { conv2d, mean, relu, slice, stack, type Tensor } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { p4Conv2d, p4LiftConv2d, p4MaxPool2d, p4Pool, rot90 } from '../src/index.js';
import { maxAbs, maxDiff, rand64, roll, turn, turnP4 } from './helpers.js';

/** Relative size of `a − b`: 0 for exact agreement, about 1 for unrelated tensors. */
function relDiff(a: Tensor, b: Tensor): number {
  return maxDiff(a, b) / Math.max(maxAbs(a), maxAbs(b));
}

const EXACT = 1e-13;

/**
 * Settings that keep the sampling grid symmetric under a quarter turn about the image centre:
 * a square input, equal and symmetric padding on both axes, and (size + 2·padding − span)
 * divisible by the stride, where span = dilation·(k − 1) + 1.
 */
const SYMMETRIC = [
  { name: "k 3, padding 'same'", size: 9, k: 3, options: { padding: 'same' as const } },
  { name: 'k 5, padding 2', size: 8, k: 5, options: { padding: 2 } },
  { name: 'k 3, no padding', size: 8, k: 3, options: {} },
  { name: 'k 1', size: 5, k: 1, options: {} },
  { name: 'even k 2, no padding', size: 7, k: 2, options: {} },
  { name: 'even k 4, padding 1', size: 6, k: 4, options: { padding: 1 } },
  { name: 'k 3, padding 1, stride 2 on 9×9', size: 9, k: 3, options: { padding: 1, stride: 2 } },
  { name: 'k 3, dilation 2, padding 2', size: 8, k: 3, options: { padding: 2, dilation: 2 } },
];

/** Settings whose grid a quarter turn does not map onto itself. */
const ASYMMETRIC = [
  // (8 + 2 − 3) = 7 is odd: the last row and column of the padded input are never sampled.
  { name: 'k 3, padding 1, stride 2 on 8×8', size: 8, k: 3, options: { padding: 1, stride: 2 } },
  // 'same' with an even kernel pads 1 after and 0 before: the grid is off-centre.
  { name: "even k 2, padding 'same'", size: 7, k: 2, options: { padding: 'same' as const } },
  // Padding before only: the grid is shifted off-centre.
  {
    name: 'padding [[1, 0], [1, 0]]',
    size: 7,
    k: 3,
    options: {
      padding: [
        [1, 0],
        [1, 0],
      ] as [number, number][],
    },
  },
];

describe('p4LiftConv2d', () => {
  it.each(SYMMETRIC)('is equivariant: $name', ({ size, k, options }) => {
    const x = rand64([2, 3, size, size], 1);
    const w = rand64([4, 3, k, k], 2);
    const bias = rand64([4], 3);
    const y = p4LiftConv2d(x, w, { ...options, bias });
    for (const turns of [1, 2, 3]) {
      const turned = p4LiftConv2d(turn(x, turns), w, { ...options, bias });
      expect(relDiff(turned, turnP4(y, turns))).toBeLessThan(EXACT);
    }
  });

  it.each(ASYMMETRIC)('is not equivariant where the grid is not symmetric: $name', (s) => {
    const x = rand64([2, 3, s.size, s.size], 1);
    const w = rand64([4, 3, s.k, s.k], 2);
    const turned = p4LiftConv2d(turn(x), w, s.options);
    expect(relDiff(turned, turnP4(p4LiftConv2d(x, w, s.options)))).toBeGreaterThan(0.01);
  });

  it('differs from a plain convolution, which the same check finds not equivariant', () => {
    const x = rand64([2, 3, 9, 9], 1);
    const w = rand64([4, 3, 3, 3], 2);
    const plain = (t: Tensor) => conv2d(t, w, { padding: 1 });
    // The check has teeth: a plain convolution's output does not just turn with its input.
    expect(relDiff(plain(turn(x)), turn(plain(x)))).toBeGreaterThan(0.1);
    // Rotation 0 of the lifting convolution is that plain convolution.
    const y = p4LiftConv2d(x, w, { padding: 1 });
    expect(maxDiff(slice(y, 2, 0, 1).squeeze(2), plain(x))).toBe(0);
  });
});

describe('p4Conv2d', () => {
  it.each(SYMMETRIC)('is equivariant: $name', ({ size, k, options }) => {
    const x = rand64([2, 3, 4, size, size], 4);
    const w = rand64([5, 3, 4, k, k], 5);
    const bias = rand64([5], 6);
    const y = p4Conv2d(x, w, { ...options, bias });
    for (const turns of [1, 2, 3]) {
      // The input is a p4 map, so its quarter turn also moves its rotations, as the lifting
      // layer's output does.
      const turned = p4Conv2d(turnP4(x, turns), w, { ...options, bias });
      expect(relDiff(turned, turnP4(y, turns))).toBeLessThan(EXACT);
    }
  });

  it.each(ASYMMETRIC)('is not equivariant where the grid is not symmetric: $name', (s) => {
    const x = rand64([2, 3, 4, s.size, s.size], 4);
    const w = rand64([5, 3, 4, s.k, s.k], 5);
    const turned = p4Conv2d(turnP4(x), w, s.options);
    expect(relDiff(turned, turnP4(p4Conv2d(x, w, s.options)))).toBeGreaterThan(0.01);
  });

  it("needs the cyclic shift of the filter's rotation axis, in its direction", () => {
    // The filter bank of a derivation that turns each filter plane r times but moves plane s to
    // s + shift(r) (p4Conv2d's rule is shift(r) = r): only the right shift is equivariant.
    const x = rand64([1, 2, 4, 7, 7], 7);
    const w = rand64([3, 2, 4, 3, 3], 8);
    const withShift = (shift: (r: number) => number) => (t: Tensor) => {
      const bank = stack(
        [0, 1, 2, 3].map((r) => rot90(roll(w, shift(r)), r, [3, 4])),
        1,
      ).reshape([12, 8, 3, 3]);
      return conv2d(t.reshape([1, 8, 7, 7]), bank, { padding: 1 }).reshape([1, 3, 4, 7, 7]);
    };
    const equivarianceError = (f: (t: Tensor) => Tensor) => relDiff(f(turnP4(x)), turnP4(f(x)));
    expect(equivarianceError(withShift(() => 0))).toBeGreaterThan(0.1);
    expect(equivarianceError(withShift((r) => -r))).toBeGreaterThan(0.1);
    expect(equivarianceError(withShift((r) => r))).toBeLessThan(EXACT);
    expect(maxDiff(withShift((r) => r)(x), p4Conv2d(x, w, { padding: 1 }))).toBe(0);
  });
});

describe('pooling', () => {
  it('p4Pool is invariant to the rotation shift, so its output just turns with the input', () => {
    const y = rand64([2, 3, 4, 6, 6], 9);
    for (const mode of ['max', 'mean'] as const) {
      for (const turns of [1, 2, 3]) {
        // The maximum is exact; the mean sums the four planes in another order.
        const error = relDiff(p4Pool(turnP4(y, turns), mode), turn(p4Pool(y, mode), turns));
        if (mode === 'max') expect(error).toBe(0);
        else expect(error).toBeLessThan(EXACT);
      }
    }
  });

  it('p4MaxPool2d keeps equivariance when its windows tile the map symmetrically', () => {
    const y = rand64([2, 3, 4, 8, 8], 10);
    for (const options of [{ kernelSize: 2 }, { kernelSize: 3, stride: 1, padding: 1 }]) {
      expect(maxDiff(p4MaxPool2d(turnP4(y), options), turnP4(p4MaxPool2d(y, options)))).toBe(0);
    }
    // 2×2 windows on a 7×7 map leave the last row and column out: not symmetric.
    const odd = rand64([2, 3, 4, 7, 7], 11);
    expect(relDiff(p4MaxPool2d(turnP4(odd), 2), turnP4(p4MaxPool2d(odd, 2)))).toBeGreaterThan(0.01);
  });
});

describe('a p4 network', () => {
  const w1 = rand64([6, 1, 3, 3], 12);
  const b1 = rand64([6], 13);
  const w2 = rand64([5, 6, 4, 3, 3], 14);
  const b2 = rand64([5], 15);
  /** Lifting and group convolution with ReLUs, spatial pooling, group and global pooling. */
  const net = (x: Tensor): Tensor => {
    const h1 = relu(p4LiftConv2d(x, w1, { padding: 'same', bias: b1 }));
    const h2 = relu(p4Conv2d(h1, w2, { padding: 'same', bias: b2 }));
    return mean(p4Pool(p4MaxPool2d(h2, 2)), [2, 3]); // [N, 5]
  };

  it('is invariant to quarter turns of its input', () => {
    const x = rand64([3, 1, 12, 12], 16);
    const y = net(x);
    expect(y.shape).toEqual([3, 5]);
    for (const turns of [1, 2, 3]) expect(relDiff(net(turn(x, turns)), y)).toBeLessThan(EXACT);
  });

  it('is not invariant to a flip, which p4 does not contain', () => {
    const x = rand64([3, 1, 12, 12], 16);
    expect(relDiff(net(x.flip(-1)), net(x))).toBeGreaterThan(0.001);
  });
});
