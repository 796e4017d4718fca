/**
 * `Sequential`: runs its modules one after another. Children are named '0', '1', ... so a
 * state dict reads `0.weight`, `1.running_mean`, as in PyTorch.
 */
import { isTensor, type Tensor, tidy } from '@stride/core';
import { fail, show } from './check.js';
import { Module } from './module.js';

/**
 * Runs its modules one after another. Children are named `'0'`, `'1'`, ..., so a state dict reads
 * `0.weight`, `1.running_mean` as in PyTorch; `seq[i]` is the i-th module.
 *
 * @example
 * ```ts
 * const model = new Sequential(
 *   new Conv2d(1, 8, 3, { padding: 1 }),
 *   new ReLU(),
 *   new MaxPool2d(2),
 *   new Flatten(),
 *   new Linear(8 * 14 * 14, 10),
 * );
 * model.forward(randn([4, 1, 28, 28])).shape;      // [4, 10]
 * Object.keys(model.stateDict());                  // ['0.weight', '0.bias', '4.weight', '4.bias']
 * ```
 */
export class Sequential extends Module {
  static override readonly typeName = 'Sequential';

  [index: number]: Module;
  #length = 0;

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.#add('Sequential', m);
  }

  /** The number of modules. */
  get length(): number {
    return this.#length;
  }

  /** Adds a module at the end. Returns `this`. */
  append(module: Module): this {
    return this.#add('Sequential.append', module);
  }

  #add(fn: string, module: Module): this {
    const i = this.#length;
    if (Array.isArray(module)) {
      // PyTorch's nn.Sequential takes modules as arguments too; a list is a common slip.
      fail(fn, `module ${i} is an array; pass the modules one by one: new Sequential(...modules)`);
    }
    if (!(module instanceof Module)) fail(fn, `module ${i} must be a Module, got ${show(module)}`);
    this[this.#length++] = module;
    return this;
  }

  /** The modules in order: `for (const m of seq)`. */
  *[Symbol.iterator](): IterableIterator<Module> {
    for (let i = 0; i < this.#length; i++) yield this[i] as Module;
  }

  /**
   * Feeds `x` through every module. Intermediate results are freed before returning (the
   * autograd graph keeps what backward needs), so only the output is left to dispose.
   */
  forward(x: Tensor): Tensor {
    if (!isTensor(x)) fail('Sequential', `input must be a Tensor, got ${show(x)}`);
    return tidy(() => {
      let y = x;
      for (let i = 0; i < this.#length; i++) y = (this[i] as Module).forward(y);
      // A new handle even for an empty Sequential, so that the caller may dispose x and y apart.
      return y === x ? x.reshape(x.shape) : y;
    });
  }
}
