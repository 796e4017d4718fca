/**
 * What one LeNet-5 training step and one inference ask of the WebGPU device: dispatches, copies,
 * submissions, bytes uploaded (tensor data and uniforms apart), pipelines, bind groups and
 * buffers created. Timings on SwiftShader say little about a GPU; these counts are the same on
 * every device. From the repository root:
 *
 *     npx tsx --conditions=source packages/backend-webgpu/scripts/lenet-counts.ts [--adam] [--json]
 *
 * The training step is the bench's (`lenet-train-b64`): forward at batch 64, cross-entropy,
 * backward, an optimizer step (SGD with lr 0.01, or Adam with `--adam`) and the loss read back.
 * Inference is a forward pass at batch 256 with the logits read back. Each prints the first
 * call (warm-up: compiling, allocating; with its wall time) and the steady state (the mean of
 * calls 3 to 5).
 */
import {
  manualSeed,
  memory,
  noGrad,
  randint,
  randn,
  registerBackend,
  setBackend,
  type Tensor,
  tidy,
} from '@stride/core';
import { CrossEntropyLoss, LeNet5 } from '@stride/layers';
import { Adam, type Optimizer, SGD } from '@stride/optimizers';
import { create } from 'webgpu';
import { DAWN_TEST_TOGGLES } from '../../../dawn.shared.js';
import { type WebGpuCounters, webgpu } from '../src/index.js';

process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';

const adam = process.argv.includes('--adam');
const json = process.argv.includes('--json');

type Row = Record<keyof WebGpuCounters, number>;

/** Counts of each call of `step`, with the wall time of the first. */
async function measure(
  backend: { counters(since?: WebGpuCounters): WebGpuCounters },
  step: () => Promise<void>,
  calls = 5,
): Promise<{ first: Row; firstMs: number; steady: Row }> {
  const rows: Row[] = [];
  let firstMs = 0;
  for (let i = 0; i < calls; i++) {
    const before = backend.counters();
    const t0 = performance.now();
    await step();
    if (i === 0) firstMs = performance.now() - t0;
    rows.push({ ...backend.counters(before) });
  }
  const steadyRows = rows.slice(2);
  const steady = Object.fromEntries(
    Object.keys(rows[0] as Row).map((k) => [
      k,
      steadyRows.reduce((s, r) => s + r[k as keyof Row], 0) / steadyRows.length,
    ]),
  ) as Row;
  return { first: rows[0] as Row, firstMs, steady };
}

async function main(): Promise<void> {
  const backend = await webgpu({ gpu: create(DAWN_TEST_TOGGLES) }).init();
  registerBackend({ name: 'webgpu', init: async () => backend });
  await setBackend('webgpu');
  manualSeed(0);

  const model = new LeNet5();
  const optimizer: Optimizer = adam
    ? new Adam(model.parameters(), { lr: 0.001 })
    : new SGD(model.parameters(), { lr: 0.01 });
  const criterion = new CrossEntropyLoss();
  const x = randn([64, 1, 28, 28]);
  const y = randint(0, 10, [64]);
  const xi = randn([256, 1, 28, 28]);

  const train = await measure(backend, async () => {
    model.train();
    const l = tidy(() => {
      const out = criterion.forward(model.forward(x), y);
      optimizer.zeroGrad();
      out.backward();
      optimizer.step();
      return out.detach();
    });
    await l.item();
    l.dispose();
  });
  const trainMemory = memory();

  const infer = await measure(backend, async () => {
    model.eval();
    const logits = noGrad(() => model.forward(xi)) as Tensor;
    await logits.data();
    logits.dispose();
  });

  const result = {
    optimizer: adam ? 'adam' : 'sgd',
    train,
    infer,
    liveTensors: trainMemory.numTensors,
  };
  if (json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
    const keys = Object.keys(train.steady) as (keyof Row)[];
    const header = ['', ...keys];
    const lines = [
      [`train b64 (${result.optimizer}) steady`, ...keys.map((k) => fmt(train.steady[k]))],
      ['train b64 first step', ...keys.map((k) => fmt(train.first[k]))],
      ['infer b256 steady', ...keys.map((k) => fmt(infer.steady[k]))],
      ['infer b256 first call', ...keys.map((k) => fmt(infer.first[k]))],
    ];
    const widths = header.map((h, i) =>
      Math.max(h.length, ...lines.map((l) => String(l[i]).length)),
    );
    const row = (cells: string[]) =>
      cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
    console.log(row(header));
    for (const l of lines) console.log(row(l));
    console.log(
      `first step ${train.firstMs.toFixed(0)} ms, first inference ${infer.firstMs.toFixed(0)} ms (SwiftShader: wall times say little)`,
    );
  }
  for (const t of [x, y, xi]) t.dispose();
  optimizer.dispose();
  model.dispose();
  backend.destroy?.();
}

await main();
