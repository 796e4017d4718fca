/** The ONNX graph of each workload onnxruntime can run (inference: no training, no filter gradient). */
import { f32Input, type HostInput } from '../inputs.js';
import { convShapes, LENET_PARAMS, type Workload } from '../workloads.js';
import type { OnnxGraph } from './proto.js';

/** The graph and the names of its runtime inputs, in feed order. */
export interface WorkloadGraph {
  readonly graph: OnnxGraph;
  /** Graph input name → workload input name. */
  readonly feeds: Readonly<Record<string, string>>;
  readonly output: string;
}

export function graphFor(w: Workload, inputs: Map<string, HostInput>): WorkloadGraph | null {
  switch (w.kind) {
    case 'matmul':
      return {
        graph: {
          nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
          inputs: [
            { name: 'a', shape: [w.m, w.k] },
            { name: 'b', shape: [w.k, w.n] },
          ],
          outputs: [{ name: 'c', shape: [w.m, w.n] }],
        },
        feeds: { a: 'a', b: 'b' },
        output: 'c',
      };
    case 'conv': {
      const c = w.conv;
      const s = convShapes(c);
      const common = {
        kernel_shape: [c.k, c.k],
        strides: [c.stride, c.stride],
        pads: [c.pad, c.pad, c.pad, c.pad],
      };
      if (w.pass === 'forward') {
        return {
          graph: {
            nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: common }],
            inputs: [
              { name: 'x', shape: s.x },
              { name: 'w', shape: s.w },
            ],
            outputs: [{ name: 'y', shape: s.y }],
          },
          feeds: { x: 'x', w: 'w' },
          output: 'y',
        };
      }
      if (w.pass === 'input-grad') {
        // The input gradient of a convolution is the transposed convolution of dy with the same
        // weight; output_padding restores the rows a strided forward pass dropped.
        const ho = s.y[2] as number;
        const outputPadding = c.h - (c.stride * (ho - 1) + c.k - 2 * c.pad);
        return {
          graph: {
            nodes: [
              {
                op: 'ConvTranspose',
                inputs: ['dy', 'w'],
                outputs: ['dx'],
                attrs: { ...common, output_padding: [outputPadding, outputPadding] },
              },
            ],
            inputs: [
              { name: 'dy', shape: s.y },
              { name: 'w', shape: s.w },
            ],
            outputs: [{ name: 'dx', shape: s.x }],
          },
          feeds: { dy: 'dy', w: 'w' },
          output: 'dx',
        };
      }
      return null;
    }
    case 'max-pool': {
      const [n, ch, h, wd] = w.x;
      return {
        graph: {
          nodes: [
            {
              op: 'MaxPool',
              inputs: ['x'],
              outputs: ['y'],
              attrs: { kernel_shape: [w.size, w.size], strides: [w.size, w.size] },
            },
          ],
          inputs: [{ name: 'x', shape: w.x }],
          outputs: [{ name: 'y', shape: [n, ch, h / w.size, wd / w.size] }],
        },
        feeds: { x: 'x' },
        output: 'y',
      };
    }
    case 'lenet-infer':
      return { graph: lenet(w.batch, inputs), feeds: { x: 'x' }, output: 'logits' };
    case 'adds':
      return {
        graph: {
          nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
          inputs: [
            { name: 'a', shape: [1, 1] },
            { name: 'b', shape: [1, 1] },
          ],
          outputs: [{ name: 'y', shape: [1, 1] }],
        },
        feeds: { a: 'a', b: 'b' },
        output: 'y',
      };
    default:
      return null;
  }
}

/** LeNet-5 as a deployed model: the weights are initializers, the images the only input. */
function lenet(batch: number, inputs: Map<string, HostInput>): OnnxGraph {
  const relu = (x: string, y: string) => ({ op: 'Relu', inputs: [x], outputs: [y] });
  const pool = (x: string, y: string) => ({
    op: 'MaxPool',
    inputs: [x],
    outputs: [y],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
  });
  const gemm = (x: string, layer: string, y: string) => ({
    op: 'Gemm',
    inputs: [x, `${layer}.weight`, `${layer}.bias`],
    outputs: [y],
    attrs: { transB: 1 },
  });
  return {
    nodes: [
      {
        op: 'Conv',
        inputs: ['x', 'conv1.weight', 'conv1.bias'],
        outputs: ['c1'],
        attrs: { kernel_shape: [5, 5], pads: [2, 2, 2, 2] },
      },
      relu('c1', 'r1'),
      pool('r1', 'p1'),
      {
        op: 'Conv',
        inputs: ['p1', 'conv2.weight', 'conv2.bias'],
        outputs: ['c2'],
        attrs: { kernel_shape: [5, 5] },
      },
      relu('c2', 'r2'),
      pool('r2', 'p2'),
      { op: 'Flatten', inputs: ['p2'], outputs: ['f'], attrs: { axis: 1 } },
      gemm('f', 'fc1', 'h1'),
      relu('h1', 'a1'),
      gemm('a1', 'fc2', 'h2'),
      relu('h2', 'a2'),
      gemm('a2', 'fc3', 'logits'),
    ],
    inputs: [{ name: 'x', shape: [batch, 1, 28, 28] }],
    outputs: [{ name: 'logits', shape: [batch, 10] }],
    initializers: LENET_PARAMS.map(({ name, shape }) => ({
      name,
      shape,
      data: f32Input(inputs, name).data,
    })),
  };
}
