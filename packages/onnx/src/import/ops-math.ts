/**
 * Builders of the element-wise, activation, matrix and reduction ops: Add, Sub, Mul, Div, Pow,
 * the unary functions, Relu and its relatives, Softmax, Gemm, MatMul, Clip and the Reduce ops.
 * Element-wise arithmetic of host values stays on the host (shape arithmetic).
 */
import {
  abs,
  add,
  cast,
  ceil,
  clamp,
  div,
  elu,
  erf,
  exp,
  floor,
  gelu,
  gt,
  leakyRelu,
  linear,
  log,
  logSoftmax,
  matmul,
  max,
  mean,
  min,
  mul,
  neg,
  pow,
  reciprocal,
  relu,
  sigmoid,
  softmax,
  softplus,
  sqrt,
  sub,
  sum,
  type Tensor,
  type TensorLike,
  tanh,
  transpose,
  trunc,
  where,
} from '@stride/core';
import { attr, floatAttr, intAttr, intsAttr, stringAttr } from './attributes.js';
import {
  type NodeRun,
  nodeFail,
  normAxis,
  numbersIn,
  type OpSpec,
  optionalTensorIn,
  tensorIn,
} from './op-spec.js';
import { hostBinary, hostUnary } from './shape-arith.js';
import { type HostKind, isHost, toTensor, type Value } from './values.js';

function required(node: NodeRun, inputs: readonly (Value | undefined)[], i: number, name: string) {
  const v = inputs[i];
  if (v === undefined) nodeFail(node, `input ${name} is missing`);
  return v;
}

/** The kind of a device tensor, as host values name kinds. */
function kindOfTensor(t: Tensor): HostKind {
  return t.dtype === 'bool' ? 'bool' : t.dtype === 'int32' ? 'int' : 'float';
}

/**
 * An operand of a device op: a one-element host value of the other operand's kind, no more dims
 * than it, stays a number (core lifts numbers without an upload); anything else becomes a tensor.
 */
function operand(node: NodeRun, v: Value, other: Value, name: string): TensorLike {
  if (isHost(v) && v.values.length === 1 && !isHost(other)) {
    if (v.dims.length <= other.rank && v.kind === kindOfTensor(other)) return v.values[0] as number;
  }
  return toTensor(node.fn, `${node.label}: input ${name}`, v, node.ctx);
}

/** A binary op: on the host when both inputs are host values, else with `device`. */
function binary(
  hostOp: (x: number, y: number, kind: HostKind) => number,
  device: (a: TensorLike, b: TensorLike) => Tensor,
): OpSpec {
  return {
    attrs: {},
    inputs: [2, 2],
    run(node, inputs) {
      const a = required(node, inputs, 0, 'A');
      const b = required(node, inputs, 1, 'B');
      if (isHost(a) && isHost(b)) {
        const kind = a.kind === 'float' || b.kind === 'float' ? 'float' : a.kind;
        const out = hostBinary(a, b, kind, (x, y) => hostOp(x, y, kind));
        if (!out) {
          nodeFail(node, `inputs [${a.dims.join(',')}] and [${b.dims.join(',')}] do not broadcast`);
        }
        return [out];
      }
      const x = isHost(a) ? operand(node, a, b, 'A') : a;
      const y = isHost(b) ? operand(node, b, a, 'B') : b;
      return [device(x, y)];
    },
  };
}

const truncDiv = (x: number, y: number, kind: HostKind) =>
  kind === 'int' ? Math.trunc(x / y) : x / y;

/** A unary op with no attributes; `hostOp` runs it on host values where given. */
function unary(device: (x: Tensor) => Tensor, hostOp?: (x: number) => number): OpSpec {
  return {
    attrs: {},
    inputs: [1, 1],
    run(node, inputs) {
      const v = required(node, inputs, 0, 'X');
      if (hostOp && isHost(v)) return [hostUnary(v, hostOp)];
      return [device(tensorIn(node, inputs, 0, 'X'))];
    },
  };
}

// ONNX's defaults are float32 attributes: these are those float32 values exactly.
const SELU_ALPHA = Math.fround(1.6732632);
const SELU_GAMMA = Math.fround(1.050701);

function selu(x: Tensor, alpha: number, gamma: number): Tensor {
  // gamma * (x > 0 ? x : alpha * (exp(x) - 1)), with exp taken of min(x, 0) as elu does.
  return mul(where(gt(x, 0), x, mul(sub(exp(clamp(x, undefined, 0)), 1), alpha)), gamma);
}

/** Softmax-like ops over one axis (opset 13+: the axis alone, not the flattened tail). */
function overAxis(device: (x: Tensor, axis: number) => Tensor): OpSpec {
  return {
    attrs: { axis: attr.int() },
    inputs: [1, 1],
    run(node, inputs) {
      const x = tensorIn(node, inputs, 0, 'input');
      return [device(x, normAxis(node, intAttr(node.attrs, 'axis', -1), x.rank))];
    },
  };
}

const Gemm: OpSpec = {
  attrs: {
    alpha: attr.float(),
    beta: attr.float(),
    transA: attr.intIn(0, 1),
    transB: attr.intIn(0, 1),
  },
  inputs: [2, 3],
  run(node, inputs) {
    const a = tensorIn(node, inputs, 0, 'A');
    const b = tensorIn(node, inputs, 1, 'B');
    const c = optionalTensorIn(node, inputs, 2, 'C');
    const alpha = floatAttr(node.attrs, 'alpha', 1);
    const beta = floatAttr(node.attrs, 'beta', 1);
    const transA = intAttr(node.attrs, 'transA', 0) === 1;
    const transB = intAttr(node.attrs, 'transB', 0) === 1;
    if (a.rank !== 2 || b.rank !== 2) {
      nodeFail(
        node,
        `A and B must be 2-d, got A [${a.shape.join(',')}] and B [${b.shape.join(',')}]`,
      );
    }
    // The layout of a Linear layer, exported as Gemm(x, W, b, transB=1): core's linear.
    if (!transA && transB && alpha === 1 && beta === 1 && (c === null || c.rank === 1)) {
      return [linear(a, b, c)];
    }
    let y = matmul(transA ? transpose(a) : a, transB ? transpose(b) : b);
    if (alpha !== 1) y = mul(y, alpha);
    if (c !== null && beta !== 0) y = add(y, beta === 1 ? c : mul(c, beta));
    return [y];
  },
};

