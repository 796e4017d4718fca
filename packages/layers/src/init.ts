/**
 * Initialisers, like `torch.nn.init`. Each takes a target: a shape, for a new tensor (without
 * gradient history; `dtype` and `device` options say where), or a tensor, a parameter usually,
 * whose numbers it replaces in place through `assign` (the one in-place update of core, as
 * optimizers use) and which it returns, as PyTorch's `nn.init.*_` functions do. Samples come from
 * core's global generator, drawn on the target's device, so `manualSeed` makes them reproducible
 * on every backend alike, and nothing is read back to the host (a GPU cannot read
 * synchronously).
 *
 * PyTorch's default initialisation of convolution and linear layers (their `reset_parameters`)
 * is `kaimingUniform(w, √5)`, which works out to U(-1/√fanIn, 1/√fanIn), and `biasUniform`.
 */
import {
  add,
  arange,
  cast,
  clamp,
  concat,
  type DType,
  div,
  eq,
  erf,
  exp,
  eye,
  full,
  ge,
  gt,
  isTensor,
  log,
  lt,
  matmul,
  mul,
  neg,
  noGrad,
  rand,
  randn,
  reshape,
  slice,
  sqrt,
  square,
  sub,
  sum,
  type Tensor,
  tensor,
  tidy,
  transpose,
  where,
} from '@stride/core';
import { arg, asCalledBy, checkOptions, factoryRules, fail, option, show } from './check.js';

/** Where a layer creates its parameters: their dtype and backend. */
export interface FactoryOptions {
  /** Parameter dtype: `'float32'` (default) or `'float64'`. */
  dtype?: DType;
  /** Backend name; defaults to the active backend. */
  device?: string;
}

/**
 * What an initialiser fills: a shape, for a new tensor, or a float tensor, filled in place and
 * returned.
 */
export type InitTarget = readonly number[] | Tensor;

/** The activations `calculateGain` knows, named as Stride's functions and layers are. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu';

/** Options of `kaimingUniform` and `kaimingNormal`. */
export interface KaimingOptions extends FactoryOptions {
  /**
   * `'fanIn'` (default) keeps the variance of the forward pass, `'fanOut'` that of the backward
   * pass.
   */
  mode?: 'fanIn' | 'fanOut';
  /** The activation that follows, for `calculateGain` (default `'leakyRelu'`, with slope `a`). */
  nonlinearity?: Nonlinearity;
}

const shapeRule = option.arrayOf(option.integer({ min: 0 }));

/** A weight's shape: at least 2 dims, `[out, in, ...kernel]`, as PyTorch requires for fans. */
const weightShape = option.custom<readonly number[]>(
  'an array of at least 2 integers ≥ 0 ([out, in, ...kernel])',
  (v) => shapeRule.test(v) && (v as unknown[]).length >= 2,
);

const NONLINEARITIES: readonly Nonlinearity[] = [
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'convTranspose1d',
  'convTranspose2d',
  'convTranspose3d',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'selu',
];

const kaimingRules = () => ({
  ...factoryRules(),
  mode: option.oneOf('fanIn', 'fanOut'),
  nonlinearity: option.oneOf(...NONLINEARITIES),
});

/** Input connections per output unit of a weight `[out, in, ...kernel]` (`in` already / groups). */
export function fanIn(shape: readonly number[]): number {
  arg('fanIn', 'shape', shape, weightShape);
  return shape.slice(1).reduce((n, d) => n * d, 1);
}

/** Output connections per input unit of a weight `[out, in, ...kernel]`: out · kernel size. */
export function fanOut(shape: readonly number[]): number {
  arg('fanOut', 'shape', shape, weightShape);
  return shape.reduce((n, d, i) => (i === 1 ? n : n * d), 1);
}

/**
 * The gain PyTorch recommends for an activation (`torch.nn.init.calculate_gain`): 1 for
 * `'linear'`, the convolutions and `'sigmoid'`, 5/3 for `'tanh'`, √2 for `'relu'`,
 * √(2 / (1 + slope²)) for `'leakyRelu'` (`param` is the slope, default 0.01) and 3/4 for
 * `'selu'`.
 *
 * @example
 * ```ts
 * calculateGain('relu');            // 1.4142…
 * calculateGain('leakyRelu', 0.2);  // 1.3867…
 * calculateGain('tanh');            // 1.6666…
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const fn = 'calculateGain';
  arg(fn, 'nonlinearity', nonlinearity, option.oneOf(...NONLINEARITIES));
  if (param !== undefined) arg(fn, 'param', param, option.number());
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return 1;
  }
}

/** The target's shape, after checking it (`weight`: at least 2 dims, for fans). */
function targetShape(fn: string, target: unknown, weight: boolean): readonly number[] {
  if (isTensor(target)) {
    if (target.isDisposed) fail(fn, `tensor ${show(target.shape)} was disposed`);
    if (target.dtype !== 'float32' && target.dtype !== 'float64') {
      fail(fn, `tensor must be float32 or float64, got ${target.dtype}`);
    }
    if (weight && target.rank < 2) {
      fail(
        fn,
        `tensor must have at least 2 dims ([out, in, ...kernel]) to have fans, got ${show(target)}`,
      );
    }
    return target.shape;
  }
  if (!Array.isArray(target)) fail(fn, `target must be a shape or a tensor, got ${show(target)}`);
  return arg(fn, 'shape', target, weight ? weightShape : shapeRule);
}

