import type {
  AdamStepParams,
  BinaryOp,
  DType,
  KernelTensor,
  Shape,
  TypedArray,
  UnaryOp,
} from '@stride/core';
import { broadcastStrides, coalesce, sizeOf, stridesOf } from '@stride/core';
import { RowWalker } from './row-walker.js';
import { erf, modFloat, modInt, powFloat, powInt, roundHalfEven } from './scalar.js';
import { allocate } from './storage.js';

type Floats = Float32Array | Float64Array;
type T = KernelTensor<TypedArray>;

// ---- unary ----------------------------------------------------------------------------------

export function unary(op: UnaryOp, x: T): TypedArray {
  const n = sizeOf(x.shape);
  const a = x.storage;
  if (op === 'isnan') {
    const o = new Uint8Array(n);
    for (let i = 0; i < n; i++) o[i] = Number.isNaN(a[i]) ? 1 : 0;
    return o;
  }
  if (op === 'not') {
    const o = new Uint8Array(n);
    for (let i = 0; i < n; i++) o[i] = a[i] === 0 ? 1 : 0;
    return o;
  }
  const o = allocate(x.dtype, n);
  if (x.dtype === 'float32' || x.dtype === 'float64') unaryFloat(op, a as Floats, o as Floats, n);
  else if (x.dtype === 'int32') unaryInt(op, a as Int32Array, o as Int32Array, n);
  else unaryBool(op, a as Uint8Array, o as Uint8Array, n);
  return o;
}

function unaryFloat(op: UnaryOp, a: Floats, o: Floats, n: number): void {
  let i = 0;
  switch (op) {
    case 'neg':
      for (; i < n; i++) o[i] = -a[i];
      return;
    case 'abs':
      for (; i < n; i++) o[i] = Math.abs(a[i]);
      return;
    case 'sign':
      // PyTorch computes (0 < x) - (x < 0): NaN and -0 give 0.
      for (; i < n; i++) o[i] = a[i] > 0 ? 1 : a[i] < 0 ? -1 : 0;
      return;
    case 'square':
      for (; i < n; i++) o[i] = a[i] * a[i];
      return;
    case 'exp':
      for (; i < n; i++) o[i] = Math.exp(a[i]);
      return;
    case 'log':
      for (; i < n; i++) o[i] = Math.log(a[i]);
      return;
    case 'log1p':
      for (; i < n; i++) o[i] = Math.log1p(a[i]);
      return;
    case 'expm1':
      for (; i < n; i++) o[i] = Math.expm1(a[i]);
      return;
    case 'sqrt':
      for (; i < n; i++) o[i] = Math.sqrt(a[i]);
      return;
    case 'rsqrt':
      for (; i < n; i++) o[i] = 1 / Math.sqrt(a[i]);
      return;
    case 'reciprocal':
      for (; i < n; i++) o[i] = 1 / a[i];
      return;
    case 'sin':
      for (; i < n; i++) o[i] = Math.sin(a[i]);
      return;
    case 'cos':
      for (; i < n; i++) o[i] = Math.cos(a[i]);
      return;
    case 'tan':
      for (; i < n; i++) o[i] = Math.tan(a[i]);
      return;
    case 'tanh':
      for (; i < n; i++) o[i] = Math.tanh(a[i]);
      return;
    case 'sigmoid':
      for (; i < n; i++) o[i] = 1 / (1 + Math.exp(-a[i]));
      return;
    case 'erf':
      for (; i < n; i++) o[i] = erf(a[i]);
      return;
    case 'floor':
      for (; i < n; i++) o[i] = Math.floor(a[i]);
      return;
    case 'ceil':
      for (; i < n; i++) o[i] = Math.ceil(a[i]);
      return;
    case 'round':
      for (; i < n; i++) o[i] = roundHalfEven(a[i]);
      return;
    case 'trunc':
      for (; i < n; i++) o[i] = Math.trunc(a[i]);
      return;
    case 'relu':
      if (o instanceof Float32Array) reluFloat32(a as Float32Array, o, n);
      else for (; i < n; i++) o[i] = Math.max(a[i], 0);
      return;
    default:
      throw unsupported('unary', op, 'a float dtype');
  }
}

