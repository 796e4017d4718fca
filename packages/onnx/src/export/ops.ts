/**
 * How each op a trace records (core's `TracedOp`) becomes ONNX nodes. Every emitter reads the
 * op's checked arguments, adds nodes through the graph builder and defines the op's output; what
 * ONNX cannot express the same way is refused by name, never approximated.
 */
import { type DType, fail, fmtShape, type Tensor, type TracedOp } from '@stride/core';
import type { ExportContext } from './context.js';
import type { AttrValue } from './graph-builder.js';

type Emitter = (ctx: ExportContext, r: TracedOp) => void;

const FN = 'exportOnnx';

/** A float attribute (ONNX types `epsilon`, `alpha`, ... as floats even when whole). */
const f = (v: number): AttrValue => ({ float: v });

function input(r: TracedOp, i: number): Tensor {
  return r.inputs[i] as Tensor;
}

/** One node of `opType` on the op's inputs (absent ones as ''). */
function simple(
  ctx: ExportContext,
  r: TracedOp,
  opType: string,
  attrs: Record<string, AttrValue | undefined> = {},
  inputs: readonly string[] = r.inputs.map((t) => ctx.name(t, r.op)),
): string {
  const [out] = ctx.graph.node(opType, trimEmpty(inputs), attrs);
  ctx.define(r.output, out as string);
  return out as string;
}

