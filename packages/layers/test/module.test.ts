import { inspect } from 'node:util';
import { cpu } from '@stride/backend-cpu';
import {
  initBackend,
  memory,
  ones,
  registerBackend,
  StrideError,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  CrossEntropyLoss,
  LeNet5,
  Linear,
  Module,
  ReLU,
  Sequential,
  summary,
} from '../src/index.js';
import { errorOf, must, rejectionOf, useCpu } from './setup.js';

beforeAll(useCpu);

/** A model with a child, a child list, an own parameter declared after a child, and a buffer. */
class Custom extends Module {
  readonly stem = new Conv2d(1, 2, 3);
  readonly blocks: [BatchNorm2d, ReLU] = [new BatchNorm2d(2), new ReLU()];
  readonly scale: Tensor;
  readonly steps: Tensor;

  constructor() {
    super();
    this.scale = this.param(ones([2]));
    this.steps = this.buffer(zeros([1]), 'step_count');
  }

  forward(x: Tensor): Tensor {
    return this.blocks[1]
      .forward(this.blocks[0].forward(this.stem.forward(x)))
      .mul(this.scale.reshape([1, 2, 1, 1]));
  }
}

function shapes(entries: [string, Tensor][]): Record<string, number[]> {
  return Object.fromEntries(entries.map(([k, t]) => [k, [...t.shape]]));
}

describe('names', () => {
  it('LeNet5 has the state-dict keys of the usual PyTorch definition', () => {
    const model = new LeNet5();
    expect(shapes(model.namedParameters())).toEqual({
      'conv1.weight': [6, 1, 5, 5],
      'conv1.bias': [6],
      'conv2.weight': [16, 6, 5, 5],
      'conv2.bias': [16],
      'fc1.weight': [120, 400],
      'fc1.bias': [120],
      'fc2.weight': [84, 120],
      'fc2.bias': [84],
      'fc3.weight': [10, 84],
      'fc3.bias': [10],
    });
    expect(model.numParameters()).toBe(61706);
    model.dispose();
  });

  it('BatchNorm buffers use PyTorch snake_case keys, after the parameters', () => {
    const bn = new BatchNorm1d(3);
    const sd = bn.stateDict();
    expect(Object.keys(sd)).toEqual([
      'weight',
      'bias',
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    expect(sd.num_batches_tracked?.dtype).toBe('int32');
    expect(sd.num_batches_tracked?.shape).toEqual([]);
    expect(bn.namedBuffers().map(([k]) => k)).toEqual([
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
    for (const t of Object.values(sd)) t.dispose();
    bn.dispose();
  });

  it('Sequential names children 0, 1, ...; arrays of modules are lists', () => {
    const seq = new Sequential(new Linear(4, 3), new ReLU(), new BatchNorm1d(3));
    expect(Object.keys(tidy(() => seq.stateDict()))).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '2.running_mean',
      '2.running_var',
      '2.num_batches_tracked',
    ]);
    expect(seq.length).toBe(3);
    expect(seq[1]).toBeInstanceOf(ReLU);
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'BatchNorm1d']);
    seq.dispose();

    const custom = new Custom();
    // Own parameters and buffers come first, then children: PyTorch's state_dict order.
    expect(Object.keys(tidy(() => custom.stateDict()))).toEqual([
      'scale',
      'step_count',
      'stem.weight',
      'stem.bias',
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.0.running_mean',
      'blocks.0.running_var',
      'blocks.0.num_batches_tracked',
    ]);
    expect(custom.namedModules().map(([k, m]) => `${k}:${m.constructor.name}`)).toEqual([
      ':Custom',
      'stem:Conv2d',
      'blocks.0:BatchNorm2d',
      'blocks.1:ReLU',
    ]);
    expect(custom.namedChildren().map(([k]) => k)).toEqual(['stem', 'blocks.0', 'blocks.1']);
    expect(custom.children()).toHaveLength(3);
    expect(custom.parameters()).toHaveLength(5);
    expect(custom.buffers()).toHaveLength(4);
    custom.dispose();
  });

  it('a shared layer is counted once by parameters() and numParameters()', () => {
    const shared = new Linear(3, 3);
    const seq = new Sequential(shared, new ReLU(), shared);
    expect(seq.parameters()).toHaveLength(2);
    expect(seq.numParameters()).toBe(12);
    expect(seq.modules()).toHaveLength(3);
    seq.dispose();
  });

  it('parameters require gradients and survive tidy; buffers do not require gradients', () => {
    const model = tidy(() => new BatchNorm2d(4));
    for (const p of model.parameters()) {
      expect(p.requiresGrad).toBe(true);
      expect(p.isDisposed).toBe(false);
    }
    for (const b of model.buffers()) expect(b.requiresGrad).toBe(false);
    model.dispose();
  });

  it('toString draws the module tree', () => {
    const model = new LeNet5();
    const text = model.toString();
    expect(text.split('\n')[0]).toBe('LeNet5(');
    expect(text).toContain('(conv1): Conv2d(1, 6, kernelSize=[5,5], padding=2)');
    expect(text).toContain('(fc3): Linear(inFeatures=84, outFeatures=10, bias=true)');
    model.dispose();
  });
});

