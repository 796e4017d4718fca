import { withGrad } from '../autograd.js';
import type { Backend, BinaryOp, Shape, UnaryOp } from '../backend.js';
import { DTYPES, type DType, isFloat, promoteTypes } from '../dtype.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import {
  backendOf,
  backendOfPair,
  backendOfTensor,
  checkOutputSize,
  describe,
  wrap,
} from '../kernel.js';
import { showValue } from '../options.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { traced } from '../trace.js';
import { checkValueFits, scalarOn } from './creation.js';
import { reshape } from './layout.js';
import { sum } from './reduce.js';
import { isIntegerOperand, refuseNegative, refuseZero } from './value-checks.js';

/** A tensor, or a plain number / boolean that is lifted to a scalar tensor. */
export type TensorLike = Tensor | number | boolean;

function scalarDtype(value: number | boolean, other: DType): DType {
  if (typeof value === 'boolean') return other === 'bool' ? 'bool' : other;
  if (isFloat(other)) return other;
  return Number.isInteger(value) ? (other === 'bool' ? 'int32' : other) : 'float32';
}

function isScalar(v: unknown): v is number | boolean {
  return typeof v === 'number' || typeof v === 'boolean';
}

/** A number as a scalar tensor beside `other`, refused where its dtype cannot hold it. */
function liftScalar(fn: string, arg: string, value: number | boolean, other: Tensor): Tensor {
  const dtype = scalarDtype(value, other.dtype);
  // An int32 tensor with 3e9 would wrap; PyTorch would widen to int64, which Stride lacks.
  checkValueFits(fn, arg, Number(value), dtype, 'cast the tensor to float32 first');
  return scalarOn(other.backend, Number(value), dtype);
}

/** Lifts numbers to tensors on the other argument's backend; at least one must be a tensor. */
export function lift(fn: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor && isScalar(b)) {
    a._check(fn, 'input');
    return [a, liftScalar(fn, 'other', b, a)];
  }
  if (isScalar(a) && b instanceof Tensor) {
    b._check(fn, 'other');
    return [liftScalar(fn, 'input', a, b), b];
  }
  const bad = a instanceof Tensor || isScalar(a) ? ['other', b] : ['input', a];
  return fail(fn, `${bad[0]} must be a Tensor or a number, got ${describe(bad[1])}`);
}

/** Converts to `dtype`; differentiable between float dtypes. Returns `x` itself if no change. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = backendOfTensor('cast', 'input', x);
  if (!DTYPES.includes(dtype)) {
    fail('cast', `dtype must be one of ${DTYPES.join(', ')}, got ${showValue(dtype)}`);
  }
  if (x.dtype === dtype) return x;
  if (!backend.dtypes.includes(dtype)) {
    fail('cast', `the '${backend.name}' backend does not support ${dtype}`);
  }
  const out = wrap(backend, backend.cast(x._kernel(), dtype), x.shape, dtype);
  if (!isFloat(dtype) || !needsGrad(x)) return out;
  const from = x.dtype;
  return withGrad('cast', out, [x], [], (dy) => [cast(dy, from)]);
}

/** Whether an op on `x` (and `y`) records a gradient: checked before building its closure. */
export function needsGrad(x: Tensor, y?: Tensor): boolean {
  return engine.gradEnabled && (x.requiresGrad || y?.requiresGrad === true);
}

/** Sums a broadcast gradient back down to `shape`. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes, true), shape);
}

function isComparison(op: BinaryOp): boolean {
  return op === 'eq' || op === 'ne' || op === 'lt' || op === 'le' || op === 'gt' || op === 'ge';
}

function isLogical(op: BinaryOp): boolean {
  return op === 'and' || op === 'or' || op === 'xor';
}

/** The dtype both operands of `op` are cast to before the kernel runs. */
function operandDtype(op: BinaryOp, a: DType, b: DType): DType {
  if (isLogical(op)) return 'bool';
  const dtype = promoteTypes(a, b);
  return op === 'div' && !isFloat(dtype) ? 'float32' : dtype;
}

function binaryOutDtype(op: BinaryOp, operands: DType): DType {
  return isComparison(op) || isLogical(op) ? 'bool' : operands;
}