/** relu over a float array in place (a convolution's fused relu on the TypeScript kernels). */
export function reluInPlace(a: TypedArray): TypedArray {
  if (a instanceof Float32Array) reluFloat32(a, a, a.length);
  else for (let i = 0; i < a.length; i++) a[i] = Math.max(a[i] as number, 0);
  return a;
}

/**
 * relu on float32 bit patterns: a set sign bit (negative numbers, -0, -inf) clears the word
 * unless the word is a NaN, which passes through as in PyTorch. No branch, where a test of
 * the sign of random data would be mispredicted half the time.
 */
function reluFloat32(a: Float32Array, o: Float32Array, n: number): void {
  const x = int32View(a);
  const y = int32View(o);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const nan = +((v & 0x7fffffff) > 0x7f800000);
    y[i] = v & ~((v >> 31) & (nan - 1));
  }
}

function unaryInt(op: UnaryOp, a: Int32Array, o: Int32Array, n: number): void {
  let i = 0;
  switch (op) {
    case 'neg':
      for (; i < n; i++) o[i] = -a[i] | 0;
      return;
    case 'abs':
      // abs(INT32_MIN) wraps to itself, as in C.
      for (; i < n; i++) o[i] = Math.abs(a[i]) | 0;
      return;
    case 'sign':
      for (; i < n; i++) o[i] = a[i] > 0 ? 1 : a[i] < 0 ? -1 : 0;
      return;
    case 'square':
      for (; i < n; i++) o[i] = Math.imul(a[i], a[i]);
      return;
    case 'relu':
      for (; i < n; i++) o[i] = Math.max(a[i], 0);
      return;
    default:
      throw unsupported('unary', op, 'int32');
  }
}

function unaryBool(op: UnaryOp, a: Uint8Array, o: Uint8Array, n: number): void {
  switch (op) {
    case 'abs':
    case 'sign':
    case 'square':
    case 'relu':
      // Each is the identity on {0, 1}.
      for (let i = 0; i < n; i++) o[i] = a[i] === 0 ? 0 : 1;
      return;
    default:
      throw unsupported('unary', op, 'bool');
  }
}

// ---- binary ---------------------------------------------------------------------------------

/** Comparisons and logical ops, whose output is bool whatever their inputs. */
function producesBool(op: BinaryOp): boolean {
  switch (op) {
    case 'eq':
    case 'ne':
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
    case 'and':
    case 'or':
    case 'xor':
      return true;
    default:
      return false;
  }
}

export function binary(op: BinaryOp, a: T, b: T, outShape: Shape): TypedArray {
  const n = sizeOf(outShape);
  const logical = producesBool(op);
  const out = allocate(logical ? 'bool' : a.dtype, n);
  if (n === 0) return out;
  const kind = logical ? 0 : a.dtype === 'float32' || a.dtype === 'float64' ? 1 : 2;
  const x = a.storage;
  const y = b.storage;
  const na = sizeOf(a.shape);
  const nb = sizeOf(b.shape);
  // One flat row covers equal shapes and a scalar on either side, the common cases; only true
  // broadcasting needs the row walker.
  if (na === n && (nb === n || nb === 1)) {
    binaryRow(kind, op, out, 0, x, 0, 1, y, 0, nb === n ? 1 : 0, n);
  } else if (na === 1 && nb === n) {
    binaryRow(kind, op, out, 0, x, 0, 0, y, 0, 1, n);
  } else {
    const walk = new RowWalker(
      coalesce(outShape, [
        stridesOf(outShape),
        broadcastStrides(a.shape, outShape),
        broadcastStrides(b.shape, outShape),
      ]),
    );
    const len = walk.length;
    const sa = walk.step[1];
    const sb = walk.step[2];
    for (let r = 0; r < walk.rows; r++) {
      binaryRow(kind, op, out, walk.offset[0], x, walk.offset[1], sa, y, walk.offset[2], sb, len);
      walk.next();
    }
  }
  // bool arithmetic ran as integer arithmetic (add = or, mul = and, ...); squash back to 0/1.
  if (!logical && a.dtype === 'bool') for (let i = 0; i < n; i++) out[i] = out[i] === 0 ? 0 : 1;
  return out;
}

