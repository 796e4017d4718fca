/**
 * PyTorch → ONNX → Stride → ONNX: each model PyTorch 1.13 exported (the import fixtures), imported
 * and exported again, runs in onnxruntime-node with the outputs of the imported model. Whatever the
 * importer builds its ops from (Resize from indexSelect, shape arithmetic from host numbers) must
 * export as graph ops, never as the example's values baked in.
 */
import { readFileSync } from 'node:fs';
import { cpu } from '@stride/backend-cpu';
import { noGrad, registerBackend, setBackend, type Tensor, tidy } from '@stride/core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx } from '../src/index.js';
import { decodeTensorProto, hostToTensor } from '../src/tensor-proto.js';

const dir = new URL('../fixtures/torch/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as {
  name: string;
  sets: number;
  dynamicBatch: boolean;
}[];

beforeAll(async () => {
  registerBackend(cpu());
  await setBackend('cpu');
});

const read = (file: string): Tensor =>
  hostToTensor(decodeTensorProto(new Uint8Array(readFileSync(new URL(file, dir)))));

describe('PyTorch → ONNX → Stride → ONNX runs in onnxruntime as the imported model does', () => {
  for (const m of manifest) {
    it(m.name, async () => {
      const model = importOnnx(new Uint8Array(readFileSync(new URL(`${m.name}.op17.onnx`, dir))));
      const inputs = [read(`${m.name}.input_0.pb`)];
      const bytes = await exportOnnx(model, inputs, { dynamicBatch: m.dynamicBatch });
      const session = await ort.InferenceSession.create(bytes);
      const sets = m.dynamicBatch ? [inputs, [read(`${m.name}.input_1.pb`)]] : [inputs];
      for (const set of sets) {
        const x = set[0] as Tensor;
        const expected = tidy(() => noGrad(() => Array.from(model(x).dataSync() as Float32Array)));
        const feeds = {
          [session.inputNames[0] as string]: new ort.Tensor(
            'float32',
            Float32Array.from(x.dataSync() as Float32Array),
            [...x.shape],
          ),
        };
        const out = await session.run(feeds);
        const got = (out[session.outputNames[0] as string] as ort.Tensor).data as Float32Array;
        expect(got.length).toBe(expected.length);
        const worst = Math.max(
          ...expected.map((v, i) => Math.abs(v - (got[i] as number)) / Math.max(1, Math.abs(v))),
        );
        expect(worst).toBeLessThan(1e-5);
      }
      await session.release();
      model.dispose();
    });
  }
});