/** Drops absent trailing optional inputs ('' at the end), as ONNX writers do. */
function trimEmpty(inputs: readonly string[]): string[] {
  const out = [...inputs];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Runs `body` on a batched view of an unbatched input (`[C, ...]` → `[1, C, ...]`). */
function batched(
  ctx: ExportContext,
  r: TracedOp,
  spatial: number,
  body: (x: string) => string,
): void {
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  if (xt.rank === spatial + 2) {
    ctx.define(r.output, body(x.name));
    return;
  }
  const g = ctx.graph;
  const axes = g.int64s('axes_0', [0]);
  const [u] = g.node('Unsqueeze', [x.name, axes]);
  const y = body(u as string);
  const [out] = g.node('Squeeze', [y, axes]);
  ctx.define(r.output, out as string);
}

/** Conv and ConvTranspose: weight and optional bias after the (batched) input. */
function convNode(
  opType: 'Conv' | 'ConvTranspose',
  attrs: (r: TracedOp) => Record<string, AttrValue>,
): Emitter {
  return (ctx, r) => {
    const w = input(r, 1);
    const wName = ctx.name(w, r.op);
    const bName = ctx.name(r.inputs[2], r.op);
    const a = { kernel_shape: w.shape.slice(2), ...attrs(r) };
    batched(
      ctx,
      r,
      w.rank - 2,
      (x) => ctx.graph.node(opType, trimEmpty([x, wName, bName]), a)[0] as string,
    );
  };
}

const conv = convNode('Conv', (r) => {
  const a = r.attrs as {
    stride: number[];
    padBefore: number[];
    padAfter: number[];
    dilation: number[];
    groups: number;
  };
  return {
    strides: a.stride,
    pads: [...a.padBefore, ...a.padAfter],
    dilations: a.dilation,
    group: a.groups,
  };
});

const convTranspose = convNode('ConvTranspose', (r) => {
  const a = r.attrs as {
    stride: number[];
    padding: number[];
    outputPadding: number[];
    dilation: number[];
    groups: number;
  };
  return {
    strides: a.stride,
    pads: [...a.padding, ...a.padding],
    output_padding: a.outputPadding,
    dilations: a.dilation,
    group: a.groups,
  };
});

const maxPool: Emitter = (ctx, r) => {
  const a = r.attrs as {
    kernel: number[];
    stride: number[];
    padding: number[];
    dilation: number[];
    ceilMode: boolean;
  };
  batched(ctx, r, a.kernel.length, (x) => {
    const [y] = ctx.graph.node('MaxPool', [x], {
      kernel_shape: a.kernel,
      strides: a.stride,
      pads: [...a.padding, ...a.padding],
      dilations: a.dilation,
      ceil_mode: a.ceilMode ? 1 : 0,
    });
    return y as string;
  });
};

const avgPool: Emitter = (ctx, r) => {
  const a = r.attrs as {
    kernel: number[];
    stride: number[];
    padding: number[];
    ceilMode: boolean;
    countIncludePad: boolean;
  };
  batched(ctx, r, a.kernel.length, (x) => {
    const [y] = ctx.graph.node('AveragePool', [x], {
      kernel_shape: a.kernel,
      strides: a.stride,
      pads: [...a.padding, ...a.padding],
      ceil_mode: a.ceilMode ? 1 : 0,
      count_include_pad: a.countIncludePad ? 1 : 0,
    });
    return y as string;
  });
};

/**
 * Adaptive pooling: global pooling for output size 1, plain pooling where the output size divides
 * the input's; other sizes have windows of varying length, which ONNX pooling cannot express.
 */
function adaptive(kind: 'Average' | 'Max'): Emitter {
  return (ctx, r) => {
    const out = (r.attrs as { outputSize: number[] }).outputSize;
    const x = input(r, 0);
    const inSpatial = ctx.fixedDims(r, 0, x.rank - out.length);
    const name = kind === 'Average' ? 'adaptiveAvgPool' : 'adaptiveMaxPool';
    if (inSpatial.some((s, i) => s % (out[i] as number) !== 0)) {
      fail(
        FN,
        `${name} from ${fmtShape(inSpatial)} to ${fmtShape(out)} has no ONNX mapping: ONNX pools with one window size, so each output size must divide the input size (input ${fmtShape(x.shape)})`,
      );
    }
    batched(ctx, r, out.length, (xn) => {
      if (out.every((o) => o === 1)) {
        return ctx.graph.node(`Global${kind}Pool`, [xn])[0] as string;
      }
      const kernel = inSpatial.map((s, i) => s / (out[i] as number));
      return ctx.graph.node(kind === 'Average' ? 'AveragePool' : 'MaxPool', [xn], {
        kernel_shape: kernel,
        strides: kernel,
      })[0] as string;
    });
  };
}

/** A parameter of `channels` values, or a constant of `fill` where the op was given none. */
function paramOr(
  ctx: ExportContext,
  r: TracedOp,
  t: Tensor | null | undefined,
  base: string,
  dtype: DType,
  fill: number,
  length: number,
): string {
  return t ? ctx.name(t, r.op) : ctx.graph.filled(base, dtype, fill, length);
}

const batchNorm: Emitter = (ctx, r) => {
  const a = r.attrs as { training: boolean; eps: number };
  const x = input(r, 0);
  if (a.training) {
    fail(
      FN,
      `batchNorm runs in training mode (input ${fmtShape(x.shape)}); export a model in eval mode (exportOnnx switches a Module to eval itself; a function must pass training: false)`,
    );
  }
  const c = ctx.fixedDims(r, 0, 1, 2)[0] as number;
  const [, mean, variance, weight, bias] = r.inputs;
  simple(ctx, r, 'BatchNormalization', { epsilon: f(a.eps) }, [
    ctx.name(x, r.op),
    paramOr(ctx, r, weight, 'ones', x.dtype, 1, c),
    paramOr(ctx, r, bias, 'zeros', x.dtype, 0, c),
    ctx.name(mean, r.op),
    ctx.name(variance, r.op),
  ]);
};

const instanceNorm: Emitter = (ctx, r) => {
  const a = r.attrs as { useInputStats: boolean; eps: number };
  const x = input(r, 0);
  const c = ctx.fixedDims(r, 0, 1, 2)[0] as number;
  const [, mean, variance, weight, bias] = r.inputs;
  const scale = paramOr(ctx, r, weight, 'ones', x.dtype, 1, c);
  const shift = paramOr(ctx, r, bias, 'zeros', x.dtype, 0, c);
  if (a.useInputStats) {
    simple(ctx, r, 'InstanceNormalization', { epsilon: f(a.eps) }, [
      ctx.name(x, r.op),
      scale,
      shift,
    ]);
  } else {
    simple(ctx, r, 'BatchNormalization', { epsilon: f(a.eps) }, [
      ctx.name(x, r.op),
      scale,
      shift,
      ctx.name(mean, r.op),
      ctx.name(variance, r.op),
    ]);
  }
};

/** `[C]` → `[C, 1, ..., 1]`, to broadcast over the channel dim of a rank-`rank` input. */
function perChannel(ctx: ExportContext, name: string, c: number, rank: number): string {
  const shape = ctx.graph.int64s('shape', [c, ...new Array<number>(rank - 2).fill(1)]);
  return ctx.graph.node('Reshape', [name, shape])[0] as string;
}

const groupNorm: Emitter = (ctx, r) => {
  const a = r.attrs as { numGroups: number; eps: number };
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  const g = ctx.graph;
  const groups = a.numGroups;
  // Instance normalisation of [N, G, C/G * positions] is group normalisation; the per-channel
  // affine follows in the input's own shape.
  const grouped = g.node('Reshape', [x.name, g.int64s('shape', [0, groups, -1])])[0] as string;
  const normed = g.node(
    'InstanceNormalization',
    [grouped, g.filled('ones', xt.dtype, 1, groups), g.filled('zeros', xt.dtype, 0, groups)],
    { epsilon: f(a.eps) },
  )[0] as string;
  let y = g.node('Reshape', [normed, g.node('Shape', [x.name])[0] as string])[0] as string;
  const c = ctx.fixedDims(r, 0, 1, 2)[0] as number;
  const [, weight, bias] = r.inputs;
  if (weight)
    y = g.node('Mul', [y, perChannel(ctx, ctx.name(weight, r.op), c, xt.rank)])[0] as string;
  if (bias) y = g.node('Add', [y, perChannel(ctx, ctx.name(bias, r.op), c, xt.rank)])[0] as string;
  ctx.define(r.output, y);
};

const layerNorm: Emitter = (ctx, r) => {
  const a = r.attrs as { axis: number; eps: number };
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  const [, weight, bias] = r.inputs;
  const g = ctx.graph;
  if (ctx.opset >= 17) {
    const normalized = ctx.fixedDims(r, 0, a.axis);
    const count = normalized.reduce((p, d) => p * d, 1);
    const reshapeTo = (name: string): string =>
      g.node('Reshape', [name, g.int64s('shape', normalized)])[0] as string;
    const scale = weight ? ctx.name(weight, r.op) : reshapeTo(g.filled('ones', xt.dtype, 1, count));
    const shift = bias ? ctx.name(bias, r.op) : '';
    simple(ctx, r, 'LayerNormalization', { axis: a.axis, epsilon: f(a.eps) }, [
      x.name,
      scale,
      shift,
    ]);
    return;
  }
  // Before opset 17: (x - mean) / sqrt(var + eps), the biased variance, as PyTorch's export.
  const axes = xt.shape.slice(a.axis).map((_, i) => a.axis + i);
  const mean = g.node('ReduceMean', [x.name], { axes, keepdims: 1 })[0] as string;
  const centred = g.node('Sub', [x.name, mean])[0] as string;
  const sq = g.node('Mul', [centred, centred])[0] as string;
  const variance = g.node('ReduceMean', [sq], { axes, keepdims: 1 })[0] as string;
  const eps = g.scalar('epsilon', xt.dtype, a.eps);
  const std = g.node('Sqrt', [g.node('Add', [variance, eps])[0] as string])[0] as string;
  let y = g.node('Div', [centred, std])[0] as string;
  if (weight) y = g.node('Mul', [y, ctx.name(weight, r.op)])[0] as string;
  if (bias) y = g.node('Add', [y, ctx.name(bias, r.op)])[0] as string;
  ctx.define(r.output, y);
};

const linear: Emitter = (ctx, r) => {
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  const w = ctx.name(input(r, 1), r.op);
  const b = ctx.name(r.inputs[2], r.op);
  const g = ctx.graph;
  if (xt.rank === 2) {
    const [out] = g.node('Gemm', trimEmpty([x.name, w, b]), { transB: 1 });
    ctx.define(r.output, out as string);
    return;
  }
  const wt = g.node('Transpose', [w], { perm: [1, 0] })[0] as string;
  let y = g.node('MatMul', [x.name, wt])[0] as string;
  if (b) y = g.node('Add', [y, b])[0] as string;
  ctx.define(r.output, y);
};

const matmul: Emitter = (ctx, r) => {
  const [at, bt] = [input(r, 0), input(r, 1)];
  const [a, b] = [ctx.input(at, r.op), ctx.input(bt, r.op)];
  const [out] = ctx.graph.node('MatMul', [a.name, b.name]);
  ctx.define(r.output, out as string);
};

const BINARY: Readonly<Record<string, string>> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  pow: 'Pow',
  maximum: 'Max',
  minimum: 'Min',
  eq: 'Equal',
  gt: 'Greater',
  ge: 'GreaterOrEqual',
  lt: 'Less',
  le: 'LessOrEqual',
};

