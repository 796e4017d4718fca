/**
 * onnxruntime-node 1.30 on the CPU: the inference workloads as ONNX graphs, exported from Stride
 * for this run's inputs. Threads are the machine's cores, graph optimisations all on.
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend, setBackend } from '@stride/core';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { f32Input, type HostInput } from '../inputs.js';
import type { Prepared } from '../measure.js';
import { graphFor } from '../onnx/graphs.js';
import type { Workload } from '../workloads.js';
import type { Runner } from './runner.js';

type Outputs = InferenceSession.ReturnType;
type OrtTensor = Tensor;

function unsupported(w: Workload): string | null {
  switch (w.kind) {
    case 'lenet-train':
      return 'onnxruntime-node runs inference only (no training)';
    case 'conv':
      return w.pass === 'filter-grad'
        ? 'no ONNX operator computes a convolution filter gradient (inference only)'
        : null;
    case 'mnist-to-accuracy':
      return 'time to accuracy is measured for Stride and PyTorch only';
    default:
      return null;
  }
}

export async function onnxruntime(threads: number): Promise<Runner> {
  const ort = await import('onnxruntime-node');
  // Exporting traces each graph once through Stride's CPU backend, before anything is timed: one
  // thread, so no idle workers sit beside onnxruntime's, and plain SIMD, which needs no V8 flag.
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  await setBackend('cpu');
  const options = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  } as const;

  const prepare = async (w: Workload, inputs: Map<string, HostInput>): Promise<Prepared> => {
    const g = await graphFor(w, inputs);
    if (!g) throw new Error(`no ONNX graph for ${w.id}`);
    const session = await ort.InferenceSession.create(g.model, options);
    const feeds = Object.fromEntries(
      g.inputs.map((name) => {
        const host = f32Input(inputs, name);
        return [name, new ort.Tensor('float32', host.data, [...host.shape])];
      }),
    );
    let last: Outputs | null = null;
    const step =
      w.kind === 'adds'
        ? async () => {
            // Each add takes the previous sum, as the other runners' loops do.
            let y = feeds.a as OrtTensor;
            for (let i = 0; i < w.count; i++) {
              last = await session.run({ a: y, b: feeds.b as OrtTensor });
              y = last[g.output] as OrtTensor;
            }
          }
        : async () => {
            last = await session.run(feeds);
          };
    return {
      step,
      sync: async () => undefined,
      outputs: async () => ({
        [g.output]: Float32Array.from((last as Outputs)[g.output]?.data as Float32Array),
      }),
      dispose: () => session.release(),
    };
  };

  return {
    info: {
      library: `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}`,
      threads,
    },
    unsupported,
    prepare,
  };
}
