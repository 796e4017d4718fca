/**
 * Builders of Conv and ConvTranspose (1-d to 3-d), and the padding geometry they share with the
 * pooling ops: explicit `pads` (which may differ before and after), and `auto_pad`'s SAME_UPPER,
 * SAME_LOWER and VALID, resolved against the input's size when the node runs.
 */
import {
  add,
  convNd,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  pad,
  reshape,
  type Tensor,
} from '@stride/core';
import { type Attrs, attr, intAttr, intsAttr, stringAttr } from './attributes.js';
import {
  type NodeRun,
  type NodeShape,
  nodeFail,
  type OpSpec,
  optionalTensorIn,
  tensorIn,
} from './op-spec.js';
import type { Value } from './values.js';

/** Padding before and after each spatial axis. */
export interface Pads {
  readonly before: number[];
  readonly after: number[];
}

/** The auto_pad values the importer honours (all of ONNX's). */
export const AUTO_PAD = attr.oneOf('NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID');

/** A per-axis ints attribute with one entry per spatial axis, or `dflt` for each. */
export function perAxis(
  node: NodeRun,
  attrs: Attrs,
  name: string,
  n: number,
  dflt: number,
): number[] {
  const v = intsAttr(attrs, name);
  if (v === undefined) return new Array<number>(n).fill(dflt);
  if (v.length !== n) {
    nodeFail(
      node,
      `attribute ${name} [${v.join(',')}] must have ${n} entries, one per spatial axis`,
    );
  }
  return [...v];
}

/**
 * The padding of a sliding window op over `input` (spatial sizes), from `pads` or `auto_pad`.
 * SAME_* pad so that the output is `ceil(input / stride)`, the odd one after (UPPER) or before
 * (LOWER).
 */
export function windowPads(
  node: NodeRun,
  input: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): Pads {
  const n = input.length;
  const auto = stringAttr(node.attrs, 'auto_pad', 'NOTSET');
  if (auto === 'VALID') return { before: new Array(n).fill(0), after: new Array(n).fill(0) };
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const before: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = strides[i] as number;
      const inSize = input[i] as number;
      const span = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
      const total = Math.max(0, (Math.ceil(inSize / s) - 1) * s + span - inSize);
      const small = Math.floor(total / 2);
      before.push(auto === 'SAME_UPPER' ? small : total - small);
      after.push(auto === 'SAME_UPPER' ? total - small : small);
    }
    return { before, after };
  }
  const pads = perAxis(node, node.attrs, 'pads', 2 * n, 0);
  return { before: pads.slice(0, n), after: pads.slice(n) };
}

/** Checks shared by the window ops at import: pads with auto_pad, and kernel_shape. */
export function checkWindow(node: NodeShape, kernelRequired: boolean): string | undefined {
  const auto = node.attrs.auto_pad;
  if (auto !== undefined && auto !== 'NOTSET' && node.attrs.pads !== undefined) {
    return `attribute pads cannot be combined with auto_pad '${String(auto)}'`;
  }
  if (kernelRequired && node.attrs.kernel_shape === undefined) {
    return 'attribute kernel_shape is required';
  }
  return undefined;
}

/** Checks that kernel_shape, when given, matches the weight. */
function checkKernel(node: NodeRun, w: Tensor): number[] {
  const kernel = w.shape.slice(2);
  const given = intsAttr(node.attrs, 'kernel_shape');
  if (given && given.join() !== kernel.join()) {
    nodeFail(
      node,
      `attribute kernel_shape [${given.join(',')}] does not match the weight [${w.shape.join(',')}]`,
    );
  }
  return kernel;
}

const WINDOW_ATTRS = {
  auto_pad: AUTO_PAD,
  dilations: attr.intsAtLeast(1),
  kernel_shape: attr.intsAtLeast(1),
  pads: attr.intsAtLeast(0),
  strides: attr.intsAtLeast(1),
};

/**
 * What Conv and ConvTranspose read alike: X, W and the optional B, checked to have 1 to 3 spatial
 * axes (`layout` names W's leading dims in the error), the kernel, strides and dilations.
 */
function windowArgs(node: NodeRun, inputs: readonly (Value | undefined)[], layout: string) {
  const x = tensorIn(node, inputs, 0, 'X');
  const w = tensorIn(node, inputs, 1, 'W');
  const bias = optionalTensorIn(node, inputs, 2, 'B');
  const n = w.rank - 2;
  if (n < 1 || n > 3 || x.rank !== n + 2) {
    nodeFail(
      node,
      `expected 1 to 3 spatial axes with X [N, C, ...] and W [${layout}, ...], got X [${x.shape.join(',')}] and W [${w.shape.join(',')}]`,
    );
  }
  const kernel = checkKernel(node, w);
  const strides = perAxis(node, node.attrs, 'strides', n, 1);
  const dilations = perAxis(node, node.attrs, 'dilations', n, 1);
  return { x, w, bias, n, kernel, strides, dilations };
}