/**
 * Fills `target` with what `draw` makes for its shape, dtype and device (see the file's comment),
 * without gradient history. `options` has been checked; its `dtype` and `device` only go with a
 * shape.
 */
function fill(
  fn: string,
  target: InitTarget,
  options: FactoryOptions,
  draw: (shape: readonly number[], dtype: DType, device: string | undefined) => Tensor,
): Tensor {
  if (!isTensor(target)) {
    return asCalledBy(fn, () =>
      tidy(() => noGrad(() => draw(target, options.dtype ?? 'float32', options.device))),
    );
  }
  for (const key of ['dtype', 'device'] as const) {
    if (options[key] !== undefined) {
      fail(
        fn,
        `option '${key}' goes with a shape; a tensor keeps its own (tensor ${show(target.shape)} ${target.dtype} on '${target.device}')`,
      );
    }
  }
  if (target.size === 0) return target;
  asCalledBy(fn, () =>
    tidy(() => {
      target.assign(noGrad(() => draw(target.shape, target.dtype, target.device)));
    }),
  );
  return target;
}

/** Samples of U(low, high) on the device. */
function uniformSamples(
  shape: readonly number[],
  low: number,
  high: number,
  dtype: DType,
  device: string | undefined,
): Tensor {
  return add(mul(rand(shape, { dtype, device }), high - low), low);
}

/** Samples of N(mean, std²) on the device. */
function normalSamples(
  shape: readonly number[],
  mean: number,
  std: number,
  dtype: DType,
  device: string | undefined,
): Tensor {
  return add(mul(randn(shape, { dtype, device }), std), mean);
}

/**
 * U(low, high) (the upper bound excluded), like `torch.nn.init.uniform_` (default U(0, 1)).
 *
 * @example
 * ```ts
 * uniform([3, 4], -0.1, 0.1).shape;                      // [3, 4], a new tensor
 * const layer = new Linear(4, 3);
 * uniform(layer.weight, -0.1, 0.1);                      // fills the parameter in place
 * ```
 */
export function uniform(target: InitTarget, low = 0, high = 1, options?: FactoryOptions): Tensor {
  const fn = 'uniform';
  targetShape(fn, target, false);
  arg(fn, 'low', low, option.number());
  arg(fn, 'high', high, option.number());
  if (low > high) fail(fn, `low must not exceed high, got low ${low} and high ${high}`);
  const opts = checkOptions(fn, options, factoryRules());
  return fill(fn, target, opts, (s, dtype, device) => uniformSamples(s, low, high, dtype, device));
}

/**
 * N(mean, std²), like `torch.nn.init.normal_` (default N(0, 1)).
 *
 * @example
 * ```ts
 * const layer = new Linear(4, 3);
 * normal(layer.weight, 0, 0.02);                         // in place, as GPT-style models do
 * ```
 */
export function normal(target: InitTarget, mean = 0, std = 1, options?: FactoryOptions): Tensor {
  const fn = 'normal';
  targetShape(fn, target, false);
  arg(fn, 'mean', mean, option.number());
  arg(fn, 'std', std, option.number({ min: 0 }));
  const opts = checkOptions(fn, options, factoryRules());
  return fill(fn, target, opts, (s, dtype, device) => normalSamples(s, mean, std, dtype, device));
}

/**
 * Every element `value`, like `torch.nn.init.constant_`.
 *
 * @example
 * ```ts
 * const layer = new Linear(4, 3);
 * constant(layer.bias!, 0.1);
 * ```
 */
export function constant(target: InitTarget, value: number, options?: FactoryOptions): Tensor {
  const fn = 'constant';
  targetShape(fn, target, false);
  arg(fn, 'value', value, option.number());
  const opts = checkOptions(fn, options, factoryRules());
  return fill(fn, target, opts, (s, dtype, device) => full(s, value, { dtype, device }));
}