describe('train and eval', () => {
  it('propagate to every descendant and return the module', () => {
    const model = new Sequential(new Linear(2, 2), new Sequential(new BatchNorm1d(2)));
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(model.eval()).toBe(model);
    expect(model.modules().every((m) => !m.training)).toBe(true);
    model.train();
    expect(model.modules().every((m) => m.training)).toBe(true);
    model.train(false);
    expect(model.modules().some((m) => m.training)).toBe(false);
    model.dispose();
  });
});

describe('stateDict', () => {
  it('returns new handles that keep the values of the moment they were taken', () => {
    const layer = new Linear(2, 2);
    const sd = layer.stateDict();
    expect(sd.weight).not.toBe(layer.weight);
    const old = Array.from(must(sd.weight).dataSync());
    layer.weight.assign(zeros([2, 2]));
    expect(Array.from(must(sd.weight).dataSync())).toEqual(old);
    expect(Array.from(layer.weight.dataSync())).toEqual([0, 0, 0, 0]);
    for (const t of Object.values(sd)) t.dispose();
    expect(layer.weight.isDisposed).toBe(false);
    layer.dispose();
  });
});

describe('loadStateDict', () => {
  it('copies values; the caller may dispose the given tensors afterwards', () => {
    const a = new Linear(3, 2);
    const b = new Linear(3, 2);
    const sd = a.stateDict();
    const result = b.loadStateDict(sd);
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const t of Object.values(sd)) t.dispose();
    expect(Array.from(b.weight.dataSync())).toEqual(Array.from(a.weight.dataSync()));
    expect(Array.from(must(b.bias).dataSync())).toEqual(Array.from(must(a.bias).dataSync()));
    a.dispose();
    b.dispose();
  });

  it('accepts a Map', () => {
    const layer = new Linear(1, 1);
    layer.loadStateDict(
      new Map([
        ['weight', tensor([[2]], { dtype: 'float32' })],
        ['bias', tensor([3], { dtype: 'float32' })],
      ]),
    );
    expect(layer.weight.itemSync()).toBe(2);
    expect(layer.bias?.itemSync()).toBe(3);
    layer.dispose();
  });

  it('names missing and unexpected keys, and changes nothing', () => {
    const model = new LeNet5();
    const before = Array.from(model.conv1.weight.dataSync());
    tidy(() => {
      const sd = model.stateDict();
      delete sd['fc3.bias'];
      delete sd['conv2.weight'];
      sd['conv9.weight'] = zeros([1]);
      sd['conv1.weight'] = zeros([6, 1, 5, 5]);
      let error: unknown;
      try {
        model.loadStateDict(sd);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StrideError);
      const message = (error as Error).message;
      expect(message).toMatch(/^loadStateDict: cannot load into LeNet5/);
      expect(message).toContain('missing keys conv2.weight, fc3.bias');
      expect(message).toContain('unexpected keys conv9.weight');
      // Nothing was written although conv1.weight itself was fine.
      expect(Array.from(model.conv1.weight.dataSync())).toEqual(before);

      const result = model.loadStateDict(sd, { strict: false });
      expect(result).toEqual({
        missingKeys: ['conv2.weight', 'fc3.bias'],
        unexpectedKeys: ['conv9.weight'],
      });
      expect(Array.from(model.conv1.weight.dataSync()).every((v) => v === 0)).toBe(true);
    });
    model.dispose();
  });

  it('rejects shape, dtype and non-tensor mismatches by name, even when not strict', () => {
    const model = new Sequential(new Conv2d(1, 6, 3), new BatchNorm2d(6));
    tidy(() => {
      const sd = model.stateDict();
      sd['0.weight'] = zeros([6, 1, 5, 5]);
      sd['1.num_batches_tracked'] = zeros([]);
      (sd as Record<string, unknown>)['1.bias'] = [0, 0, 0, 0, 0, 0];
      for (const strict of [true, false]) {
        expect(() => model.loadStateDict(sd, { strict })).toThrow(StrideError);
        try {
          model.loadStateDict(sd, { strict });
        } catch (e) {
          const message = (e as Error).message;
          expect(message).toContain(
            '0.weight has shape [6,1,5,5] in the state dict but [6,1,3,3] in the model',
          );
          expect(message).toContain(
            '1.num_batches_tracked is float32 in the state dict but int32 in the model',
          );
          expect(message).toContain('1.bias must be a Tensor, got [0,0,0,0,0,0]');
        }
      }
    });
    model.dispose();
  });

  it('loads loss weights as buffers', () => {
    const loss = new CrossEntropyLoss({ weight: ones([3]) });
    expect(Object.keys(tidy(() => loss.stateDict()))).toEqual(['weight']);
    loss.loadStateDict({ weight: tensor([1, 2, 3], { dtype: 'float32' }) });
    expect(Array.from(must(loss.weight).dataSync())).toEqual([1, 2, 3]);
    loss.dispose();
  });
});

