/** `Flatten`: merges dims `startDim..endDim` (by default all but the batch dim). */
import { flatten, type Tensor } from '@stride/core';
import { fail } from './check.js';
import { Module } from './module.js';

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) {
      fail('Flatten', `startDim and endDim must be integers, got ${startDim} and ${endDim}`);
    }
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  protected override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
