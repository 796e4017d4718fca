/**
 * Builders of the layout and shape ops: Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Reshape,
 * Flatten, Transpose, Pad, Cast, Constant, Identity and Dropout (inference: the identity). Each
 * runs on the host when its inputs are host values (shape arithmetic), else with Stride's ops.
 */
import {
  add,
  cast,
  concat,
  type DType,
  flip,
  indexSelect,
  lt,
  pad,
  permute,
  reshape,
  slice,
  squeeze,
  type Tensor,
  tensor,
  where,
} from '@stride/core';
import { attr, intAttr, intsAttr, stringAttr } from './attributes.js';
import {
  allHost,
  type NodeRun,
  nodeFail,
  normAxis,
  numbersIn,
  type OpSpec,
  tensorIn,
} from './op-spec.js';
import {
  type AxisSlice,
  hostConcat,
  hostGather,
  hostSlice,
  prod,
  reshapeDims,
  sliceAxis,
} from './shape-arith.js';
import { dimsOf, type Host, host, hostOf, isHost, type Value } from './values.js';

/** A value with new dims and the same elements (host or device). */
function withDims(v: Value, dims: readonly number[]): Value {
  return isHost(v) ? host(v.kind, dims, v.values, v.wide) : reshape(v, [...dims]);
}

function required(node: NodeRun, inputs: readonly (Value | undefined)[], i: number, name: string) {
  const v = inputs[i];
  if (v === undefined) nodeFail(node, `input ${name} is missing`);
  return v;
}

const Shape: OpSpec = {
  attrs: { start: attr.int(), end: attr.int() },
  inputs: [1, 1],
  run(node, inputs) {
    const dims = dimsOf(required(node, inputs, 0, 'data'));
    const r = dims.length;
    const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
    const start = clampAxis(intAttr(node.attrs, 'start', 0));
    const end = clampAxis(intAttr(node.attrs, 'end', r));
    const out = dims.slice(start, Math.max(start, end));
    return [host('int', [out.length], out)];
  },
};

/** Gather's indices made non-negative, checked against the axis size. */
function gatherIndices(node: NodeRun, idx: Host, dim: number): Host {
  const values = idx.values.map((j) => {
    if (!Number.isInteger(j) || j < -dim || j >= dim) {
      nodeFail(node, `index ${j} is out of range for an axis of size ${dim}`);
    }
    return j < 0 ? j + dim : j;
  });
  return host('int', idx.dims, values);
}

const Gather: OpSpec = {
  attrs: { axis: attr.int() },
  inputs: [2, 2],
  run(node, inputs) {
    const data = required(node, inputs, 0, 'data');
    const indices = required(node, inputs, 1, 'indices');
    const dims = dimsOf(data);
    const axis = normAxis(node, intAttr(node.attrs, 'axis', 0), dims.length);
    const dim = dims[axis] as number;
    const outDims = (idxDims: readonly number[]) => [
      ...dims.slice(0, axis),
      ...idxDims,
      ...dims.slice(axis + 1),
    ];
    if (isHost(indices)) {
      const idx = gatherIndices(node, indices, dim);
      if (isHost(data)) return [hostGather(data, idx, axis)];
      const picked = indexSelect(
        data,
        axis,
        tensor(Int32Array.from(idx.values), { dtype: 'int32', device: node.ctx.device }),
      );
      return [reshape(picked, outDims(idx.dims))];
    }
    const x = tensorIn(node, inputs, 0, 'data');
    // Indices computed on the device: negative ones count from the end, as on the host.
    const flat = reshape(cast(indices, 'int32'), [-1]);
    const fixed = where(lt(flat, 0), add(flat, dim), flat);
    return [reshape(indexSelect(x, axis, fixed), outDims(indices.shape))];
  },
};

/** The axes input of Squeeze and Unsqueeze, normalised against `rank`. */
function axesOf(node: NodeRun, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normAxis(node, a, rank, 'axes entry'));
  if (new Set(out).size !== out.length) nodeFail(node, `axes [${axes.join(',')}] repeat an axis`);
  return out;
}

