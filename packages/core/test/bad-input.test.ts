/**
 * Bad input found by fuzzing the public API: each call is refused with a StrideError from the
 * function called, or gives PyTorch's answer; none returns a wrong value or leaks.
 */
import { describe, expect, it } from 'vitest';
import {
  adamStep,
  adaptiveAvgPool2d,
  arange,
  argmax,
  avgPool2d,
  backward,
  bmm,
  chunk,
  clamp,
  concat,
  conv2d,
  convTranspose1d,
  crossEntropy,
  expand,
  flatten,
  floor,
  gelu,
  groupNorm,
  index,
  keep,
  layerNorm,
  linear,
  linspace,
  logicalAnd,
  logsumexp,
  matmul,
  maxPool2d,
  mean,
  memory,
  ones,
  pad,
  pow,
  rand,
  randint,
  randn,
  relu,
  remainder,
  round,
  StrideError,
  slice,
  split,
  stack,
  std,
  sub,
  sum,
  type Tensor,
  tensor,
  tidy,
  topk,
  valueAndGrad,
  variance,
  where,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import './setup.js';

const values = (t: Tensor) => Array.from(t.dataSync());

/** `values` with a hole at `at` (what `[1, , 2]` writes), which `every` and `some` skip. */
function holed(values: number[], at: number): number[] {
  const out = [...values];
  delete out[at];
  return out;
}

describe('options objects: unknown keys and wrong types are refused', () => {
  const x = ones([1, 1, 4, 4]);
  const w = ones([1, 1, 3, 3]);
  it.each([
    [
      'conv2d',
      () => conv2d(x, w, { strides: 2 } as never),
      "unknown option 'strides' (did you mean 'stride'?)",
    ],
    [
      'conv2d',
      () => conv2d(x, w, { pad: 1 } as never),
      "unknown option 'pad' (did you mean 'padding'?)",
    ],
    [
      'conv2d',
      () => conv2d(x, w, { Stride: 2 } as never),
      "unknown option 'Stride' (did you mean 'stride'?)",
    ],
    [
      'conv2d',
      () => conv2d(x, w, { bias: 0 } as never),
      "option 'bias' must be a tensor or null, got 0",
    ],
    [
      'conv2d',
      () => conv2d(x, w, { stride: null } as never),
      "option 'stride' must be a positive integer or an array of them (one per spatial dim), got null",
    ],
    [
      'maxPool2d',
      () => maxPool2d(x, { kernelSize: 2, strides: 1 } as never),
      "unknown option 'strides' (did you mean 'stride'?)",
    ],
    [
      'avgPool2d',
      () => avgPool2d(x, { kernelSize: 2, count_include_pad: false } as never),
      "unknown option 'count_include_pad' (did you mean 'countIncludePad'?)",
    ],
    [
      'crossEntropy',
      () => crossEntropy(ones([2, 3]), tensor([0, 1]), { reductions: 'sum' } as never),
      "unknown option 'reductions' (did you mean 'reduction'?)",
    ],
    [
      'crossEntropy',
      () => crossEntropy(ones([2, 3]), tensor([0, 1]), { ignore_index: 1 } as never),
      "unknown option 'ignore_index' (did you mean 'ignoreIndex'?)",
    ],
    [
      'crossEntropy',
      () => crossEntropy(ones([2, 3]), tensor([0, 1]), { label_smoothing: 0.1 } as never),
      "unknown option 'label_smoothing' (did you mean 'labelSmoothing'?)",
    ],
    [
      'variance',
      () => variance(ones([3]), 0, { unbiased: false } as never),
      "unknown option 'unbiased'",
    ],
    [
      'variance',
      () => variance(ones([3]), 0, { keepdim: true } as never),
      "unknown option 'keepdim' (did you mean 'keepDims'?)",
    ],
    [
      'variance',
      () => variance(ones([3]), 0, { correction: 'a' } as never),
      "option 'correction' must be an integer ≥ 0, got 'a'",
    ],
    [
      'std',
      () => std(ones([3]), 0, { correction: -1 }),
      "option 'correction' must be an integer ≥ 0, got -1",
    ],
    [
      'gelu',
      () => gelu(ones([2]), { approx: 'tanh' } as never),
      "unknown option 'approx' (did you mean 'approximate'?)",
    ],
    [
      'zeros',
      () => zeros([2], { dtyp: 'int32' } as never),
      "unknown option 'dtyp' (did you mean 'dtype'?)",
    ],
    [
      'randn',
      () => randn([2], { seed: 1.5 }),
      "option 'seed' must be an integer within ±2^53, got 1.5",
    ],
  ])('%s', (fn, call, message) => {
    expect(errorOf(fn, call)).toContain(message);
  });
});

describe('integer and bool arithmetic that PyTorch refuses', () => {
  it('refuses negative integer powers, integer remainder by zero and bool subtraction', () => {
    expect(errorOf('pow', () => pow(tensor([2, 3]), -1))).toBe(
      'pow: integers cannot be raised to a negative power; cast to float first (other -1)',
    );
    expect(errorOf('pow', () => pow(tensor([2, 3]), tensor([1, -2])))).toBe(
      'pow: integers cannot be raised to a negative power; cast to float first (other [2] holds -2)',
    );
    expect(values(pow(tensor([2, 3]), tensor([3, 2])))).toEqual([8, 9]);
    expect(values(pow(tensor([2, 4], { dtype: 'float32' }), -1))).toEqual([0.5, 0.25]);
    expect(errorOf('remainder', () => remainder(tensor([2, 3]), 0))).toBe(
      'remainder: integer remainder by zero (other 0)',
    );
    expect(errorOf('remainder', () => remainder(tensor([2, 3]), tensor([1, 0])))).toMatch(
      /^remainder: integer remainder by zero \(other \[2\] holds 0\)/,
    );
    expect(errorOf('sub', () => sub(tensor([true]), tensor([false])))).toBe(
      'sub: subtraction with a bool tensor is not supported; use logicalXor or logicalNot, or cast to int32 first (input bool, other bool)',
    );
    expect(errorOf('matmul', () => matmul(ones([2, 2], { dtype: 'int32' }), ones([2, 2])))).toBe(
      'matmul: input is int32 but other is float32; cast one of them first',
    );
    expect(errorOf('linear', () => linear(ones([2, 3], { dtype: 'int32' }), ones([4, 3])))).toBe(
      'linear: weight is float32 but input is int32',
    );
  });

  it('rounds integers to themselves, as PyTorch does', () => {
    expect(values(floor(tensor([1, -2])))).toEqual([1, -2]);
    expect(round(tensor([7])).dtype).toBe('int32');
  });

  it('refuses a number an int32 operand cannot hold instead of wrapping it', () => {
    expect(errorOf('sub', () => sub(tensor([1]), 3e9))).toMatch(
      /^sub: other 3000000000 is outside int32's range/,
    );
  });
});

describe('reductions', () => {
  it('reduce everything for dim [] or null, as PyTorch 1.13 does', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(values(sum(x, []))).toEqual([10]);
    expect(sum(x, []).shape).toEqual([]);
    expect(values(mean(x.cast('float32'), []))).toEqual([2.5]);
    expect(values(sum(x, null as never))).toEqual([10]);
    expect(errorOf('sum', () => sum(x, 'a' as never))).toBe(
      "sum: dim must be an integer or an array of integers, got 'a'",
    );
    // PyTorch's keyword spelling, sum(x, dim=1), written as an object.
    expect(errorOf('sum', () => sum(x, { dim: 1 } as never))).toBe(
      'sum: dim must be an integer or an array of integers, got an object',
    );
    expect(errorOf('sum', () => sum(x, 0, 'yes' as never))).toBe(
      "sum: keepDims must be a boolean, got 'yes'",
    );
  });

  it('refuses argmax of bool and of an empty tensor without leaking', () => {
    const mask = tensor([true, false]);
    const empty = zeros([0]);
    const before = memory().numTensors;
    expect(errorOf('argmax', () => argmax(mask))).toMatch(/bool/);
    expect(errorOf('argmax', () => argmax(empty))).toBe(
      'argmax: cannot take argmax of an empty tensor [0]',
    );
    expect(memory().numTensors).toBe(before);
  });

  it('logsumexp leaves nothing behind outside tidy', () => {
    const x = randn([3, 4]);
    const before = memory().numTensors;
    const y = logsumexp(x, 1);
    expect(memory().numTensors).toBe(before + 1);
    y.dispose();
  });
});