const Conv: OpSpec = {
  attrs: { ...WINDOW_ATTRS, group: attr.int((v) => (v >= 1 ? undefined : 'must be ≥ 1')) },
  inputs: [2, 3],
  check: (node) => checkWindow(node, false),
  run(node, inputs) {
    const { x, w, bias, kernel, strides, dilations } = windowArgs(node, inputs, 'M, C/group');
    const { before, after } = windowPads(node, x.shape.slice(2), kernel, strides, dilations);
    const padding = before.map((b, i) => [b, after[i] as number] as const);
    return [
      convNd(x, w, {
        bias,
        stride: strides,
        dilation: dilations,
        padding,
        groups: intAttr(node.attrs, 'group', 1),
      }),
    ];
  },
};

const CONV_TRANSPOSE = [convTranspose1d, convTranspose2d, convTranspose3d] as const;

const ConvTranspose: OpSpec = {
  attrs: {
    ...WINDOW_ATTRS,
    group: attr.int((v) => (v >= 1 ? undefined : 'must be ≥ 1')),
    output_padding: attr.intsAtLeast(0),
    output_shape: attr.intsAtLeast(1),
  },
  inputs: [2, 3],
  check: (node) => checkWindow(node, false),
  run(node, inputs) {
    const { x, w, bias, n, kernel, strides, dilations } = windowArgs(node, inputs, 'C, M/group');
    const outPad = perAxis(node, node.attrs, 'output_padding', n, 0);
    const groups = intAttr(node.attrs, 'group', 1);
    const input = x.shape.slice(2);
    const auto = stringAttr(node.attrs, 'auto_pad', 'NOTSET');
    // Without padding, each axis is `full` long; the op keeps [before, full - after + outPad).
    const full = input.map(
      (s, i) =>
        (s - 1) * (strides[i] as number) +
        ((kernel[i] as number) - 1) * (dilations[i] as number) +
        1,
    );
    let before: number[];
    let after: number[];
    let shape = intsAttr(node.attrs, 'output_shape');
    if (shape === undefined && (auto === 'SAME_UPPER' || auto === 'SAME_LOWER')) {
      shape = input.map((s, i) => s * (strides[i] as number));
    }
    if (shape !== undefined) {
      // Only the spatial sizes count; some exporters also list N and C.
      const spatial = shape.length === n + 2 ? shape.slice(2) : shape;
      if (spatial.length !== n) {
        nodeFail(
          node,
          `attribute output_shape [${shape.join(',')}] must have ${n} spatial entries`,
        );
      }
      const total = spatial.map((s, i) => (full[i] as number) + (outPad[i] as number) - s);
      const half = total.map((t) => Math.floor(t / 2));
      before = auto === 'SAME_UPPER' ? half : total.map((t, i) => t - (half[i] as number));
      after = auto === 'SAME_UPPER' ? total.map((t, i) => t - (half[i] as number)) : half;
    } else if (auto === 'VALID') {
      before = new Array<number>(n).fill(0);
      after = new Array<number>(n).fill(0);
    } else {
      const pads = perAxis(node, node.attrs, 'pads', 2 * n, 0);
      before = pads.slice(0, n);
      after = pads.slice(n);
    }
    const op = CONV_TRANSPOSE[n - 1] as typeof convTranspose2d;
    const symmetric = before.every((b, i) => b === after[i] && b >= 0);
    const smallOutPad = outPad.every(
      (p, i) => p < Math.max(strides[i] as number, dilations[i] as number),
    );
    if (symmetric && smallOutPad) {
      return [
        op(x, w, {
          bias,
          stride: strides,
          dilation: dilations,
          padding: before,
          outputPadding: outPad,
          groups,
        }),
      ];
    }
    // Asymmetric or negative padding: the unpadded result, cropped (or padded with zeros, which
    // is what positions beyond the last input's reach hold) to [before, full - after + outPad),
    // then the bias.
    const y = op(x, w, { stride: strides, dilation: dilations, groups });
    const pairs: number[] = [];
    for (let d = n - 1; d >= 0; d--) {
      pairs.push(-(before[d] as number), (outPad[d] as number) - (after[d] as number));
    }
    const cropped = pairs.every((p) => p === 0) ? y : pad(y, pairs);
    if (bias === null) return [cropped];
    return [add(cropped, reshape(bias, [1, -1, ...new Array<number>(n).fill(1)]))];
  },
};

/** Builders of the convolutions, by op type. */
export const CONV_OPS: Readonly<Record<string, OpSpec>> = { Conv, ConvTranspose };