const Unsqueeze: OpSpec = {
  attrs: {},
  inputs: [2, 2],
  hostInputs: [1],
  run(node, inputs) {
    const data = required(node, inputs, 0, 'data');
    const dims = dimsOf(data);
    const given = numbersIn(node, inputs, 1, 'axes') ?? [];
    const axes = axesOf(node, given, dims.length + given.length);
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < dims.length + axes.length; i++) {
      out.push(axes.includes(i) ? 1 : (dims[k++] as number));
    }
    return [withDims(data, out)];
  },
};

const Squeeze: OpSpec = {
  attrs: {},
  inputs: [1, 2],
  hostInputs: [1],
  run(node, inputs) {
    const data = required(node, inputs, 0, 'data');
    const dims = dimsOf(data);
    const given = numbersIn(node, inputs, 1, 'axes');
    const axes =
      given === undefined
        ? dims.flatMap((d, i) => (d === 1 ? [i] : []))
        : axesOf(node, given, dims.length);
    for (const a of axes) {
      if (dims[a] !== 1) nodeFail(node, `cannot squeeze axis ${a} of size ${dims[a]}`);
    }
    if (!isHost(data) && given === undefined) return [squeeze(data)];
    return [
      withDims(
        data,
        dims.filter((_, i) => !axes.includes(i)),
      ),
    ];
  },
};

const Concat: OpSpec = {
  attrs: { axis: attr.int() },
  inputs: [1, Number.POSITIVE_INFINITY],
  check: ({ attrs }) => (attrs.axis === undefined ? 'attribute axis is required' : undefined),
  run(node, inputs) {
    const parts = inputs.map((_, i) => required(node, inputs, i, `${i}`));
    const rank = dimsOf(parts[0] as Value).length;
    const axis = normAxis(node, intAttr(node.attrs, 'axis', 0), rank);
    for (const [i, p] of parts.entries()) {
      const d = dimsOf(p);
      if (d.length !== rank || d.some((n, j) => j !== axis && n !== dimsOf(parts[0] as Value)[j])) {
        nodeFail(
          node,
          `input ${i} [${d.join(',')}] does not match input 0 [${dimsOf(parts[0] as Value).join(',')}] off axis ${axis}`,
        );
      }
    }
    if (allHost(parts)) return [hostConcat(parts as Host[], axis)];
    const ts = parts.map((_, i) => tensorIn(node, parts, i, `${i}`));
    return [concat(ts, axis)];
  },
};

/** One axis of a device slice, negative steps by flipping the kept range. */
function sliceTensor(x: Tensor, s: AxisSlice): Tensor {
  if (s.count === 0) {
    const dims = [...x.shape];
    dims[s.axis] = 0;
    return reshape(slice(x, s.axis, 0, 0), dims);
  }
  if (s.step > 0) return slice(x, s.axis, s.start, s.start + (s.count - 1) * s.step + 1, s.step);
  // Elements start, start+step, ... (step < 0): the same as flipping the ascending run.
  const last = s.start + (s.count - 1) * s.step;
  const run = slice(x, s.axis, last, s.start + 1, -s.step);
  return flip(run, s.axis);
}

const Slice: OpSpec = {
  attrs: {},
  inputs: [3, 5],
  hostInputs: [1, 2, 3, 4],
  run(node, inputs) {
    const data = required(node, inputs, 0, 'data');
    const dims = dimsOf(data);
    const starts = numbersIn(node, inputs, 1, 'starts') ?? [];
    const ends = numbersIn(node, inputs, 2, 'ends') ?? [];
    const axes = numbersIn(node, inputs, 3, 'axes') ?? starts.map((_, i) => i);
    const steps = numbersIn(node, inputs, 4, 'steps') ?? starts.map(() => 1);
    if (
      ends.length !== starts.length ||
      axes.length !== starts.length ||
      steps.length !== starts.length
    ) {
      nodeFail(
        node,
        `starts, ends, axes and steps must have one entry each per sliced axis, got ${starts.length}, ${ends.length}, ${axes.length}, ${steps.length}`,
      );
    }
    const slices = starts.map((s, i) => {
      const axis = normAxis(node, axes[i] as number, dims.length, 'axes entry');
      const step = steps[i] as number;
      if (step === 0) nodeFail(node, 'steps must not be 0');
      return sliceAxis(axis, dims[axis] as number, s, ends[i] as number, step);
    });
    if (isHost(data)) return [hostSlice(data, slices)];
    let x = tensorIn(node, inputs, 0, 'data');
    for (const s of slices) x = sliceTensor(x, s);
    return [x];
  },
};

