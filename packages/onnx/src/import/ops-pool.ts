/**
 * Builders of MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool. Core's pools take
 * PyTorch's padding (the same on both sides, at most half the kernel); other padding is applied
 * explicitly first (-infinity for max, zeros for average, with the divisor counted on a padded
 * mask where count_include_pad is 0).
 */
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  add,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  cast,
  div,
  isFloat,
  max,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  mean,
  ones,
  pad,
  type Tensor,
  tensor,
} from '@stride/core';
import { attr, intAttr, intsAttr } from './attributes.js';
import { type NodeRun, nodeFail, type OpSpec, tensorIn } from './op-spec.js';
import { AUTO_PAD, checkWindow, type Pads, perAxis, windowPads } from './ops-conv.js';

const MAX_POOL = [maxPool1d, maxPool2d, maxPool3d] as const;
const AVG_POOL = [avgPool1d, avgPool2d, avgPool3d] as const;

/** The window geometry of a pooling node over `x`. */
function geometry(node: NodeRun, x: Tensor) {
  const kernel = [...(intsAttr(node.attrs, 'kernel_shape') ?? [])];
  const n = kernel.length;
  if (n < 1 || n > 3 || x.rank !== n + 2) {
    nodeFail(
      node,
      `kernel_shape [${kernel.join(',')}] needs an input [N, C, ...${n} spatial axes] (1 to 3), got [${x.shape.join(',')}]`,
    );
  }
  const strides = perAxis(node, node.attrs, 'strides', n, 1);
  const dilations = perAxis(node, node.attrs, 'dilations', n, 1);
  const pads = windowPads(node, x.shape.slice(2), kernel, strides, dilations);
  const ceilMode = intAttr(node.attrs, 'ceil_mode', 0) === 1;
  // Core pads like PyTorch: the same on both sides and at most half the kernel.
  const native = pads.before.every(
    (b, i) => b === pads.after[i] && b <= Math.floor((kernel[i] as number) / 2),
  );
  return { kernel, n, strides, dilations, pads, ceilMode, native };
}

/** `x` padded explicitly with `value` (core's pairs run from the last axis back). */
function padSpatial(x: Tensor, pads: Pads, value: number): Tensor {
  const pairs: number[] = [];
  for (let d = pads.before.length - 1; d >= 0; d--) {
    pairs.push(pads.before[d] as number, pads.after[d] as number);
  }
  return pad(x, pairs, 'constant', value);
}

const MaxPool: OpSpec = {
  attrs: {
    auto_pad: AUTO_PAD,
    ceil_mode: attr.intIn(0, 1),
    dilations: attr.intsAtLeast(1),
    kernel_shape: attr.intsAtLeast(1),
    pads: attr.intsAtLeast(0),
    storage_order: attr.intIn(0),
    strides: attr.intsAtLeast(1),
  },
  inputs: [1, 1],
  outputs: 2,
  check: (node) => checkWindow(node, true),
  run(node, inputs) {
    const given = tensorIn(node, inputs, 0, 'X');
    // Core pools floats; integer inputs (uint8 images) are exact in float32 up to 2^24.
    const x = isFloat(given.dtype) ? given : cast(given, 'float32');
    const back = (y: Tensor) => (y.dtype === given.dtype ? y : cast(y, given.dtype));
    const g = geometry(node, x);
    const pool = MAX_POOL[g.n - 1] as typeof maxPool2d;
    const common = {
      kernelSize: g.kernel,
      stride: g.strides,
      dilation: g.dilations,
      ceilMode: g.ceilMode,
    };
    if (!g.native) return [back(pool(padSpatial(x, g.pads, Number.NEGATIVE_INFINITY), common))];
    if (node.wanted < 2) return [back(pool(x, { ...common, padding: g.pads.before }))];
    const { values, indices } = pool(x, { ...common, padding: g.pads.before, returnIndices: true });
    // ONNX's Indices count over the whole tensor, core's within each (sample, channel) plane.
    const [n = 1, c = 1] = x.shape;
    const plane = x.shape.slice(2).reduce((a, b) => a * b, 1);
    const offsets = tensor(
      Int32Array.from({ length: n * c }, (_, i) => i * plane),
      { dtype: 'int32', device: x.device, shape: [n, c, ...g.kernel.map(() => 1)] },
    );
    return [back(values), add(indices, offsets)];
  },
};

const AveragePool: OpSpec = {
  attrs: {
    auto_pad: AUTO_PAD,
    ceil_mode: attr.intIn(0, 1),
    count_include_pad: attr.intIn(0, 1),
    // Core's average pool has no dilation; ONNX added it in opset 19 with default 1.
    dilations: attr.ints((v) =>
      v.every((d) => d === 1) ? undefined : 'is not supported (only 1s)',
    ),
    kernel_shape: attr.intsAtLeast(1),
    pads: attr.intsAtLeast(0),
    strides: attr.intsAtLeast(1),
  },
  inputs: [1, 1],
  check: (node) => checkWindow(node, true),
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'X');
    const g = geometry(node, x);
    const pool = AVG_POOL[g.n - 1] as typeof avgPool2d;
    const countIncludePad = intAttr(node.attrs, 'count_include_pad', 0) === 1;
    const common = { kernelSize: g.kernel, stride: g.strides, ceilMode: g.ceilMode };
    if (g.native) {
      return [pool(x, { ...common, padding: g.pads.before, countIncludePad })];
    }
    const sums = pool(padSpatial(x, g.pads, 0), { ...common, countIncludePad: true });
    if (countIncludePad) return [sums];
    // The same average of a mask of the real positions: the ratio divides by their count.
    const mask = padSpatial(
      ones([1, 1, ...x.shape.slice(2)], { dtype: x.dtype, device: x.device }),
      g.pads,
      0,
    );
    return [div(sums, pool(mask, { ...common, countIncludePad: true }))];
  },
};

/** The spatial axes of an `[N, C, ...]` input. */
function spatialAxes(node: NodeRun, x: Tensor): number[] {
  if (x.rank < 3)
    nodeFail(node, `expected an input [N, C, ...spatial], got [${x.shape.join(',')}]`);
  return x.shape.slice(2).map((_, i) => i + 2);
}

const ADAPTIVE_AVG: Readonly<Record<number, (x: Tensor, size: number) => Tensor>> = {
  3: adaptiveAvgPool1d,
  4: adaptiveAvgPool2d,
  5: adaptiveAvgPool3d,
};

const GlobalAveragePool: OpSpec = {
  attrs: {},
  inputs: [1, 1],
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'X');
    // Core's adaptive pooling to size 1 where it applies: the same arithmetic as the model an
    // export of adaptiveAvgPool(x, 1) came from, so a round trip is exact.
    const adaptive = ADAPTIVE_AVG[x.rank];
    return [adaptive ? adaptive(x, 1) : mean(x, spatialAxes(node, x), true)];
  },
};

const GlobalMaxPool: OpSpec = {
  attrs: {},
  inputs: [1, 1],
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'X');
    return [max(x, spatialAxes(node, x), true)];
  },
};

/** Builders of the pooling ops, by op type. */
export const POOL_OPS: Readonly<Record<string, OpSpec>> = {
  MaxPool,
  AveragePool,
  GlobalAveragePool,
  GlobalMaxPool,
};
