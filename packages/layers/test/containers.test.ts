/** ModuleList, ModuleDict and Identity: registration, PyTorch's state-dict names, the methods. */
import { ones, type Tensor, tensor, tidy } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Identity,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  ReLU,
  Sequential,
} from '../src/index.js';
import { errorOf, useCpu } from './setup.js';

beforeAll(useCpu);

/** The model of PyTorch's state-dict names below, field for field. */
class Net extends Module {
  readonly stem = new Conv2d(1, 2, 3);
  readonly layers = new ModuleList([new Linear(2, 3), new ReLU(), new BatchNorm1d(3)]);
  readonly blocks = new ModuleDict({ conv: new Conv2d(2, 2, 1), norm: new BatchNorm2d(2) });
  readonly skip = new Identity();
  forward(x: Tensor): Tensor {
    return this.skip(this.blocks.get('norm')(this.blocks.get('conv')(this.stem(x))));
  }
}

const names = (m: Module): string[] => tidy(() => Object.keys(m.stateDict()));

describe('state-dict names', () => {
  it("are PyTorch's for the same model (nn.ModuleList, nn.ModuleDict, nn.Identity)", () => {
    const net = new Net();
    // Printed by PyTorch 1.13 for the same fields: list(net.state_dict().keys()).
    expect(names(net)).toEqual([
      'stem.weight',
      'stem.bias',
      'layers.0.weight',
      'layers.0.bias',
      'layers.2.weight',
      'layers.2.bias',
      'layers.2.running_mean',
      'layers.2.running_var',
      'layers.2.num_batches_tracked',
      'blocks.conv.weight',
      'blocks.conv.bias',
      'blocks.norm.weight',
      'blocks.norm.bias',
      'blocks.norm.running_mean',
      'blocks.norm.running_var',
      'blocks.norm.num_batches_tracked',
    ]);
    expect(net.toString()).toBe(
      [
        'Net(',
        '  (stem): Conv2d(1, 2, kernelSize=[3,3])',
        '  (layers): ModuleList(',
        '    (0): Linear(inFeatures=2, outFeatures=3, bias=true)',
        '    (1): ReLU()',
        '    (2): BatchNorm1d(3, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
        '  )',
        '  (blocks): ModuleDict(',
        '    (conv): Conv2d(2, 2, kernelSize=[1,1])',
        '    (norm): BatchNorm2d(2, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
        '  )',
        '  (skip): Identity()',
        ')',
      ].join('\n'),
    );
    // train(), the parameters and dispose reach the modules inside.
    net.eval();
    expect(net.blocks.get('norm').training).toBe(false);
    expect(net.layers[2]?.training).toBe(false);
    expect(net.numParameters()).toBe(20 + 9 + 6 + 6 + 4);
    const copy = new Net().eval();
    tidy(() => copy.loadStateDict(net.stateDict()));
    tidy(() => {
      const x = ones([1, 1, 4, 4]);
      expect(Array.from(copy(x).dataSync())).toEqual(Array.from(net(x).dataSync()));
    });
    net.dispose();
    copy.dispose();
  });
});