describe('zeroGrad', () => {
  it('drops and frees every gradient', () => {
    const layer = new Linear(3, 2);
    const base = memory().numTensors;
    tidy(() =>
      layer
        .forward(ones([4, 3]))
        .sum()
        .backward(),
    );
    expect(layer.weight.grad).not.toBeNull();
    expect(memory().numTensors).toBe(base + 2);
    layer.zeroGrad();
    expect(layer.weight.grad).toBeNull();
    expect(layer.bias?.grad).toBeNull();
    expect(memory().numTensors).toBe(base);
    layer.dispose();
  });
});

describe('dispose', () => {
  it('returns memory() to what it was before the model was built', () => {
    const before = memory();
    const model = new LeNet5();
    tidy(() => {
      const loss = model.forward(ones([2, 1, 28, 28])).sum();
      loss.backward();
    });
    expect(memory().numTensors).toBeGreaterThan(before.numTensors);
    model.dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    expect(() => model.dispose()).not.toThrow();
    expect(() => model.forward(ones([1, 1, 28, 28]))).toThrow(/disposed/);
  });

  it('frees BatchNorm buffers after training steps', () => {
    const before = memory();
    const bn = new BatchNorm2d(3);
    for (let i = 0; i < 3; i++) {
      tidy(() => {
        bn.forward(ones([2, 3, 2, 2]));
      });
    }
    bn.dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});

describe('to(device)', () => {
  it('moves every parameter, buffer and gradient; the module keeps its identity', async () => {
    registerBackend({ ...cpu(), name: 'cpu2' });
    await initBackend('cpu2');
    const model = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
    tidy(() =>
      model
        .forward(ones([4, 2]))
        .sum()
        .backward(),
    );
    const frozen = model.parameters()[3] as Tensor;
    frozen.grad?.dispose();
    frozen.grad = null;
    frozen.requiresGrad = false;
    const oldWeight = model.parameters()[0] as Tensor;
    const values = Array.from(oldWeight.dataSync());
    const child = model[0];
    expect(await model.to('cpu2')).toBe(model);
    expect(model[0]).toBe(child);
    for (const t of [...model.parameters(), ...model.buffers()]) expect(t.device).toBe('cpu2');
    const weight = model.parameters()[0] as Tensor;
    expect(weight).not.toBe(oldWeight);
    expect(oldWeight.isDisposed).toBe(true);
    expect(weight.requiresGrad).toBe(true);
    expect(weight.grad?.device).toBe('cpu2');
    expect(Array.from(weight.dataSync())).toEqual(values);
    expect((model.parameters()[3] as Tensor).requiresGrad).toBe(false);
    // Two weights, two biases, three gradients (not the frozen bias's) and three buffers.
    expect(memory().backends.cpu2?.numTensors).toBe(10);
    // Still trains on the new device.
    model.zeroGrad();
    tidy(() =>
      model
        .forward(ones([4, 2], { device: 'cpu2' }))
        .sum()
        .backward(),
    );
    expect(weight.grad?.device).toBe('cpu2');
    expect(() => model.forward(ones([4, 2]))).toThrow(/'cpu'.*'cpu2'|'cpu2'.*'cpu'/);
    await model.to('cpu');
    expect(memory().backends.cpu2?.numTensors).toBe(0);
    model.dispose();
  });

  it('moves nothing if a tensor cannot move', async () => {
    const model = new Linear(2, 2);
    const weight = model.weight;
    await expect(model.to('nowhere')).rejects.toThrow(StrideError);
    expect(model.weight).toBe(weight);
    expect(weight.isDisposed).toBe(false);
    model.dispose();
  });
});

describe('forward hooks', () => {
  it('see inputs and outputs, and can be removed', () => {
    const model = new Sequential(new Linear(2, 3), new ReLU());
    const seen: string[] = [];
    const remove = must(model[0]).registerForwardHook((m, inputs, output) => {
      seen.push(`${m.constructor.name} ${inputs[0]?.shape} -> ${output.shape}`);
    });
    expect(Object.keys(must(model[0]))).not.toContain('forward');
    tidy(() => model.forward(ones([5, 2])));
    expect(seen).toEqual(['Linear 5,2 -> 5,3']);
    remove();
    tidy(() => model.forward(ones([5, 2])));
    expect(seen).toHaveLength(1);
    expect(Object.hasOwn(must(model[0]), 'forward')).toBe(false);
    model.dispose();
  });

  it('run once per call, whether the module is called as model(x) or model.forward(x)', () => {
    // Unlike PyTorch, where forward() skips hooks: summary() finds the layers a model runs by
    // their hooks, and models call layers both ways.
    class Net extends Module {
      readonly a = new Linear(2, 2);
      readonly b = new Linear(2, 2);
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a(x));
      }
    }
    const net = new Net();
    const seen: string[] = [];
    net.a.registerForwardHook(() => seen.push('a'));
    net.b.registerForwardHook(() => seen.push('b'));
    net.registerForwardHook(() => seen.push('net'));
    tidy(() => {
      net(ones([1, 2]));
      net.forward(ones([1, 2]));
    });
    expect(seen).toEqual(['a', 'b', 'net', 'a', 'b', 'net']);
    expect(summary(net, [1, 2]).rows.map((r) => r.name)).toEqual(['a', 'b']);
    net.dispose();
  });
});