/**
 * Every element 0, like `torch.nn.init.zeros_`. Exported from `@stride/layers` only as
 * `init.zeros`, beside core's `zeros` that creates a tensor.
 *
 * @example
 * ```ts
 * const layer = new Conv2d(3, 8, 3);
 * init.zeros(layer.bias!);
 * ```
 */
export function zeros(target: InitTarget, options?: FactoryOptions): Tensor {
  const fn = 'zeros';
  targetShape(fn, target, false);
  const opts = checkOptions(fn, options, factoryRules());
  return fill(fn, target, opts, (s, dtype, device) => full(s, 0, { dtype, device }));
}

/**
 * Every element 1, like `torch.nn.init.ones_`. Exported from `@stride/layers` only as
 * `init.ones`, beside core's `ones` that creates a tensor.
 *
 * @example
 * ```ts
 * const norm = new BatchNorm2d(8);
 * init.ones(norm.weight!);
 * ```
 */
export function ones(target: InitTarget, options?: FactoryOptions): Tensor {
  const fn = 'ones';
  targetShape(fn, target, false);
  const opts = checkOptions(fn, options, factoryRules());
  return fill(fn, target, opts, (s, dtype, device) => full(s, 1, { dtype, device }));
}

/** The fan `mode` picks and the gain of `nonlinearity` with slope `a`: kaiming's std is their ratio. */
function kaimingStd(shape: readonly number[], a: number, options: KaimingOptions): number {
  const fan = options.mode === 'fanOut' ? fanOut(shape) : fanIn(shape);
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', a);
  return fan > 0 ? gain / Math.sqrt(fan) : 0;
}

/**
 * He initialisation, like `torch.nn.init.kaiming_uniform_`: U(-b, b) with b = gain · √(3 / fan),
 * where fan is the weight's fan-in (or fan-out with `mode: 'fanOut'`) and gain is
 * `calculateGain(nonlinearity, a)`: √(2 / (1 + a²)) for the default `'leakyRelu'` with slope `a`
 * (default 0, which gives ReLU's √2). Layers use a = √5: b = 1/√fanIn.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(16, 32, 3);
 * kaimingUniform(conv.weight, 0, { mode: 'fanOut', nonlinearity: 'relu' });
 * kaimingUniform([64, 50]).shape;                         // [64, 50], in ±√(6 / 50)
 * ```
 */
export function kaimingUniform(target: InitTarget, a = 0, options?: KaimingOptions): Tensor {
  const fn = 'kaimingUniform';
  const shape = targetShape(fn, target, true);
  arg(fn, 'a', a, option.number());
  const opts = checkOptions(fn, options, kaimingRules());
  const bound = Math.sqrt(3) * kaimingStd(shape, a, opts);
  return fill(fn, target, opts, (s, dtype, device) =>
    uniformSamples(s, -bound, bound, dtype, device),
  );
}

/**
 * He initialisation, like `torch.nn.init.kaiming_normal_`: N(0, std²) with std = gain / √fan
 * (fan and gain as in `kaimingUniform`).
 *
 * @example
 * ```ts
 * const conv = new Conv2d(16, 32, 3);
 * kaimingNormal(conv.weight, 0, { mode: 'fanOut', nonlinearity: 'relu' }); // torchvision's ResNet
 * ```
 */
export function kaimingNormal(target: InitTarget, a = 0, options?: KaimingOptions): Tensor {
  const fn = 'kaimingNormal';
  const shape = targetShape(fn, target, true);
  arg(fn, 'a', a, option.number());
  const opts = checkOptions(fn, options, kaimingRules());
  const std = kaimingStd(shape, a, opts);
  return fill(fn, target, opts, (s, dtype, device) => normalSamples(s, 0, std, dtype, device));
}

/** Glorot's std: gain · √(2 / (fanIn + fanOut)). */
function xavierStd(shape: readonly number[], gain: number): number {
  const fans = fanIn(shape) + fanOut(shape);
  return fans > 0 ? gain * Math.sqrt(2 / fans) : 0;
}

/**
 * Glorot initialisation, like `torch.nn.init.xavier_uniform_`: U(-b, b) with
 * b = gain · √(6 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * const layer = new Linear(100, 10);
 * xavierUniform(layer.weight, calculateGain('tanh'));
 * ```
 */
