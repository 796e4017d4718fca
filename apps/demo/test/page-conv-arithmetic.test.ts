/**
 * The arithmetic panel's formula agrees with what `conv2d` actually returns, over a grid of
 * sizes, kernels, strides, paddings and dilations.
 */
import { cpu } from '@stride/backend-cpu';
import { conv2d, registerBackend, zeros } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { convOutputSize, effectiveKernel, isPadding, tapsOf } from '../web/arithmetic/conv-size.js';

registerBackend(cpu());

describe('convolution arithmetic', () => {
  it('gives the textbook sizes', () => {
    expect(convOutputSize({ input: 28, kernel: 5, stride: 1, padding: 0, dilation: 1 })).toBe(24);
    expect(convOutputSize({ input: 32, kernel: 3, stride: 2, padding: 1, dilation: 1 })).toBe(16);
    expect(convOutputSize({ input: 7, kernel: 3, stride: 1, padding: 0, dilation: 2 })).toBe(3);
    expect(convOutputSize({ input: 4, kernel: 5, stride: 1, padding: 0, dilation: 1 })).toBe(0);
    expect(effectiveKernel({ kernel: 3, dilation: 3 })).toBe(7);
  });

  it('matches conv2d for every setting in a grid', () => {
    for (const input of [5, 8, 13])
      for (const kernel of [1, 2, 3, 5])
        for (const stride of [1, 2, 3])
          for (const padding of [0, 1, 2])
            for (const dilation of [1, 2]) {
              const s = { input, kernel, stride, padding, dilation };
              const expected = convOutputSize(s);
              if (expected === 0) continue;
              const y = conv2d(zeros([1, 1, input, input]), zeros([1, 1, kernel, kernel]), {
                stride,
                padding,
                dilation,
              });
              expect(y.shape, JSON.stringify(s)).toEqual([1, 1, expected, expected]);
              y.dispose();
            }
  });

  it('places the taps of the last output inside the padded input', () => {
    const s = { input: 7, kernel: 3, stride: 2, padding: 1, dilation: 2 };
    const last = convOutputSize(s) - 1;
    expect(tapsOf(s, last)).toEqual([4, 6, 8]);
    expect(Math.max(...tapsOf(s, last))).toBeLessThan(s.input + 2 * s.padding);
    expect(isPadding(s, 0)).toBe(true);
    expect(isPadding(s, 8)).toBe(true);
    expect(isPadding(s, 7)).toBe(false);
  });
});