describe('ModuleList', () => {
  it('appends, extends, inserts and pops as a Python list, renaming the children', () => {
    const [a, b, c, d] = [new ReLU(), new Linear(1, 1), new Linear(1, 2), new Linear(1, 3)];
    const list = new ModuleList<Module>([a]);
    expect(list.append(b)).toBe(list);
    expect(list.extend([c])).toBe(list);
    expect(list.length).toBe(3);
    expect(list.insert(-1, d)).toBe(list); // before the last, as list.insert(-1, x)
    expect([...list]).toEqual([a, b, d, c]);
    expect(names(list)).toEqual(['1.weight', '1.bias', '2.weight', '2.bias', '3.weight', '3.bias']);
    expect(list.at(-1)).toBe(c);
    expect(list.at(4)).toBeUndefined();
    expect(list[2]).toBe(d);
    list.insert(100, a).insert(-100, c);
    expect([...list]).toEqual([c, a, b, d, c, a]);
    expect(list.pop()).toBe(a);
    expect(list.pop(0)).toBe(c);
    expect(list.pop(-2)).toBe(d);
    expect([...list]).toEqual([a, b, c]);
    expect(list.length).toBe(3);
    expect(list[3]).toBeUndefined();
    expect(names(list)).toEqual(['1.weight', '1.bias', '2.weight', '2.bias']);
    list.dispose();
  });

  it('types its elements', () => {
    const list = new ModuleList([new Linear(2, 2), new Linear(2, 2)]);
    const first: Linear | undefined = list[0];
    expect(first?.inFeatures).toBe(2);
    list.dispose();
  });

  it('refuses what is not a module, before changing anything, and has no forward', () => {
    const list = new ModuleList([new ReLU()]);
    expect(errorOf(() => new ModuleList(new ReLU() as never))).toBe(
      'ModuleList: modules must be an array (or another iterable) of modules, got a ReLU',
    );
    expect(errorOf(() => new ModuleList(3 as never))).toBe(
      'ModuleList: modules must be an array (or another iterable) of modules, got 3',
    );
    expect(errorOf(() => new ModuleList([new ReLU(), 'relu'] as never))).toBe(
      "ModuleList: module 1 must be a Module, got 'relu'",
    );
    expect(errorOf(() => list.append({} as never))).toBe(
      'ModuleList.append: module 1 must be a Module, got an object',
    );
    expect(errorOf(() => list.extend([new ReLU(), null] as never))).toBe(
      'ModuleList.extend: module 2 must be a Module, got null',
    );
    expect(list.length).toBe(1);
    expect(errorOf(() => list.insert(0.5, new ReLU()))).toBe(
      'ModuleList.insert: index must be an integer, got 0.5',
    );
    expect(errorOf(() => list.pop(1))).toBe('ModuleList.pop: index 1 is out of range for 1 module');
    list.pop();
    expect(errorOf(() => list.pop())).toBe('ModuleList.pop: the ModuleList is empty');
    expect(errorOf(() => (list as unknown as (x: Tensor) => Tensor)(ones([1])))).toBe(
      "ModuleList: a ModuleList has no forward; call its modules from the model's forward (for (const layer of this.layers) x = layer(x)), or use a Sequential",
    );
  });

  it('gives Sequential the same methods', () => {
    const seq = new Sequential(new Linear(1, 1));
    seq.insert(0, new ReLU()).extend([new ReLU()]);
    expect(seq.length).toBe(3);
    expect(names(seq)).toEqual(['1.weight', '1.bias']);
    expect(seq.pop()).toBeInstanceOf(ReLU);
    expect(errorOf(() => seq.extend([3] as never))).toBe(
      'Sequential.extend: module 2 must be a Module, got 3',
    );
    seq.dispose();
  });
});

