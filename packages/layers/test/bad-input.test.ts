/**
 * Every bad argument is a StrideError from the constructor or method that was called, naming
 * the argument and the value: misspelled and unknown options (with the closest known name),
 * wrongly typed values, and positional sizes that are not positive integers.
 */
import { memory, ones, zeros } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AlexNet,
  AvgPool1d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  BCEWithLogitsLoss,
  biasUniform,
  Conv2d,
  CrossEntropyLoss,
  Dropout,
  ELU,
  Flatten,
  fanIn,
  GELU,
  kaimingUniform,
  L1Loss,
  LeakyReLU,
  LeNet5,
  Linear,
  MaxPool2d,
  MSELoss,
  NLLLoss,
  ReLU,
  Sequential,
  SignalNet,
  Softmax,
  summary,
  uniform,
} from '../src/index.js';
import { errorOf, rejectionOf, useCpu } from './setup.js';

beforeAll(useCpu);

type Case = [() => unknown, string];

function expectAll(cases: Case[]): void {
  for (const [run, message] of cases) expect(errorOf(run)).toBe(message);
}

describe('unknown options', () => {
  it('are named with the closest known option, and the options listed', () => {
    expectAll([
      [
        () => new Conv2d(1, 1, 3, { paddng: 1 } as never),
        "Conv2d: unknown option 'paddng' (did you mean 'padding'?); the options are stride, padding, dilation, groups, bias, dtype, device",
      ],
      [
        () => new Linear(2, 3, { bais: false } as never),
        "Linear: unknown option 'bais' (did you mean 'bias'?); the options are bias, dtype, device",
      ],
      [
        () => new BatchNorm2d(4, { track_running_stats: false } as never),
        "BatchNorm2d: unknown option 'track_running_stats' (did you mean 'trackRunningStats'?); the options are eps, momentum, affine, trackRunningStats, dtype, device",
      ],
      [
        () => new MaxPool2d(2, { return_indices: true } as never),
        "MaxPool2d: unknown option 'return_indices'; the options are stride, padding, ceilMode, dilation",
      ],
      [
        () => new AvgPool2d(2, { count_include_pad: false } as never),
        "AvgPool2d: unknown option 'count_include_pad' (did you mean 'countIncludePad'?); the options are stride, padding, ceilMode, countIncludePad",
      ],
      [
        () => new AvgPool1d(2, { divisor_override: 2 } as never),
        "AvgPool1d: unknown option 'divisor_override'; the options are stride, padding, ceilMode, countIncludePad",
      ],
      [
        () => new CrossEntropyLoss({ label_smoothing: 0.1 } as never),
        "CrossEntropyLoss: unknown option 'label_smoothing' (did you mean 'labelSmoothing'?); the options are reduction, weight, ignoreIndex, labelSmoothing",
      ],
      [
        () => new NLLLoss({ ignore_index: 0 } as never),
        "NLLLoss: unknown option 'ignore_index' (did you mean 'ignoreIndex'?); the options are reduction, weight, ignoreIndex",
      ],
      [
        () => new BCEWithLogitsLoss({ pos_weight: null } as never),
        "BCEWithLogitsLoss: unknown option 'pos_weight' (did you mean 'posWeight'?); the options are reduction, weight, posWeight",
      ],
      [
        () => new MSELoss({ size_average: true } as never),
        "MSELoss: unknown option 'size_average'; the options are reduction",
      ],
      [
        () => new L1Loss({ reduce: true } as never),
        "L1Loss: unknown option 'reduce'; the options are reduction",
      ],
      [
        () => new GELU({ approx: 'tanh' } as never),
        "GELU: unknown option 'approx' (did you mean 'approximate'?); the options are approximate",
      ],
      [
        () => new LeNet5({ num_classes: 10 } as never),
        "LeNet5: unknown option 'num_classes' (did you mean 'numClasses'?); the options are inChannels, numClasses, variant, dtype, device",
      ],
      [
        () => new AlexNet({ dropOut: 0.1 } as never),
        "AlexNet: unknown option 'dropOut' (did you mean 'dropout'?); the options are inChannels, numClasses, inputSize, hidden, dropout, dtype, device",
      ],
      [
        () => summary(new ReLU(), [1, 2], { dtyp: 'float64' } as never),
        "summary: unknown option 'dtyp' (did you mean 'dtype'?); the options are dtype, device",
      ],
      [
        () => new ReLU().loadStateDict({}, { strct: false } as never),
        "loadStateDict: unknown option 'strct' (did you mean 'strict'?); the options are strict",
      ],
      [
        () => uniform([2], 0, 1, { dtyp: 'float64' } as never),
        "uniform: unknown option 'dtyp' (did you mean 'dtype'?); the options are dtype, device",
      ],
      [
        () => kaimingUniform([2, 2], 1, { devce: 'cpu' } as never),
        "kaimingUniform: unknown option 'devce' (did you mean 'device'?); the options are dtype, device, mode, nonlinearity",
      ],
    ]);
  });
});

