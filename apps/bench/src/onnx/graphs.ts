/**
 * The ONNX graph of each workload onnxruntime can run (inference: no training, no filter
 * gradient), exported with `@stride/onnx` from the Stride model or op the workload times, on this
 * run's inputs. The graphs are built at run time so that LeNet-5's weights are initializers
 * holding this run's seeded values: onnxruntime pre-packs constant weights, and a peer should be
 * shown at its best. The operands of the single-op workloads stay graph inputs, fed on every call
 * as Stride is given them.
 */
import {
  add,
  conv2d,
  convTranspose2d,
  matmul,
  maxPool2d,
  type Tensor,
  tensor,
  zeros,
} from '@stride/core';
import { exportOnnx } from '@stride/onnx';
import { f32Input, type HostInput } from '../inputs.js';
import { seededLenet } from '../runners/seeded-lenet.js';
import { convShapes, type Workload } from '../workloads.js';

/** A serialized model, the workload inputs it takes (graph inputs of the same names), its output. */
export interface WorkloadGraph {
  readonly model: Uint8Array;
  readonly inputs: readonly string[];
  readonly output: string;
}

/**
 * Exports `fn` traced on the workload inputs `names`. Needs an active Stride backend: the trace
 * runs the ops once.
 */
async function exportOp(
  fn: (...xs: Tensor[]) => Tensor,
  names: readonly string[],
  output: string,
  inputs: Map<string, HostInput>,
): Promise<WorkloadGraph> {
  const xs = names.map((name) => {
    const host = f32Input(inputs, name);
    return tensor(host.data, { shape: host.shape, dtype: host.dtype });
  });
  try {
    const model = await exportOnnx(fn, xs, { inputNames: names, outputNames: [output] });
    return { model, inputs: names, output };
  } finally {
    for (const x of xs) x.dispose();
  }
}

export async function graphFor(
  w: Workload,
  inputs: Map<string, HostInput>,
): Promise<WorkloadGraph | null> {
  switch (w.kind) {
    case 'matmul':
      return exportOp((a, b) => matmul(a, b), ['a', 'b'], 'c', inputs);
    case 'conv': {
      const c = w.conv;
      if (w.pass === 'forward') {
        return exportOp(
          (x, wt) => conv2d(x, wt, { stride: c.stride, padding: c.pad }),
          ['x', 'w'],
          'y',
          inputs,
        );
      }
      if (w.pass === 'input-grad') {
        // The input gradient of a convolution is the transposed convolution of dy with the same
        // weight; output padding restores the rows a strided forward pass dropped.
        const ho = convShapes(c).y[2] as number;
        const outputPadding = c.h - (c.stride * (ho - 1) + c.k - 2 * c.pad);
        return exportOp(
          (dy, wt) => convTranspose2d(dy, wt, { stride: c.stride, padding: c.pad, outputPadding }),
          ['dy', 'w'],
          'dx',
          inputs,
        );
      }
      return null;
    }
    case 'max-pool':
      return exportOp((x) => maxPool2d(x, { kernelSize: w.size }), ['x'], 'y', inputs);
    case 'lenet-infer': {
      // A deployed model: the weights are initializers, the images the only input.
      const model = seededLenet(inputs);
      const example = zeros([w.batch, 1, 28, 28]);
      try {
        const bytes = await exportOnnx(model, example, {
          inputNames: ['x'],
          outputNames: ['logits'],
        });
        return { model: bytes, inputs: ['x'], output: 'logits' };
      } finally {
        example.dispose();
        model.dispose();
      }
    }
    case 'adds':
      return exportOp((a, b) => add(a, b), ['a', 'b'], 'y', inputs);
    default:
      return null;
  }
}
