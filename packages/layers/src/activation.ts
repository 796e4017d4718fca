/** Activation functions as modules, for use in `Sequential` and in model definitions. */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import {
  elu,
  type GeluOptions,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  silu,
  softmax,
  type Tensor,
  tanh,
} from '@stride/core';
import { arg, checkOptions, noExtraArgs, option } from './check.js';
import { type LayerInfo, numel } from './layer-info.js';
import { Module } from './module.js';

/** Element-wise activations count one FLOP per output element. */
abstract class Activation extends Module {
  override layerInfo(_input: readonly number[], output: readonly number[]): LayerInfo {
    return { flops: numel(output) };
  }
}

/** `relu` as a module: `max(x, 0)` element-wise. */
export class ReLU extends Activation {
  static override readonly typeName = 'ReLU';

  constructor() {
    noExtraArgs('ReLU', arguments, [], 0);
    super();
  }

  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** `leakyRelu` as a module: `x` where positive, else `negativeSlope * x`. */
export class LeakyReLU extends Activation {
  static override readonly typeName = 'LeakyReLU';

  /** The slope for negative inputs (default 0.01). */
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    noExtraArgs('LeakyReLU', arguments, ['negativeSlope'], 1);
    super();
    this.negativeSlope = arg('LeakyReLU', 'negativeSlope', negativeSlope, option.number());
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  protected override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** `elu` as a module: `x` where positive, else `alpha * (exp(x) - 1)`. */
export class ELU extends Activation {
  static override readonly typeName = 'ELU';

  /** The scale of the negative branch (default 1). */
  readonly alpha: number;

  constructor(alpha = 1) {
    noExtraArgs('ELU', arguments, ['alpha'], 1);
    super();
    this.alpha = arg('ELU', 'alpha', alpha, option.number());
  }

  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  protected override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** `gelu` as a module: the Gaussian error linear unit, exact or tanh-approximated. */
export class GELU extends Activation {
  static override readonly typeName = 'GELU';

  /** `'none'` (exact, with erf; the default) or `'tanh'` (PyTorch's tanh approximation). */
  readonly approximate: 'none' | 'tanh';

  /** `approximate: 'tanh'` selects PyTorch's tanh approximation; the default is exact (erf). */
  constructor(options?: GeluOptions) {
    noExtraArgs('GELU', arguments, ['options']);
    super();
    const opts = checkOptions('GELU', options, { approximate: option.oneOf('none', 'tanh') });
    this.approximate = opts.approximate ?? 'none';
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  protected override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `silu` as a module: `x * sigmoid(x)`. */
export class SiLU extends Activation {
  static override readonly typeName = 'SiLU';

  constructor() {
    noExtraArgs('SiLU', arguments, [], 0);
    super();
  }

  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** `sigmoid` as a module: `1 / (1 + exp(-x))` element-wise. */
export class Sigmoid extends Activation {
  static override readonly typeName = 'Sigmoid';

  constructor() {
    noExtraArgs('Sigmoid', arguments, []);
    super();
  }

  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `tanh` as a module: the hyperbolic tangent element-wise. */
export class Tanh extends Activation {
  static override readonly typeName = 'Tanh';

  constructor() {
    noExtraArgs('Tanh', arguments, []);
    super();
  }

  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

// PyTorch's implicit dim choice is deprecated there; here the dim is always explicit.
const dimRule = option.custom<number>('an integer (the axis to normalise over)', (v) =>
  Number.isSafeInteger(v),
);

/** Softmax along `dim` (e.g. 1 for logits `[N, C]`). */
export class Softmax extends Activation {
  static override readonly typeName = 'Softmax';

  /** The axis the probabilities sum to 1 along (negative counts from the end). */
  readonly dim: number;

  constructor(dim: number) {
    noExtraArgs('Softmax', arguments, ['dim']);
    super();
    this.dim = arg('Softmax', 'dim', dim, dimRule);
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim`; pair it with `NLLLoss`. */
export class LogSoftmax extends Activation {
  static override readonly typeName = 'LogSoftmax';

  /** The axis normalised over (negative counts from the end). */
  readonly dim: number;

  constructor(dim: number) {
    noExtraArgs('LogSoftmax', arguments, ['dim']);
    super();
    this.dim = arg('LogSoftmax', 'dim', dim, dimRule);
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