/** The broadcast output shape of a binary op, checked to fit in one storage. */
function binaryShape(fn: string, op: BinaryOp, backend: Backend, a: Tensor, b: Tensor): Shape {
  if (shapesEqual(a.shape, b.shape)) return a.shape;
  const shape = broadcastShapes(fn, a.shape, b.shape);
  const dtype = binaryOutDtype(op, operandDtype(op, a.dtype, b.dtype));
  checkOutputSize(
    fn,
    backend,
    shape,
    dtype,
    () => `input ${fmtShape(a.shape)}, other ${fmtShape(b.shape)}`,
  );
  return shape;
}

/** Runs the kernel on operands that already share a dtype and a backend. */
function runBinary(op: BinaryOp, backend: Backend, x: Tensor, y: Tensor, outShape: Shape): Tensor {
  const outDtype = binaryOutDtype(op, x.dtype);
  return wrap(backend, backend.binary(op, x._kernel(), y._kernel(), outShape), outShape, outDtype);
}

/** Frees the lifted and cast operands an op made for itself (never the caller's `a`, `b`). */
function disposeTemporaries(
  a: TensorLike,
  b: TensorLike,
  la: Tensor,
  lb: Tensor,
  x: Tensor,
  y: Tensor,
): void {
  // dispose() is idempotent, so an operand that is both lifted and "cast" (to its own dtype)
  // may be passed twice.
  if (la !== a && la !== b) la.dispose();
  if (lb !== a && lb !== b) lb.dispose();
  if (x !== a && x !== b) x.dispose();
  if (y !== a && y !== b) y.dispose();
}

/** Runs a binary kernel with promotion and broadcasting; records no gradient. */
export function binaryRaw(
  fn: string,
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
): {
  /** The result, on the operands' backend; no gradient recorded. */
  out: Tensor;
  /** The first operand as the kernel saw it: lifted to a tensor and cast to the common dtype. */
  x: Tensor;
  /** The second operand as the kernel saw it: lifted to a tensor and cast to the common dtype. */
  y: Tensor;
  /** Disposes `x` and `y` where they are temporaries (never the caller's own tensors). */
  release: () => void;
} {
  const [la, lb] = lift(fn, a, b);
  let x = la;
  let y = lb;
  try {
    const backend = backendOf(fn, [
      ['input', la],
      ['other', lb],
    ]);
    const dtype = operandDtype(op, la.dtype, lb.dtype);
    const outShape = binaryShape(fn, op, backend, la, lb);
    x = cast(la, dtype);
    y = cast(lb, dtype);
    const out = runBinary(op, backend, x, y, outShape);
    return { out, x, y, release: () => disposeTemporaries(a, b, la, lb, x, y) };
  } catch (error) {
    disposeTemporaries(a, b, la, lb, x, y);
    throw error;
  }
}