const Reshape: OpSpec = {
  attrs: { allowzero: attr.intIn(0, 1) },
  inputs: [2, 2],
  hostInputs: [1],
  run(node, inputs) {
    const data = required(node, inputs, 0, 'data');
    const shape = numbersIn(node, inputs, 1, 'shape') ?? [];
    const dims = reshapeDims(dimsOf(data), shape, intAttr(node.attrs, 'allowzero', 0) === 1);
    if (typeof dims === 'string') {
      nodeFail(node, `cannot reshape [${dimsOf(data).join(',')}] to [${shape.join(',')}]: ${dims}`);
    }
    return [withDims(data, dims)];
  },
};

const Flatten: OpSpec = {
  attrs: { axis: attr.int() },
  inputs: [1, 1],
  run(node, inputs) {
    const data = required(node, inputs, 0, 'input');
    const dims = dimsOf(data);
    const axis = intAttr(node.attrs, 'axis', 1);
    if (axis < -dims.length || axis > dims.length) {
      nodeFail(node, `axis ${axis} is out of range for a ${dims.length}-d input`);
    }
    const a = axis < 0 ? axis + dims.length : axis;
    return [withDims(data, [prod(dims.slice(0, a)), prod(dims.slice(a))])];
  },
};

const Transpose: OpSpec = {
  attrs: { perm: attr.ints() },
  inputs: [1, 1],
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'data');
    const perm = intsAttr(node.attrs, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.rank || sorted.some((p, i) => p !== i)) {
      nodeFail(node, `perm [${perm.join(',')}] is not a permutation of the ${x.rank} axes`);
    }
    return [permute(x, perm)];
  },
};

/** ONNX Pad modes and the core modes that compute them. */
const PAD_MODES: Readonly<Record<string, 'constant' | 'reflect' | 'replicate'>> = {
  constant: 'constant',
  reflect: 'reflect',
  edge: 'replicate',
};

const Pad: OpSpec = {
  attrs: { mode: attr.oneOf('constant', 'reflect', 'edge') },
  inputs: [2, 4],
  hostInputs: [1, 2, 3],
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'data');
    const pads = numbersIn(node, inputs, 1, 'pads') ?? [];
    const value = numbersIn(node, inputs, 2, 'constant_value')?.[0] ?? 0;
    const given = numbersIn(node, inputs, 3, 'axes');
    const axes = given
      ? given.map((a) => normAxis(node, a, x.rank, 'axes entry'))
      : x.shape.map((_, i) => i);
    if (pads.length !== 2 * axes.length) {
      nodeFail(
        node,
        `pads must hold 2 entries per padded axis (${2 * axes.length}), got ${pads.length}`,
      );
    }
    const before = new Array<number>(x.rank).fill(0);
    const after = new Array<number>(x.rank).fill(0);
    axes.forEach((a, i) => {
      before[a] = pads[i] as number;
      after[a] = pads[i + axes.length] as number;
    });
    // Core's pad lists (before, after) pairs from the last dim back, as PyTorch's F.pad.
    const pairs: number[] = [];
    for (let d = x.rank - 1; d >= 0; d--) pairs.push(before[d] as number, after[d] as number);
    const mode = PAD_MODES[stringAttr(node.attrs, 'mode', 'constant')] ?? 'constant';
    if (pairs.every((p) => p === 0)) return [x];
    return [pad(x, pairs, mode, mode === 'constant' ? value : 0)];
  },
};

/** ONNX element types Cast converts to, and the Stride dtype of each. */
const CAST_TARGETS: Readonly<Record<number, DType>> = {
  1: 'float32',
  6: 'int32',
  7: 'int32',
  9: 'bool',
  11: 'float64',
};