/**
 * One row of a binary op: `n` outputs from `io` on, reading `x` from `ia` in steps of `sa` and
 * `y` from `ib` in steps of `sb` (a step of 0 repeats one value). `kind` 0: comparison or
 * logical, 1: float arithmetic, 2: int32 or bool arithmetic.
 */
function binaryRow(
  kind: number,
  op: BinaryOp,
  o: TypedArray,
  io: number,
  x: TypedArray,
  ia: number,
  sa: number,
  y: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  if (kind === 1) floatRow(op, o as Floats, io, x as Floats, ia, sa, y as Floats, ib, sb, n);
  else if (kind === 2) intRow(op, o, io, x, ia, sa, y, ib, sb, n);
  else logicalRow(op, o, io, x, ia, sa, y, ib, sb, n);
}

function floatRow(
  op: BinaryOp,
  o: Floats,
  io: number,
  x: Floats,
  ia: number,
  sa: number,
  y: Floats,
  ib: number,
  sb: number,
  n: number,
): void {
  const end = io + n;
  switch (op) {
    case 'add':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = x[ia] + y[ib];
      return;
    case 'sub':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = x[ia] - y[ib];
      return;
    case 'mul':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = x[ia] * y[ib];
      return;
    case 'div':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = x[ia] / y[ib];
      return;
    case 'pow':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = powFloat(x[ia], y[ib]);
      return;
    case 'maximum':
      for (; io < end; io++, ia += sa, ib += sb) {
        const u = x[ia];
        const v = y[ib];
        o[io] = u > v || Number.isNaN(u) ? u : v;
      }
      return;
    case 'minimum':
      for (; io < end; io++, ia += sa, ib += sb) {
        const u = x[ia];
        const v = y[ib];
        o[io] = u < v || Number.isNaN(u) ? u : v;
      }
      return;
    case 'mod':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = modFloat(x[ia], y[ib]);
      return;
    default:
      throw unsupported('binary', op, 'a float dtype');
  }
}

function intRow(
  op: BinaryOp,
  o: TypedArray,
  io: number,
  x: TypedArray,
  ia: number,
  sa: number,
  y: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  const end = io + n;
  switch (op) {
    case 'add':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = (x[ia] + y[ib]) | 0;
      return;
    case 'sub':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = (x[ia] - y[ib]) | 0;
      return;
    case 'mul':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = Math.imul(x[ia], y[ib]);
      return;
    case 'div':
      // Never called by core (true division promotes to float); truncate like C if it is.
      for (; io < end; io++, ia += sa, ib += sb) o[io] = y[ib] === 0 ? 0 : (x[ia] / y[ib]) | 0;
      return;
    case 'pow':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = powInt(x[ia], y[ib]);
      return;
    case 'maximum':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = Math.max(x[ia], y[ib]);
      return;
    case 'minimum':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = Math.min(x[ia], y[ib]);
      return;
    case 'mod':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = modInt(x[ia], y[ib]);
      return;
    default:
      throw unsupported('binary', op, 'int32');
  }
}

function logicalRow(
  op: BinaryOp,
  o: TypedArray,
  io: number,
  x: TypedArray,
  ia: number,
  sa: number,
  y: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  const end = io + n;
  // +(a < b) rather than a ternary: compiled without a branch, which on data of mixed signs
  // would be mispredicted half the time (about three times slower).
  switch (op) {
    case 'eq':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = +(x[ia] === y[ib]);
      return;
    case 'ne':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = +(x[ia] !== y[ib]);
      return;
    case 'lt':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = +(x[ia] < y[ib]);
      return;
    case 'le':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = +(x[ia] <= y[ib]);
      return;
    case 'gt':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = +(x[ia] > y[ib]);
      return;
    case 'ge':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = +(x[ia] >= y[ib]);
      return;
    case 'and':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = x[ia] !== 0 && y[ib] !== 0 ? 1 : 0;
      return;
    case 'or':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = x[ia] !== 0 || y[ib] !== 0 ? 1 : 0;
      return;
    case 'xor':
      for (; io < end; io++, ia += sa, ib += sb) o[io] = (x[ia] !== 0) !== (y[ib] !== 0) ? 1 : 0;
      return;
    default:
      throw unsupported('binary', op, 'a comparison');
  }
}

