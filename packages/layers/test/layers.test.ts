/** Constructor checks, options and small behaviours of the individual layers. */
import { ones, randn, tensor, tidy } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BCEWithLogitsLoss,
  Conv1d,
  Conv2d,
  Conv3d,
  CrossEntropyLoss,
  Flatten,
  GELU,
  Linear,
  MaxPool1d,
  MSELoss,
  ReLU,
  Sequential,
  Softmax,
} from '../src/index.js';
import { errorOf, must, useCpu } from './setup.js';

beforeAll(useCpu);

describe('constructor checks', () => {
  it('name the layer and the argument', () => {
    const cases: [() => unknown, string][] = [
      [() => new Linear(0, 3), 'Linear: inFeatures must be an integer ≥ 1, got 0'],
      [() => new Linear(3, 2.5), 'Linear: outFeatures must be an integer ≥ 1, got 2.5'],
      [
        () => new Conv2d(3, 4, [3, 3, 3]),
        'Conv2d: kernelSize must be an integer ≥ 1 or an array of 2 such integers, got [3,3,3]',
      ],
      [
        () => new Conv2d(3, 4, 3, { groups: 2 }),
        'Conv2d: groups 2 must divide inChannels 3 and outChannels 4',
      ],
      [
        () => new Conv1d(2, 4, 3, { stride: 0 }),
        "Conv1d: option 'stride' must be an integer ≥ 1 or an array of 1 such integer, got 0",
      ],
      [
        () => new Conv2d(2, 4, 3, { padding: -1 }),
        "Conv2d: option 'padding' must be an integer ≥ 0, 'valid', 'same' or an array of 2 (integers ≥ 0 or [before, after] pairs), got -1",
      ],
      [
        () => new Conv2d(2, 4, 3, { padding: 'full' as 'same' }),
        "Conv2d: option 'padding' must be an integer ≥ 0, 'valid', 'same' or an array of 2 (integers ≥ 0 or [before, after] pairs), got 'full'",
      ],
      [
        () => new Conv3d(2, 4, 3, { padding: 'same', stride: 2 }),
        "Conv3d: padding 'same' needs stride 1, got stride [2,2,2]",
      ],
      [
        () => new MaxPool1d(2, { padding: 2 }),
        'MaxPool1d: padding [2] must be at most half the kernel size [2]',
      ],
      [
        () => new AvgPool2d(2, { dilation: 2 } as never),
        "AvgPool2d: unknown option 'dilation'; the options are stride, padding, ceilMode, countIncludePad",
      ],
      [
        () => new AdaptiveAvgPool2d([2, 0]),
        'AdaptiveAvgPool2d: outputSize must be an integer ≥ 1 (or null) or an array of 2 of them, got [2,0]',
      ],
      [
        () => new Softmax(undefined as unknown as number),
        'Softmax: dim must be an integer (the axis to normalise over), got undefined',
      ],
      [
        () => new GELU({ approximate: 'fast' as 'tanh' }),
        "GELU: option 'approximate' must be one of 'none', 'tanh', got 'fast'",
      ],
      [
        () => new MSELoss({ reduction: 'avg' as 'mean' }),
        "MSELoss: option 'reduction' must be one of 'mean', 'sum', 'none', got 'avg'",
      ],
      [
        () => new Sequential(new ReLU(), 3 as never),
        'Sequential: module 1 must be a Module, got 3',
      ],
      [
        () => new Linear(2, 2, 'bias' as never),
        "Linear: options must be an object such as { bias, dtype, device }, got 'bias'",
      ],
    ];
    for (const [make, message] of cases) expect(errorOf(make)).toBe(message);
  });
});

describe('layers', () => {
  it('convolution options reach the op: per-axis padding pairs', () => {
    const conv = new Conv2d(1, 1, 3, { padding: [[1, 0], 2], bias: false });
    tidy(() => expect(conv.forward(ones([1, 1, 5, 5])).shape).toEqual([1, 1, 4, 7]));
    conv.dispose();
  });

  it('input errors come from the op with shapes', () => {
    const conv = new Conv2d(3, 6, 5);
    tidy(() => {
      expect(() => conv.forward(ones([64, 1, 28, 28]))).toThrow(
        'conv2d: input has 1 channels but weight expects 3 (input [64,1,28,28], weight [6,3,5,5])',
      );
    });
    conv.dispose();
  });

  it('Flatten keeps the batch dim by default', () => {
    tidy(() => {
      expect(new Flatten().forward(ones([2, 3, 4])).shape).toEqual([2, 12]);
      expect(new Flatten(0).forward(ones([2, 3, 4])).shape).toEqual([24]);
    });
  });

  it('Sequential frees intermediates and returns a new handle even when empty', () => {
    tidy(() => {
      const x = ones([2]);
      const y = new Sequential().forward(x);
      expect(y).not.toBe(x);
      expect(Array.from(y.dataSync())).toEqual([1, 1]);
    });
  });

  it('loss modules keep, move and free their class weights', () => {
    const ce = new CrossEntropyLoss({ weight: tensor([1, 0], { dtype: 'float32' }) });
    tidy(() => {
      const logits = randn([4, 2]);
      // Only class-0 targets count: class 1 has weight 0.
      const target = tensor([0, 1, 1, 0], { dtype: 'int32' });
      expect(ce.forward(logits, target).itemSync()).toBeGreaterThan(0);
    });
    expect(ce.buffers()).toHaveLength(1);
    const weight = must(ce.weight);
    ce.dispose();
    expect(weight.isDisposed).toBe(true);

    const bce = new BCEWithLogitsLoss({ posWeight: ones([3]) });
    expect(bce.namedBuffers().map(([k]) => k)).toEqual(['pos_weight']);
    bce.dispose();
  });
});