const COMPARISONS = new Set(['eq', 'gt', 'ge', 'lt', 'le']);

/** Binary ops: a number operand becomes a scalar constant; operands are cast to one dtype. */
function binary(opType: string): Emitter {
  return (ctx, r) => {
    const attrs = r.attrs as { a?: number | boolean; b?: number | boolean };
    const dtype = COMPARISONS.has(r.op) ? comparedDtype(r) : r.output.dtype;
    const names = r.inputs.map((t, i) => {
      if (t === null) {
        const v = Number(i === 0 ? attrs.a : attrs.b);
        return ctx.graph.scalar('scalar', dtype, v);
      }
      const v = ctx.input(t, r.op);
      return t.dtype === dtype
        ? v.name
        : (ctx.graph.node('Cast', [v.name], { to: castCode(dtype) })[0] as string);
    });
    const [out] = ctx.graph.node(opType, names);
    ctx.define(r.output, out as string);
  };
}

/**
 * The dtype a comparison compares in: its tensors' when they share one that holds the number
 * operand exactly, else float32 (as core promotes).
 */
function comparedDtype(r: TracedOp): DType {
  const tensors = r.inputs.filter((t): t is Tensor => t !== null);
  const dtype = (tensors[0] as Tensor).dtype;
  if (tensors.some((t) => t.dtype !== dtype)) return 'float32';
  const { a, b } = r.attrs as { a?: number | boolean; b?: number | boolean };
  const n = a ?? b;
  if (n === undefined || dtype === 'float32' || dtype === 'float64') return dtype;
  return typeof n === 'number' && Number.isInteger(n) && dtype === 'int32' ? dtype : 'float32';
}