describe('option values', () => {
  it('are checked for type and range', () => {
    expectAll([
      [
        () => new Linear(2, 2, { bias: 'no' as never }),
        "Linear: option 'bias' must be a boolean, got 'no'",
      ],
      [
        () => new Conv2d(1, 1, 3, { stride: '2' as never }),
        "Conv2d: option 'stride' must be an integer ≥ 1 or an array of 2 such integers, got '2'",
      ],
      [
        () => new Linear(2, 2, { dtype: 'int32' }),
        "Linear: option 'dtype' must be one of 'float32', 'float64', got 'int32'",
      ],
      [
        () => new Linear(2, 2, { device: 'nope' }),
        "Linear: option 'device' must be the name of a registered backend ('cpu'), got 'nope'",
      ],
      [
        () => new BatchNorm1d(2, { eps: -1 }),
        "BatchNorm1d: option 'eps' must be a number ≥ 0, got -1",
      ],
      [
        () => new BatchNorm1d(2, { momentum: null as never }),
        "BatchNorm1d: option 'momentum' must be a number ≥ 0 and ≤ 1, got null",
      ],
      [
        () => new CrossEntropyLoss({ labelSmoothing: 2 }),
        "CrossEntropyLoss: option 'labelSmoothing' must be a number ≥ 0 and ≤ 1, got 2",
      ],
      [
        () => new CrossEntropyLoss({ ignoreIndex: 1.5 }),
        "CrossEntropyLoss: option 'ignoreIndex' must be an integer, got 1.5",
      ],
      [
        () => new CrossEntropyLoss({ weight: 3 as never }),
        "CrossEntropyLoss: option 'weight' must be a tensor or null, got 3",
      ],
      [
        () => new LeNet5({ inChannels: 0 }),
        "LeNet5: option 'inChannels' must be an integer ≥ 1, got 0",
      ],
      [
        () => new AlexNet({ dropout: 2 }),
        "AlexNet: option 'dropout' must be a number ≥ 0 and ≤ 1, got 2",
      ],
      [
        () => new SignalNet({ poolSize: Number.NaN }),
        "SignalNet: option 'poolSize' must be an integer ≥ 1, got NaN",
      ],
      [
        () => summary(new ReLU(), [1, 2], { dtype: 'float16' as never }),
        "summary: option 'dtype' must be one of 'float32', 'float64', 'int32', 'bool', got 'float16' (did you mean 'float32'?)",
      ],
      [
        () => summary(new ReLU(), [1, 2], { device: 'nope' }),
        "summary: option 'device' must be the name of a registered backend ('cpu'), got 'nope'",
      ],
      [
        () => new Linear(2, 2, null as never),
        'Linear: options must be an object such as { bias, dtype, device }, got null',
      ],
    ]);
  });

  it('a disposed tensor is not a class weight', () => {
    const weight = ones([2]);
    weight.dispose();
    expect(errorOf(() => new NLLLoss({ weight }))).toBe(
      "NLLLoss: option 'weight' [2] was disposed",
    );
  });
});