export function xavierUniform(target: InitTarget, gain = 1, options?: FactoryOptions): Tensor {
  const fn = 'xavierUniform';
  const shape = targetShape(fn, target, true);
  arg(fn, 'gain', gain, option.number());
  const opts = checkOptions(fn, options, factoryRules());
  const bound = Math.sqrt(3) * xavierStd(shape, gain);
  return fill(fn, target, opts, (s, dtype, device) =>
    uniformSamples(s, -bound, bound, dtype, device),
  );
}

/**
 * Glorot initialisation, like `torch.nn.init.xavier_normal_`: N(0, std²) with
 * std = gain · √(2 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * const layer = new Linear(100, 10);
 * xavierNormal(layer.weight);
 * ```
 */
export function xavierNormal(target: InitTarget, gain = 1, options?: FactoryOptions): Tensor {
  const fn = 'xavierNormal';
  const shape = targetShape(fn, target, true);
  arg(fn, 'gain', gain, option.number());
  const opts = checkOptions(fn, options, factoryRules());
  const std = xavierStd(shape, gain);
  return fill(fn, target, opts, (s, dtype, device) => normalSamples(s, 0, std, dtype, device));
}

/** p(w) = c0 + w (c1 + w (c2 + ...)), with the coefficients highest degree first. */
function horner(w: Tensor, coefficients: readonly number[]): Tensor {
  let p: Tensor | number = coefficients[0] as number;
  for (const c of coefficients.slice(1)) p = add(mul(p, w), c);
  return p as Tensor;
}

/**
 * The inverse error function on (-1, 1), from ops: Giles' single-precision approximation
 * ("Approximating the erfinv function", 2010), then, in float64, two Newton steps on erf.
 */
function erfinv(y: Tensor): Tensor {
  const w = neg(log(mul(sub(1, y), add(1, y))));
  const central = horner(
    sub(w, 2.5),
    [
      2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 2.1858087e-4, -1.25372503e-3,
      -4.17768164e-3, 0.246640727, 1.50140941,
    ],
  );
  const tail = horner(
    sub(sqrt(w), 3),
    [
      -2.00214257e-4, 1.00950558e-4, 1.34934322e-3, -3.67342844e-3, 5.73950773e-3, -7.6224613e-3,
      9.43887047e-3, 1.00167406, 2.83297682,
    ],
  );
  let x = mul(where(lt(w, 5), central, tail), y);
  if (y.dtype === 'float64') {
    for (let i = 0; i < 2; i++) {
      // erf'(x) = 2/√π e^(-x²)
      x = sub(x, div(sub(erf(x), y), mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))));
    }
  }
  return x;
}

/**
 * N(mean, std²) truncated to [a, b], like `torch.nn.init.trunc_normal_` (defaults mean 0, std 1,
 * a -2, b 2; a and b are values, not multiples of std). Drawn as PyTorch draws it, by the
 * inverse CDF of a uniform sample between the CDF's values at a and b, then clamped to [a, b]; as
 * in PyTorch, the values lose accuracy when mean is far (more than about 2 std) outside [a, b].
 *
 * @example
 * ```ts
 * const layer = new Linear(768, 768);
 * truncNormal(layer.weight, 0, 0.02, -0.04, 0.04);      // ViT's initialisation
 * ```
 */
export function truncNormal(
  target: InitTarget,
  mean = 0,
  std = 1,
  a = -2,
  b = 2,
  options?: FactoryOptions,
): Tensor {
  const fn = 'truncNormal';
  targetShape(fn, target, false);
  arg(fn, 'mean', mean, option.number());
  arg(fn, 'std', std, option.number({ above: 0 }));
  arg(fn, 'a', a, option.number());
  arg(fn, 'b', b, option.number());
  if (!(a < b)) fail(fn, `a must be less than b, got a ${a} and b ${b}`);
  const opts = checkOptions(fn, options, factoryRules());
  return fill(fn, target, opts, (s, dtype, device) => {
    // erf(z / √2) = 2 Φ(z) - 1: the uniform sample lies between its values at a and b.
    const scale = std * Math.SQRT2;
    const ends = erf(tensor([(a - mean) / scale, (b - mean) / scale], { dtype, device }));
    const lo = reshape(slice(ends, 0, 0, 1), []);
    const hi = reshape(slice(ends, 0, 1, 2), []);
    const y = add(mul(rand(s, { dtype, device }), sub(hi, lo)), lo);
    // Keeps erfinv finite where an end's erf rounds to ±1; the clamp below restores [a, b].
    const edge = 1 - (dtype === 'float64' ? 2 ** -53 : 2 ** -24);
    const x = add(mul(erfinv(clamp(y, -edge, edge)), scale), mean);
    return clamp(x, a, b);
  });
}