/** ONNX's element type code of a dtype, for Cast. */
function castCode(dtype: DType): number {
  return { float32: 1, float64: 11, int32: 6, bool: 9 }[dtype];
}

const UNARY: Readonly<Record<string, string>> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  exp: 'Exp',
  log: 'Log',
  sqrt: 'Sqrt',
  neg: 'Neg',
  abs: 'Abs',
  erf: 'Erf',
  floor: 'Floor',
  ceil: 'Ceil',
  round: 'Round',
  sign: 'Sign',
  reciprocal: 'Reciprocal',
  sin: 'Sin',
  cos: 'Cos',
};

function unary(opType: string): Emitter {
  return (ctx, r) => {
    simple(ctx, r, opType);
  };
}

/** Element-wise ops built from a few nodes: `build` maps the input's name to the output's. */
function composite(build: (ctx: ExportContext, r: TracedOp, x: string) => string): Emitter {
  return (ctx, r) => {
    const x = ctx.input(input(r, 0), r.op);
    ctx.define(r.output, build(ctx, r, x.name));
  };
}

const gelu = composite((ctx, r, x) => {
  const approximate = (r.attrs as { approximate: 'none' | 'tanh' }).approximate;
  const g = ctx.graph;
  if (ctx.opset >= 20) return g.node('Gelu', [x], { approximate })[0] as string;
  const dtype = input(r, 0).dtype;
  const c = (v: number): string => g.scalar('c', dtype, v);
  const node = (op: string, ...ins: string[]): string => g.node(op, ins)[0] as string;
  // The same formulas as core's gelu: x/2 * (1 + erf(x/√2)), or the tanh approximation.
  const inner =
    approximate === 'none'
      ? node('Erf', node('Mul', x, c(Math.SQRT1_2)))
      : node(
          'Tanh',
          node(
            'Mul',
            node('Add', x, node('Mul', node('Mul', node('Mul', x, x), x), c(0.044715))),
            c(Math.sqrt(2 / Math.PI)),
          ),
        );
  return node('Mul', node('Mul', x, c(0.5)), node('Add', inner, c(1)));
});