describe('param()', () => {
  it('rejects non-leaf and integer tensors with the module named', () => {
    class Bad extends Module {
      constructor(t: Tensor) {
        super();
        this.param(t);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    tidy(() => {
      const leaf = ones([2], { requiresGrad: true });
      expect(() => new Bad(leaf.mul(2))).toThrow(/^Bad\.param: a parameter must be a leaf/);
      expect(() => new Bad(zeros([2], { dtype: 'int32' }))).toThrow(/float tensor, got int32/);
    });
  });
});

describe('calling a module', () => {
  it('model(x) is model.forward(x), with the class, fields and methods of the model', () => {
    const model = new Sequential(new Linear(3, 2), new ReLU());
    expect(typeof model).toBe('function');
    expect(model).toBeInstanceOf(Sequential);
    expect(model).toBeInstanceOf(Module);
    expect(model[0]).toBeInstanceOf(Linear);
    expect(model.length).toBe(2);
    // Its own keys are the fields, as before: no function name or length among them.
    expect(Object.keys(must(model[0]))).toEqual([
      'training',
      'inFeatures',
      'outFeatures',
      'weight',
      'bias',
    ]);
    tidy(() => {
      const x = tensor([[1, -2, 3]], { dtype: 'float32' });
      expect(Array.from(model(x).dataSync())).toEqual(Array.from(model.forward(x).dataSync()));
      const linear = must(model[0]);
      expect(Array.from(linear(x).dataSync())).toEqual(Array.from(linear.forward(x).dataSync()));
    });
    model.dispose();
  });

  it('takes the arguments of the class forward: a loss two, a layer one', () => {
    const loss = new CrossEntropyLoss();
    const conv = new Conv2d(1, 1, 1, { bias: false });
    conv.weight.assign(tensor([[[[2]]]], { dtype: 'float32' }));
    tidy(() => {
      const logits = tensor([[0, 0]], { dtype: 'float32' });
      const labels = tensor([1], { dtype: 'int32' });
      expect(loss(logits, labels).itemSync()).toBeCloseTo(Math.log(2), 6);
      expect(Array.from(conv(ones([1, 1, 1, 2])).dataSync())).toEqual([2, 2]);
      // @ts-expect-error: a loss takes an input and a target
      expect(() => loss(logits)).toThrow(StrideError);
      // @ts-expect-error: a layer takes one input
      conv(ones([1, 1, 1, 2]), ones([1]));
    });
    conv.dispose();
  });

  it('fires forward hooks, and a model calls its layers the same way', () => {
    class Net extends Module {
      readonly fc = new Linear(2, 2);
      forward(x: Tensor): Tensor {
        return this.fc(x).relu();
      }
    }
    const net = new Net();
    const seen: number[][] = [];
    net.fc.registerForwardHook((_m, inputs) => seen.push([...(inputs[0]?.shape ?? [])]));
    tidy(() => net(ones([3, 2])));
    expect(seen).toEqual([[3, 2]]);
    net.dispose();
  });

  it('lets a subclass have fields named name and length, which functions have', () => {
    class Named extends Module {
      // `override`: TypeScript gives every callable type the name and length of a function.
      override readonly name = 'stem';
      override readonly length = 7;
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const named = new Named();
    expect(named.name).toBe('stem');
    expect(named.length).toBe(7);
    expect(Object.keys(named)).toEqual(['training', 'name', 'length']);
  });

  it('names the class of a subclass without forward, however it is called', () => {
    // TypeScript requires forward; a JavaScript subclass may leave it out.
    const JsModule = Module as unknown as new () => object;
    class MyNet extends JsModule {
      readonly fc = new Linear(2, 2);
    }
    const net = new MyNet() as unknown as Module;
    const message = 'MyNet: has no forward method; define forward(...) in the subclass';
    tidy(() => {
      const x = ones([1, 2]);
      expect(errorOf(() => net(x))).toBe(message);
      expect(errorOf(() => net.forward(x))).toBe(message);
    });
    expect(errorOf(() => summary(net, [1, 2]))).toBe(message);
    net.dispose();
  });

  it('prints as a module tree in Node, not as a function, and has no function methods', () => {
    const model = new Sequential(new Linear(2, 2), new ReLU());
    const tree = [
      'Sequential(',
      '  (0): Linear(inFeatures=2, outFeatures=2, bias=true)',
      '  (1): ReLU()',
      ')',
    ].join('\n');
    expect(String(model)).toBe(tree);
    expect(inspect(model)).toBe(tree);
    expect(inspect({ model: new ReLU() })).toBe('{ model: ReLU() }');
    expect(model instanceof Function).toBe(false);
    expect((model as unknown as { call?: unknown }).call).toBeUndefined();
    expect((model as unknown as { bind?: unknown }).bind).toBeUndefined();
    // Messages show a module by its name, not as a function.
    expect(errorOf(() => new Linear(new ReLU() as never, 2))).toBe(
      'Linear: inFeatures must be an integer ≥ 1, got a ReLU',
    );
    model.dispose();
  });
});

describe('modules a field keeps in a container', () => {
  const messages = {
    object:
      'parameters: Net.heads is a plain object holding a Linear at heads.digit, and a plain object does not register its modules: parameters(), stateDict(), train() and to() would miss it; use a ModuleDict',
    map: "parameters: Net.heads is a Map holding a Linear at heads.get('digit'), and a Map does not register its modules: parameters(), stateDict(), train() and to() would miss it; use a ModuleDict",
    set: 'parameters: Net.heads is a Set holding a Linear at heads, and a Set does not register its modules: parameters(), stateDict(), train() and to() would miss it; use a ModuleList',
    mixed:
      'parameters: Net.heads is an array holding a Linear at heads[0], and an array registers its modules only when it holds modules and nothing else: parameters(), stateDict(), train() and to() would miss it; use a ModuleList',
    nested:
      'parameters: Net.heads is an array holding a Linear at heads[1][0], and an array registers its modules only when it holds modules and nothing else: parameters(), stateDict(), train() and to() would miss it; use a ModuleList',
  };

  /** A model whose field `heads` is `make(a Linear)`. */
  function withHeads(make: (m: Linear) => unknown): Module {
    class Net extends Module {
      readonly stem = new Linear(2, 2);
      readonly heads = make(new Linear(2, 3));
      forward(x: Tensor): Tensor {
        return this.stem(x);
      }
    }
    return new Net();
  }

  it('are an error that names the field, where the module is, and what to use', () => {
    expect(errorOf(() => withHeads((m) => ({ digit: m })).parameters())).toBe(messages.object);
    expect(errorOf(() => withHeads((m) => new Map([['digit', m]])).parameters())).toBe(
      messages.map,
    );
    expect(errorOf(() => withHeads((m) => new Set([m])).parameters())).toBe(messages.set);
    expect(errorOf(() => withHeads((m) => [m, null]).parameters())).toBe(messages.mixed);
    expect(errorOf(() => withHeads((m) => [[], [m]]).parameters())).toBe(messages.nested);
  });

  it('are found by every walk of the model, named after the method called', async () => {
    const model = withHeads((m) => ({ digit: m }));
    const rest = messages.object.slice('parameters: '.length);
    expect(errorOf(() => model.stateDict())).toBe(`stateDict: ${rest}`);
    expect(errorOf(() => model.loadStateDict({}))).toBe(`loadStateDict: ${rest}`);
    expect(errorOf(() => model.train())).toBe(`train: ${rest}`);
    expect(errorOf(() => model.eval())).toBe(`train: ${rest}`);
    expect(errorOf(() => model.namedModules())).toBe(`namedModules: ${rest}`);
    expect(errorOf(() => model.zeroGrad())).toBe(`zeroGrad: ${rest}`);
    expect(errorOf(() => model.requiresGrad_(false))).toBe(`requiresGrad_: ${rest}`);
    expect(errorOf(() => summary(model, [1, 2]))).toBe(`namedModules: ${rest}`);
    expect(await rejectionOf(model.to('cpu'))).toBe(`to: ${rest}`);
    expect(await rejectionOf(model.to('float64'))).toBe(`to: ${rest}`);
    // Printing the model still works: it shows what is registered.
    expect(model.toString().split('\n')).toEqual([
      'Net(',
      '  (stem): Linear(inFeatures=2, outFeatures=2, bias=true)',
      ')',
    ]);
  });

  it('are named by their path in a nested model', () => {
    const inner = withHeads((m) => ({ digit: m }));
    const model = new Sequential(new ReLU(), inner);
    expect(errorOf(() => model.parameters())).toBe(
      messages.object.replace('Net.heads', 'Sequential.1.heads'),
    );
  });

  it('are no error when the module is registered elsewhere in the model', () => {
    class Net extends Module {
      readonly fc = new Linear(2, 2);
      readonly inner = new Sequential(new Linear(2, 2));
      readonly byName = { fc: this.fc, deep: this.inner[0], values: [1, 2, 3] };
      forward(x: Tensor): Tensor {
        return this.fc(x);
      }
    }
    const net = new Net();
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      'fc.weight',
      'fc.bias',
      'inner.0.weight',
      'inner.0.bias',
    ]);
    net.dispose();
  });

  it('a parameter or buffer kept only in a container is an error too; a plain tensor is not', () => {
    class Params extends Module {
      readonly weights: Tensor[];
      readonly stats: { mean: Tensor };
      readonly scale: Tensor;
      readonly table: { scale: Tensor; constant: Tensor };
      constructor(hideWeights: boolean, hideStats: boolean) {
        super();
        const w = this.param(zeros([3, 3]));
        this.weights = hideWeights ? [w] : [];
        const mean = this.buffer(zeros([3]), 'running_mean');
        this.stats = hideStats ? { mean } : { mean: zeros([3]) };
        // A parameter that has a field of its own may be listed elsewhere as well.
        this.scale = this.param(ones([1]));
        this.table = { scale: this.scale, constant: zeros([1]) };
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(errorOf(() => new Params(true, false).parameters())).toBe(
      'parameters: Params.weights is an array holding the parameter [3,3] at weights[0], and an array does not register tensors: parameters(), stateDict() and to() would miss it; give each parameter a field of its own',
    );
    expect(errorOf(() => new Params(false, true).buffers())).toBe(
      'buffers: Params.stats is a plain object holding the buffer [3] at stats.mean, and a plain object does not register tensors: parameters(), stateDict() and to() would miss it; give each buffer a field of its own',
    );
    const fine = new Params(false, false);
    // The hidden parameter and buffer were made but never reachable: only scale is.
    expect(fine.namedParameters().map(([k]) => k)).toEqual(['scale']);
  });

  it('an array of modules and nothing else is registered as a list, as it always was', () => {
    const model = withHeads((m) => [m, new ReLU()]);
    expect(model.namedParameters().map(([k]) => k)).toEqual([
      'stem.weight',
      'stem.bias',
      'heads.0.weight',
      'heads.0.bias',
    ]);
    model.dispose();
  });
});

describe('requiresGrad_', () => {
  it('freezes and unfreezes every parameter, and returns the module', () => {
    const model = new Sequential(new Linear(2, 2), new BatchNorm1d(2));
    expect(model.requiresGrad_(false)).toBe(model);
    expect(model.parameters().map((p) => p.requiresGrad)).toEqual([false, false, false, false]);
    // A frozen model computes no gradient for its parameters.
    tidy(() => {
      const x = ones([3, 2], { requiresGrad: true });
      model(x).sum().backward();
      expect(x.grad).not.toBeNull();
    });
    expect(model.parameters().map((p) => p.grad)).toEqual([null, null, null, null]);
    // Freezing a part: the BatchNorm only.
    must(model[0]).requiresGrad_();
    expect(model.parameters().map((p) => p.requiresGrad)).toEqual([true, true, false, false]);
    expect(model.requiresGrad_()).toBe(model);
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
    // Buffers never require gradients.
    expect(model.buffers().some((b) => b.requiresGrad)).toBe(false);
    expect(errorOf(() => model.requiresGrad_(0 as never))).toBe(
      'requiresGrad_: requiresGrad must be a boolean, got 0',
    );
    model.dispose();
    expect(errorOf(() => model.requiresGrad_(false))).toBe(
      'requiresGrad_: this Sequential was disposed and holds no tensors',
    );
  });
});

describe('to(dtype)', () => {
  it('converts float parameters, buffers and gradients; integer buffers keep their dtype', async () => {
    const model = new Sequential(new Linear(2, 3), new BatchNorm1d(3));
    tidy(() =>
      model(ones([4, 2]))
        .sum()
        .backward(),
    );
    const old = model.parameters()[0] as Tensor;
    const values = Array.from(old.dataSync());
    const frozen = model.parameters()[3] as Tensor;
    frozen.requiresGrad = false;
    const before = memory().numTensors;
    const converted = model.to('float64');
    // Done when to() returns; the promise is for awaiting it like a move.
    expect(old.isDisposed).toBe(true);
    expect(await converted).toBe(model);
    expect(
      Object.fromEntries(
        tidy(() => Object.entries(model.stateDict()).map(([k, t]) => [k, t.dtype])),
      ),
    ).toEqual({
      '0.weight': 'float64',
      '0.bias': 'float64',
      '1.weight': 'float64',
      '1.bias': 'float64',
      '1.running_mean': 'float64',
      '1.running_var': 'float64',
      '1.num_batches_tracked': 'int32',
    });
    const weight = model.parameters()[0] as Tensor;
    expect(Array.from(weight.dataSync())).toEqual(values);
    expect(weight.requiresGrad).toBe(true);
    expect(weight.grad?.dtype).toBe('float64');
    expect((model.parameters()[3] as Tensor).requiresGrad).toBe(false);
    // One new tensor for each old one: nothing leaked.
    expect(memory().numTensors).toBe(before);
    tidy(() => {
      const y = model(ones([4, 2], { dtype: 'float64' }));
      expect(y.dtype).toBe('float64');
    });
    await model.to('float32');
    expect(model.parameters().every((p) => p.dtype === 'float32')).toBe(true);
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('converts nothing if one tensor cannot be, and refuses integer dtypes', async () => {
    registerBackend({ ...cpu(), name: 'cpu32', dtypes: ['float32', 'int32', 'bool'] });
    await initBackend('cpu32');
    const model = await new Linear(2, 2).to('cpu32');
    const weight = model.weight;
    expect(await rejectionOf(model.to('float64'))).toBe(
      "to: the 'cpu32' backend does not support float64",
    );
    expect(model.weight).toBe(weight);
    expect(weight.isDisposed).toBe(false);
    expect(memory().backends.cpu32?.numTensors).toBe(2);
    expect(await rejectionOf(model.to('int32'))).toBe(
      "to: dtype must be 'float32' or 'float64' (parameters are floating point), got 'int32'",
    );
    model.dispose();
  });
});