/**
 * An orthonormal `[rows, cols]` matrix as PyTorch's `orthogonal_` makes it: the Q of the QR
 * decomposition of a standard normal matrix (of its transpose when rows < cols), its columns'
 * signs set so that R's diagonal is positive, which makes Q unique. Householder reflections from
 * ops, so it runs on the device; in float64 wherever the backend has it.
 */
function orthogonalMatrix(rows: number, cols: number, dtype: DType, device?: string): Tensor {
  const drawn = randn([rows, cols], { dtype, device });
  const wide = rows < cols;
  const work: DType = drawn.backend.dtypes.includes('float64') ? 'float64' : dtype;
  let a = cast(wide ? transpose(drawn) : drawn, work);
  const [m, n] = a.shape as [number, number];
  const row = reshape(cast(arange(m, { device }), work), [m, 1]);
  const reflectors: { v: Tensor; tau: Tensor }[] = [];
  const signs: Tensor[] = [];
  for (let k = 0; k < n; k++) {
    const step = tidy(() => {
      // The k-th column from row k down; v = x - α e_k with α = -sign(x_k) ‖x‖ = R[k, k].
      const x = mul(slice(a, 1, k, k + 1), cast(ge(row, k), work));
      const norm = sqrt(sum(square(x)));
      const sign = sub(mul(cast(ge(slice(x, 0, k, k + 1), 0), work), 2), 1);
      const alpha = neg(mul(sign, norm));
      const v = sub(x, mul(cast(eq(row, k), work), alpha));
      const vv = sum(square(v));
      // 2 / vᵀv, or no reflection at all for a column that is already zero.
      const tau = where(gt(vv, 0), div(2, vv), 0);
      const next = sub(a, matmul(v, mul(matmul(transpose(v), a), tau)));
      return { next, v, tau, sign: neg(sign) };
    });
    a.dispose();
    a = step.next;
    reflectors.push({ v: step.v, tau: step.tau });
    signs.push(step.sign);
  }
  // Q = H_0 H_1 … H_(n-1) applied to the first n columns of the identity, last reflector first.
  let q = eye(m, n, { dtype: work, device });
  for (let k = n - 1; k >= 0; k--) {
    const { v, tau } = reflectors[k] as { v: Tensor; tau: Tensor };
    q = sub(q, matmul(v, mul(matmul(transpose(v), q), tau)));
  }
  q = mul(q, reshape(concat(signs.map((s) => reshape(s, [1]))), [1, n]));
  return cast(wide ? transpose(q) : q, dtype);
}

/**
 * A (semi-)orthogonal matrix times `gain`, like `torch.nn.init.orthogonal_`: the weight, seen as
 * `[rows, cols]` with rows its first dim, has orthonormal rows (rows ≤ cols) or columns. It is
 * the Q factor of the QR decomposition of a standard normal matrix, with PyTorch's sign fix, so
 * it is uniformly distributed over such matrices.
 *
 * @example
 * ```ts
 * const layer = new Linear(64, 64);
 * orthogonal(layer.weight);                              // Wᵀ W = I
 * orthogonal([32, 16, 3, 3], calculateGain('relu')).shape; // rows of 144 values, orthogonal
 * ```
 */
export function orthogonal(target: InitTarget, gain = 1, options?: FactoryOptions): Tensor {
  const fn = 'orthogonal';
  const shape = targetShape(fn, target, false);
  if (shape.length < 2) {
    fail(
      fn,
      `needs at least 2 dims ([rows, ...]), got ${isTensor(target) ? 'tensor' : 'shape'} ${show(shape)}`,
    );
  }
  arg(fn, 'gain', gain, option.number());
  const opts = checkOptions(fn, options, factoryRules());
  return fill(fn, target, opts, (s, dtype, device) => {
    const rows = s[0] as number;
    const size = s.reduce((p, d) => p * d, 1);
    if (size === 0) return full(s, 0, { dtype, device });
    return reshape(mul(orthogonalMatrix(rows, size / rows, dtype, device), gain), s);
  });
}

/** PyTorch's bias initialisation for a layer whose weight has `fan` inputs per output. */
export function biasUniform(size: number, fan: number, options?: FactoryOptions): Tensor {
  const fn = 'biasUniform';
  arg(fn, 'size', size, option.integer({ min: 0 }));
  arg(fn, 'fan', fan, option.integer({ min: 0 }));
  const opts = checkOptions(fn, options, factoryRules());
  const bound = fan > 0 ? 1 / Math.sqrt(fan) : 0;
  return fill(fn, [size], opts, (s, dtype, device) =>
    uniformSamples(s, -bound, bound, dtype, device),
  );
}
