/** `Dropout`: zeroes inputs with probability p in training and passes them through in eval. */
import { dropout, type Tensor } from '@stride/core';
import { probability } from './check.js';
import { Module } from './module.js';

export class Dropout extends Module {
  readonly p: number;

  /** `p`: the probability of zeroing each element (default 0.5); survivors scale by 1/(1-p). */
  constructor(p = 0.5) {
    super();
    this.p = probability('Dropout', 'p', p);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
