import { withGrad } from '../autograd.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { type DType, isFloat, promoteTypes } from '../dtype.js';
import { fail } from '../errors.js';
import { backendOf, describe, wrap } from '../kernel.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { scalarOn } from './creation.js';
import { reshape } from './layout.js';
import { sum } from './reduce.js';

/** A tensor, or a plain number / boolean that is lifted to a scalar tensor. */
export type TensorLike = Tensor | number | boolean;

function scalarDtype(value: number | boolean, other: DType): DType {
  if (typeof value === 'boolean') return other === 'bool' ? 'bool' : other;
  if (isFloat(other)) return other;
  return Number.isInteger(value) ? (other === 'bool' ? 'int32' : other) : 'float32';
}

/** Lifts numbers to tensors on the other argument's backend; at least one must be a tensor. */
export function lift(fn: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const isScalar = (v: unknown): v is number | boolean =>
    typeof v === 'number' || typeof v === 'boolean';
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor && isScalar(b)) {
    a._check(fn, 'input');
    return [a, scalarOn(a.backend, Number(b), scalarDtype(b, a.dtype))];
  }
  if (isScalar(a) && b instanceof Tensor) {
    b._check(fn, 'other');
    return [scalarOn(b.backend, Number(a), scalarDtype(a, b.dtype)), b];
  }
  const bad = a instanceof Tensor || isScalar(a) ? ['other', b] : ['input', a];
  return fail(fn, `${bad[0]} must be a Tensor or a number, got ${describe(bad[1])}`);
}

/** Converts to `dtype`; differentiable between float dtypes. Returns `x` itself if no change. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = backendOf('cast', [['input', x]]);
  if (x.dtype === dtype) return x;
  if (!backend.dtypes.includes(dtype)) {
    fail('cast', `the '${backend.name}' backend does not support ${dtype}`);
  }
  const out = wrap(backend, backend.cast(x._kernel(), dtype), x.shape, dtype);
  if (!isFloat(dtype)) return out;
  const from = x.dtype;
  return withGrad('cast', out, [x], [], (dy) => [cast(dy, from)]);
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

const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const LOGICAL = new Set<BinaryOp>(['and', 'or', 'xor']);

/** Runs a binary kernel with promotion and broadcasting; records no gradient. */
export function binaryRaw(
  fn: string,
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
): {
  out: Tensor;
  x: Tensor;
  y: Tensor;
  release: () => void;
} {
  const [la, lb] = lift(fn, a, b);
  const backend = backendOf(fn, [
    ['input', la],
    ['other', lb],
  ]);
  let dtype = LOGICAL.has(op) ? 'bool' : promoteTypes(la.dtype, lb.dtype);
  if (op === 'div' && !isFloat(dtype)) dtype = 'float32';
  const x = cast(la, dtype);
  const y = cast(lb, dtype);
  const outShape = broadcastShapes(fn, x.shape, y.shape);
  const outDtype = COMPARISONS.has(op) || LOGICAL.has(op) ? 'bool' : dtype;
  const out = wrap(
    backend,
    backend.binary(op, x._kernel(), y._kernel(), outShape),
    outShape,
    outDtype,
  );
  const release = () => {
    for (const t of new Set([la, lb, x, y])) if (t !== a && t !== b) t.dispose();
  };
  return { out, x, y, release };
}