// ---- where, cast ----------------------------------------------------------------------------

export function where(cond: T, a: T, b: T, outShape: Shape): TypedArray {
  const n = sizeOf(outShape);
  const out = allocate(a.dtype, n);
  if (n === 0) return out;
  const c = cond.storage as Uint8Array;
  // float32 is selected through its bit pattern (exact for NaN payloads and -0 too), so that
  // every type but float64 runs the branch-free loop.
  const bits = a.dtype === 'float32';
  const o = bits ? int32View(out) : out;
  const x = bits ? int32View(a.storage) : a.storage;
  const y = bits ? int32View(b.storage) : b.storage;
  const float64 = a.dtype === 'float64';
  const nc = sizeOf(cond.shape);
  const na = sizeOf(a.shape);
  const nb = sizeOf(b.shape);
  if (nc === n && (na === n || na === 1) && (nb === n || nb === 1)) {
    const sa = na === n ? 1 : 0;
    const sb = nb === n ? 1 : 0;
    if (float64) whereRowAny(out, 0, c, 0, 1, a.storage, 0, sa, b.storage, 0, sb, n);
    else whereRowBits(o as Int32Array | Uint8Array, 0, c, 0, 1, x, 0, sa, y, 0, sb, n);
    return out;
  }
  const walk = new RowWalker(
    coalesce(outShape, [
      stridesOf(outShape),
      broadcastStrides(cond.shape, outShape),
      broadcastStrides(a.shape, outShape),
      broadcastStrides(b.shape, outShape),
    ]),
  );
  const len = walk.length;
  const sc = walk.step[1];
  const sa = walk.step[2];
  const sb = walk.step[3];
  const off = walk.offset;
  for (let r = 0; r < walk.rows; r++) {
    if (float64)
      whereRowAny(out, off[0], c, off[1], sc, a.storage, off[2], sa, b.storage, off[3], sb, len);
    else
      whereRowBits(
        o as Int32Array | Uint8Array,
        off[0],
        c,
        off[1],
        sc,
        x,
        off[2],
        sa,
        y,
        off[3],
        sb,
        len,
      );
    walk.next();
  }
  return out;
}

/** The same memory as an Int32Array (float32 storage read as bit patterns). */
function int32View(a: TypedArray): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** One row of `where` on integer words: the mask -c (all ones or zero) picks x's bits or y's. */
function whereRowBits(
  o: Int32Array | Uint8Array,
  io: number,
  c: Uint8Array,
  ic: number,
  sc: number,
  x: TypedArray,
  ia: number,
  sa: number,
  y: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  const end = io + n;
  for (; io < end; io++, ic += sc, ia += sa, ib += sb) {
    const k = -c[ic];
    o[io] = (x[ia] & k) | (y[ib] & ~k);
  }
}

function whereRowAny(
  o: TypedArray,
  io: number,
  c: Uint8Array,
  ic: number,
  sc: number,
  x: TypedArray,
  ia: number,
  sa: number,
  y: TypedArray,
  ib: number,
  sb: number,
  n: number,
): void {
  const end = io + n;
  for (; io < end; io++, ic += sc, ia += sa, ib += sb) o[io] = c[ic] !== 0 ? x[ia] : y[ib];
}

// ---- fused kernels (optional in the contract) -----------------------------------------------

/** `dy` where `x > 0`, else 0; float32 selects through bit patterns, without a branch. */
export function reluBackward(dy: T, x: T): TypedArray {
  const n = sizeOf(x.shape);
  const out = allocate(dy.dtype, n);
  if (dy.dtype === 'float32') {
    const o = int32View(out);
    const g = int32View(dy.storage);
    const v = x.storage as Float32Array;
    for (let i = 0; i < n; i++) o[i] = g[i] & -+(v[i] > 0);
  } else {
    const g = dy.storage;
    const v = x.storage;
    for (let i = 0; i < n; i++) out[i] = v[i] > 0 ? g[i] : 0;
  }
  return out;
}

