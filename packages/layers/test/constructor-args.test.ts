/**
 * A constructor argument no layer reads is an error, as an unknown option key is: TypeScript
 * refuses it when it compiles, and these are the calls JavaScript lets through (PyTorch's
 * `inplace` above all).
 */
import { memory, ones } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../src/index.js';
import {
  Conv2d,
  Dropout,
  Dropout2d,
  ELU,
  Identity,
  LeakyReLU,
  Linear,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  SiLU,
} from '../src/index.js';
import { errorOf, useCpu } from './setup.js';

beforeAll(useCpu);

/** The constructors as JavaScript sees them: any arguments. */
type AnyArgs = new (...args: unknown[]) => Module;
const js = (cls: unknown): AnyArgs => cls as AnyArgs;

const inplace = 'Stride has no in-place layers; leave the argument out, the result is the same';

describe('constructor arguments nobody reads', () => {
  it("PyTorch's inplace, positional or as an option, says that leaving it out changes nothing", () => {
    expect(errorOf(() => new (js(ReLU))(true))).toBe(
      `ReLU: argument 1 (true) is PyTorch's inplace: ${inplace}`,
    );
    expect(errorOf(() => new (js(ReLU))({ inplace: true }))).toBe(
      `ReLU: argument 1 has PyTorch's option 'inplace': ${inplace}`,
    );
    expect(errorOf(() => new (js(SiLU))(false))).toBe(
      `SiLU: argument 1 (false) is PyTorch's inplace: ${inplace}`,
    );
    expect(errorOf(() => new (js(Dropout))(0.5, { inplace: true }))).toBe(
      `Dropout: argument 2 has PyTorch's option 'inplace': ${inplace}`,
    );
    expect(errorOf(() => new (js(Dropout2d))(0.5, true))).toBe(
      `Dropout2d: argument 2 (true) is PyTorch's inplace: ${inplace}`,
    );
    expect(errorOf(() => new (js(LeakyReLU))(0.2, true))).toBe(
      `LeakyReLU: argument 2 (true) is PyTorch's inplace: ${inplace}`,
    );
    expect(errorOf(() => new (js(ELU))(1, { inplace: false }))).toBe(
      `ELU: argument 2 has PyTorch's option 'inplace': ${inplace}`,
    );
  });

  it('any other extra argument names the layer, what it takes and what it got', () => {
    expect(errorOf(() => new (js(ReLU))(3))).toBe('ReLU: takes no arguments, got 3');
    expect(errorOf(() => new (js(Sigmoid))({}, 'x'))).toBe(
      "Sigmoid: takes no arguments, got an object, 'x'",
    );
    // A boolean is PyTorch's inplace only where PyTorch's layer takes one.
    expect(errorOf(() => new (js(Sigmoid))(true))).toBe('Sigmoid: takes no arguments, got true');
    expect(errorOf(() => new (js(Dropout))(0.5, 'x'))).toBe(
      "Dropout: takes at most 1 argument (p), got 2: the extra one is 'x'",
    );
    expect(errorOf(() => new (js(Linear))(2, 3, { bias: false }, 1, null))).toBe(
      'Linear: takes at most 3 arguments (inFeatures, outFeatures, options), got 5: the extra ones are 1, null',
    );
    expect(errorOf(() => new (js(Conv2d))(1, 6, 5, undefined, [2]))).toBe(
      'Conv2d: takes at most 4 arguments (inChannels, outChannels, kernelSize, options), got 5: the extra one is [2]',
    );
  });

  it('leaves nothing behind: the check runs before a parameter is made', () => {
    const base = memory().numTensors;
    expect(errorOf(() => new (js(Linear))(20, 30, {}, true))).toMatch(/^Linear: takes at most/);
    expect(memory().numTensors).toBe(base);
  });

  it('an undefined at the end counts as left out, and valid calls work as before', () => {
    const relu = new (js(ReLU))(undefined);
    const linear = new (js(Linear))(2, 3, undefined, undefined);
    const drop = new Dropout(0.2);
    expect([relu.typeName, linear.typeName, drop.typeName]).toEqual(['ReLU', 'Linear', 'Dropout']);
    expect(linear(ones([1, 2])).shape).toEqual([1, 3]);
    linear.dispose();
  });

  it('every layer, loss, model and container refuses one argument more than it takes', () => {
    // Arguments each constructor accepts; one more must be refused, by the class's name.
    const valid: Record<string, unknown[]> = {
      AdaptiveAvgPool1d: [1],
      AdaptiveAvgPool2d: [1],
      AdaptiveAvgPool3d: [1],
      AdaptiveMaxPool1d: [1],
      AdaptiveMaxPool2d: [1],
      AdaptiveMaxPool3d: [1],
      AlexNet: [{ inputSize: 32, hidden: 8, numClasses: 2 }],
      AvgPool1d: [2, {}],
      AvgPool2d: [2, {}],
      AvgPool3d: [2, {}],
      BatchNorm1d: [2, {}],
      BatchNorm2d: [2, {}],
      BatchNorm3d: [2, {}],
      BCELoss: [{}],
      BCEWithLogitsLoss: [{}],
      Conv1d: [1, 1, 1, {}],
      Conv2d: [1, 1, 1, {}],
      Conv3d: [1, 1, 1, {}],
      ConvTranspose1d: [1, 1, 1, {}],
      ConvTranspose2d: [1, 1, 1, {}],
      ConvTranspose3d: [1, 1, 1, {}],
      CrossEntropyLoss: [{}],
      Dropout: [0.5],
      Dropout1d: [0.5],
      Dropout2d: [0.5],
      Dropout3d: [0.5],
      ELU: [1],
      Flatten: [1, -1],
      GELU: [{}],
      GroupNorm: [1, 2, {}],
      HuberLoss: [{}],
      InstanceNorm1d: [2, {}],
      InstanceNorm2d: [2, {}],
      InstanceNorm3d: [2, {}],
      KLDivLoss: [{}],
      L1Loss: [{}],
      LayerNorm: [2, {}],
      LeakyReLU: [0.1],
      LeNet5: [{}],
      Linear: [1, 1, {}],
      LogSoftmax: [1],
      MaxPool1d: [2, {}],
      MaxPool2d: [2, {}],
      MaxPool3d: [2, {}],
      ModuleDict: [{}],
      ModuleList: [[]],
      MSELoss: [{}],
      NLLLoss: [{}],
      ReLU: [],
      Sigmoid: [],
      SignalNet: [{}],
      SiLU: [],
      SmoothL1Loss: [{}],
      Softmax: [1],
      Tanh: [],
      Upsample: [{ scaleFactor: 2 }],
    };
    // Sequential takes any number of modules; Identity takes anything, as PyTorch's does, so
    // that it can stand in for any layer class.
    const exempt = ['Module', 'Sequential', 'Identity'];
    const classes = Object.entries(layers).filter(
      ([name, v]) =>
        typeof v === 'function' && v.prototype instanceof Module && !exempt.includes(name),
    );
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(valid).sort());
    for (const [name, cls] of classes) {
      const args = valid[name] as unknown[];
      const made = new (js(cls))(...args);
      expect(made.typeName).toBe(name);
      made.dispose();
      expect(errorOf(() => new (js(cls))(...args, 'extra'))).toMatch(
        new RegExp(`^${name}: takes (no arguments|at most ${args.length} argument).*'extra'$`),
      );
    }
    new Sequential(new ReLU(), new ReLU());
    new (js(Identity))(54, { unused: 0.1 }, 'anything');
  });
});