describe('positional arguments', () => {
  it('sizes must be integers ≥ 1: not NaN, 0, negative or fractional', () => {
    expectAll([
      [() => new Linear(Number.NaN, 2), 'Linear: inFeatures must be an integer ≥ 1, got NaN'],
      [() => new Linear(-3, 2), 'Linear: inFeatures must be an integer ≥ 1, got -3'],
      [() => new Linear(2, '3' as never), "Linear: outFeatures must be an integer ≥ 1, got '3'"],
      [() => new Conv2d(1.5, 2, 3), 'Conv2d: inChannels must be an integer ≥ 1, got 1.5'],
      [() => new Conv2d(1, 0, 3), 'Conv2d: outChannels must be an integer ≥ 1, got 0'],
      [
        () => new Conv2d(1, 2, Number.NaN),
        'Conv2d: kernelSize must be an integer ≥ 1 or an array of 2 such integers, got NaN',
      ],
      [
        () => new Conv2d(1, 2, [3, -1]),
        'Conv2d: kernelSize must be an integer ≥ 1 or an array of 2 such integers, got [3,-1]',
      ],
      [
        () => new BatchNorm1d(Number.NaN),
        'BatchNorm1d: numFeatures must be an integer ≥ 1, got NaN',
      ],
      [
        () => new MaxPool2d(0),
        'MaxPool2d: kernelSize must be an integer ≥ 1 or an array of 2 such integers, got 0',
      ],
      [
        () => new AdaptiveAvgPool1d(-1),
        'AdaptiveAvgPool1d: outputSize must be an integer ≥ 1 (or null) or an array of 1 of them, got -1',
      ],
    ]);
  });

  it('a size no tensor can have is the layer’s error, with the shape, and leaves nothing', () => {
    const before = memory().numTensors;
    const huge = 'would hold 90000000000 elements, more than the 2147483647 a tensor can hold';
    expectAll([
      [
        () => new Linear(2, 1e10),
        'Linear: weight [10000000000,2]: shape [10000000000,2] would hold 20000000000 elements, more than the 2147483647 a tensor can hold',
      ],
      [
        () => new Conv2d(1, 1e10, 3),
        `Conv2d: weight [10000000000,1,3,3]: shape [10000000000,1,3,3] ${huge}`,
      ],
      [
        () => new BatchNorm2d(1e10),
        'BatchNorm2d: weight [10000000000]: shape [10000000000] would hold 10000000000 elements, more than the 2147483647 a tensor can hold',
      ],
      [
        () => new BatchNorm1d(1e10, { affine: false }),
        'BatchNorm1d: running_mean [10000000000]: shape [10000000000] would hold 10000000000 elements, more than the 2147483647 a tensor can hold',
      ],
      [() => kaimingUniform([1e10, 1, 3, 3]), `kaimingUniform: shape [10000000000,1,3,3] ${huge}`],
      [() => uniform([1e10, 9], 0, 1), `uniform: shape [10000000000,9] ${huge}`],
    ]);
    // Within the element limit, the backend's limit on one tensor's bytes.
    expect(errorOf(() => new Linear(1e5, 1e4, { dtype: 'float64' }))).toBe(
      "Linear: weight [10000,100000]: the output [10000,100000] float64 would take 7.45 GiB, more than the 'cpu' backend's limit of 4 GiB for one tensor",
    );
    expect(memory().numTensors).toBe(before);
  });

  it('a model with a layer too large for one tensor names itself and frees the layers made', () => {
    const before = memory().numTensors;
    const tooMany = (n: number) => `${n} elements, more than the 2147483647 a tensor can hold`;
    expectAll([
      [
        () => new LeNet5({ numClasses: 1e10 }),
        `LeNet5: Linear: weight [10000000000,84]: shape [10000000000,84] would hold ${tooMany(84e10)}`,
      ],
      // The first classifier layer (256 → 50000) is made, the second (50000 → 50000) fails.
      [
        () => new AlexNet({ inputSize: 15, hidden: 50000 }),
        `AlexNet: Linear: weight [50000,50000]: shape [50000,50000] would hold ${tooMany(25e8)}`,
      ],
      [
        () => new SignalNet({ channels: [4, 1e10] }),
        `SignalNet: Conv1d: weight [10000000000,4,9]: shape [10000000000,4,9] would hold ${tooMany(36e10)}`,
      ],
    ]);
    expect(memory().numTensors).toBe(before);
  });

  it('outputSize of adaptive pooling is one size for every dim or an array of one per dim', () => {
    expect(errorOf(() => new AdaptiveAvgPool2d([2]))).toBe(
      'AdaptiveAvgPool2d: outputSize must be an integer ≥ 1 (or null) or an array of 2 of them, got [2]',
    );
    const pool = new AdaptiveAvgPool2d(2);
    expect(pool.outputSize).toEqual([2, 2]);
    expect(new AdaptiveAvgPool1d([3]).outputSize).toEqual([3]);
  });

  it('other numbers are checked too', () => {
    expectAll([
      [
        () => new Softmax(1.5),
        'Softmax: dim must be an integer (the axis to normalise over), got 1.5',
      ],
      [() => new LeakyReLU('0.1' as never), "LeakyReLU: negativeSlope must be a number, got '0.1'"],
      [() => new ELU(Number.NaN), 'ELU: alpha must be a number, got NaN'],
      [() => new Flatten(1.5), 'Flatten: startDim must be an integer, got 1.5'],
      [() => new Flatten(1, 'x' as never), "Flatten: endDim must be an integer, got 'x'"],
      // PyTorch's Dropout(p=...) keyword is a positional number here.
      [
        () => new Dropout({ p: 0.2 } as never),
        'Dropout: p must be a number ≥ 0 and ≤ 1, got an object',
      ],
      [
        () => fanIn([3]),
        'fanIn: shape must be an array of at least 2 integers ≥ 0 ([out, in, ...kernel]), got [3]',
      ],
      [() => uniform([2], 1, 0), 'uniform: low must not exceed high, got low 1 and high 0'],
      [() => uniform([2], Number.NaN, 0), 'uniform: low must be a number, got NaN'],
      [() => kaimingUniform([2, 2], Number.NaN), 'kaimingUniform: a must be a number, got NaN'],
      [() => biasUniform(-1, 2), 'biasUniform: size must be an integer ≥ 0, got -1'],
    ]);
  });
});

