/**
 * interpolate: PyTorch 1.13's position rules on small known inputs (the conformance kit's
 * fixtures cover the grid against PyTorch itself) and every bad input, by its exact message.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { arange, interpolate, type Tensor, tidy, zeros } from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

/** 0, 1, ..., n - 1 as a float32 signal [1, 1, n]. */
const ramp = (n: number): Tensor => arange(n, { dtype: 'float32' }).reshape([1, 1, n]);
const flat = (t: Tensor): number[] => Array.from(t.dataSync());

describe('interpolate values', () => {
  it("'nearest' takes floor(out * in / out), or floor(out / scaleFactor)", () => {
    tidy(() => {
      expect(flat(interpolate(ramp(4), { scaleFactor: 2 }))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
      expect(flat(interpolate(ramp(4), { size: 6 }))).toEqual([0, 0, 1, 2, 2, 3]);
      expect(flat(interpolate(ramp(9), { size: 4 }))).toEqual([0, 2, 4, 6]);
    });
  });

  it("'nearest' computes positions in float32, as PyTorch's CPU kernel does", () => {
    tidy(() => {
      // 39 / 1.3 is 30 in float32 but rounds to 29.99… (input 29) in float64.
      const y = flat(interpolate(ramp(31), { scaleFactor: 1.3 }));
      expect(y.length).toBe(40);
      expect(y.slice(-6)).toEqual([26, 26, 27, 28, 29, 30]);
    });
  });

  it('linear modes blend the two neighbours of (out + 0.5) * in / out - 0.5, or align corners', () => {
    tidy(() => {
      const half = flat(interpolate(ramp(4), { size: 7, mode: 'linear' }));
      const expected = [0, 5 / 14, 13 / 14, 1.5, 29 / 14, 37 / 14, 3];
      for (const [i, v] of half.entries()) expect(v).toBeCloseTo(expected[i] as number, 6);
      expect(flat(interpolate(ramp(4), { size: 7, mode: 'linear', alignCorners: true }))).toEqual([
        0, 0.5, 1, 1.5, 2, 2.5, 3,
      ]);
    });
  });

  it('copies an axis whose size stays, whatever the scale factor (as PyTorch)', () => {
    tidy(() => {
      expect(flat(interpolate(ramp(5), { scaleFactor: 1.1, mode: 'linear' }))).toEqual([
        0, 1, 2, 3, 4,
      ]);
      // 'nearest' has no such shortcut: it follows 1 / 1.1.
      expect(flat(interpolate(ramp(5), { scaleFactor: 1.1 }))).toEqual([0, 0, 1, 2, 3]);
    });
  });

  it('resizes each spatial axis of 4-d and 5-d inputs, batch and channels untouched', () => {
    tidy(() => {
      const x = arange(2 * 3 * 4 * 5, { dtype: 'float32' }).reshape([2, 3, 4, 5]);
      const y = interpolate(x, { size: [2, 10] });
      expect(y.shape).toEqual([2, 3, 2, 10]);
      // Rows 0 and 2 of each plane, each column twice.
      expect(flat(y).slice(0, 20)).toEqual([
        0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14,
      ]);
      const v = interpolate(zeros([1, 2, 3, 4, 5]), {
        scaleFactor: [2, 0.5, 1.5],
        mode: 'trilinear',
      });
      expect(v.shape).toEqual([1, 2, 6, 2, 7]);
    });
  });
});

describe('interpolate errors', () => {
  const x4 = () => zeros([1, 2, 4, 4]);

  it('matches the mode to the rank', () => {
    tidy(() => {
      expect(
        errorOf('interpolate', () => interpolate(zeros([1, 2, 4]), { size: 8, mode: 'bilinear' })),
      ).toBe(
        "interpolate: mode 'bilinear' needs a 4-d input [N, C, H, W], got input [1,2,4] (a 3-d input takes 'linear' or 'nearest')",
      );
      expect(errorOf('interpolate', () => interpolate(x4(), { size: 8, mode: 'trilinear' }))).toBe(
        "interpolate: mode 'trilinear' needs a 5-d input [N, C, D, H, W], got input [1,2,4,4] (a 4-d input takes 'bilinear' or 'nearest')",
      );
      expect(errorOf('interpolate', () => interpolate(zeros([2, 4]), { scaleFactor: 2 }))).toBe(
        'interpolate: expected a 3-d, 4-d or 5-d input [batch, channels, ...1 to 3 spatial dims], got input [2,4]',
      );
      expect(
        errorOf('interpolate', () => interpolate(x4(), { scaleFactor: 2, alignCorners: false })),
      ).toBe(
        "interpolate: alignCorners only applies to the modes 'linear', 'bilinear' and 'trilinear', not to 'nearest' (leave it out)",
      );
    });
  });

  it('takes exactly one of size and scaleFactor, one per spatial dim', () => {
    tidy(() => {
      expect(errorOf('interpolate', () => interpolate(x4(), { size: 8, scaleFactor: 2 }))).toBe(
        'interpolate: give only one of size and scaleFactor, got size 8 and scaleFactor 2',
      );
      const neither =
        'interpolate: give either size (the output size) or scaleFactor (to multiply the input size by)';
      expect(errorOf('interpolate', () => interpolate(x4(), {}))).toBe(neither);
      expect(errorOf('interpolate', () => interpolate(x4(), undefined as never))).toBe(neither);
      expect(errorOf('interpolate', () => interpolate(x4(), { size: [8], mode: 'bilinear' }))).toBe(
        'interpolate: size must be a number or an array of 2 (one per spatial dim of input [1,2,4,4]), got [8]',
      );
    });
  });

  it('refuses empty sizes, non-float inputs and bad option values', () => {
    tidy(() => {
      expect(errorOf('interpolate', () => interpolate(x4(), { scaleFactor: 0.2 }))).toBe(
        'interpolate: input and output spatial sizes must be at least 1, got input [1,2,4,4] and output [1,2,0,0] (scaleFactor 0.2)',
      );
      expect(errorOf('interpolate', () => interpolate(zeros([1, 2, 0, 4]), { size: 2 }))).toBe(
        'interpolate: input and output spatial sizes must be at least 1, got input [1,2,0,4] and output [1,2,2,2]',
      );
      // Only the batch may be empty, as in PyTorch.
      expect(errorOf('interpolate', () => interpolate(zeros([2, 0, 1, 2]), { size: 2 }))).toBe(
        'interpolate: input has 0 channels; only the batch may be empty, got input [2,0,1,2]',
      );
      expect(interpolate(zeros([0, 1, 2, 2]), { size: 3 }).shape).toEqual([0, 1, 3, 3]);
      expect(
        errorOf('interpolate', () =>
          interpolate(zeros([1, 2, 4, 4], { dtype: 'int32' }), { size: 2 }),
        ),
      ).toBe('interpolate: input must be a float tensor, got int32');
      expect(errorOf('interpolate', () => interpolate(x4(), { scaleFactor: 0 }))).toBe(
        "interpolate: option 'scaleFactor' must be a number > 0 or an array of numbers > 0, got 0",
      );
      expect(errorOf('interpolate', () => interpolate(x4(), { size: 2.5 }))).toBe(
        "interpolate: option 'size' must be an integer ≥ 1 or an array of integers ≥ 1, got 2.5",
      );
      expect(
        errorOf('interpolate', () => interpolate(x4(), { size: 2, mode: 'bicubic' as never })),
      ).toBe(
        "interpolate: option 'mode' must be one of 'nearest', 'linear', 'bilinear', 'trilinear', got 'bicubic'",
      );
      expect(errorOf('interpolate', () => interpolate(x4(), { scale_factor: 2 } as never))).toBe(
        "interpolate: unknown option 'scale_factor' (did you mean 'scaleFactor'?); the options are size, scaleFactor, mode, alignCorners",
      );
    });
  });

  it('refuses an output too large for one tensor before building any index', () => {
    tidy(() => {
      expect(errorOf('interpolate', () => interpolate(x4(), { scaleFactor: 1e9 }))).toBe(
        "interpolate: the output [1,2,4000000000,4000000000] float32 would take 113687 PiB, more than the 'cpu' backend's limit of 4 GiB for one tensor (input [1,2,4,4])",
      );
    });
  });
});