describe('ModuleDict', () => {
  it('keeps insertion order, and the methods of a Map', () => {
    const [a, b, c] = [new Linear(1, 1), new ReLU(), new Linear(1, 2)];
    const dict = new ModuleDict(
      new Map<string, Module>([
        ['b', a],
        ['1', b],
      ]),
    );
    expect(dict.set('a', c)).toBe(dict);
    expect(dict.size).toBe(3);
    // Insertion order, even for an integer-like name, as PyTorch's (an object would list '1' first).
    expect(dict.keys()).toEqual(['b', '1', 'a']);
    expect(dict.values()).toEqual([a, b, c]);
    expect(dict.entries()).toEqual([
      ['b', a],
      ['1', b],
      ['a', c],
    ]);
    expect([...dict]).toEqual(dict.entries());
    expect(names(dict)).toEqual(['b.weight', 'b.bias', 'a.weight', 'a.bias']);
    expect(dict.get('1')).toBe(b);
    expect(dict.has('a')).toBe(true);
    // Replacing keeps the place, as in a Map.
    dict.set('b', b);
    expect(dict.keys()).toEqual(['b', '1', 'a']);
    expect(dict.delete('b')).toBe(true);
    expect(dict.delete('b')).toBe(false);
    expect(dict.has('b')).toBe(false);
    expect(names(dict)).toEqual(['a.weight', 'a.bias']);
    expect(new ModuleDict([['x', new ReLU()]]).keys()).toEqual(['x']);
    dict.dispose();
    a.dispose();
  });

  it("gives each module as a property too, as PyTorch's blocks['conv'], registered once", () => {
    const [conv, act, other] = [new Conv2d(1, 2, 3), new ReLU(), new Conv2d(1, 3, 1)];
    // As JavaScript sees it: TypeScript types get(), not these properties.
    const dict = new ModuleDict({ conv, act }) as unknown as ModuleDict & Record<string, unknown>;
    expect(dict.conv).toBe(conv);
    const name = 'act';
    expect(dict[name]).toBe(act);
    expect(dict.norm).toBeUndefined();
    // Not fields of the dict: registered once, under their names, in order.
    expect(Object.keys(dict)).toEqual(['training']);
    expect(names(dict)).toEqual(['conv.weight', 'conv.bias']);
    expect(dict.namedChildren()).toEqual([
      ['conv', conv],
      ['act', act],
    ]);
    // A name added later is a property too; assigning to one is set(), checks included.
    dict.set('extra', other);
    expect(dict.extra).toBe(other);
    dict.extra = act;
    expect(dict.get('extra')).toBe(act);
    expect(dict.keys()).toEqual(['conv', 'act', 'extra']);
    expect(errorOf(() => (dict.conv = 3))).toBe("ModuleDict.set: 'conv' must be a Module, got 3");
    expect(dict.conv).toBe(conv);
    // Deleting a name removes its property.
    dict.delete('extra');
    expect(dict.extra).toBeUndefined();
    expect(Object.hasOwn(dict, 'extra')).toBe(false);
    dict.dispose();
    other.dispose();
  });

  it('keeps its own members when a name collides with one; get() reaches the module', async () => {
    const [keys, training, then] = [new Linear(1, 1), new ReLU(), new ReLU()];
    const dict = new ModuleDict({ keys, training, then }) as unknown as ModuleDict &
      Record<string, unknown>;
    expect(dict.keys()).toEqual(['keys', 'training', 'then']);
    expect(dict.training).toBe(true);
    expect(dict.get('keys')).toBe(keys);
    expect(dict.get('training')).toBe(training);
    // `then` would make the dict look like a promise: await gives the dict itself.
    expect(dict.then).toBeUndefined();
    expect(await dict.to('cpu')).toBe(dict);
    expect(names(dict)).toEqual(['keys.weight', 'keys.bias']);
    expect(dict.eval().get('training').training).toBe(false);
    dict.dispose();
  });

  it('types get from the object it was built from', () => {
    const dict = new ModuleDict({ conv: new Conv2d(1, 2, 3), act: new ReLU() });
    const conv: Conv2d = dict.get('conv');
    expect(conv.outChannels).toBe(2);
    // @ts-expect-error: no module of that name
    expect(() => dict.get('norm')).toThrow("no module named 'norm'");
    dict.dispose();
  });

  it('refuses bad names and values, names what it has, and has no forward', () => {
    const dict = new ModuleDict({ conv: new Conv2d(1, 2, 3) });
    expect(errorOf(() => dict.get('norm' as never))).toBe(
      "ModuleDict.get: no module named 'norm'; the names are 'conv'",
    );
    expect(errorOf(() => new ModuleDict().get('x' as never))).toBe(
      "ModuleDict.get: no module named 'x'; the ModuleDict is empty",
    );
    expect(errorOf(() => (dict as unknown as ModuleDict).set('a.b', new ReLU()))).toBe(
      "ModuleDict.set: a name must be a non-empty string without dots, got 'a.b'",
    );
    expect(errorOf(() => new ModuleDict({ '': new ReLU() }))).toBe(
      "ModuleDict: a name must be a non-empty string without dots, got ''",
    );
    expect(errorOf(() => new ModuleDict({ relu: 'relu' } as never))).toBe(
      "ModuleDict: 'relu' must be a Module, got 'relu'",
    );
    expect(errorOf(() => new ModuleDict([['relu']] as never))).toBe(
      "ModuleDict: modules must be [name, module] pairs, got ['relu']",
    );
    expect(errorOf(() => new ModuleDict(new ReLU() as never))).toBe(
      'ModuleDict: modules must be an object of modules by name, a Map or [name, module] pairs, got a ReLU',
    );
    expect(dict.keys()).toEqual(['conv']);
    expect(errorOf(() => (dict as unknown as (x: Tensor) => Tensor)(ones([1])))).toBe(
      "ModuleDict: a ModuleDict has no forward; call its modules from the model's forward (this.blocks.get('conv')(x))",
    );
    dict.dispose();
  });
});

describe('Identity', () => {
  it('returns its input as a new handle, and ignores constructor arguments', () => {
    const identity = new Identity(54, { unused: 0.1 });
    const x = tensor([1, 2, 3], { dtype: 'float32' });
    const y = identity(x);
    expect(y).not.toBe(x);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(identity.parameters()).toEqual([]);
    expect(errorOf(() => identity(3 as never))).toBe('Identity: input must be a Tensor, got 3');
    const gone = tensor([1], { dtype: 'float32' });
    gone.dispose();
    expect(errorOf(() => identity(gone))).toMatch(/^Identity: /);
  });

  it('passes gradients through', () => {
    tidy(() => {
      const x = ones([2], { requiresGrad: true });
      new Identity()(x).mul(3).sum().backward();
      expect(Array.from(x.grad?.dataSync() ?? [])).toEqual([3, 3]);
    });
  });
});
