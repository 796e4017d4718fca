import { randn, type Tensor, tidy } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlexNet, AvgPool2d, LeNet5, MaxPool2d, ReLU, SignalNet, Tanh } from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const shapeOf = (entries: [string, Tensor][]): Record<string, number[]> =>
  Object.fromEntries(entries.map(([k, t]) => [k, [...t.shape]]));

describe('LeNet5', () => {
  it('maps [N, 1, 28, 28] to [N, 10] logits', () => {
    const model = new LeNet5();
    tidy(() => expect(model.forward(randn([3, 1, 28, 28])).shape).toEqual([3, 10]));
    model.dispose();
  });

  it('has a classic tanh / average-pool variant with the same parameters', () => {
    const model = new LeNet5({ variant: 'classic', inChannels: 3, numClasses: 5 });
    expect(model.act1).toBeInstanceOf(Tanh);
    expect(model.pool1).toBeInstanceOf(AvgPool2d);
    const modern = new LeNet5();
    expect(modern.act1).toBeInstanceOf(ReLU);
    expect(modern.pool2).toBeInstanceOf(MaxPool2d);
    expect(modern.numParameters()).toBe(
      model.numParameters() - 2 * 6 * 25 - 5 * 84 + 10 * 84 + 10 - 5,
    );
    modern.dispose();
    expect(model.conv1.weight.shape).toEqual([6, 3, 5, 5]);
    tidy(() => expect(model.forward(randn([2, 3, 28, 28])).shape).toEqual([2, 5]));
    model.dispose();
  });

  it('says what input it expects', () => {
    const model = new LeNet5();
    tidy(() => {
      expect(() => model.forward(randn([2, 1, 32, 32]))).toThrow(
        'LeNet5: expected images [N, 1, 28, 28], got input [2,1,32,32]',
      );
    });
    expect(() => new LeNet5({ variant: 'old' as 'classic' })).toThrow(
      "LeNet5: option 'variant' must be one of 'modern', 'classic', got 'old'",
    );
    model.dispose();
  });
});

describe('AlexNet', () => {
  it("has torchvision's layer names and shapes at 224×224", () => {
    // A narrow classifier keeps the test quick; the features are torchvision's exactly (with
    // hidden 4096 and 1000 classes the count is torchvision's 61,100,840).
    const model = new AlexNet({ hidden: 64, numClasses: 10 });
    expect(model.featureSize).toEqual([6, 6]);
    expect(shapeOf(model.namedParameters())).toEqual({
      'features.0.weight': [64, 3, 11, 11],
      'features.0.bias': [64],
      'features.3.weight': [192, 64, 5, 5],
      'features.3.bias': [192],
      'features.6.weight': [384, 192, 3, 3],
      'features.6.bias': [384],
      'features.8.weight': [256, 384, 3, 3],
      'features.8.bias': [256],
      'features.10.weight': [256, 256, 3, 3],
      'features.10.bias': [256],
      'classifier.1.weight': [64, 256 * 6 * 6],
      'classifier.1.bias': [64],
      'classifier.4.weight': [64, 64],
      'classifier.4.bias': [64],
      'classifier.6.weight': [10, 64],
      'classifier.6.bias': [10],
    });
    expect(model.features[0]?.toString()).toBe(
      'Conv2d(3, 64, kernelSize=[11,11], stride=[4,4], padding=2)',
    );
    model.dispose();
  });

  it('adapts to small images with a stride-1 stem', () => {
    const model = new AlexNet({ inputSize: 32, inChannels: 1, numClasses: 10, hidden: 32 });
    expect(model.featureSize).toEqual([3, 3]);
    expect(model.features[0]?.toString()).toBe('Conv2d(1, 64, kernelSize=[5,5], padding=2)');
    expect(model.avgpool.outputSize).toEqual([3, 3]);
    expect(model.classifier[1]?.toString()).toContain('inFeatures=2304');
    tidy(() => expect(model.forward(randn([2, 1, 32, 32])).shape).toEqual([2, 10]));
    model.dispose();
  });

  it('computes the feature size per axis for non-square and mid-sized inputs', () => {
    const wide = new AlexNet({ inputSize: [40, 100], hidden: 8, numClasses: 3 });
    // 40 → 19 → 9 → 4 and 100 → 49 → 24 → 11, the latter pooled down to 6.
    expect(wide.featureSize).toEqual([4, 11]);
    expect(wide.avgpool.outputSize).toEqual([4, 6]);
    wide.dispose();
    // 64 is the smallest size the torchvision stem serves: 64 → 15 → 7 → 3 → 1.
    const mid = new AlexNet({ inputSize: 64, hidden: 8, numClasses: 3 });
    expect(mid.featureSize).toEqual([1, 1]);
    tidy(() => expect(mid.forward(randn([1, 3, 64, 64])).shape).toEqual([1, 3]));
    mid.dispose();
    expect(() => new AlexNet({ inputSize: 14 })).toThrow(
      "AlexNet: option 'inputSize' must be at least 15, got [14,14]",
    );
  });
});

describe('SignalNet', () => {
  it('classifies signals of any sufficient length', () => {
    const model = new SignalNet();
    expect(model.numParameters()).toBe(
      16 * 9 + 2 * 16 + 32 * 16 * 9 + 2 * 32 + 64 * 32 * 9 + 2 * 64 + 64 * 2 + 2,
    );
    expect(Object.keys(tidy(() => model.stateDict())).slice(0, 6)).toEqual([
      'features.0.weight',
      'features.1.weight',
      'features.1.bias',
      'features.1.running_mean',
      'features.1.running_var',
      'features.1.num_batches_tracked',
    ]);
    tidy(() => {
      expect(model.forward(randn([2, 1, 256])).shape).toEqual([2, 2]);
      model.eval();
      expect(model.forward(randn([1, 1, 1000])).shape).toEqual([1, 2]);
    });
    model.dispose();
  });

  it('checks its options', () => {
    expect(() => new SignalNet({ kernelSize: 4 })).toThrow(
      "SignalNet: option 'kernelSize' must be odd so that padding keeps the length, got 4",
    );
    expect(() => new SignalNet({ channels: [] })).toThrow(
      "SignalNet: option 'channels' must be a non-empty array of integers ≥ 1, got []",
    );
    expect(() => new SignalNet({ channels: [8, 0] })).toThrow(
      "SignalNet: option 'channels' must be a non-empty array of integers ≥ 1, got [8,0]",
    );
    expect(() => new SignalNet({ channel: [8] } as never)).toThrow(
      "SignalNet: unknown option 'channel' (did you mean 'channels'?); the options are inChannels, numClasses, channels, kernelSize, poolSize, dtype, device",
    );
  });
});
