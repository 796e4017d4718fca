/** `Flatten`: merges dims `startDim..endDim` (by default all but the batch dim). */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { flatten, type Tensor } from '@stride/core';
import { arg, noExtraArgs, option } from './check.js';
import { Module } from './module.js';

/**
 * Merges dims `startDim..endDim` (inclusive) into one: by default all but the batch dim, so
 * `[N, C, H, W]` becomes `[N, C·H·W]`.
 */
export class Flatten extends Module {
  static override readonly typeName = 'Flatten';

  /**
   * @param startDim The first dim merged (default 1; negative counts from the end).
   * @param endDim The last dim merged (default -1, the last).
   */
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    noExtraArgs('Flatten', arguments, ['startDim', 'endDim']);
    super();
    arg('Flatten', 'startDim', startDim, option.integer());
    arg('Flatten', 'endDim', endDim, option.integer());
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  protected override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
