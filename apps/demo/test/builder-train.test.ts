/**
 * Training a built network on MNIST and its three downloads, checked by value: a short run lowers
 * the loss with memory flat and Stop honoured; the safetensors file decodes to the model's state
 * dict; the ONNX file, imported back with @stride/onnx, gives the model's outputs; the PyTorch
 * source defines the class and, where /usr/bin/python3 has torch, loads the weights strictly and
 * gives the same outputs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@stride/backend-cpu';
import {
  decodeSafetensors,
  encodeSafetensors,
  memory,
  noGrad,
  registerBackend,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import { type ArrayDataset, loadMnist } from '@stride/datasets';
import type { Module, Sequential } from '@stride/layers';
import { importOnnx } from '@stride/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../web/builder/analysis.js';
import {
  FILE_NAMES,
  onnxBytes,
  PYTORCH_CLASS,
  pytorchSource,
  safetensorsBytes,
} from '../web/builder/downloads.js';
import { preset } from '../web/builder/presets.js';
import { networkTraining } from '../web/builder/session.js';
import type { NetworkSpec } from '../web/builder/spec.js';
import type { StepReport, TrainingSession } from '../web/train/session.js';

const PYTHON = '/usr/bin/python3';
/** Why the PyTorch check cannot run here, or null when it can. */
const torchMissing: string | null = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  return `${PYTHON} cannot import torch (scripts/python-deps.sh installs it): ${
    r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)
  }`;
})();

let train: ArrayDataset;
let test: ArrayDataset;
/** The all-conv preset (batch norm, groups, dilation, stride) after a few steps of training. */
let trained: TrainingSession<Sequential>;
const settings = { device: 'cpu', steps: 60, batchSize: 32, lr: 0.003, seed: 0 };
/** Node has no frames to wait for: the runs go straight on. */
const noWait = () => Promise.resolve();

beforeAll(async () => {
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  await setBackend('cpu');
  [train, test] = await Promise.all([loadMnist({ train: true }), loadMnist({ train: false })]);
  train = train.slice(0, 4096);
  trained = networkTraining(preset('allconv'), { ...settings, steps: 8 }, train, noWait);
  await trained.run(() => {});
}, 60_000);

afterAll(() => {
  trained?.dispose();
});

/** `n` deterministic images in [0, 1). */
function images(n: number): Tensor {
  const data = Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7919) % 1000) / 1000);
  return tensor(data, { shape: [n, 1, 28, 28], device: 'cpu' });
}

