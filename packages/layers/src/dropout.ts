/**
 * `Dropout`, and `Dropout1d/2d/3d` that drop whole channels: in training they zero with
 * probability p and scale the survivors by 1/(1-p); in evaluation they pass the input through.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { dropout, dropout1d, dropout2d, dropout3d, type Tensor } from '@stride/core';
import { arg, asCalledBy, noExtraArgs, probability } from './check.js';
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
    noExtraArgs('Dropout', arguments, ['p'], 1);
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

const CHANNEL_DROPOUT = { 1: dropout1d, 2: dropout2d, 3: dropout3d } as const;

abstract class ChannelDropout extends Module {
  /** The probability of zeroing each channel, in [0, 1] (default 0.5). */
  readonly p: number;

  constructor(
    private readonly n: 1 | 2 | 3,
    p: number,
  ) {
    super();
    this.p = arg(this.typeName, 'p', p, probability);
  }

  forward(x: Tensor): Tensor {
    return asCalledBy(this.typeName, () => CHANNEL_DROPOUT[this.n](x, this.p, this.training));
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * `dropout1d` as a module (`torch.nn.Dropout1d`): in training, zeroes each channel of
 * `[N, C, L]` (or `[C, L]`) whole with probability `p` and scales the others by 1/(1-p).
 */
export class Dropout1d extends ChannelDropout {
  static override readonly typeName = 'Dropout1d';

  /** `p`: the probability of zeroing each channel (default 0.5). */
  constructor(p = 0.5) {
    noExtraArgs('Dropout1d', arguments, ['p'], 1);
    super(1, p);
  }
}

/**
 * `dropout2d` as a module (`torch.nn.Dropout2d`): in training, zeroes whole `[H, W]` channels of
 * `[N, C, H, W]` with probability `p` (a 3-d input is refused, see `dropout2d`).
 *
 * @example
 * ```ts
 * const drop = new Dropout2d(0.2);
 * drop.forward(randn([8, 16, 7, 7]));   // about 20% of the 128 channels all zero
 * ```
 */
export class Dropout2d extends ChannelDropout {
  static override readonly typeName = 'Dropout2d';

  /** `p`: the probability of zeroing each channel (default 0.5). */
  constructor(p = 0.5) {
    noExtraArgs('Dropout2d', arguments, ['p'], 1);
    super(2, p);
  }
}

/**
 * `dropout3d` as a module (`torch.nn.Dropout3d`): in training, zeroes whole `[D, H, W]` channels
 * of `[N, C, D, H, W]` (or `[C, D, H, W]`) with probability `p`.
 */
export class Dropout3d extends ChannelDropout {
  static override readonly typeName = 'Dropout3d';

  /** `p`: the probability of zeroing each channel (default 0.5). */
  constructor(p = 0.5) {
    noExtraArgs('Dropout3d', arguments, ['p'], 1);
    super(3, p);
  }
}
