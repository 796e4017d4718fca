/**
 * `binary` on the host, for small operands whose data is there (host-storage.ts explains why).
 * Only the ops that are one correctly rounded IEEE operation (or an exact integer or logical one)
 * run here, so the result is the one the GPU kernel gives (for `div`, within the GPU's own
 * rounding of division, and where a GPU flushes subnormal numbers to zero, the host keeps
 * them); `pow` and `mod` keep their WGSL definitions in binary.ts.
 */
import type { BinaryOp, KernelTensor, Shape } from '@stride/core';
import { sizeOf } from '@stride/core';
import type { GpuContext } from '../context.js';
import { HostStorage } from '../host-storage.js';
import { broadcastOperand, planIndex } from '../indexing.js';
import type { GpuStorage } from '../storage.js';

type T = KernelTensor<GpuStorage>;
type Scalar = (a: number, b: number) => number;

// Typed-array stores round: a float32 sum or quotient computed in double and stored is the
// correctly rounded float32 one (double has more than twice float32's precision).
const FLOAT: Partial<Record<BinaryOp, Scalar>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  // NaN in either input wins, as in PyTorch (and binary.ts).
  maximum: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a < b || Number.isNaN(a) ? a : b),
};

const INT: Partial<Record<BinaryOp, Scalar>> = {
  // Wrapping like the GPU's i32 arithmetic.
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: Math.imul,
  div: (a, b) => (b === 0 ? 0 : (a / b) | 0),
  maximum: Math.max,
  minimum: Math.min,
};

const COMPARE: Partial<Record<BinaryOp, Scalar>> = {
  eq: (a, b) => (a === b ? 1 : 0),
  // True when either is NaN.
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  // NaN is not zero, so it counts as true.
  and: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  or: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  xor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
};

/** The host-computed result, or null where the GPU kernel must run. */
export function hostBinary(
  ctx: GpuContext,
  op: BinaryOp,
  a: T,
  b: T,
  outShape: Shape,
): GpuStorage | null {
  const n = sizeOf(outShape);
  const left = a.storage;
  const right = b.storage;
  if (!(left instanceof HostStorage && right instanceof HostStorage)) return null;
  if (n === 0 || n > ctx.hostMaxElements) return null;
  const dtype = a.dtype;
  const compare = COMPARE[op];
  const f = compare ?? (dtype === 'float32' ? FLOAT[op] : INT[op]);
  if (!f) return null;
  const y =
    compare || dtype === 'bool'
      ? new Uint32Array(n)
      : dtype === 'float32'
        ? new Float32Array(n)
        : new Int32Array(n);
  const x0 = left.view(dtype);
  const x1 = right.view(dtype);
  // Bool arithmetic runs on 0/1 as integers, squashed back to 0/1 (as in binary.ts).
  const squash = !compare && dtype === 'bool';
  const na = sizeOf(a.shape);
  const nb = sizeOf(b.shape);
  if ((na === n || na === 1) && (nb === n || nb === 1)) {
    // Equal shapes, or a single value on either side: one flat walk.
    const sa = na === n ? 1 : 0;
    const sb = nb === n ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const v = f(x0[i * sa], x1[i * sb]);
      y[i] = squash && v !== 0 ? 1 : v;
    }
    return ctx.hold(y);
  }
  const plan = planIndex(outShape, [
    broadcastOperand(a.shape, outShape),
    broadcastOperand(b.shape, outShape),
  ]);
  const shape = plan.shape;
  const [sa, sb] = plan.operands.map((o) => o.strides);
  const last = shape.length - 1;
  const index = new Array<number>(shape.length).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    const v = f(x0[ia], x1[ib]);
    y[i] = squash && v !== 0 ? 1 : v;
    // Step the coordinates odometer-style, moving each operand's position with them.
    for (let d = last; d >= 0; d--) {
      ia += sa[d];
      ib += sb[d];
      if (++index[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
  return ctx.hold(y);
}
