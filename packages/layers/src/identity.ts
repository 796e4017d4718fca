/**
 * `Identity`: passes its input through, as PyTorch's `nn.Identity`, to stand where a layer is
 * optional (a shortcut without projection, a normalisation turned off).
 */
import { isTensor, type Tensor } from '@stride/core';
import { asCalledBy, fail, show } from './check.js';
import { Module } from './module.js';

/**
 * Returns its input unchanged, as PyTorch's `nn.Identity`: a placeholder for an optional layer, so
 * the model's forward need not branch. It takes any constructor arguments and ignores them, as
 * PyTorch's does, so that it can replace a layer class: `new (useNorm ? BatchNorm2d : Identity)(64)`.
 *
 * The output is a new handle on the input's data (no copy), so the caller may dispose input and
 * output apart, as with every other layer.
 *
 * @example
 * ```ts
 * const shortcut = stride === 1 ? new Identity() : new Conv2d(c, c, 1, { stride });
 * ```
 */
export class Identity extends Module {
  static override readonly typeName = 'Identity';

  /** Arguments are accepted and ignored, so `Identity` can stand in for any layer class. */
  constructor(..._args: unknown[]) {
    super();
  }

  /** `x`, as a new handle on the same data. */
  forward(x: Tensor): Tensor {
    if (!isTensor(x)) fail('Identity', `input must be a Tensor, got ${show(x)}`);
    return asCalledBy('Identity', () => x.reshape(x.shape));
  }
}
