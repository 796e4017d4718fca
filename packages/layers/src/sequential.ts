/**
 * `Sequential`: runs its modules one after another. Children are named '0', '1', ... so a
 * state dict reads `0.weight`, `1.running_mean`, as in PyTorch.
 */
import { isTensor, type Tensor, tidy } from '@stride/core';
import { fail, show } from './check.js';
import { fusesWithRelu } from './conv-relu.js';
import type { Module } from './module.js';
import { ModuleSequence } from './module-list.js';

/**
 * Runs its modules one after another. Children are named `'0'`, `'1'`, ..., so a state dict reads
 * `0.weight`, `1.running_mean` as in PyTorch; `seq[i]` is the i-th module. Like a `ModuleList`,
 * it has `length`, `at`, `append`, `extend`, `insert`, `pop` and iteration.
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
 * model(randn([4, 1, 28, 28])).shape;              // [4, 10]
 * Object.keys(model.stateDict());                  // ['0.weight', '0.bias', '4.weight', '4.bias']
 * ```
 */
export class Sequential extends ModuleSequence<Module> {
  static override readonly typeName = 'Sequential';

  /** The modules, in the order they run. */
  constructor(...modules: Module[]) {
    super();
    const i = modules.findIndex((m) => Array.isArray(m));
    if (i >= 0) {
      // PyTorch's nn.Sequential takes modules as arguments too; a list is a common slip.
      fail(
        'Sequential',
        `module ${i} is an array; pass the modules one by one: new Sequential(...modules)`,
      );
    }
    this.addAll('Sequential', modules);
  }

  /**
   * Feeds `x` through every module. Intermediate results are freed before returning (the
   * autograd graph keeps what backward needs), so only the output is left to dispose.
   */
  forward(x: Tensor): Tensor {
    if (!isTensor(x)) fail('Sequential', `input must be a Tensor, got ${show(x)}`);
    return tidy(() => {
      let y = x;
      const modules = [...this];
      for (let i = 0; i < modules.length; i++) {
        const m = modules[i] as Module;
        // A convolution and the ReLU after it run as one fused op (see conv-relu.ts).
        if (fusesWithRelu(m, modules[i + 1])) {
          y = m.forwardRelu(y);
          i++;
        } else y = m(y);
      }
      // A new handle even for an empty Sequential, so that the caller may dispose x and y apart.
      return y === x ? x.reshape(x.shape) : y;
    });
  }
}
