/**
 * The graphs onnxruntime runs as a peer, exported from Stride: each takes the workload's inputs
 * by name, keeps LeNet-5's weights as initializers (the images are its only input), and computes
 * what Stride's own row computes on the same seeded numbers.
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOLERANCE } from '../src/check.js';
import { generateInputs, type HostInput } from '../src/inputs.js';
import { graphFor } from '../src/onnx/graphs.js';
import type { Runner } from '../src/runners/runner.js';
import { strideCpu } from '../src/runners/stride.js';
import { LENET_PARAMS, WORKLOADS } from '../src/workloads.js';

let stride: Runner;
beforeAll(async () => {
  stride = await strideCpu();
});

/** The largest difference relative to the reference's largest magnitude, as the harness checks. */
function relativeError(value: Float32Array, reference: Float32Array): number {
  expect(value.length).toBe(reference.length);
  let scale = 0;
  let diff = 0;
  reference.forEach((r, i) => {
    scale = Math.max(scale, Math.abs(r));
    diff = Math.max(diff, Math.abs((value[i] as number) - r));
  });
  return diff / scale;
}

// The single-op workloads (the adds run one Add per call) and LeNet-5's inference.
const graphed = WORKLOADS.filter(
  (w) =>
    [
      'matmul-256',
      'conv-lenet1-fwd',
      'conv-strided-fwd',
      'conv-strided-dx',
      'maxpool-2x2',
    ].includes(w.id) || w.kind === 'lenet-infer',
);

describe('ONNX peer graphs', () => {
  it('covers the workloads named here', () => {
    expect(graphed.map((w) => w.id)).toEqual([
      'matmul-256',
      'conv-lenet1-fwd',
      'conv-strided-fwd',
      'conv-strided-dx',
      'maxpool-2x2',
      'lenet-infer-b256',
    ]);
  });

  it.each(graphed.map((w) => [w.id, w] as const))(
    '%s computes what Stride computes',
    async (_id, w) => {
      const inputs = new Map<string, HostInput>(generateInputs(w, 1).map((i) => [i.name, i]));
      const g = await graphFor(w, inputs);
      if (!g) throw new Error(`no graph for ${w.id}`);
      const session = await ort.InferenceSession.create(g.model);
      try {
        expect(session.inputNames).toEqual([...g.inputs]);
        expect(session.outputNames).toEqual([g.output]);
        const feeds = Object.fromEntries(
          g.inputs.map((name) => {
            const host = inputs.get(name) as HostInput;
            return [name, new ort.Tensor('float32', host.data as Float32Array, [...host.shape])];
          }),
        );
        const out = await session.run(feeds);
        const got = (out[g.output] as ort.Tensor).data as Float32Array;

        const p = await stride.prepare(w, inputs);
        await p.step();
        const want = (await p.outputs())[g.output] as Float32Array;
        await p.dispose();
        expect(relativeError(got, want)).toBeLessThan(TOLERANCE);
      } finally {
        await session.release();
      }
    },
  );

  it("keeps LeNet-5's weights in the model, not among its inputs", async () => {
    const w = WORKLOADS.find((x) => x.kind === 'lenet-infer');
    if (!w) throw new Error('no LeNet-5 inference workload');
    const inputs = new Map<string, HostInput>(generateInputs(w, 1).map((i) => [i.name, i]));
    const g = await graphFor(w, inputs);
    expect(g?.inputs).toEqual(['x']);
    // Initializers carry their state-dict names and this run's values, byte for byte.
    const model = g?.model as Uint8Array;
    const text = new TextDecoder('latin1').decode(model);
    for (const p of LENET_PARAMS) {
      expect(text).toContain(p.name);
      const data = (inputs.get(p.name) as HostInput).data;
      const raw = new TextDecoder('latin1').decode(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
      expect(text).toContain(raw);
    }
  });
});