type BinaryGrad = (dy: Tensor, x: Tensor, y: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

/** Arithmetic PyTorch refuses on two bools, and what to use instead. */
const BOOL_REFUSED: Partial<Record<BinaryOp, string>> = {
  sub: 'subtraction with a bool tensor is not supported; use logicalXor or logicalNot, or cast to int32 first',
  pow: 'pow is not defined for bool tensors; cast to int32 or float first',
  mod: 'remainder is not defined for bool tensors; cast to int32 first',
};

/**
 * A binary op's trace record: its operands, each a tensor (an input) or a number (an attribute,
 * `a` or `b`).
 */
function binary(
  fn: string,
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
  gradFn?: BinaryGrad,
  saveOut = false,
): Tensor {
  if (engine.trace === null) return binaryImpl(fn, op, a, b, gradFn, saveOut);
  const inputs = [a instanceof Tensor ? a : null, b instanceof Tensor ? b : null];
  const attrs = { a: a instanceof Tensor ? undefined : a, b: b instanceof Tensor ? undefined : b };
  return traced(fn, inputs, attrs, () => binaryImpl(fn, op, a, b, gradFn, saveOut));
}

function binaryImpl(
  fn: string,
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
  gradFn?: BinaryGrad,
  saveOut = false,
): Tensor {
  let la: Tensor;
  let lb: Tensor;
  if (a instanceof Tensor && b instanceof Tensor) {
    la = a;
    lb = b;
  } else {
    [la, lb] = lift(fn, a, b);
  }
  let x = la;
  let y = lb;
  // The lifted and cast operands are this op's own: freed whether it succeeds or throws.
  try {
    backendOfTensor(fn, 'input', la);
    const backend = backendOfPair(fn, 'input', la, 'other', lb);
    const dtype = operandDtype(op, la.dtype, lb.dtype);
    // PyTorch refuses subtraction with a bool tensor on either side, the rest with two bools.
    const refused =
      dtype === 'bool' || (op === 'sub' && (la.dtype === 'bool' || lb.dtype === 'bool'))
        ? BOOL_REFUSED[op]
        : undefined;
    if (refused) fail(fn, `${refused} (input ${la.dtype}, other ${lb.dtype})`);
    const outShape = binaryShape(fn, op, backend, la, lb);
    x = la.dtype === dtype ? la : cast(la, dtype);
    y = lb.dtype === dtype ? lb : cast(lb, dtype);
    let result = runBinary(op, backend, x, y, outShape);
    if (gradFn !== undefined && needsGrad(x, y))
      result = recordBinary(fn, result, x, y, gradFn, saveOut);
    return result;
  } finally {
    disposeTemporaries(a, b, la, lb, x, y);
  }
}

function recordBinary(
  fn: string,
  out: Tensor,
  x: Tensor,
  y: Tensor,
  gradFn: BinaryGrad,
  saveOut: boolean,
): Tensor {
  const xs = x.shape;
  const ys = y.shape;
  return withGrad(fn, out, [x, y], saveOut ? [x, y, out] : [x, y], (dy, [sx, sy, so]) => {
    const [gx, gy] = gradFn(dy, sx as Tensor, sy as Tensor, so as Tensor);
    return [gx && unbroadcast(gx, xs), gy && unbroadcast(gy, ys)];
  });
}

const addGrad: BinaryGrad = (dy) => [dy, dy];
const subGrad: BinaryGrad = (dy) => [dy, neg(dy)];
const mulGrad: BinaryGrad = (dy, x, y) => [mul(dy, y), mul(dy, x)];
const divGrad: BinaryGrad = (dy, x, y) => [div(dy, y), neg(div(mul(dy, x), mul(y, y)))];
const powGrad: BinaryGrad = (dy, x, y, out) => {
  const gx = mul(dy, mul(y, pow(x, sub(y, 1))));
  // d/dy x^y = x^y log x; defined as 0 where x = 0 (PyTorch's convention).
  const gy = mul(dy, where(eq(x, 0), 0, mul(out, log(x))));
  return [gx, gy];
};
const remainderGrad: BinaryGrad = (dy, x, y) => [dy, neg(mul(dy, floor(div(x, y))))];

/** Element-wise `a + b` with broadcasting and type promotion; a number is lifted to a scalar. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', 'add', a, b, addGrad);
}

/** Element-wise `a - b` with broadcasting and type promotion; a number is lifted to a scalar. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary('sub', 'sub', a, b, subGrad);
}

/** Element-wise `a * b` with broadcasting and type promotion; a number is lifted to a scalar. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', 'mul', a, b, mulGrad);
}

/** True division (integers are promoted to float32, as in PyTorch). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary('div', 'div', a, b, divGrad);
}

/**
 * Element-wise `a ** b` with broadcasting and type promotion. The gradient with respect to the
 * exponent is 0 where `a` is 0 (PyTorch's convention).
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (isIntegerOperand(a) && isIntegerOperand(b)) {
    refuseNegative(
      'pow',
      'other',
      b,
      'integers cannot be raised to a negative power; cast to float first',
    );
  }
  return binary('pow', 'pow', a, b, powGrad, true);
}

/** Floored remainder with the sign of the divisor, like `torch.remainder`. */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  if (isIntegerOperand(a) && isIntegerOperand(b)) {
    refuseZero('remainder', 'other', b, 'integer remainder by zero');
  }
  return binary('remainder', 'mod', a, b, remainderGrad);
}

function splitWhereEqual(dy: Tensor, x: Tensor, y: Tensor, wins: Tensor): [Tensor, Tensor] {
  // Ties share the gradient equally, as PyTorch does for maximum/minimum.
  const tie = eq(x, y);
  const half = mul(dy, 0.5);
  return [where(tie, half, where(wins, dy, 0)), where(tie, half, where(wins, 0, dy))];
}

const maximumGrad: BinaryGrad = (dy, x, y) => splitWhereEqual(dy, x, y, gt(x, y));
const minimumGrad: BinaryGrad = (dy, x, y) => splitWhereEqual(dy, x, y, lt(x, y));