describe('layout ops check their arguments and name themselves', () => {
  it.each([
    [
      'concat',
      () => concat([tensor(1), tensor(2)]),
      'concat: tensors[0] is 0-d and cannot be concatenated; use stack, or reshape it to [1]',
    ],
    [
      'split',
      () => split(ones([4]), [-1, 5]),
      'split: size must be a positive integer or an array of non-negative integers, got [-1,5]',
    ],
    [
      'expand',
      () => expand(ones([1]), [1.5]),
      'expand: shape must be an array of sizes (integers, -1 to keep a dim), got [1.5]',
    ],
    [
      'index',
      () => index(ones([3]), 'a' as never),
      "index: index 0 must be a number, null or { start, end, step }, got 'a'",
    ],
    ['index', () => index(ones([3]), { begin: 1 } as never), "index: unknown option 'begin'"],
    ['slice', () => slice(ones([3]), 0, 'a' as never), "slice: start must be an integer, got 'a'"],
    [
      'stack',
      () => stack([ones([2]), ones([2], { dtype: 'int32' })]),
      'stack: tensors[1] is int32 but tensors[0] is float32',
    ],
    [
      'pad',
      () => pad(ones([2], { dtype: 'int32' }), [1, 1], 'constant', 0.5),
      'pad: value must be an integer for dtype int32, got 0.5',
    ],
  ])('%s', (fn, call, message) => {
    expect(errorOf(fn, call)).toContain(message);
  });

  it('keeps memory accounting sane after a refused concat', () => {
    expect(() => concat([zeros([]), zeros([])])).toThrow(StrideError);
    expect(Number.isFinite(memory().numBytes)).toBe(true);
  });
});

