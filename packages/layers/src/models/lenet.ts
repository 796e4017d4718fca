/**
 * LeNet-5 for 28×28 digits: conv 5×5 → 6 (padding 2) → ReLU → max pool 2 → conv 5×5 → 16 →
 * ReLU → max pool 2 → flatten → 120 → 84 → classes. 61,706 parameters for one input channel and
 * ten classes. The learnable layers are named as in the usual PyTorch definition (`conv1`,
 * `conv2`, `fc1`, `fc2`, `fc3`), so checkpoints map onto it one to one.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { isTensor, type Tensor, tidy } from '@stride/core';
import { ReLU, Tanh } from '../activation.js';
import {
  checkOptions,
  factoryRules,
  fail,
  modelError,
  noExtraArgs,
  option,
  positiveInt,
  show,
} from '../check.js';
import { Conv2d } from '../conv.js';
import { convThenActivation } from '../conv-relu.js';
import { Flatten } from '../flatten.js';
import type { FactoryOptions } from '../init.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { AvgPool2d, MaxPool2d } from '../pooling.js';

/** Options of `LeNet5`. */
export interface LeNet5Options extends FactoryOptions {
  /** Image channels (default 1). */
  inChannels?: number;
  /** Output classes (default 10). */
  numClasses?: number;
  /**
   * `'modern'` (default): ReLU and max pooling. `'classic'`: tanh and average pooling, as in
   * LeCun et al. (1998). Both have the same parameters.
   */
  variant?: 'modern' | 'classic';
}

/**
 * LeNet-5 for 28×28 images: two convolution blocks and three fully connected layers, with the
 * learnable layers named as in the usual PyTorch definition (`conv1`, `conv2`, `fc1`, `fc2`,
 * `fc3`). 61,706 parameters for one channel and ten classes.
 */
export class LeNet5 extends Module {
  static override readonly typeName = 'LeNet5';

  /** 5×5 convolution to 6 channels, padding 2 (28×28 stays 28×28). */
  readonly conv1: Conv2d;
  /** ReLU, or Tanh in the classic variant. */
  readonly act1: Module;
  /** 2×2 max pooling, or average pooling in the classic variant (to 14×14). */
  readonly pool1: Module;
  /** 5×5 convolution to 16 channels, no padding (to 10×10). */
  readonly conv2: Conv2d;
  /** ReLU, or Tanh in the classic variant. */
  readonly act2: Module;
  /** 2×2 max pooling, or average pooling in the classic variant (to 5×5). */
  readonly pool2: Module;
  /** Flattens `[N, 16, 5, 5]` to `[N, 400]`. */
  readonly flatten: Flatten;
  /** Fully connected, 400 → 120. */
  readonly fc1: Linear;
  /** ReLU, or Tanh in the classic variant. */
  readonly act3: Module;
  /** Fully connected, 120 → 84. */
  readonly fc2: Linear;
  /** ReLU, or Tanh in the classic variant. */
  readonly act4: Module;
  /** Fully connected, 84 → `numClasses` (the logits). */
  readonly fc3: Linear;

  constructor(options?: LeNet5Options) {
    noExtraArgs('LeNet5', arguments, ['options']);
    super();
    const fn = 'LeNet5';
    const opts = checkOptions(fn, options, {
      inChannels: positiveInt,
      numClasses: positiveInt,
      variant: option.oneOf('modern', 'classic'),
      ...factoryRules(),
    });
    const inChannels = opts.inChannels ?? 1;
    const numClasses = opts.numClasses ?? 10;
    const variant = opts.variant ?? 'modern';
    const factory = { dtype: opts.dtype, device: opts.device };
    const act = (): Module => (variant === 'classic' ? new Tanh() : new ReLU());
    const pool = (): Module => (variant === 'classic' ? new AvgPool2d(2) : new MaxPool2d(2));
    try {
      this.conv1 = new Conv2d(inChannels, 6, 5, { padding: 2, ...factory });
      this.act1 = act();
      this.pool1 = pool();
      this.conv2 = new Conv2d(6, 16, 5, factory);
      this.act2 = act();
      this.pool2 = pool();
      this.flatten = new Flatten();
      this.fc1 = new Linear(16 * 5 * 5, 120, factory);
      this.act3 = act();
      this.fc2 = new Linear(120, 84, factory);
      this.act4 = act();
      this.fc3 = new Linear(84, numClasses, factory);
    } catch (e) {
      // A layer too large for one tensor (`numClasses: 1e10`): the layers made before it are freed.
      this.dispose();
      throw modelError(fn, e);
    }
  }

  /** Images `[N, inChannels, 28, 28]` to logits `[N, numClasses]`. */
  forward(x: Tensor): Tensor {
    if (!isTensor(x) || x.rank !== 4 || x.shape[2] !== 28 || x.shape[3] !== 28) {
      const got = isTensor(x) ? `input [${x.shape.join(',')}]` : show(x);
      fail('LeNet5', `expected images [N, ${this.conv1.inChannels}, 28, 28], got ${got}`);
    }
    return tidy(() => {
      let y = this.pool1.forward(convThenActivation(this.conv1, this.act1, x));
      y = this.pool2.forward(convThenActivation(this.conv2, this.act2, y));
      y = this.act3.forward(this.fc1.forward(this.flatten.forward(y)));
      return this.fc3.forward(this.act4.forward(this.fc2.forward(y)));
    });
  }
}
