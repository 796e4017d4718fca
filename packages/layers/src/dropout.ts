/** `Dropout`: zeroes inputs with probability p in training and passes them through in eval. */
import { dropout, type Tensor } from '@stride/core';
import { arg, probability } from './check.js';
import { Module } from './module.js';

/**
 * `dropout` as a module: in training, zeroes each element with probability `p` and scales the rest
 * by 1/(1-p); in evaluation, passes the input through.
 */
export class Dropout extends Module {
  static override readonly typeName = 'Dropout';

  /** The probability of zeroing each element, in [0, 1] (default 0.5). */
  readonly p: number;

  /** `p`: the probability of zeroing each element (default 0.5); survivors scale by 1/(1-p). */
  constructor(p = 0.5) {
    super();
    this.p = arg('Dropout', 'p', p, probability);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