describe('outputs too large for the backend are refused before any kernel runs', () => {
  it.each([
    [
      'matmul',
      () => matmul(ones([100000, 1]), ones([1, 100000])),
      "matmul: the output [100000,100000] float32 would take 37.3 GiB, more than the 'cpu' backend's limit of 4 GiB for one tensor (input [100000,1], other [1,100000])",
    ],
    [
      'add',
      () => ones([100000, 1]).add(ones([1, 100000])),
      'add: the output [100000,100000] float32 would take 37.3 GiB',
    ],
    [
      'expand',
      () => expand(ones([1, 1]), [100000, 100000]),
      'expand: the output [100000,100000] float32 would take 37.3 GiB',
    ],
    [
      'conv2d',
      () => conv2d(ones([1, 1, 64, 64]), ones([1000000, 1, 1, 1])),
      'conv2d: the output [1,1000000,64,64] float32 would take 15.3 GiB',
    ],
    [
      'rand',
      () => rand([40000, 40000]),
      'rand: the output [40000,40000] float32 would take 5.96 GiB',
    ],
  ])('%s', (fn, call, message) => {
    expect(errorOf(fn, () => tidy(call))).toContain(message);
  });
});

describe('random numbers', () => {
  it('refuses randint ranges int32 cannot hold, and seeds 0 and 2^32 differ', () => {
    expect(errorOf('randint', () => randint(0, 2 ** 40, [2]))).toMatch(
      /^randint: high - 1 1099511627775 is outside int32's range/,
    );
    expect(values(rand([4], { seed: 0 }))).not.toEqual(values(rand([4], { seed: 2 ** 32 })));
    expect(values(rand([4], { seed: 7 }))).toEqual(values(rand([4], { seed: 7 })));
  });
});