/**
 * Element-wise larger of `a` and `b` with broadcasting; NaN propagates. Ties split the gradient
 * evenly between both.
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', 'maximum', a, b, maximumGrad);
}

/**
 * Element-wise smaller of `a` and `b` with broadcasting; NaN propagates. Ties split the gradient
 * evenly between both.
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', 'minimum', a, b, minimumGrad);
}

/** Element-wise `a == b` with broadcasting (after type promotion), as a bool tensor. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', 'eq', a, b);
/** Element-wise `a != b` with broadcasting (after type promotion), as a bool tensor. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', 'ne', a, b);
/** Element-wise `a < b` with broadcasting (after type promotion), as a bool tensor. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', 'lt', a, b);
/** Element-wise `a <= b` with broadcasting (after type promotion), as a bool tensor. */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', 'le', a, b);
/** Element-wise `a > b` with broadcasting (after type promotion), as a bool tensor. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', 'gt', a, b);
/** Element-wise `a >= b` with broadcasting (after type promotion), as a bool tensor. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', 'ge', a, b);
/**
 * Element-wise logical and with broadcasting; numbers count as true where non-zero. Bool output.
 */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor =>
  binary('logicalAnd', 'and', a, b);
/** Element-wise logical or with broadcasting; numbers count as true where non-zero. Bool output. */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('logicalOr', 'or', a, b);
/**
 * Element-wise logical exclusive or with broadcasting; numbers count as true where non-zero. Bool
 * output.
 */
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor =>
  binary('logicalXor', 'xor', a, b);

/** Element-wise `cond ? a : b` with broadcasting; gradients flow to `a` and `b`. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const fn = 'where';
  backendOfTensor(fn, 'condition', cond);
  if (cond.dtype !== 'bool') fail(fn, `condition must be a bool tensor, got ${cond.dtype}`);
  const [la, lb] =
    typeof a === 'number' && typeof b === 'number' ? liftPair(cond, a, b) : lift(fn, a, b);
  let x = la;
  let y = lb;
  // The lifted and cast operands are this op's own: freed whether it succeeds or throws.
  try {
    backendOfPair(fn, 'condition', cond, 'input', la);
    const backend = backendOfPair(fn, 'condition', cond, 'other', lb);
    const dtype = promoteTypes(la.dtype, lb.dtype);
    const outShape =
      shapesEqual(cond.shape, la.shape) && shapesEqual(la.shape, lb.shape)
        ? la.shape
        : broadcastShapes(fn, broadcastShapes(fn, cond.shape, la.shape), lb.shape);
    checkOutputSize(fn, backend, outShape, dtype);
    x = cast(la, dtype);
    y = cast(lb, dtype);
    const storage = backend.where(cond._kernel(), x._kernel(), y._kernel(), outShape);
    let out = wrap(backend, storage, outShape, dtype);
    if (needsGrad(x, y)) {
      const xs = x.shape;
      const ys = y.shape;
      out = withGrad(fn, out, [x, y], [cond], (dy, [c]) => [
        unbroadcast(where(c as Tensor, dy, 0), xs),
        unbroadcast(where(c as Tensor, 0, dy), ys),
      ]);
    }
    return out;
  } finally {
    disposeTemporaries(a, b, la, lb, x, y);
  }
}

/** Two plain numbers become scalars on the condition's backend: int32 if both are integers. */
function liftPair(cond: Tensor, a: number, b: number): [Tensor, Tensor] {
  const dtype = Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32';
  return [scalarOn(cond.backend, a, dtype), scalarOn(cond.backend, b, dtype)];
}

const FLOAT_ONLY = new Set<UnaryOp>([
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'erf',
]);

const ROUNDING = new Set<UnaryOp>(['floor', 'ceil', 'round', 'trunc']);

type UnaryGrad = (dy: Tensor, x: Tensor, y: Tensor) => Tensor;

/** Runs a unary kernel (promoting integers to float32 where the op needs floats). */
export function unary(
  fn: string,
  op: UnaryOp,
  input: Tensor,
  gradFn?: UnaryGrad,
  saveOut = false,
): Tensor {
  if (engine.trace === null) return unaryImpl(fn, op, input, gradFn, saveOut);
  return traced(fn, [input], {}, () => unaryImpl(fn, op, input, gradFn, saveOut));
}