const silu = composite(
  (ctx, _r, x) =>
    ctx.graph.node('Mul', [x, ctx.graph.node('Sigmoid', [x])[0] as string])[0] as string,
);

/**
 * softplus(x) = log(1 + exp(βx)) / β. Above the threshold core returns x itself; there
 * log(1 + exp(βx)) / β differs from x by less than exp(-threshold) / β, below float32's
 * resolution at the default threshold 20.
 */
const softplus = composite((ctx, r, x) => {
  const { beta } = r.attrs as { beta: number };
  const g = ctx.graph;
  if (beta === 1) return g.node('Softplus', [x])[0] as string;
  const dtype = input(r, 0).dtype;
  const scaled = g.node('Mul', [x, g.scalar('beta', dtype, beta)])[0] as string;
  const soft = g.node('Softplus', [scaled])[0] as string;
  return g.node('Div', [soft, g.scalar('beta', dtype, beta)])[0] as string;
});

const clamp: Emitter = (ctx, r) => {
  const { min, max } = r.attrs as { min?: number; max?: number };
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  const g = ctx.graph;
  const [, minT, maxT] = r.inputs;
  let y = x.name;
  if (minT || maxT) {
    // Tensor bounds broadcast: Max and Min take them as they are.
    if (minT) y = g.node('Max', [y, ctx.name(minT, r.op)])[0] as string;
    else if (min !== undefined) y = g.node('Max', [y, g.scalar('min', xt.dtype, min)])[0] as string;
    if (maxT) y = g.node('Min', [y, ctx.name(maxT, r.op)])[0] as string;
    else if (max !== undefined) y = g.node('Min', [y, g.scalar('max', xt.dtype, max)])[0] as string;
  } else {
    const lo = min === undefined ? '' : g.scalar('min', xt.dtype, min);
    const hi = max === undefined ? '' : g.scalar('max', xt.dtype, max);
    y = g.node('Clip', trimEmpty([x.name, lo, hi]))[0] as string;
  }
  ctx.define(r.output, y);
};

function softmax(opType: string): Emitter {
  return (ctx, r) => {
    simple(ctx, r, opType, { axis: (r.attrs as { axis: number }).axis });
  };
}

/**
 * A Reshape to `r.output`'s shape, asked for as `requested` (with at most one -1). Without
 * `dynamicBatch` the output shape is written as it is. With it, the dims asked for that stay the
 * same at the probe's batch size are written as asked; a dim that follows the batch is written as
 * 0 (ONNX's "copy this dim of the input"), which needs it at the same axis of the input, else the
 * reshape is refused.
 */
