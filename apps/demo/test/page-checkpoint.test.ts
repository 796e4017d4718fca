/**
 * The checkpoint the page ships (written by the training CLI) loads the way the page loads it,
 * classifies MNIST test images as well as its metadata says, and the page's layer-by-layer run
 * (the "look inside" panel) computes exactly what `model.forward` does.
 */
import { readFile } from 'node:fs/promises';
import { cpu } from '@stride/backend-cpu';
import { decodeSafetensors, noGrad, registerBackend, tidy } from '@stride/core';
import { DataLoader, loadMnist } from '@stride/datasets';
import { LeNet5 } from '@stride/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from '../web/draw/inference.js';

registerBackend(cpu());

const checkpoint = new URL('../public/models/lenet5-mnist.safetensors', import.meta.url);
let model: LeNet5;
let metadata: Record<string, string>;

beforeAll(async () => {
  const decoded = decodeSafetensors(new Uint8Array(await readFile(checkpoint)), { device: 'cpu' });
  metadata = decoded.metadata;
  model = new LeNet5({ device: 'cpu' });
  model.loadStateDict(decoded.tensors);
  for (const t of Object.values(decoded.tensors)) t.dispose();
  model.eval();
});

describe("the page's LeNet-5 checkpoint", () => {
  it('is a small LeNet-5 trained on MNIST to at least 98% test accuracy', async () => {
    expect((await readFile(checkpoint)).length).toBeLessThan(300_000);
    expect(metadata.model).toBe('lenet5');
    expect(metadata.dataset).toBe('mnist');
    expect(Number(metadata.test_accuracy)).toBeGreaterThanOrEqual(0.98);
  });

  it('classifies the first 1,000 MNIST test images at least 98% right', async () => {
    const test = (await loadMnist({ train: false })).slice(0, 1000);
    let correct = 0;
    for (const batch of new DataLoader(test, { batchSize: 500 })) {
      const hits = tidy(() => noGrad(() => model.forward(batch.x).argmax(1).eq(batch.y).sum()));
      correct += await hits.item();
      for (const t of [hits, batch.x, batch.y]) t.dispose();
    }
    expect(correct / 1000).toBeGreaterThanOrEqual(0.98);
  });

  it('gives the same logits layer by layer as model.forward', async () => {
    const test = await loadMnist({ train: false });
    const { x } = test.getBatch([0]);
    const inside = inspect(model, x);
    expect(inside.activations.map((a) => a.name)).toEqual([
      'conv1',
      'act1',
      'pool1',
      'conv2',
      'act2',
      'pool2',
      'flatten',
      'fc1',
      'act3',
      'fc2',
      'act4',
      'fc3',
    ]);
    expect(inside.activations[5]?.shape).toEqual([16, 5, 5]);
    const first = test.slice(0, 1).toTensors();
    const logits = noGrad(() => model.forward(first.x));
    const expected = (await logits.data()) as Float32Array;
    for (const t of [logits, first.x, first.y]) t.dispose();
    const got = inside.activations.at(-1)?.data as Float32Array;
    for (let i = 0; i < 10; i++) expect(got[i]).toBeCloseTo(expected[i] as number, 5);
    const sum = inside.probabilities.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
    expect(inside.probabilities.indexOf(Math.max(...inside.probabilities))).toBe(test.y[0]);
  });
});
