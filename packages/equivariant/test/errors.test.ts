/**
 * Bad input is a StrideError named after the function the user called, naming the argument and
 * showing the shapes the user passed (not the reshaped tensors the ops hand to conv2d).
 */
import { zeros } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  P4Conv2d,
  P4LiftConv2d,
  P4MaxPool2d,
  P4Pool,
  p4Conv2d,
  p4LiftConv2d,
  p4MaxPool2d,
  p4Pool,
} from '../src/index.js';
import { errorOf } from './helpers.js';

const x = zeros([2, 3, 9, 9]);
const w = zeros([4, 3, 3, 3]);
const g = zeros([2, 3, 4, 9, 9]);
const gw = zeros([5, 3, 4, 3, 3]);

describe('p4LiftConv2d', () => {
  it('checks its tensors: kinds, ranks, square kernel, channels, bias, dtypes', () => {
    expect(errorOf(() => p4LiftConv2d([1] as never, w))).toBe(
      'p4LiftConv2d: input must be a Tensor, got [1]',
    );
    expect(errorOf(() => p4LiftConv2d(g, w))).toBe(
      'p4LiftConv2d: expected a 4-d input [batch, channels, height, width], got input [2,3,4,9,9]',
    );
    expect(errorOf(() => p4LiftConv2d(x, zeros([4, 3, 3, 2])))).toBe(
      'p4LiftConv2d: weight must be 4-d [outChannels, inChannels, k, k] with a square kernel (a quarter turn must map it onto itself), got weight [4,3,3,2]',
    );
    expect(errorOf(() => p4LiftConv2d(x, zeros([4, 1, 3, 3])))).toBe(
      'p4LiftConv2d: input has 3 channels but weight expects 1 (input [2,3,9,9], weight [4,1,3,3])',
    );
    expect(errorOf(() => p4LiftConv2d(x, w, { bias: zeros([3]) }))).toBe(
      'p4LiftConv2d: bias must be [4] (one per output channel), got bias [3] for weight [4,3,3,3]',
    );
    expect(errorOf(() => p4LiftConv2d(x, zeros([4, 3, 3, 3], { dtype: 'float64' })))).toBe(
      'p4LiftConv2d: weight is float64 but input is float32',
    );
    expect(errorOf(() => p4LiftConv2d(zeros([2, 3, 9, 9], { dtype: 'int32' }), w))).toBe(
      'p4LiftConv2d: input must be a float tensor, got int32',
    );
    const gone = zeros([4]);
    gone.dispose();
    expect(errorOf(() => p4LiftConv2d(x, w, { bias: gone }))).toBe(
      'p4LiftConv2d: bias [4] was disposed and can no longer be used',
    );
  });

  it('reads its options through checkOptions: conv2d options but groups', () => {
    expect(errorOf(() => p4LiftConv2d(x, w, { strides: 2 } as never))).toBe(
      "p4LiftConv2d: unknown option 'strides' (did you mean 'stride'?); the options are bias, stride, padding, dilation",
    );
    expect(errorOf(() => p4LiftConv2d(x, w, { groups: 2 } as never))).toBe(
      "p4LiftConv2d: unknown option 'groups'; the options are bias, stride, padding, dilation",
    );
    expect(errorOf(() => p4LiftConv2d(x, w, { stride: 0 }))).toBe(
      "p4LiftConv2d: option 'stride' must be an integer ≥ 1 or an array of 2 such integers, got 0",
    );
    expect(errorOf(() => p4LiftConv2d(x, w, { padding: [1, 2, 3] as never }))).toBe(
      "p4LiftConv2d: option 'padding' must be an integer ≥ 0, 'valid', 'same' or an array of 2 (integers ≥ 0 or [before, after] pairs), got [1,2,3]",
    );
  });

  it('checks the geometry against the input it was given', () => {
    expect(errorOf(() => p4LiftConv2d(x, w, { padding: 'same', stride: 2 }))).toBe(
      "p4LiftConv2d: padding 'same' is not supported for strided convolutions (stride [2,2]); use stride 1 or explicit padding",
    );
    expect(errorOf(() => p4LiftConv2d(zeros([1, 3, 2, 2]), w))).toBe(
      'p4LiftConv2d: kernel [3,3] is larger than the padded input [2,2] (input [1,3,2,2], weight [4,3,3,3], padding [[0,0],[0,0]])',
    );
    expect(errorOf(() => p4LiftConv2d(zeros([1, 3, 3, 3]), w, { dilation: 2 }))).toBe(
      'p4LiftConv2d: kernel [3,3] (dilated to [5,5]) is larger than the padded input [3,3] (input [1,3,3,3], weight [4,3,3,3], padding [[0,0],[0,0]])',
    );
  });
});

