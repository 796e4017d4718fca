/**
 * Step 3: loads the weights the cluster trained (`trained.safetensors`) back into the Stride
 * model, strictly, and measures its accuracy on the MNIST test images. The same file loads in
 * the browser: fetch it, `decodeSafetensors(new Uint8Array(await response.arrayBuffer()))`,
 * and `loadStateDict` its tensors, on the WebGPU backend too.
 *
 *   npx tsx infer.ts [trained.safetensors] [mnist-dir]
 */
import { pathToFileURL } from 'node:url';
import { cpu } from '@stride/backend-cpu';
import { noGrad, registerBackend, tidy } from '@stride/core';
import { loadSafetensors } from '@stride/core/node';
import { DataLoader, loadMnist } from '@stride/datasets';
import type { Sequential } from '@stride/layers';
import { buildModel } from './model.js';

/** The Stride model with the trained weights, in evaluation mode. */
export async function loadTrained(path: string): Promise<Sequential> {
  const model = buildModel();
  const { tensors } = await loadSafetensors(path);
  // strict (the default): every key of the model, and no other, must be in the file.
  model.loadStateDict(tensors);
  for (const t of Object.values(tensors)) t.dispose();
  return model.eval();
}

/** The share of the first `limit` test images (all by default) the model classifies right. */
export async function accuracy(
  model: Sequential,
  options: { dir?: string; limit?: number } = {},
): Promise<{ accuracy: number; images: number }> {
  const test = await loadMnist({ train: false, ...(options.dir ? { dir: options.dir } : {}) });
  const images = Math.min(options.limit ?? test.length, test.length);
  let right = 0;
  for (const { x, y } of new DataLoader(test.slice(0, images), { batchSize: 500 })) {
    const hits = tidy(() => noGrad(() => model(x).argmax(1).eq(y).sum()));
    right += await hits.item();
    for (const t of [hits, x, y]) t.dispose();
  }
  return { accuracy: right / images, images };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  registerBackend(cpu());
  const model = await loadTrained(process.argv[2] ?? 'trained.safetensors');
  const dir = process.argv[3];
  const result = await accuracy(model, dir ? { dir } : {});
  console.log(
    `Stride: test accuracy ${result.accuracy.toFixed(4)} on ${result.images} images (${model.numParameters()} parameters)`,
  );
}
