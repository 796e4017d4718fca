/**
 * Builders of the normalisations: BatchNormalization in its inference form (the running
 * statistics normalise; they are the model's buffers), InstanceNormalization and
 * LayerNormalization.
 */
import {
  add,
  batchNorm,
  instanceNorm,
  layerNorm,
  mean,
  mul,
  rsqrt,
  type Tensor,
  variance,
} from '@stride/core';
import { attr, floatAttr, intAttr } from './attributes.js';
import {
  type NodeRun,
  nodeFail,
  normAxis,
  type OpSpec,
  optionalTensorIn,
  tensorIn,
} from './op-spec.js';
import type { Value } from './values.js';

const BatchNormalization: OpSpec = {
  attrs: {
    epsilon: attr.float(),
    // Only used in training, which the imported graph does not do.
    momentum: attr.float(),
    training_mode: attr.intIn(0),
  },
  inputs: [5, 5],
  bufferInputs: [3, 4],
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'X');
    const out = batchNorm(
      x,
      tensorIn(node, inputs, 3, 'input_mean'),
      tensorIn(node, inputs, 4, 'input_var'),
      {
        weight: tensorIn(node, inputs, 1, 'scale'),
        bias: tensorIn(node, inputs, 2, 'B'),
        eps: floatAttr(node.attrs, 'epsilon', 1e-5),
        training: false,
      },
    );
    out.runningMean?.dispose();
    out.runningVar?.dispose();
    return [out.output];
  },
};

const InstanceNormalization: OpSpec = {
  attrs: { epsilon: attr.float() },
  inputs: [3, 3],
  run(node, inputs) {
    const out = instanceNorm(tensorIn(node, inputs, 0, 'input'), {
      weight: tensorIn(node, inputs, 1, 'scale'),
      bias: tensorIn(node, inputs, 2, 'B'),
      eps: floatAttr(node.attrs, 'epsilon', 1e-5),
    });
    return [out.output];
  },
};

const sameShape = (a: readonly number[], b: readonly number[]) => a.join() === b.join();

const LayerNormalization: OpSpec = {
  attrs: {
    axis: attr.int(),
    epsilon: attr.float(),
    // 1 computes the statistics in float32 (or wider), which is what Stride does.
    stash_type: attr.intIn(1),
  },
  inputs: [2, 3],
  outputs: 3,
  run(node, inputs) {
    const x = tensorIn(node, inputs, 0, 'X');
    const y = layerNormOutput(node, inputs, x);
    if (node.wanted < 2) return [y];
    const axis = normAxis(node, intAttr(node.attrs, 'axis', -1), x.rank);
    const axes = x.shape.slice(axis).map((_, i) => axis + i);
    // The optional outputs: the mean and 1 / sqrt(variance + epsilon) over the normalised axes.
    const m = mean(x, axes, true);
    const invStd = rsqrt(
      add(
        variance(x, axes, { correction: 0, keepDims: true }),
        floatAttr(node.attrs, 'epsilon', 1e-5),
      ),
    );
    return [y, m, invStd];
  },
};

/** LayerNormalization's Y. */
function layerNormOutput(node: NodeRun, inputs: readonly (Value | undefined)[], x: Tensor): Tensor {
  {
    const scale = tensorIn(node, inputs, 1, 'Scale');
    const bias = optionalTensorIn(node, inputs, 2, 'B');
    const axis = normAxis(node, intAttr(node.attrs, 'axis', -1), x.rank);
    const normalized = x.shape.slice(axis);
    const eps = floatAttr(node.attrs, 'epsilon', 1e-5);
    // Core's layerNorm takes a scale and bias of exactly the normalised shape; ONNX lets them
    // broadcast, which is applied afterwards.
    if (
      sameShape(scale.shape, normalized) &&
      (bias === null || sameShape(bias.shape, normalized))
    ) {
      return layerNorm(x, normalized, { weight: scale, bias, eps });
    }
    let y: Tensor = mul(layerNorm(x, normalized, { eps }), scale);
    if (bias !== null) y = add(y, bias);
    if (!sameShape(y.shape, x.shape)) {
      nodeFail(
        node,
        `Scale [${scale.shape.join(',')}] and B do not broadcast to X [${x.shape.join(',')}]`,
      );
    }
    return y;
  }
}

/** Builders of the normalisations, by op type. */
export const NORM_OPS: Readonly<Record<string, OpSpec>> = {
  BatchNormalization,
  InstanceNormalization,
  LayerNormalization,
};