describe('autograd and memory helpers', () => {
  it('valueAndGrad names a container it cannot differentiate and leaks nothing on a non-scalar result', () => {
    const w = randn([2]);
    expect(
      errorOf('valueAndGrad', () =>
        valueAndGrad((t: Tensor) => t.sum())(new Map([['w', w]]) as never),
      ),
    ).toBe(
      'valueAndGrad: args[0] is a Map; only tensors and trees of them (plain objects and arrays) are differentiated; pick the differentiated arguments with { argnums }',
    );
    const before = memory().numTensors;
    expect(errorOf('valueAndGrad', () => valueAndGrad((t: Tensor) => t.mul(2))(w))).toBe(
      'valueAndGrad: the function must return a scalar, got shape [2]',
    );
    expect(memory().numTensors).toBe(before);
  });

  it('backward, tidy, keep and grad check what they are given', () => {
    expect(errorOf('backward', () => backward(null as never))).toBe(
      'backward: tensor must be a Tensor, got null',
    );
    expect(errorOf('tidy', () => tidy(null as never))).toBe('tidy: expected a function, got null');
    expect(errorOf('keep', () => keep(null as never))).toBe('keep: expected a Tensor, got null');
    const p = zeros([2], { requiresGrad: true });
    expect(
      errorOf('grad', () => {
        p.grad = 'abc' as never;
      }),
    ).toBe('grad: a gradient must be a Tensor or null, got string abc');
    expect(
      errorOf('grad', () => {
        p.grad = zeros([3]);
      }),
    ).toBe(
      "grad: a gradient must match its tensor: got [3] float32 on 'cpu' for [2] float32 on 'cpu'",
    );
    p.grad = ones([2]);
    expect(values(p.grad as Tensor)).toEqual([1, 1]);
  });

  it('failed broadcasts leave no lifted or cast operands behind', () => {
    const a = tensor([true, false]);
    const b = tensor([true, false, true]);
    const three = ones([3]);
    const ints = tensor([1, 2, 3]);
    const before = memory().numTensors;
    expect(() => logicalAnd(a, b)).toThrow(StrideError);
    expect(() => logicalAnd(a, 1).dispose()).not.toThrow();
    expect(() => where(a, three, 1)).toThrow(StrideError);
    expect(() => where(a, 1, 2.5).dispose()).not.toThrow();
    // ints is cast to float32 for the sum with a float; that copy must go too.
    const half = ones([2]).add(0.5);
    expect(() => ints.add(half)).toThrow(StrideError);
    half.dispose();
    expect(memory().numTensors).toBe(before + 1);
  });

  it('item and itemSync name themselves', () => {
    expect(errorOf('itemSync', () => ones([2]).itemSync())).toBe(
      'itemSync: tensor [2] has 2 elements, not 1',
    );
  });
});