async function outputs(model: Module, x: Tensor): Promise<Float32Array> {
  model.eval();
  const y = noGrad(() => tidy(() => model.forward(x)));
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe('training a built network on MNIST', () => {
  it('lowers the loss of the tiny preset, leaks nothing per step, and scores above chance', async () => {
    const run = networkTraining(preset('tiny'), settings, train, noWait);
    const steps: StepReport[] = [];
    const tensors: number[] = [];
    const done = await run.run((r) => {
      steps.push(r);
      tensors.push(memory().numTensors);
    });
    expect(done).toBe(60);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const mean = (xs: StepReport[]) => xs.reduce((a, s) => a + s.loss, 0) / xs.length;
    const first = mean(steps.slice(0, 5));
    const last = mean(steps.slice(-10));
    // An untrained 10-way classifier starts near ln 10 ≈ 2.30.
    expect(first).toBeGreaterThan(1.8);
    expect(last, `${first} → ${last}`).toBeLessThan(first - 0.8);
    // Adam's state exists from step 1; after that every step frees what it made.
    expect(tensors.slice(2)).toEqual(tensors.slice(2).map(() => tensors[2]));
    const before = memory().numTensors;
    const accuracy = await run.evaluate(test, 500);
    expect(memory().numTensors).toBe(before);
    expect(accuracy).toBeGreaterThan(0.5);
    run.dispose();
  }, 60_000);

  it('stops when asked, after the step in progress', async () => {
    const run = networkTraining(preset('tiny'), { ...settings, steps: 10_000 }, train, noWait);
    const seen: number[] = [];
    const done = run.run((r) => {
      seen.push(r.step);
      if (r.step === 3) void run.stop();
    });
    expect(await done).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    run.dispose();
  });

  it('starts from the same weights for the same seed', () => {
    const a = networkTraining(preset('tiny'), settings, train, noWait);
    const b = networkTraining(preset('tiny'), settings, train, noWait);
    const w = (t: TrainingSession<Sequential>) =>
      Array.from(t.model.parameters()[0]?.dataSync() ?? []);
    expect(w(a)).toEqual(w(b));
    a.dispose();
    b.dispose();
  });
});

describe('downloads', () => {
  it('safetensors: decodes to the model’s state dict, with the architecture', async () => {
    const spec: NetworkSpec = preset('allconv');
    const bytes = await safetensorsBytes(trained.model, spec, { trained: '8 steps' });
    const { tensors, metadata } = decodeSafetensors(bytes, { device: 'cpu' });
    const state = trained.model.stateDict();
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(state).sort());
    expect(Object.keys(state)).toContain('1.running_mean');
    for (const [name, t] of Object.entries(state)) {
      const got = tensors[name] as Tensor;
      expect(got.shape, name).toEqual(t.shape);
      expect(got.dtype, name).toBe(t.dtype);
      expect(Array.from(await got.data()), name).toEqual(Array.from(await t.data()));
    }
    // Running statistics moved during training: these are the trained values, not fresh ones.
    expect(Array.from(await (tensors['1.running_var'] as Tensor).data()).some((v) => v !== 1)).toBe(
      true,
    );
    expect(JSON.parse(metadata.architecture as string)).toEqual(spec);
    expect(metadata.trained).toBe('8 steps');
    expect(JSON.parse(metadata.input_shape as string)).toEqual([1, 1, 28, 28]);
    for (const t of [...Object.values(tensors), ...Object.values(state)]) t.dispose();
  });

  it('ONNX: imports with @stride/onnx and gives the same outputs at another batch size', async () => {
    for (const model of [trained.model, buildNetwork(preset('lenet5'))]) {
      const bytes = await onnxBytes(model);
      const imported = importOnnx(bytes, { device: 'cpu' });
      const x = images(3);
      const want = await outputs(model, x);
      const have = await outputs(imported, x);
      expect(have).toHaveLength(30);
      expect(maxDiff(have, want)).toBeLessThan(1e-5);
      x.dispose();
      imported.dispose();
    }
  });

  it('PyTorch: the source defines the class with the layers and options', async () => {
    const source = await pytorchSource(trained.model);
    expect(source).toContain(`class ${PYTORCH_CLASS}(nn.Sequential):`);
    expect(source).toContain('def load_safetensors(');
    expect(source).toMatch(/nn\.Conv2d\(32, 32, kernel_size=3, padding=2, dilation=2, groups=32\)/);
    expect(source).toMatch(/nn\.BatchNorm2d\(16/);
    expect(FILE_NAMES.pytorch).toMatch(/^[a-z_]+\.py$/);
  });

  describe.skipIf(torchMissing !== null)(
    `PyTorch runs the module${torchMissing === null ? '' : ` (skipped: ${torchMissing})`}`,
    () => {
      it('loads the safetensors download strictly and gives outputs within 1e-5', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'stride-builder-'));
        try {
          const model = trained.model;
          writeFileSync(join(dir, FILE_NAMES.pytorch), await pytorchSource(model));
          writeFileSync(
            join(dir, 'weights.safetensors'),
            await safetensorsBytes(model, preset('allconv')),
          );
          const x = images(2);
          writeFileSync(join(dir, 'input.safetensors'), await encodeSafetensors({ x }));
          const want = await outputs(model, x);
          x.dispose();
          const script = [
            'import sys, json, torch',
            `sys.path.insert(0, ${JSON.stringify(dir)})`,
            `from my_network import ${PYTORCH_CLASS}, load_safetensors`,
            `model = ${PYTORCH_CLASS}()`,
            `r = model.load_state_dict(load_safetensors(${JSON.stringify(join(dir, 'weights.safetensors'))}), strict=True)`,
            'model.eval()',
            `x = load_safetensors(${JSON.stringify(join(dir, 'input.safetensors'))})["x"]`,
            'with torch.no_grad():',
            '    y = model(x)',
            'print(json.dumps({"missing": r.missing_keys, "unexpected": r.unexpected_keys, "y": y.flatten().tolist(), "shape": list(y.shape)}))',
          ].join('\n');
          const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
          expect(r.status, r.stderr).toBe(0);
          const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
          expect(out.missing).toEqual([]);
          expect(out.unexpected).toEqual([]);
          expect(out.shape).toEqual([2, 10]);
          expect(maxDiff(out.y, want)).toBeLessThan(1e-5);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, 60_000);
    },
  );
});
