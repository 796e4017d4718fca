/**
 * Upsample: core's interpolate as a module, with its options checked when it is built. Values and
 * gradients against PyTorch are in upsampling.json (fixtures.test.ts).
 */
import { arange, tidy, zeros } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, Sequential, summary, Upsample, type UpsampleOptions } from '../src/index.js';
import { errorOf, receptiveFieldBySupport, useCpu } from './setup.js';

beforeAll(useCpu);

describe('Upsample', () => {
  it('resizes with the mode and size it was built with, and has no parameters', () => {
    const nearest = new Upsample({ scaleFactor: 2 });
    const bilinear = new Upsample({ size: [3, 5], mode: 'bilinear', alignCorners: true });
    expect(nearest.parameters()).toEqual([]);
    expect(nearest.stateDict()).toEqual({});
    tidy(() => {
      const x = arange(4, { dtype: 'float32' }).reshape([1, 1, 2, 2]);
      expect(nearest.forward(x).arraySync()).toEqual([
        [
          [
            [0, 0, 1, 1],
            [0, 0, 1, 1],
            [2, 2, 3, 3],
            [2, 2, 3, 3],
          ],
        ],
      ]);
      expect(bilinear.forward(x).arraySync()).toEqual([
        [
          [
            [0, 0.25, 0.5, 0.75, 1],
            [1, 1.25, 1.5, 1.75, 2],
            [2, 2.25, 2.5, 2.75, 3],
          ],
        ],
      ]);
    });
  });

  it('keeps its own copy of the options and prints them', () => {
    const size = [4, 6];
    const up = new Upsample({ size, mode: 'bilinear' });
    size[0] = 1;
    expect(up.size).toEqual([4, 6]);
    expect(up.toString()).toBe("Upsample(size=[4,6], mode='bilinear', alignCorners=false)");
    expect(new Upsample({ scaleFactor: 2 }).toString()).toBe(
      "Upsample(scaleFactor=2, mode='nearest')",
    );
  });

  it('tells summary() that its outputs are in / out input positions apart', () => {
    const model = new Sequential(
      new Upsample({ scaleFactor: 2, mode: 'bilinear' }),
      new Conv2d(1, 1, 3),
    );
    tidy(() => {
      const s = summary(model, [1, 1, 4, 4]);
      // Each of the 64 outputs blends 4 inputs: 4 products and 3 sums.
      expect(s.rows[0]?.flops).toBe(7 * 64);
      expect(s.jump).toEqual([0.5, 0.5]);
      // Two neighbours (1 + 1), then a 3×3 kernel at half an input position apart.
      expect(s.receptiveField).toEqual([3, 3]);
    });
    model.dispose();
  });

  it('tells summary() the inputs each output sees, as the gradient of one output finds them', () => {
    // [options, input length, receptive field]
    const cases: [UpsampleOptions, number, number][] = [
      [{ scaleFactor: 2 }, 6, 1],
      [{ size: 3 }, 6, 1],
      [{ scaleFactor: 2, mode: 'linear' }, 6, 2],
      [{ size: 11, mode: 'linear', alignCorners: true }, 6, 2],
      [{ size: 4, mode: 'linear' }, 6, 2],
      // An axis whose size does not change is copied.
      [{ size: 6, mode: 'linear' }, 6, 1],
    ];
    for (const [options, length, field] of cases) {
      const up = new Upsample(options);
      expect([options, summary(up, [1, 1, length]).receptiveField]).toEqual([options, [field]]);
      expect([options, receptiveFieldBySupport(up, length)]).toEqual([options, field]);
    }
    const s = summary(new Upsample({ size: [4, 8], mode: 'bilinear' }), [1, 1, 4, 4]);
    expect([s.receptiveField, s.jump]).toEqual([
      [1, 2],
      [1, 0.5],
    ]);
  });

  it('refuses bad options when built, and a mode that does not suit the input when run', () => {
    expect(errorOf(() => new Upsample({ size: 4, scaleFactor: 2 }))).toBe(
      'Upsample: give only one of size and scaleFactor, got size 4 and scaleFactor 2',
    );
    expect(errorOf(() => new Upsample({}))).toBe(
      'Upsample: give either size (the output size) or scaleFactor (to multiply the input size by)',
    );
    expect(errorOf(() => new Upsample({ scaleFactor: 2, alignCorners: true }))).toBe(
      "Upsample: alignCorners only applies to the modes 'linear', 'bilinear' and 'trilinear', not to 'nearest' (leave it out)",
    );
    expect(errorOf(() => new Upsample({ scale_factor: 2 } as never))).toBe(
      "Upsample: unknown option 'scale_factor' (did you mean 'scaleFactor'?); the options are size, scaleFactor, mode, alignCorners",
    );
    expect(errorOf(() => new Upsample({ scaleFactor: -1 }))).toBe(
      "Upsample: option 'scaleFactor' must be a number > 0 or an array of numbers > 0, got -1",
    );
    const up = new Upsample({ scaleFactor: 2, mode: 'bilinear' });
    expect(errorOf(() => tidy(() => up.forward(zeros([1, 2, 5]))))).toBe(
      "Upsample: mode 'bilinear' needs a 4-d input [N, C, H, W], got input [1,2,5] (a 3-d input takes 'linear' or 'nearest')",
    );
  });
});