/**
 * The contract's fused SGD update `param + direction·(−lr)`: float32 rounds −lr and the product
 * with Math.fround, as `mul` then `add` store them; float64 needs no rounding of its own.
 */
export function sgdStep(param: T, direction: T, lr: number): TypedArray {
  const n = sizeOf(param.shape);
  const out = allocate(param.dtype, n) as Floats;
  const p = param.storage as Floats;
  const d = direction.storage as Floats;
  if (param.dtype === 'float32') {
    const f = Math.fround;
    const step = f(-lr);
    for (let i = 0; i < n; i++) out[i] = p[i] + f(d[i] * step);
  } else {
    const step = -lr;
    for (let i = 0; i < n; i++) out[i] = p[i] + d[i] * step;
  }
  return out;
}

/**
 * The contract's fused Adam step. float32 rounds every scalar and intermediate with
 * Math.fround, as the stores of the separate kernels would, so the result is bit for bit the
 * composition of those kernels; float64 needs no rounding of its own.
 */
export function adamStep(
  base: T,
  grad: T,
  expAvg: T,
  expAvgSq: T,
  h: AdamStepParams,
): { param: TypedArray; expAvg: TypedArray; expAvgSq: TypedArray } {
  const n = sizeOf(base.shape);
  const param = allocate(base.dtype, n) as Floats;
  const m = allocate(base.dtype, n) as Floats;
  const v = allocate(base.dtype, n) as Floats;
  const args = [
    base.storage as Floats,
    grad.storage as Floats,
    expAvg.storage as Floats,
    expAvgSq.storage as Floats,
  ] as const;
  if (base.dtype === 'float32') adamFloat32(...args, param, m, v, n, h);
  else adamFloat64(...args, param, m, v, n, h);
  return { param, expAvg: m, expAvgSq: v };
}

function adamFloat32(
  p: Floats,
  g: Floats,
  m0: Floats,
  v0: Floats,
  param: Floats,
  m: Floats,
  v: Floats,
  n: number,
  h: AdamStepParams,
): void {
  const f = Math.fround;
  const beta1 = f(h.beta1);
  const keep1 = f(1 - h.beta1);
  const beta2 = f(h.beta2);
  const keep2 = f(1 - h.beta2);
  const correction = f(h.biasCorrection2Sqrt);
  const eps = f(h.eps);
  const step = f(-h.stepSize);
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = f(f(m0[i] * beta1) + f(gi * keep1));
    const vi = f(f(v0[i] * beta2) + f(f(gi * keep2) * gi));
    m[i] = mi;
    v[i] = vi;
    param[i] = p[i] + f(f(mi * step) / f(f(f(Math.sqrt(vi)) / correction) + eps));
  }
}

function adamFloat64(
  p: Floats,
  g: Floats,
  m0: Floats,
  v0: Floats,
  param: Floats,
  m: Floats,
  v: Floats,
  n: number,
  h: AdamStepParams,
): void {
  const { beta1, beta2, biasCorrection2Sqrt: correction, eps } = h;
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  const step = -h.stepSize;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = m0[i] * beta1 + gi * keep1;
    const vi = v0[i] * beta2 + gi * keep2 * gi;
    m[i] = mi;
    v[i] = vi;
    param[i] = p[i] + (mi * step) / (Math.sqrt(vi) / correction + eps);
  }
}

/** float -> int truncates toward zero (wrapping like a typed-array store); -> bool is x != 0. */
export function cast(x: T, dtype: DType): TypedArray {
  const n = sizeOf(x.shape);
  const out = allocate(dtype, n);
  const a = x.storage;
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) out[i] = a[i] !== 0 ? 1 : 0;
  } else if (a.length === n) {
    out.set(a);
  } else {
    out.set(a.subarray(0, n));
  }
  return out;
}

export function unsupported(kernel: string, op: string, what: string): Error {
  return new Error(`cpu ${kernel}: '${op}' is not defined for ${what}`);
}
