/** Activation functions as modules, for use in `Sequential` and in model definitions. */
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
import { fail, finite } from './check.js';
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
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** `leakyRelu` as a module: `x` where positive, else `negativeSlope * x`. */
export class LeakyReLU extends Activation {
  /** The slope for negative inputs (default 0.01). */
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = finite('LeakyReLU', 'negativeSlope', negativeSlope);
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
  /** The scale of the negative branch (default 1). */
  readonly alpha: number;

  constructor(alpha = 1) {
    super();
    this.alpha = finite('ELU', 'alpha', alpha);
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
  /** `'none'` (exact, with erf; the default) or `'tanh'` (PyTorch's tanh approximation). */
  readonly approximate: 'none' | 'tanh';

  /** `approximate: 'tanh'` selects PyTorch's tanh approximation; the default is exact (erf). */
  constructor(options: GeluOptions = {}) {
    super();
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh') {
      fail('GELU', `approximate must be 'none' or 'tanh', got ${String(approximate)}`);
    }
    this.approximate = approximate;
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
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** `sigmoid` as a module: `1 / (1 + exp(-x))` element-wise. */
export class Sigmoid extends Activation {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `tanh` as a module: the hyperbolic tangent element-wise. */
export class Tanh extends Activation {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

function checkDim(fn: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    // PyTorch's implicit dim choice is deprecated there; here the dim is always explicit.
    fail(fn, `dim must be an integer (the axis to normalise over), got ${String(dim)}`);
  }
  return dim;
}

/** Softmax along `dim` (e.g. 1 for logits `[N, C]`). */
export class Softmax extends Activation {
  /** The axis the probabilities sum to 1 along (negative counts from the end). */
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim('Softmax', dim);
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
  /** The axis normalised over (negative counts from the end). */
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim('LogSoftmax', dim);
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  protected override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