describe('findings of the project fuzz suite', () => {
  it('computes what PyTorch computes', () => {
    expect(values(linspace(-3, 1, 1))).toEqual([-3]);
    expect(values(mean(tensor(-1.75), 0))).toEqual([-1.75]);
    expect(values(variance(tensor(0.75), -1, { correction: 0 }))).toEqual([0]);
    expect(values(logsumexp(tensor([[Number.POSITIVE_INFINITY], [0.75]]), 0))).toEqual([
      Number.POSITIVE_INFINITY,
    ]);
    expect(
      values(logsumexp(tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]), 0)),
    ).toEqual([Number.NEGATIVE_INFINITY]);
    expect(split(zeros([0, 3, 1]), 3).map((t) => t.shape)).toEqual([[0, 3, 1]]);
  });

  it.each([
    [
      'concat',
      () => concat([ones([1]), undefined as never, ones([1])]),
      'concat: tensors[1] must be a Tensor, got undefined',
    ],
    ['stack', () => stack([ones([1]), 1 as never]), 'stack: tensors[1] must be a Tensor, got 1'],
    ['relu', () => relu(undefined as never), 'relu: input must be a Tensor, got undefined'],
    [
      'relu',
      // A callable object of a class (as a layers Module is): named by its class.
      () => relu(Object.setPrototypeOf(() => 0, class Sequential {}.prototype) as never),
      'relu: input must be a Tensor, got a Sequential',
    ],
    ['relu', () => relu(new Map() as never), 'relu: input must be a Tensor, got a Map'],
    ['chunk', () => chunk(tensor(1), 2), 'chunk: input must have at least 1 dim, got a 0-d tensor'],
    [
      'pad',
      () => pad(ones([1, 1]), [0, 0], 'replicate', Number.NaN),
      "pad: value NaN is only used by mode 'constant'",
    ],
    [
      'bmm',
      () => bmm(ones([1, 2, 2]), ones([1, 2, 2]), 1.5 as never),
      'bmm: transposeA must be a boolean, got 1.5',
    ],
    [
      'linear',
      () => linear(ones([2, 2]), ones([3, 2]), false as never),
      'linear: bias must be a tensor or null, got false',
    ],
    [
      'adaptiveAvgPool2d',
      () => adaptiveAvgPool2d(ones([1, 2, 4, 4]), [2]),
      'adaptiveAvgPool2d: outputSize must be a number or an array of 2, got [2]',
    ],
    [
      'flatten',
      () => flatten(tensor(1), Number.NaN),
      'flatten: startDim NaN is out of range for a tensor of rank 0',
    ],
    ['arange', () => arange(5, { dtype: 'bool' }), 'arange: dtype bool is not supported'],
    [
      'clamp',
      () => clamp(ones([2]), Number.NaN),
      'clamp: min must be a number or a tensor, got NaN',
    ],
    [
      'clamp',
      () => clamp(tensor([1, 2]), -1, 2 ** 53),
      'clamp: max 9007199254740992 is outside int32',
    ],
    [
      'sub',
      () => sub(tensor([1]), tensor([true])),
      'sub: subtraction with a bool tensor is not supported',
    ],
    [
      'conv2d',
      () => conv2d(ones([1, 1, 3, 3]), ones([1, 1, 1, 1]), { dilation: 3e9 }),
      'conv2d: dilation must be a positive integer, got 3000000000',
    ],
    ['view', () => ones([2]).view(3), 'view: shape [3] is invalid for input [2] of size 2'],
    // Holes in per-axis arrays: Array.prototype.every skips them, and a NaN size followed.
    [
      'conv2d',
      () => conv2d(ones([1, 1, 4, 4]), ones([1, 1, 2, 2]), { stride: holed([1, 1], 0) }),
      'conv2d: stride must hold positive integers, got [,1]',
    ],
    [
      'conv2d',
      () =>
        conv2d(ones([1, 1, 4, 4]), ones([1, 1, 2, 2]), {
          padding: [holed([1, 1], 1) as [number, number], [0, 0]],
        }),
      'conv2d: padding entries must be non-negative integers or [before, after] pairs of them',
    ],
    [
      'split',
      () => split(ones([3]), holed([1, 1, 1], 1)),
      'split: size must be a positive integer or an array of non-negative integers',
    ],
    [
      'layerNorm',
      () => layerNorm(ones([1, 3, 2]), holed([1, 3, 2], 1)),
      'layerNorm: normalizedShape must be an integer ≥ 0 or a non-empty array of them',
    ],
    [
      'groupNorm',
      () => groupNorm(tensor([[1, 2]], { dtype: 'float32' }), 2),
      'groupNorm: expected more than 1 value per group over the batch, got input [1,2] with 2 groups',
    ],
    [
      'topk',
      () => topk(tensor([true, false, true]), 1),
      'topk: input must be a float or int32 tensor, got bool',
    ],
    [
      'convTranspose1d',
      () => convTranspose1d(ones([2, 2, 1]), zeros([2, 0, 3])),
      'convTranspose1d: weight has 0 output channels; at least 1 is needed (input [2,2,1], weight [2,0,3])',
    ],
    [
      'adamStep',
      () =>
        adamStep(ones([1]), ones([1]), ones([1]), ones([1]), {
          beta1: 0.9,
          beta2: 0.999,
          stepSize: 'abc',
          biasCorrection2Sqrt: 0.5,
          eps: 1e-8,
        } as never),
      "adamStep: option 'stepSize' must be a number, got 'abc'",
    ],
    [
      'adamStep',
      () =>
        adamStep(ones([1]), ones([1]), ones([1]), ones([1]), {
          beta1: 0.9,
          beta2: 0.999,
          stepSize: 0.1,
          eps: 1e-8,
        } as never),
      'adamStep: params.biasCorrection2Sqrt is required',
    ],
  ])('%s', (fn, call, message) => {
    const before = memory().numTensors;
    expect(errorOf(fn, () => tidy(call as () => unknown))).toContain(message);
    expect(memory().numTensors).toBe(before);
  });
});