const Cast: OpSpec = {
  attrs: {
    to: attr.int((v) =>
      v in CAST_TARGETS
        ? undefined
        : 'is not supported (supported: 1 FLOAT, 6 INT32, 7 INT64, 9 BOOL, 11 DOUBLE)',
    ),
    saturate: attr.int(),
  },
  inputs: [1, 1],
  check: ({ attrs }) => (attrs.to === undefined ? 'attribute to is required' : undefined),
  run(node, inputs) {
    const v = required(node, inputs, 0, 'input');
    const to = CAST_TARGETS[intAttr(node.attrs, 'to', 1)] as DType;
    if (isHost(v)) {
      if (to === 'bool')
        return [
          host(
            'bool',
            v.dims,
            v.values.map((x) => (x !== 0 ? 1 : 0)),
          ),
        ];
      if (to === 'int32')
        return [
          host(
            'int',
            v.dims,
            v.values.map((x) => Math.trunc(x)),
          ),
        ];
      return [host('float', v.dims, v.values, to === 'float64')];
    }
    return [v.dtype === to ? v : cast(v, to)];
  },
};

const Constant: OpSpec = {
  attrs: {
    value: attr.tensor(),
    value_float: attr.float(),
    value_floats: attr.floats(),
    value_int: attr.int(),
    value_ints: attr.ints(),
  },
  inputs: [0, 0],
  check: ({ attrs }) =>
    Object.keys(attrs).length === 1
      ? undefined
      : 'needs exactly one of the attributes value, value_float, value_floats, value_int, value_ints',
  run(node) {
    const a = node.attrs;
    if (a.value !== undefined) return [hostOf(a.value as never)];
    if (typeof a.value_float === 'number') return [host('float', [], [a.value_float])];
    if (typeof a.value_int === 'number') return [host('int', [], [a.value_int])];
    const floats = a.value_floats as readonly number[] | undefined;
    if (floats) return [host('float', [floats.length], floats)];
    const ints = (a.value_ints ?? []) as readonly number[];
    return [host('int', [ints.length], ints)];
  },
};

const ConstantOfShape: OpSpec = {
  attrs: { value: attr.tensor() },
  inputs: [1, 1],
  hostInputs: [0],
  run(node, inputs) {
    const dims = numbersIn(node, inputs, 0, 'input') ?? [];
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
      nodeFail(node, `input holds an invalid shape [${dims.join(',')}]`);
    }
    // The value is a one-element tensor; ONNX's default is a float 0.
    const v =
      node.attrs.value === undefined ? host('float', [1], [0]) : hostOf(node.attrs.value as never);
    if (v.values.length !== 1) nodeFail(node, 'attribute value must hold one element');
    return [host(v.kind, dims, new Array<number>(prod(dims)).fill(v.values[0] as number), v.wide)];
  },
};

const Identity: OpSpec = {
  attrs: {},
  inputs: [1, 1],
  run: (node, inputs) => [required(node, inputs, 0, 'input')],
};

const Dropout: OpSpec = {
  attrs: { seed: attr.int() },
  inputs: [1, 3],
  outputs: 2,
  hostInputs: [1, 2],
  run(node, inputs) {
    // The imported graph runs as ONNX's inference: Dropout passes its input through, unless the
    // graph itself asks for training mode, which the importer does not do.
    const training = numbersIn(node, inputs, 2, 'training_mode');
    if (training && training[0] !== 0) {
      nodeFail(
        node,
        'training_mode true is not supported (the importer runs Dropout as inference)',
      );
    }
    const data = required(node, inputs, 0, 'data');
    // The mask of an inference Dropout keeps everything.
    const dims = dimsOf(data);
    return [data, host('bool', dims, new Array<number>(prod(dims)).fill(1))];
  },
};

/** Builders of the layout and shape ops, by op type. */
export const SHAPE_OPS: Readonly<Record<string, OpSpec>> = {
  Shape,
  Gather,
  Unsqueeze,
  Squeeze,
  Concat,
  Slice,
  Reshape,
  Flatten,
  Transpose,
  Pad,
  Cast,
  Constant,
  ConstantOfShape,
  Identity,
  Dropout,
};