function unaryImpl(
  fn: string,
  op: UnaryOp,
  input: Tensor,
  gradFn?: UnaryGrad,
  saveOut = false,
): Tensor {
  const backend = backendOfTensor(fn, 'input', input);
  if (op === 'not' && input.dtype !== 'bool')
    fail(fn, `input must be a bool tensor, got ${input.dtype}`);
  if (op === 'isnan' && !isFloat(input.dtype)) {
    return wrap(backend, backend.fill(input.size, 'bool', 0), input.shape, 'bool');
  }
  // Integers are already whole: rounding them returns a copy, as in PyTorch.
  if (ROUNDING.has(op) && input.dtype === 'int32') return add(input, 0);
  const x = FLOAT_ONLY.has(op) && !isFloat(input.dtype) ? cast(input, 'float32') : input;
  const outDtype = op === 'isnan' ? 'bool' : x.dtype;
  if (op !== 'not' && op !== 'isnan' && x.dtype === 'bool') {
    fail(fn, 'input is a bool tensor; cast it to a number type first');
  }
  const out = wrap(backend, backend.unary(op, x._kernel()), x.shape, outDtype);
  const result =
    gradFn !== undefined && needsGrad(x)
      ? withGrad(fn, out, [x], saveOut ? [x, out] : [x], (dy, [sx, so]) => [
          gradFn(dy, sx as Tensor, so as Tensor),
        ])
      : out;
  if (x !== input) x.dispose();
  return result;
}

const zeroGrad: UnaryGrad = (dy) => mul(dy, 0);
const negGrad: UnaryGrad = (dy) => neg(dy);
const absGrad: UnaryGrad = (dy, x) => mul(dy, sign(x));
const squareGrad: UnaryGrad = (dy, x) => mul(dy, mul(x, 2));
const expGrad: UnaryGrad = (dy, _x, y) => mul(dy, y);
const logGrad: UnaryGrad = (dy, x) => div(dy, x);
const log1pGrad: UnaryGrad = (dy, x) => div(dy, add(x, 1));
const expm1Grad: UnaryGrad = (dy, _x, y) => mul(dy, add(y, 1));
const sqrtGrad: UnaryGrad = (dy, _x, y) => div(mul(dy, 0.5), y);
const rsqrtGrad: UnaryGrad = (dy, _x, y) => mul(dy, mul(pow(y, 3), -0.5));
const reciprocalGrad: UnaryGrad = (dy, _x, y) => neg(mul(dy, mul(y, y)));
const sinGrad: UnaryGrad = (dy, x) => mul(dy, cos(x));
const cosGrad: UnaryGrad = (dy, x) => neg(mul(dy, sin(x)));
const tanGrad: UnaryGrad = (dy, _x, y) => mul(dy, add(mul(y, y), 1));
const tanhGrad: UnaryGrad = (dy, _x, y) => mul(dy, sub(1, mul(y, y)));
const sigmoidGrad: UnaryGrad = (dy, _x, y) => mul(dy, mul(y, sub(1, y)));
const erfGrad: UnaryGrad = (dy, x) => mul(dy, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)));

/** Element-wise `-x`. Any numeric dtype; throws a StrideError for bool. */
export const neg = (x: Tensor): Tensor => unary('neg', 'neg', x, negGrad);
/** Element-wise absolute value. Any numeric dtype; throws a StrideError for bool. */
export const abs = (x: Tensor): Tensor => unary('abs', 'abs', x, absGrad);
/** Element-wise sign: -1, 0 or 1 (0 for 0). Any numeric dtype; its gradient is 0. */
export const sign = (x: Tensor): Tensor => unary('sign', 'sign', x, zeroGrad);
/** Element-wise `x * x`. Any numeric dtype; throws a StrideError for bool. */
export const square = (x: Tensor): Tensor => unary('square', 'square', x, squareGrad);
/** Element-wise eˣ. Integers are promoted to float32. */
export const exp = (x: Tensor): Tensor => unary('exp', 'exp', x, expGrad, true);
/** Element-wise natural logarithm (NaN below 0, -∞ at 0). Integers are promoted to float32. */
export const log = (x: Tensor): Tensor => unary('log', 'log', x, logGrad);
/** Element-wise `log(1 + x)`, accurate for small `x`. Integers are promoted to float32. */
export const log1p = (x: Tensor): Tensor => unary('log1p', 'log1p', x, log1pGrad);
/** Element-wise `exp(x) - 1`, accurate for small `x`. Integers are promoted to float32. */
export const expm1 = (x: Tensor): Tensor => unary('expm1', 'expm1', x, expm1Grad, true);
/** Element-wise square root (NaN below 0). Integers are promoted to float32. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', 'sqrt', x, sqrtGrad, true);
/** Element-wise `1 / sqrt(x)`. Integers are promoted to float32. */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', 'rsqrt', x, rsqrtGrad, true);
/** Element-wise `1 / x`. Integers are promoted to float32. */
export const reciprocal = (x: Tensor): Tensor =>
  unary('reciprocal', 'reciprocal', x, reciprocalGrad, true);
