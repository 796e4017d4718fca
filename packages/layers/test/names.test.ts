/**
 * Layers print a stable name of their own (`Module.typeName`), not `constructor.name`, which
 * minifiers rename: a bundled app would print `ie(1, 6, kernelSize=[5,5])` otherwise.
 */
import { type Tensor, tidy, zeros } from '@stride/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../src/index.js';
import { BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential, summary } from '../src/index.js';
import { errorOf, useCpu } from './setup.js';

beforeAll(useCpu);

type ModuleClass = typeof Module & { readonly name: string };

/** Every exported class that extends Module. */
const exported = Object.entries(layers).filter(
  (entry): entry is [string, ModuleClass] =>
    typeof entry[1] === 'function' && entry[1].prototype instanceof Module,
);

/** Renames a class as a minifier would, until the end of the test. */
const restore: (() => void)[] = [];
function mangle(cls: ModuleClass, name: string): void {
  const original = Object.getOwnPropertyDescriptor(cls, 'name') as PropertyDescriptor;
  Object.defineProperty(cls, 'name', { value: name, configurable: true });
  restore.push(() => Object.defineProperty(cls, 'name', original));
}
afterEach(() => {
  for (const undo of restore.splice(0)) undo();
});

describe('typeName', () => {
  it('every exported layer, loss and model declares its own, equal to its export name', () => {
    expect(exported.length).toBe(58);
    for (const [name, cls] of exported) {
      expect(Object.hasOwn(cls, 'typeName'), name).toBe(true);
      expect(cls.typeName).toBe(name);
    }
  });

  it('toString, summary and errors use it, whatever the class is called at run time', () => {
    for (const [, cls] of exported) mangle(cls, 'ie');
    const model = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU());
    expect(model.constructor.name).toBe('ie');
    expect(model.toString()).toBe(
      [
        'Sequential(',
        '  (0): Conv2d(1, 2, kernelSize=[3,3])',
        '  (1): BatchNorm2d(2, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
        '  (2): ReLU()',
        ')',
      ].join('\n'),
    );
    expect(summary(model, [1, 1, 5, 5]).rows.map((r) => r.type)).toEqual([
      'Conv2d',
      'BatchNorm2d',
      'ReLU',
    ]);
    expect(errorOf(() => new BatchNorm2d(0))).toBe(
      'BatchNorm2d: numFeatures must be an integer ≥ 1, got 0',
    );
    expect(errorOf(() => model.loadStateDict({}))).toMatch(
      /^loadStateDict: cannot load into Sequential: missing keys 0\.weight/,
    );
    model.dispose();
  });

  it('a subclass is shown by its own class name, an anonymous one by its parent', () => {
    class Sub extends Conv2d {}
    const sub = new Sub(1, 1, 3);
    expect(sub.toString()).toBe('Sub(1, 1, kernelSize=[3,3])');
    const Anonymous = (() => class extends Linear {})();
    const anonymous = new Anonymous(2, 3);
    expect(Anonymous.name).toBe('');
    expect(anonymous.toString()).toBe('Linear(inFeatures=2, outFeatures=3, bias=true)');
    sub.dispose();
    anonymous.dispose();
  });

  it('a class of ones own can set it to survive minification', () => {
    class Block extends Module {
      static override readonly typeName = 'Block';
      readonly fc = new Linear(2, 2);
      forward(x: Tensor): Tensor {
        return this.fc.forward(x);
      }
    }
    mangle(Block as unknown as ModuleClass, 'a');
    const block = new Block();
    expect(block.typeName).toBe('Block');
    expect(block.toString().split('\n')[0]).toBe('Block(');
    tidy(() => {
      const rows = summary(block, [1, 2]).rows;
      expect(rows.map((r) => [r.name, r.type])).toEqual([['fc', 'Linear']]);
    });
    tidy(() => {
      const state = { 'fc.weight': zeros([3, 3]), 'fc.bias': zeros([2]) };
      expect(errorOf(() => block.loadStateDict(state))).toBe(
        'loadStateDict: cannot load into Block: fc.weight has shape [3,3] in the state dict but [2,2] in the model',
      );
    });
    block.dispose();
  });
});
