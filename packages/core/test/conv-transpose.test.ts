/**
 * convTranspose1d/2d/3d: the corners the PyTorch fixtures of the conformance kit leave to core
 * (unbatched input, padding that crops every reached position, float64) and every bad input,
 * by its exact message.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  tensor,
  tidy,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const f32 = (v: number[] | number[][][]) => tensor(v, { dtype: 'float32' });

describe('convTranspose values', () => {
  it('spreads each input value over the kernel at stride steps, cropped by padding', () => {
    tidy(() => {
      const x = f32([[[1, 2]]]);
      const w = f32([[[1, 10, 100]]]);
      // Full output [1, 10, 102, 20, 200] (stride 2); padding 1 drops one at each end.
      expect(convTranspose1d(x, w, { stride: 2 }).arraySync()).toEqual([[[1, 10, 102, 20, 200]]]);
      expect(convTranspose1d(x, w, { stride: 2, padding: 1 }).arraySync()).toEqual([
        [[10, 102, 20]],
      ]);
      // Output padding adds a position at the end; with padding it is a reached one (200).
      expect(
        convTranspose1d(x, w, { stride: 2, padding: 1, outputPadding: 1 }).arraySync(),
      ).toEqual([[[10, 102, 20, 200]]]);
      // Beyond the padding it is a position no input reaches: zero, plus the bias.
      expect(
        convTranspose1d(x, w, { stride: 2, outputPadding: 1, bias: f32([0.5]) }).arraySync(),
      ).toEqual([[[1.5, 10.5, 102.5, 20.5, 200.5, 0.5]]]);
    });
  });

  it('gives the bias alone where padding crops every position an input reaches', () => {
    tidy(() => {
      // One input position reaches output position -1 only (padding 1); outputPadding 2 then
      // makes an output of size 1, as in PyTorch.
      const x = f32([[[3], [4]]]);
      const w = f32([[[2]], [[5]]]);
      const b = f32([0.25]);
      const y = convTranspose1d(x, w, { stride: 3, padding: 1, outputPadding: 2, bias: b });
      expect(y.arraySync()).toEqual([[[0.25]]]);
    });
  });

  it('takes an unbatched input and float64', () => {
    tidy(() => {
      const x = tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float64' },
      ).reshape([1, 2, 2]);
      const w = tensor([[[[1, -1]]]], { dtype: 'float64' });
      const y = convTranspose2d(x, w, { stride: [1, 2] });
      expect(y.dtype).toBe('float64');
      expect(y.arraySync()).toEqual([
        [
          [1, -1, 2, -2],
          [3, -3, 4, -4],
        ],
      ]);
      expect(convTranspose3d(zeros([2, 3, 1, 2]), zeros([2, 1, 2, 2, 2])).shape).toEqual([
        1, 4, 2, 3,
      ]);
    });
  });
});

describe('convTranspose errors', () => {
  const x = () => zeros([1, 4, 5, 5]);
  const w = () => zeros([4, 3, 3, 3]);

  it('refuses an empty spatial axis or zero channels, which would give an output from nothing', () => {
    tidy(() => {
      expect(
        errorOf('convTranspose1d', () => convTranspose1d(zeros([1, 2, 0]), zeros([2, 3, 3]))),
      ).toBe(
        'convTranspose1d: input has an empty spatial dim; only the batch may be empty (input [1,2,0], weight [2,3,3])',
      );
      expect(
        errorOf('convTranspose1d', () => convTranspose1d(zeros([1, 0, 4]), zeros([0, 3, 3]))),
      ).toBe(
        'convTranspose1d: input and weight have 0 channels; at least 1 is needed (input [1,0,4], weight [0,3,3])',
      );
      // An empty batch is an empty output, as in PyTorch.
      expect(convTranspose1d(zeros([0, 2, 4]), zeros([2, 3, 3])).shape).toEqual([0, 3, 6]);
    });
  });

  it('names channel and group mismatches with both shapes', () => {
    tidy(() => {
      expect(errorOf('convTranspose2d', () => convTranspose2d(zeros([1, 3, 5, 5]), w()))).toBe(
        'convTranspose2d: input has 3 channels but weight expects 4 (input [1,3,5,5], weight [4,3,3,3])',
      );
      expect(errorOf('convTranspose2d', () => convTranspose2d(x(), w(), { groups: 3 }))).toBe(
        'convTranspose2d: input has 4 channels, which groups 3 does not divide (input [1,4,5,5], weight [4,3,3,3])',
      );
      expect(
        errorOf('convTranspose2d', () => convTranspose2d(x(), w(), { bias: zeros([4]) })),
      ).toBe(
        'convTranspose2d: bias must be [3] (one per output channel), got bias [4] for weight [4,3,3,3]',
      );
      expect(
        errorOf('convTranspose2d', () =>
          convTranspose2d(x(), w(), { groups: 2, bias: zeros([3]) }),
        ),
      ).toBe(
        'convTranspose2d: bias must be [6] (one per output channel: 3 per group x 2 groups), got bias [3] for weight [4,3,3,3]',
      );
    });
  });

  it('refuses output padding as large as both stride and dilation, as PyTorch', () => {
    tidy(() => {
      expect(
        errorOf('convTranspose2d', () =>
          convTranspose2d(x(), w(), { stride: [2, 1], outputPadding: 1 }),
        ),
      ).toBe(
        'convTranspose2d: outputPadding [1,1] must be smaller than the stride [2,1] or the dilation [1,1] on each axis',
      );
      // Smaller than the dilation is enough.
      expect(convTranspose2d(x(), w(), { dilation: 2, outputPadding: 1 }).shape).toEqual([
        1, 3, 10, 10,
      ]);
    });
  });

  it('refuses an empty output with the formula and every option', () => {
    tidy(() => {
      expect(errorOf('convTranspose2d', () => convTranspose2d(x(), w(), { padding: 4 }))).toBe(
        'convTranspose2d: the output would be [-1,-1], which is empty: each size is (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1 (input [1,4,5,5], weight [4,3,3,3], stride [1,1], padding [4,4], dilation [1,1], outputPadding [0,0])',
      );
    });
  });

  it('checks ranks, dtypes, kernel sizes and per-axis counts', () => {
    tidy(() => {
      expect(errorOf('convTranspose2d', () => convTranspose2d(zeros([4, 5]), w()))).toBe(
        'convTranspose2d: expected a 3-d (unbatched) or 4-d (batched) input [batch, channels, ...2 spatial dims], got input [4,5]',
      );
      expect(errorOf('convTranspose2d', () => convTranspose2d(x(), zeros([4, 3, 3])))).toBe(
        'convTranspose2d: weight must be 4-d [inChannels, outChannels/groups, ...2 kernel dims], got weight [4,3,3]',
      );
      expect(
        errorOf('convTranspose2d', () =>
          convTranspose2d(x(), zeros([4, 3, 3, 3], { dtype: 'float64' })),
        ),
      ).toBe('convTranspose2d: weight is float64 but input is float32');
      expect(
        errorOf('convTranspose1d', () =>
          convTranspose1d(zeros([1, 4, 5], { dtype: 'int32' }), zeros([4, 3, 3])),
        ),
      ).toBe('convTranspose1d: input must be a float tensor, got int32');
      expect(errorOf('convTranspose2d', () => convTranspose2d(x(), zeros([4, 3, 0, 3])))).toBe(
        'convTranspose2d: kernel sizes must be positive, got weight [4,3,0,3]',
      );
      expect(
        errorOf('convTranspose2d', () => convTranspose2d(x(), w(), { stride: [1, 2, 3] })),
      ).toBe('convTranspose2d: stride must have 2 entries (one per spatial dim), got [1,2,3]');
    });
  });

  it('reads its options strictly: numbers only for padding, PyTorch spellings pointed at', () => {
    tidy(() => {
      expect(
        errorOf('convTranspose2d', () => convTranspose2d(x(), w(), { padding: 'same' as never })),
      ).toBe(
        "convTranspose2d: option 'padding' must be a non-negative integer or an array of them (one per spatial dim), got 'same'",
      );
      expect(
        errorOf('convTranspose2d', () => convTranspose2d(x(), w(), { output_padding: 1 } as never)),
      ).toBe(
        "convTranspose2d: unknown option 'output_padding' (did you mean 'outputPadding'?); the options are bias, stride, padding, outputPadding, dilation, groups",
      );
    });
  });

  it('refuses an output too large for one tensor before calling a kernel', () => {
    tidy(() => {
      expect(
        errorOf('convTranspose2d', () =>
          convTranspose2d(zeros([1, 4, 5000, 5000]), zeros([4, 3000, 3, 3])),
        ),
      ).toBe(
        "convTranspose2d: the output [1,3000,5002,5002] float32 would take 280 GiB, more than the 'cpu' backend's limit of 4 GiB for one tensor (input [1,4,5000,5000], weight [4,3000,3,3])",
      );
    });
  });
});