describe('p4Conv2d', () => {
  it('needs p4 feature maps and p4 filters', () => {
    expect(errorOf(() => p4Conv2d(x, gw))).toBe(
      'p4Conv2d: input must be a p4 feature map [batch, channels, 4, height, width] (one plane per rotation), got input [2,3,9,9]',
    );
    expect(errorOf(() => p4Conv2d(zeros([2, 3, 3, 9, 9]), gw))).toBe(
      'p4Conv2d: input must be a p4 feature map [batch, channels, 4, height, width] (one plane per rotation), got input [2,3,3,9,9]',
    );
    expect(errorOf(() => p4Conv2d(g, w))).toBe(
      'p4Conv2d: weight must be 5-d [outChannels, inChannels, 4, k, k] with a square kernel (a quarter turn must map it onto itself), got weight [4,3,3,3]',
    );
    expect(errorOf(() => p4Conv2d(g, zeros([5, 2, 4, 3, 3])))).toBe(
      'p4Conv2d: input has 3 channels but weight expects 2 (input [2,3,4,9,9], weight [5,2,4,3,3])',
    );
    expect(errorOf(() => p4Conv2d(g, gw, { padding: 'full' as never }))).toBe(
      "p4Conv2d: option 'padding' must be an integer ≥ 0, 'valid', 'same' or an array of 2 (integers ≥ 0 or [before, after] pairs), got 'full'",
    );
  });
});

describe('pooling', () => {
  it('p4Pool and p4MaxPool2d', () => {
    expect(errorOf(() => p4Pool(g, 'sum' as never))).toBe(
      "p4Pool: mode must be one of 'max', 'mean', got 'sum'",
    );
    expect(errorOf(() => p4Pool(x))).toBe(
      'p4Pool: input must be a p4 feature map [batch, channels, 4, height, width] (one plane per rotation), got input [2,3,9,9]',
    );
    expect(errorOf(() => p4MaxPool2d(g, { kernelSize: 2, padding: 2 }))).toBe(
      'p4MaxPool2d: padding [2,2] must be at most half the kernel size [2,2] (padding <= floor(kernel / 2))',
    );
    expect(errorOf(() => p4MaxPool2d(zeros([1, 1, 4, 2, 2]), 3))).toBe(
      'p4MaxPool2d: kernel [3,3] is larger than the padded input [2,2] (input [1,1,4,2,2], padding [0,0])',
    );
    expect(errorOf(() => p4MaxPool2d(g, { kernel: 2 } as never))).toBe(
      "p4MaxPool2d: unknown option 'kernel' (did you mean 'kernelSize'?); the options are kernelSize, stride, padding",
    );
    expect(errorOf(() => p4MaxPool2d(g, {} as never))).toBe('p4MaxPool2d: kernelSize is required');
  });
});

describe('layers', () => {
  it('check their arguments when they are built', () => {
    expect(errorOf(() => new P4LiftConv2d(0, 2, 3))).toBe(
      'P4LiftConv2d: inChannels must be an integer ≥ 1, got 0',
    );
    expect(errorOf(() => new P4Conv2d(1, 2, [3, 3] as never))).toBe(
      'P4Conv2d: kernelSize must be an integer ≥ 1, got [3,3]',
    );
    expect(errorOf(() => new P4Conv2d(1, 2, 3, { pading: 1 } as never))).toBe(
      "P4Conv2d: unknown option 'pading' (did you mean 'padding'?); the options are stride, padding, dilation, bias, dtype, device",
    );
    expect(errorOf(() => new P4Conv2d(1, 2, 3, { padding: 'same', stride: 2 }))).toBe(
      "P4Conv2d: padding 'same' needs stride 1, got stride [2,2]",
    );
    expect(errorOf(() => new P4Conv2d(1, 2, 3, { device: 'gpu' }))).toBe(
      "P4Conv2d: option 'device' must be the name of a registered backend ('cpu'), got 'gpu'",
    );
    expect(errorOf(() => new P4Conv2d(100_000, 100_000, 3))).toBe(
      'P4Conv2d: weight [100000,100000,4,3,3]: shape [100000,100000,4,3,3] would hold 360000000000 elements, more than the 2147483647 a tensor can hold',
    );
    expect(errorOf(() => new P4Pool('min' as never))).toBe(
      "P4Pool: mode must be one of 'max', 'mean', got 'min'",
    );
    expect(errorOf(() => new P4MaxPool2d(2, { padding: 2 }))).toBe(
      'P4MaxPool2d: padding [2,2] must be at most half the kernel size [2,2]',
    );
    expect(errorOf(() => new P4MaxPool2d(2, { strde: 1 } as never))).toBe(
      "P4MaxPool2d: unknown option 'strde' (did you mean 'stride'?); the options are stride, padding",
    );
  });
});
