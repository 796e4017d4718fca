/**
 * Models exported by PyTorch 1.13 (torch.onnx.export at opsets 13 and 17; fixtures written by
 * scripts/torch_onnx_fixtures.py): the imported model matches PyTorch's outputs, runs at another
 * batch size where the batch axis is dynamic, names its state dict by the initializer names,
 * trains (SGD lowers the loss), and leaks nothing over repeated runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import {
  crossEntropy,
  memory,
  mul,
  noGrad,
  randn,
  sub,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import { describe, expect, it } from 'vitest';
import { ModelProtoSchema } from '../src/gen/onnx_pb.js';
import { importOnnx, type OnnxModel } from '../src/import/import-onnx.js';
import {
  decodeTensorProto,
  type HostTensor,
  hostNumbers,
  hostToTensor,
} from '../src/tensor-proto.js';
import './helpers/backend.js';

const DIR = new URL('../fixtures/torch/', import.meta.url).pathname;

interface Entry {
  name: string;
  opsets: number[];
  sets: number;
  dynamicBatch: boolean;
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Entry[];

const modelBytes = (name: string, opset: number) =>
  new Uint8Array(readFileSync(join(DIR, `${name}.op${opset}.onnx`)));
const pb = (file: string): HostTensor => decodeTensorProto(readFileSync(join(DIR, file)));

/** Largest |a - e| / max(1, |e|): absolute for small values, relative for large ones. */
function worstError(actual: Tensor, expected: HostTensor): number {
  expect(actual.shape).toEqual(expected.dims);
  const a = actual.dataSync();
  const e = hostNumbers(expected);
  let worst = 0;
  e.forEach((x, i) => {
    worst = Math.max(worst, Math.abs((a[i] as number) - x) / Math.max(1, Math.abs(x)));
  });
  return worst;
}

/** The float initializers of a model file: what the state dict must name. */
function floatInitializers(bytes: Uint8Array): string[] {
  const graph = fromBinary(ModelProtoSchema, bytes).graph;
  return (graph?.initializer ?? [])
    .filter((t) => [1, 10, 11].includes(t.dataType))
    .map((t) => t.name);
}

describe('models exported by PyTorch 1.13', () => {
  for (const entry of manifest) {
    for (const opset of entry.opsets) {
      it(`${entry.name} at opset ${opset} matches PyTorch within 1e-5`, () => {
        const bytes = modelBytes(entry.name, opset);
        const model = importOnnx(bytes);
        expect(model.opset).toBe(opset);
        expect(model.producer).toMatch(/^pytorch 1\.13/);
        for (let k = 0; k < entry.sets; k++) {
          const err = tidy(() => {
            const x = hostToTensor(pb(`${entry.name}.input_${k}.pb`));
            return worstError(model(x), pb(`${entry.name}.output_${k}.pb`));
          });
          expect(err, `data set ${k}`).toBeLessThan(1e-5);
        }
        const names = Object.keys(tidy(() => model.stateDict()));
        expect(new Set(names)).toEqual(new Set(floatInitializers(bytes)));
        model.dispose();
      });
    }
  }

  it('runs the dynamic-batch model at batch 5 after export at batch 2, and checks static dims', () => {
    const model = importOnnx(modelBytes('view_dynamic', 17));
    const x5 = hostToTensor(pb('view_dynamic.input_1.pb'));
    expect(x5.shape[0]).toBe(5);
    const y = model(x5);
    expect(y.shape).toEqual([5, 6]);
    expect(worstError(y, pb('view_dynamic.output_1.pb'))).toBeLessThan(1e-5);
    // The other dims are static: a wrong image size is refused, naming the input.
    expect(() => model(randn([5, 1, 9, 8]))).toThrow(
      "OnnxModel.forward: input 'input' has shape [5,1,9,8] but the model declares [batch,1,8,8]",
    );
    // A static batch is checked too.
    const lenet = importOnnx(modelBytes('lenet', 13));
    expect(() => lenet(randn([3, 1, 28, 28]))).toThrow(
      "OnnxModel.forward: input 'input' has shape [3,1,28,28] but the model declares [2,1,28,28]",
    );
    for (const t of [x5, y]) t.dispose();
    model.dispose();
    lenet.dispose();
  });

  it('names parameters and buffers by initializer, nesting dotted names into child modules', () => {
    const resnet = importOnnx(modelBytes('resnet_bn', 13));
    const buffers = resnet.namedBuffers().map(([n]) => n);
    expect(buffers).toContain('layer1.0.bn2.running_mean');
    expect(buffers).toContain('layer1.1.bn2.running_var');
    const params = resnet.namedParameters().map(([n]) => n);
    expect(params).toContain('layer1.0.bn2.weight');
    expect(params).not.toContain('layer1.0.bn2.running_mean');
    expect(resnet.namedModules().map(([n]) => n)).toContain('layer1.0.bn2');
    // Conv + BatchNorm pairs that the exporter fused keep its names, which are not paths.
    const signal = importOnnx(modelBytes('signal1d', 13));
    const keys = Object.keys(tidy(() => signal.stateDict()));
    expect(keys).toContain('onnx::Conv_26');
    expect(keys).toContain('features.3.weight');
    resnet.dispose();
    signal.dispose();
  });

  it('trains: SGD steps through the imported model lower the loss', () => {
    const model = importOnnx(modelBytes('lenet', 17));
    const x = hostToTensor(pb('lenet.input_0.pb'));
    const target = tensor([3, 7], { dtype: 'int32' });
    const params = model.parameters();
    expect(params.length).toBe(10);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      tidy(() => {
        const loss = crossEntropy(model(x), target);
        losses.push(loss.dataSync()[0] as number);
        loss.backward();
      });
      noGrad(() => {
        for (const p of params) {
          tidy(() => {
            p.assign(sub(p, mul(p.grad as Tensor, 0.05)));
          });
        }
      });
      model.zeroGrad();
    }
    expect(losses[4]).toBeLessThan((losses[0] as number) * 0.9);
    x.dispose();
    target.dispose();
    model.dispose();
  });

  it('keeps memory flat over repeated runs, and frees everything on dispose', () => {
    const start = memory().numTensors;
    const model = importOnnx(modelBytes('misc', 13));
    const x = hostToTensor(pb('misc.input_0.pb'));
    const loaded = memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tidy(() => {
        model(x).sum();
      });
    }
    expect(memory().numTensors).toBe(loaded);
    // A kept output keeps its autograd graph (the tensors saved for backward) until it is freed.
    const y = noGrad(() => model.run(x));
    expect(y.length).toBe(1);
    expect(memory().numTensors).toBe(loaded + 1);
    for (const t of [...y, x]) t.dispose();
    model.dispose();
    expect(memory().numTensors).toBe(start);
  });
});

export type { OnnxModel };