type BinaryGrad = (dy: Tensor, x: Tensor, y: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

function binary(
  fn: string,
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
  gradFn?: BinaryGrad,
  saveOut = false,
): Tensor {
  const { out, x, y, release } = binaryRaw(fn, op, a, b);
  let result = out;
  if (gradFn) {
    const xs = x.shape;
    const ys = y.shape;
    result = withGrad(fn, out, [x, y], saveOut ? [x, y, out] : [x, y], (dy, [sx, sy, so]) => {
      const [gx, gy] = gradFn(dy, sx as Tensor, sy as Tensor, so as Tensor);
      return [gx && unbroadcast(gx, xs), gy && unbroadcast(gy, ys)];
    });
  }
  release();
  return result;
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary('add', 'add', a, b, (dy) => [dy, dy]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary('sub', 'sub', a, b, (dy) => [dy, neg(dy)]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary('mul', 'mul', a, b, (dy, x, y) => [mul(dy, y), mul(dy, x)]);
}

/** True division (integers are promoted to float32, as in PyTorch). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary('div', 'div', a, b, (dy, x, y) => [div(dy, y), neg(div(mul(dy, x), mul(y, y)))]);
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary(
    'pow',
    'pow',
    a,
    b,
    (dy, x, y, out) => {
      const gx = mul(dy, mul(y, pow(x, sub(y, 1))));
      // d/dy x^y = x^y log x; defined as 0 where x = 0 (PyTorch's convention).
      const gy = mul(dy, where(eq(x, 0), 0, mul(out, log(x))));
      return [gx, gy];
    },
    true,
  );
}

/** Floored remainder with the sign of the divisor, like `torch.remainder`. */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  return binary('remainder', 'mod', a, b, (dy, x, y) => [dy, neg(mul(dy, floor(div(x, y))))]);
}

function splitWhereEqual(dy: Tensor, x: Tensor, y: Tensor, wins: Tensor): [Tensor, Tensor] {
  // Ties share the gradient equally, as PyTorch does for maximum/minimum.
  const tie = eq(x, y);
  const half = mul(dy, 0.5);
  return [where(tie, half, where(wins, dy, 0)), where(tie, half, where(wins, 0, dy))];
}

export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary('maximum', 'maximum', a, b, (dy, x, y) => splitWhereEqual(dy, x, y, gt(x, y)));
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary('minimum', 'minimum', a, b, (dy, x, y) => splitWhereEqual(dy, x, y, lt(x, y)));
}

export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', 'eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', 'ne', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', 'lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', 'le', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', 'gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', 'ge', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor =>
  binary('logicalAnd', 'and', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('logicalOr', 'or', a, b);
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor =>
  binary('logicalXor', 'xor', a, b);

/** Element-wise `cond ? a : b` with broadcasting; gradients flow to `a` and `b`. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const fn = 'where';
  backendOf(fn, [['condition', cond]]);
  if (cond.dtype !== 'bool') fail(fn, `condition must be a bool tensor, got ${cond.dtype}`);
  const [la, lb] =
    typeof a === 'number' && typeof b === 'number' ? liftPair(cond, a, b) : lift(fn, a, b);
  const backend = backendOf(fn, [
    ['condition', cond],
    ['input', la],
    ['other', lb],
  ]);
  const dtype = promoteTypes(la.dtype, lb.dtype);
  const x = cast(la, dtype);
  const y = cast(lb, dtype);
  const outShape = broadcastShapes(fn, broadcastShapes(fn, cond.shape, x.shape), y.shape);
  const storage = backend.where(cond._kernel(), x._kernel(), y._kernel(), outShape);
  const xs = x.shape;
  const ys = y.shape;
  const out = withGrad(fn, wrap(backend, storage, outShape, dtype), [x, y], [cond], (dy, [c]) => [
    unbroadcast(where(c as Tensor, dy, 0), xs),
    unbroadcast(where(c as Tensor, 0, dy), ys),
  ]);
  for (const t of new Set([la, lb, x, y])) if (t !== a && t !== b) t.dispose();
  return out;
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

type UnaryGrad = (dy: Tensor, x: Tensor, y: Tensor) => Tensor;

/** Runs a unary kernel (promoting integers to float32 where the op needs floats). */
export function unary(
  fn: string,
  op: UnaryOp,
  input: Tensor,
  gradFn?: UnaryGrad,
  saveOut = false,
): Tensor {
  const backend = backendOf(fn, [['input', input]]);
  if (op === 'not' && input.dtype !== 'bool')
    fail(fn, `input must be a bool tensor, got ${input.dtype}`);
  if (op === 'isnan' && !isFloat(input.dtype)) {
    return wrap(backend, backend.fill(input.size, 'bool', 0), input.shape, 'bool');
  }
  const x = FLOAT_ONLY.has(op) && !isFloat(input.dtype) ? cast(input, 'float32') : input;
  const outDtype = op === 'isnan' ? 'bool' : x.dtype;
  if (op !== 'not' && op !== 'isnan' && x.dtype === 'bool') {
    fail(fn, 'input is a bool tensor; cast it to a number type first');
  }
  const out = wrap(backend, backend.unary(op, x._kernel()), x.shape, outDtype);
  const result = gradFn
    ? withGrad(fn, out, [x], saveOut ? [x, out] : [x], (dy, [sx, so]) => [
        gradFn(dy, sx as Tensor, so as Tensor),
      ])
    : out;
  if (x !== input) x.dispose();
  return result;
}

const zeroGrad: UnaryGrad = (dy) => mul(dy, 0);

export const neg = (x: Tensor): Tensor => unary('neg', 'neg', x, (dy) => neg(dy));
export const abs = (x: Tensor): Tensor => unary('abs', 'abs', x, (dy, sx) => mul(dy, sign(sx)));
export const sign = (x: Tensor): Tensor => unary('sign', 'sign', x, zeroGrad);
export const square = (x: Tensor): Tensor =>
  unary('square', 'square', x, (dy, sx) => mul(dy, mul(sx, 2)));
export const exp = (x: Tensor): Tensor => unary('exp', 'exp', x, (dy, _x, y) => mul(dy, y), true);
export const log = (x: Tensor): Tensor => unary('log', 'log', x, (dy, sx) => div(dy, sx));
export const log1p = (x: Tensor): Tensor =>
  unary('log1p', 'log1p', x, (dy, sx) => div(dy, add(sx, 1)));
export const expm1 = (x: Tensor): Tensor =>
  unary('expm1', 'expm1', x, (dy, _x, y) => mul(dy, add(y, 1)), true);
export const sqrt = (x: Tensor): Tensor =>
  unary('sqrt', 'sqrt', x, (dy, _x, y) => div(mul(dy, 0.5), y), true);
export const rsqrt = (x: Tensor): Tensor =>
  unary('rsqrt', 'rsqrt', x, (dy, _x, y) => mul(dy, mul(pow(y, 3), -0.5)), true);
export const reciprocal = (x: Tensor): Tensor =>
  unary('reciprocal', 'reciprocal', x, (dy, _x, y) => neg(mul(dy, mul(y, y))), true);
export const sin = (x: Tensor): Tensor => unary('sin', 'sin', x, (dy, sx) => mul(dy, cos(sx)));
export const cos = (x: Tensor): Tensor => unary('cos', 'cos', x, (dy, sx) => neg(mul(dy, sin(sx))));
export const tan = (x: Tensor): Tensor =>
  unary('tan', 'tan', x, (dy, _x, y) => mul(dy, add(mul(y, y), 1)), true);
export const tanh = (x: Tensor): Tensor =>
  unary('tanh', 'tanh', x, (dy, _x, y) => mul(dy, sub(1, mul(y, y))), true);
export const sigmoid = (x: Tensor): Tensor =>
  unary('sigmoid', 'sigmoid', x, (dy, _x, y) => mul(dy, mul(y, sub(1, y))), true);
export const erf = (x: Tensor): Tensor =>
  unary('erf', 'erf', x, (dy, sx) => mul(dy, mul(exp(neg(mul(sx, sx))), 2 / Math.sqrt(Math.PI))));
export const floor = (x: Tensor): Tensor => unary('floor', 'floor', x, zeroGrad);
export const ceil = (x: Tensor): Tensor => unary('ceil', 'ceil', x, zeroGrad);
export const round = (x: Tensor): Tensor => unary('round', 'round', x, zeroGrad);
export const trunc = (x: Tensor): Tensor => unary('trunc', 'trunc', x, zeroGrad);
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', 'not', x);
export const isnan = (x: Tensor): Tensor => unary('isnan', 'isnan', x);

/** Clamps into [min, max]; either bound may be omitted. Gradient is zero outside the range. */
export function clamp(x: Tensor, min?: number | Tensor, max?: number | Tensor): Tensor {
  const fn = 'clamp';
  backendOf(fn, [['input', x]]);
  if (min === undefined && max === undefined) fail(fn, 'at least one of min and max must be given');
  let out = x;
  if (min !== undefined) out = maximumNoTie(out, min);
  if (max !== undefined) {
    const prev = out;
    out = minimumNoTie(out, max);
    if (prev !== x) prev.dispose();
  }
  return out;
}

// clamp passes the gradient where the input is inside [min, max] inclusive, as PyTorch does.
function maximumNoTie(x: Tensor, bound: TensorLike): Tensor {
  return binary('clamp', 'maximum', x, bound, (dy, sx, sb) => {
    const keepX = ge(sx, sb);
    return [where(keepX, dy, 0), where(keepX, 0, dy)];
  });
}

function minimumNoTie(x: Tensor, bound: TensorLike): Tensor {
  return binary('clamp', 'minimum', x, bound, (dy, sx, sb) => {
    const keepX = le(sx, sb);
    return [where(keepX, dy, 0), where(keepX, 0, dy)];
  });
}