function reshapeTo(
  ctx: ExportContext,
  r: TracedOp,
  requested: readonly number[],
  probeRequested: readonly number[] | null,
): void {
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  const probeIn = ctx.probeShape(xt);
  let shape: number[];
  if (probeRequested === null || probeIn === null) shape = [...r.output.shape];
  else {
    shape = requested.map((d, i) => {
      const p = probeRequested[i];
      if (d === p) return d;
      if (xt.shape[i] === d && probeIn[i] === p) return 0;
      return fail(
        FN,
        `${r.op} from ${fmtShape(xt.shape)} to ${fmtShape(r.output.shape)} takes dim ${i} from the batch size but not from dim ${i} of its input, so ONNX's Reshape cannot follow the batch; keep the batch dim where it is (e.g. flatten(x, 1)) or export without dynamicBatch`,
      );
    });
  }
  const g = ctx.graph;
  const [y] = g.node('Reshape', [x.name, g.int64s('shape', shape)]);
  ctx.define(r.output, y as string);
}

const reshape: Emitter = (ctx, r) => {
  const probe = ctx.probeAttrs(r) as { shape: number[] } | null;
  reshapeTo(ctx, r, (r.attrs as { shape: number[] }).shape, probe?.shape ?? null);
};

const flatten: Emitter = (ctx, r) => {
  const { startDim, endDim } = r.attrs as { startDim: number; endDim: number };
  const asked = (shape: readonly number[]): number[] => [
    ...shape.slice(0, startDim),
    -1,
    ...shape.slice(endDim + 1),
  ];
  const xt = input(r, 0);
  const probeIn = ctx.probeShape(xt);
  reshapeTo(ctx, r, asked(xt.shape), probeIn === null ? null : asked(probeIn));
};

const permute: Emitter = (ctx, r) => {
  const { perm } = r.attrs as { perm: number[] };
  const x = ctx.input(input(r, 0), r.op);
  const [y] = ctx.graph.node('Transpose', [x.name], { perm });
  ctx.define(r.output, y as string);
};

const squeeze: Emitter = (ctx, r) => {
  const { axes } = r.attrs as { axes: number[] };
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  if (axes.length === 0) {
    ctx.define(r.output, ctx.graph.node('Identity', [x.name])[0] as string);
    return;
  }
  const g = ctx.graph;
  const [y] = g.node('Squeeze', [x.name, g.int64s('axes', axes)]);
  ctx.define(r.output, y as string);
};

const unsqueeze: Emitter = (ctx, r) => {
  const { axis } = r.attrs as { axis: number };
  const x = ctx.input(input(r, 0), r.op);
  const g = ctx.graph;
  const [y] = g.node('Unsqueeze', [x.name, g.int64s('axes', [axis])]);
  ctx.define(r.output, y as string);
};

const concat: Emitter = (ctx, r) => {
  const { axis } = r.attrs as { axis: number };
  const values = r.inputs.map((t) => ctx.input(t as Tensor, r.op));
  const [y] = ctx.graph.node(
    'Concat',
    values.map((v) => v.name),
    { axis },
  );
  ctx.define(r.output, y as string);
};

const PAD_MODE: Readonly<Record<string, string>> = {
  constant: 'constant',
  reflect: 'reflect',
  replicate: 'edge',
};

const pad: Emitter = (ctx, r) => {
  const { padding, mode, value } = r.attrs as { padding: number[]; mode: string; value: number };
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  const begins = xt.shape.map(() => 0);
  const ends = xt.shape.map(() => 0);
  for (let i = 0; i < padding.length / 2; i++) {
    begins[xt.rank - 1 - i] = padding[2 * i] as number;
    ends[xt.rank - 1 - i] = padding[2 * i + 1] as number;
  }
  const g = ctx.graph;
  const inputs = [x.name, g.int64s('pads', [...begins, ...ends])];
  if (mode === 'constant') inputs.push(g.scalar('value', xt.dtype, value));
  const [y] = g.node('Pad', inputs, { mode: PAD_MODE[mode] });
  ctx.define(r.output, y as string);
};

const dropout: Emitter = (ctx, r) => {
  const { p, training } = r.attrs as { p: number; training: boolean };
  if (training && p > 0) {
    fail(
      FN,
      `dropout runs in training mode (p ${p}); export a model in eval mode (exportOnnx switches a Module to eval itself; a function must pass training: false)`,
    );
  }
  simple(ctx, r, 'Identity');
};

