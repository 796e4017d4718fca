/**
 * `Sequential`: runs its modules one after another. Children are named '0', '1', ... so a
 * state dict reads `0.weight`, `1.running_mean`, as in PyTorch.
 */
import { type Tensor, tidy } from '@stride/core';
import { fail } from './check.js';
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
  [index: number]: Module;
  #length = 0;

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** The number of modules. */
  get length(): number {
    return this.#length;
  }

  /** Adds a module at the end. Returns `this`. */
  append(module: Module): this {
    if (!(module instanceof Module)) {
      fail('Sequential', `every entry must be a Module, got ${String(module)} at ${this.#length}`);
    }
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
    return tidy(() => {
      let y = x;
      for (let i = 0; i < this.#length; i++) y = (this[i] as Module).forward(y);
      // A new handle even for an empty Sequential, so that the caller may dispose x and y apart.
      return y === x ? x.reshape(x.shape) : y;
    });
  }
}