const MatMul: OpSpec = {
  attrs: {},
  inputs: [2, 2],
  run: (node, inputs) => [matmul(tensorIn(node, inputs, 0, 'A'), tensorIn(node, inputs, 1, 'B'))],
};

const Clip: OpSpec = {
  attrs: {},
  inputs: [1, 3],
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'input');
    const bound = (i: number, name: string): number | Tensor | undefined => {
      const v = inputs[i];
      if (v === undefined) return undefined;
      if (isHost(v)) {
        if (v.values.length !== 1)
          nodeFail(node, `${name} must be a scalar, got [${v.dims.join(',')}]`);
        return v.values[0] as number;
      }
      return v;
    };
    const lo = bound(1, 'min');
    const hi = bound(2, 'max');
    if (lo === undefined && hi === undefined) return [x];
    return [clamp(x, lo, hi)];
  },
};

/** A Reduce op: axes from the attribute (older opsets) or the input (newer), keepdims. */
function reduce(device: (x: Tensor, axes: number[] | undefined, keep: boolean) => Tensor): OpSpec {
  return {
    attrs: {
      axes: attr.ints(),
      keepdims: attr.intIn(0, 1),
      noop_with_empty_axes: attr.intIn(0, 1),
    },
    inputs: [1, 2],
    hostInputs: [1],
    run(node, inputs) {
      const x = tensorIn(node, inputs, 0, 'data');
      const given = numbersIn(node, inputs, 1, 'axes') ?? intsAttr(node.attrs, 'axes');
      const keep = intAttr(node.attrs, 'keepdims', 1) === 1;
      if (
        (given === undefined || given.length === 0) &&
        intAttr(node.attrs, 'noop_with_empty_axes', 0) === 1
      ) {
        return [x];
      }
      const axes =
        given === undefined || given.length === 0
          ? undefined
          : given.map((a) => normAxis(node, a, x.rank, 'axes entry'));
      return [device(x, axes, keep)];
    },
  };
}

/** Builders of the element-wise, activation, matrix and reduction ops, by op type. */
export const MATH_OPS: Readonly<Record<string, OpSpec>> = {
  Add: binary((x, y) => x + y, add),
  Sub: binary((x, y) => x - y, sub),
  Mul: binary((x, y) => x * y, mul),
  // Integer division truncates (ONNX follows C); core's div of integers is true division.
  Div: binary(truncDiv, (a, b) => {
    const q = div(a, b);
    const ints = [a, b].every((v) =>
      typeof v === 'number' ? Number.isInteger(v) : typeof v !== 'boolean' && v.dtype === 'int32',
    );
    return ints && q.dtype !== 'int32' ? cast(trunc(q), 'int32') : q;
  }),
  Pow: binary((x, y) => x ** y, pow),
  Neg: unary(neg, (x) => -x),
  Abs: unary(abs, Math.abs),
  Sqrt: unary(sqrt, Math.sqrt),
  Exp: unary(exp, Math.exp),
  Log: unary(log, Math.log),
  Floor: unary(floor, Math.floor),
  Ceil: unary(ceil, Math.ceil),
  Reciprocal: unary(reciprocal, (x) => 1 / x),
  Relu: unary(relu),
  Sigmoid: unary(sigmoid),
  Tanh: unary(tanh),
  Erf: unary(erf),
  Softplus: unary((x) => softplus(x)),
  LeakyRelu: {
    attrs: { alpha: attr.float() },
    inputs: [1, 1],
    run: (node, inputs) => [
      leakyRelu(tensorIn(node, inputs, 0, 'X'), floatAttr(node.attrs, 'alpha', 0.01)),
    ],
  },
  Elu: {
    attrs: { alpha: attr.float() },
    inputs: [1, 1],
    run: (node, inputs) => [elu(tensorIn(node, inputs, 0, 'X'), floatAttr(node.attrs, 'alpha', 1))],
  },
  Selu: {
    attrs: { alpha: attr.float(), gamma: attr.float() },
    inputs: [1, 1],
    run: (node, inputs) => [
      selu(
        tensorIn(node, inputs, 0, 'X'),
        floatAttr(node.attrs, 'alpha', SELU_ALPHA),
        floatAttr(node.attrs, 'gamma', SELU_GAMMA),
      ),
    ],
  },
  Gelu: {
    attrs: { approximate: attr.oneOf('none', 'tanh') },
    inputs: [1, 1],
    run: (node, inputs) => [
      gelu(tensorIn(node, inputs, 0, 'X'), {
        approximate: stringAttr(node.attrs, 'approximate', 'none') as 'none' | 'tanh',
      }),
    ],
  },
  Softmax: overAxis(softmax),
  LogSoftmax: overAxis(logSoftmax),
  Gemm,
  MatMul,
  Clip,
  ReduceMean: reduce((x, axes, keep) => mean(x, axes, keep)),
  ReduceSum: reduce((x, axes, keep) => sum(x, axes, keep)),
  ReduceMax: reduce((x, axes, keep) => max(x, axes, keep)),
  ReduceMin: reduce((x, axes, keep) => min(x, axes, keep)),
};