/** Element-wise sine (radians). Integers are promoted to float32. */
export const sin = (x: Tensor): Tensor => unary('sin', 'sin', x, sinGrad);
/** Element-wise cosine (radians). Integers are promoted to float32. */
export const cos = (x: Tensor): Tensor => unary('cos', 'cos', x, cosGrad);
/** Element-wise tangent (radians). Integers are promoted to float32. */
export const tan = (x: Tensor): Tensor => unary('tan', 'tan', x, tanGrad, true);
/** Element-wise hyperbolic tangent. Integers are promoted to float32. */
export const tanh = (x: Tensor): Tensor => unary('tanh', 'tanh', x, tanhGrad, true);
/** Element-wise logistic function `1 / (1 + exp(-x))`. Integers are promoted to float32. */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', 'sigmoid', x, sigmoidGrad, true);
/** Element-wise Gauss error function. Integers are promoted to float32. */
export const erf = (x: Tensor): Tensor => unary('erf', 'erf', x, erfGrad);
/** Element-wise rounding down, in the input's dtype. Its gradient is 0. */
export const floor = (x: Tensor): Tensor => unary('floor', 'floor', x, zeroGrad);
/** Element-wise rounding up, in the input's dtype. Its gradient is 0. */
export const ceil = (x: Tensor): Tensor => unary('ceil', 'ceil', x, zeroGrad);
/**
 * Element-wise rounding to the nearest integer, halves to even (like PyTorch), in the input's
 * dtype. Its gradient is 0.
 */
export const round = (x: Tensor): Tensor => unary('round', 'round', x, zeroGrad);
/** Element-wise rounding toward zero, in the input's dtype. Its gradient is 0. */
export const trunc = (x: Tensor): Tensor => unary('trunc', 'trunc', x, zeroGrad);
/** Element-wise logical not of a bool tensor; throws a StrideError for any other dtype. */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', 'not', x);
/** Element-wise NaN test, as a bool tensor (all false for integer and bool inputs). */
export const isnan = (x: Tensor): Tensor => unary('isnan', 'isnan', x);

/** Clamps into [min, max]; either bound may be omitted. Gradient is zero outside the range. */
export function clamp(x: Tensor, min?: number | Tensor, max?: number | Tensor): Tensor {
  const fn = 'clamp';
  backendOfTensor(fn, 'input', x);
  if (min === undefined && max === undefined) fail(fn, 'at least one of min and max must be given');
  for (const [name, bound] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (bound === undefined || bound instanceof Tensor) continue;
    if (typeof bound !== 'number' || Number.isNaN(bound)) {
      fail(fn, `${name} must be a number or a tensor, got ${showValue(bound)}`);
    }
    checkValueFits(fn, name, bound, x.dtype, `use a bound an ${x.dtype} tensor holds`);
  }
  const bounds = [min instanceof Tensor ? min : null, max instanceof Tensor ? max : null];
  const attrs = {
    min: min instanceof Tensor ? undefined : min,
    max: max instanceof Tensor ? undefined : max,
  };
  return traced(fn, [x, ...bounds], attrs, () => {
    let out = x;
    if (min !== undefined) out = maximumNoTie(out, min);
    if (max !== undefined) {
      const prev = out;
      out = minimumNoTie(out, max);
      if (prev !== x) prev.dispose();
    }
    return out;
  });
}

// clamp passes the gradient where the input is inside [min, max] inclusive, as PyTorch does.
const clampMinGrad: BinaryGrad = (dy, x, bound) => {
  const keepX = ge(x, bound);
  return [where(keepX, dy, 0), where(keepX, 0, dy)];
};

const clampMaxGrad: BinaryGrad = (dy, x, bound) => {
  const keepX = le(x, bound);
  return [where(keepX, dy, 0), where(keepX, 0, dy)];
};

function maximumNoTie(x: Tensor, bound: TensorLike): Tensor {
  return binary('clamp', 'maximum', x, bound, clampMinGrad);
}

function minimumNoTie(x: Tensor, bound: TensorLike): Tensor {
  return binary('clamp', 'minimum', x, bound, clampMaxGrad);
}