describe('modules', () => {
  it('reject wrongly typed method arguments', async () => {
    const layer = new Linear(2, 2);
    expectAll([
      [() => layer.train('no' as never), "train: mode must be a boolean, got 'no'"],
      [() => layer.apply('no' as never), "apply: fn must be a function, got 'no'"],
      [
        () => layer.registerForwardHook(3 as never),
        'registerForwardHook: hook must be a function, got 3',
      ],
      [() => summary({} as never, [1]), 'summary: model must be a Module, got an object'],
      [() => new BatchNorm1d(2).forward(3 as never), 'BatchNorm1d: input must be a Tensor, got 3'],
    ]);
    expect(await rejectionOf(layer.to('nope'))).toBe(
      "to: device must be the name of a registered backend ('cpu'), got 'nope'",
    );
    expect(await rejectionOf(layer.to(3 as never))).toBe(
      "to: device must be the name of a registered backend ('cpu'), got 3",
    );
    // A model without parameters checks the device too.
    expect(await rejectionOf(new ReLU().to('webgpu'))).toBe(
      "to: device must be the name of a registered backend ('cpu'), got 'webgpu'",
    );
    layer.dispose();
  });

  it('a disposed module refuses to give an empty state dict or move nothing', async () => {
    const model = new Sequential(new Linear(2, 2), new ReLU());
    model.dispose();
    expectAll([
      [() => model.stateDict(), 'stateDict: this Sequential was disposed and holds no tensors'],
      [() => model.parameters(), 'parameters: this Sequential was disposed and holds no tensors'],
      [() => model.buffers(), 'buffers: this Sequential was disposed and holds no tensors'],
      [
        () => model.loadStateDict({}),
        'loadStateDict: this Sequential was disposed and holds no tensors',
      ],
    ]);
    expect(await rejectionOf(model.to('cpu'))).toBe(
      'to: this Sequential was disposed and holds no tensors',
    );
    expect(() => model.dispose()).not.toThrow();
  });

  it('Sequential takes modules, one argument each, and a tensor input', () => {
    expectAll([
      [
        () => new Sequential([new ReLU()] as never),
        'Sequential: module 0 is an array; pass the modules one by one: new Sequential(...modules)',
      ],
      [
        () => new Sequential(new ReLU(), 'relu' as never),
        "Sequential: module 1 must be a Module, got 'relu'",
      ],
      [
        () => new Sequential(new ReLU()).append({} as never),
        'Sequential.append: module 1 must be a Module, got an object',
      ],
      [
        () => new Sequential().forward('abc' as never),
        "Sequential: input must be a Tensor, got 'abc'",
      ],
      [
        () => new Sequential(new ReLU()).forward(undefined as never),
        'Sequential: input must be a Tensor, got undefined',
      ],
    ]);
  });

  it('loadStateDict takes tensors by name, not a tensor, an array or a decoded file', () => {
    const layer = new Linear(2, 2);
    const t = zeros([2]);
    expectAll([
      [
        () => layer.loadStateDict(t as never),
        'loadStateDict: stateDict must be an object or a Map of tensors by name, got a tensor [2]',
      ],
      [
        () => layer.loadStateDict([t] as never),
        'loadStateDict: stateDict must be an object or a Map of tensors by name, got [a tensor [2]]',
      ],
      [
        () => layer.loadStateDict({ tensors: {}, metadata: {} } as never),
        'loadStateDict: stateDict is a decoded file { tensors, metadata }; pass its tensors',
      ],
      [
        () => layer.loadStateDict({}, { strict: 0 as never }),
        "loadStateDict: option 'strict' must be a boolean, got 0",
      ],
    ]);
    t.dispose();
    layer.dispose();
  });
});
