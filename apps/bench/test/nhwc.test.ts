/**
 * The layout conversions handed to TensorFlow.js: each against its index formula, and each
 * inverse undoing its conversion.
 */
import { describe, expect, it } from 'vitest';
import {
  chwLinearToHwcKernel,
  hwcKernelToChwLinear,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  permute,
  transpose,
} from '../src/runners/nhwc.js';

const [N, C, H, W] = [2, 3, 4, 5];
const ramp = (size: number) => Float32Array.from({ length: size }, (_, i) => i);
const x = ramp(N * C * H * W);

describe('layout conversions', () => {
  it('nchwToNhwc moves every element to its NHWC offset', () => {
    const y = nchwToNhwc(x, [N, C, H, W]);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++)
            expect(y[((n * H + h) * W + w) * C + c]).toBe(x[((n * C + c) * H + h) * W + w]);
  });

  it('oihwToHwio moves every element to its HWIO offset', () => {
    const [O, I] = [N, C];
    const y = oihwToHwio(x, [O, I, H, W]);
    for (let o = 0; o < O; o++)
      for (let i = 0; i < I; i++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++)
            expect(y[((h * W + w) * I + i) * O + o]).toBe(x[((o * I + i) * H + h) * W + w]);
  });

  it('a CHW linear weight becomes the HWC kernel with permuted rows', () => {
    const out = 2;
    const weight = ramp(out * C * H * W);
    const kernel = chwLinearToHwcKernel(weight, out, [C, H, W]);
    for (let o = 0; o < out; o++)
      for (let c = 0; c < C; c++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++)
            expect(kernel[((h * W + w) * C + c) * out + o]).toBe(
              weight[o * C * H * W + (c * H + h) * W + w],
            );
  });

  it('transpose and permute of one axis order', () => {
    expect(Array.from(transpose(ramp(6), 2, 3))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(permute(ramp(6), [6], [0]))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('each inverse undoes its conversion', () => {
    expect(nhwcToNchw(nchwToNhwc(x, [N, C, H, W]), [N, C, H, W])).toEqual(x);
    expect(hwioToOihw(oihwToHwio(x, [N, C, H, W]), [N, C, H, W])).toEqual(x);
    expect(hwcKernelToChwLinear(chwLinearToHwcKernel(x, N, [C, H, W]), N, [C, H, W])).toEqual(x);
    expect(transpose(transpose(x, 10, 12), 12, 10)).toEqual(x);
  });
});