/** ReduceSum and ReduceMean: axes as an input from opset 13 (sum) and 18 (mean). */
function reduce(opType: 'ReduceSum' | 'ReduceMean', axesInputFrom: number): Emitter {
  return (ctx, r) => {
    const { axes, keepDims } = r.attrs as { axes: number[]; keepDims: boolean };
    const xt = input(r, 0);
    const x = ctx.input(xt, r.op);
    const g = ctx.graph;
    let y: string;
    if (axes.length === 0) y = g.node('Identity', [x.name])[0] as string;
    else if (ctx.opset >= axesInputFrom) {
      y = g.node(opType, [x.name, g.int64s('axes', axes)], {
        keepdims: keepDims ? 1 : 0,
      })[0] as string;
    } else y = g.node(opType, [x.name], { axes, keepdims: keepDims ? 1 : 0 })[0] as string;
    ctx.define(r.output, y);
  };
}

const interpolate: Emitter = (ctx, r) => {
  const a = r.attrs as {
    size: number[];
    scales: number[] | null;
    mode: string;
    alignCorners: boolean;
  };
  const xt = input(r, 0);
  const x = ctx.input(xt, r.op);
  const g = ctx.graph;
  const attrs: Record<string, AttrValue> =
    a.mode === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : {
          mode: 'linear',
          // half_pixel, not pytorch_half_pixel: the latter samples position 0 for an output of
          // length 1, where core (and PyTorch itself) sample the middle of the input.
          coordinate_transformation_mode: a.alignCorners ? 'align_corners' : 'half_pixel',
        };
  let inputs: string[];
  if (a.scales) {
    // Scales given: the sampling positions use them as given, as PyTorch does.
    const scales = g.fresh('scales');
    g.initializer(scales, 'float32', [xt.rank], Float32Array.from([1, 1, ...a.scales]));
    inputs = [x.name, '', scales];
  } else {
    // Sizes given: batch and channels from the input at run time, the spatial sizes fixed.
    const shape = g.node('Shape', [x.name])[0] as string;
    const lead = g.node('Slice', [
      shape,
      g.int64s('starts', [0]),
      g.int64s('ends', [2]),
    ])[0] as string;
    const sizes = g.node('Concat', [lead, g.int64s('sizes', a.size)], { axis: 0 })[0] as string;
    inputs = [x.name, '', '', sizes];
  }
  const [y] = g.node('Resize', inputs, attrs);
  ctx.define(r.output, y as string);
};

/** The emitter of every op a trace records that has an ONNX mapping. */
export const EMITTERS: Readonly<Record<string, Emitter>> = {
  conv,
  convTranspose,
  maxPool,
  avgPool,
  adaptiveAvgPool: adaptive('Average'),
  adaptiveMaxPool: adaptive('Max'),
  batchNorm,
  instanceNorm,
  groupNorm,
  layerNorm,
  linear,
  matmul,
  ...Object.fromEntries(Object.entries(BINARY).map(([op, t]) => [op, binary(t)])),
  ...Object.fromEntries(Object.entries(UNARY).map(([op, t]) => [op, unary(t)])),
  leakyRelu: (ctx, r) => {
    simple(ctx, r, 'LeakyRelu', { alpha: f((r.attrs as { negativeSlope: number }).negativeSlope) });
  },
  elu: (ctx, r) => {
    simple(ctx, r, 'Elu', { alpha: f((r.attrs as { alpha: number }).alpha) });
  },
  gelu,
  silu,
  softplus,
  clamp,
  softmax: softmax('Softmax'),
  logSoftmax: softmax('LogSoftmax'),
  reshape,
  flatten,
  permute,
  squeeze,
  unsqueeze,
  concat,
  pad,
  dropout,
  sum: reduce('ReduceSum', 13),
  mean: reduce('ReduceMean', 18),
  interpolate,
  indexSelect: (ctx, r) => {
    simple(ctx, r, 'Gather', { axis: (r.attrs as { axis: number }).axis });
  },
};
