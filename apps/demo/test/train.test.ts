import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { memory, noGrad, tensor, tidy } from '@stride/core';
import { loadSafetensors } from '@stride/core/node';
import { LeNet5 } from '@stride/layers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainOptions, type TrainOptions, trainCommand } from '../src/cli/options.js';
import { progressLines } from '../src/cli/progress.js';
import { buildModel, buildOptimizer, loadData, startBackend } from '../src/cli/setup.js';
import { evaluate, train } from '../src/cli/train-loop.js';
import { probeOf } from '../web/inside/live-feed.js';
import { LENET5, type StepReport, TrainingSession } from '../web/train/session.js';

// The page's training loop yields with requestAnimationFrame, which Node lacks.
globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) =>
  setTimeout(() => cb(performance.now()), 0) as unknown as number;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-train-'));
  await startBackend('cpu');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const silent = { startEpoch() {}, update() {}, endEpoch() {} };

async function run(overrides: string[], testImages = 10_000) {
  const o: TrainOptions = parseTrainOptions([
    '--out',
    join(dir, 'model.safetensors'),
    ...overrides,
  ]);
  const loaded = await loadData(o);
  const data = { train: loaded.train, test: loaded.test.slice(0, testImages) };
  const model = buildModel(o);
  const optimizer = buildOptimizer(o, model);
  const result = await train(o, model, optimizer, data, silent);
  return { o, data, model, optimizer, result };
}

describe('training CLI', () => {
  it('learns MNIST from a small subset: held-out accuracy above 90%', async () => {
    const before = memory().numTensors;
    const { o, model, optimizer, result } = await run([
      '--limit',
      '6400',
      '--epochs',
      '2',
      '--batch-size',
      '32',
    ]);
    // 400 steps; the held-out set is the full 10,000-image test set.
    expect(result.testAccuracy).toBeGreaterThan(0.9);
    expect(result.epochs[1]?.loss).toBeLessThan(result.epochs[0]?.loss as number);
    const saved = await loadSafetensors(o.out);
    const fresh = new LeNet5();
    fresh.loadStateDict(saved.tensors);
    const { test } = await loadData(o);
    expect(await evaluate(fresh, test.slice(0, 2000))).toBeCloseTo(
      await evaluate(model, test.slice(0, 2000)),
      10,
    );
    for (const t of Object.values(saved.tensors)) t.dispose();
    fresh.dispose();
    optimizer.dispose();
    model.dispose();
    expect(memory().numTensors).toBe(before);
    // Without --onnx, nothing but the checkpoint and the optimizer state is written.
    expect(result.onnx).toBeUndefined();
    expect(existsSync(join(dir, 'model.onnx'))).toBe(false);
  }, 120_000);

  it('with --onnx, writes the model as ONNX beside the checkpoint, predicting as Stride does', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const out = join(dir, 'cli', 'run.safetensors');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        tsx,
        '--conditions=source',
        'src/cli/train.ts',
        ...[
          '--limit',
          '3200',
          '--batch-size',
          '32',
          '--epochs',
          '1',
          '--no-progress',
          '--out',
          out,
          '--onnx',
        ],
      ],
      { cwd: root },
    );
    const onnxPath = join(dir, 'cli', 'run.onnx');
    expect(stdout).toContain(`ONNX model: ${onnxPath}\n`);

    // The checkpoint, loaded back into LeNet-5, is the model the ONNX file must reproduce.
    const saved = await loadSafetensors(out);
    const model = new LeNet5();
    model.loadStateDict(saved.tensors);
    for (const t of Object.values(saved.tensors)) t.dispose();
    model.eval();
    const { test } = await loadData(parseTrainOptions([]));
    // Five digits in one batch: the file was exported for one image, with the batch left free.
    const { x: pixels, y: labels } = test.getBatch([0, 1, 2, 3, 4]);
    const want = tidy(() =>
      noGrad(() => model.forward(tensor(pixels, { shape: [5, 1, 28, 28] }))).dataSync(),
    ) as Float32Array;
    model.dispose();

    const session = await ort.InferenceSession.create(onnxPath);
    const result = await session.run({
      [session.inputNames[0] as string]: new ort.Tensor('float32', pixels, [5, 1, 28, 28]),
    });
    const got = (result[session.outputNames[0] as string] as ort.Tensor).data as Float32Array;
    await session.release();
    expect(got.length).toBe(50);
    for (let i = 0; i < got.length; i++) {
      const r = want[i] as number;
      expect(Math.abs((got[i] as number) - r) / Math.max(1, Math.abs(r))).toBeLessThan(1e-5);
    }
    // The logits are a trained model's, not noise: most of the five digits are recognised.
    const predicted = [...labels].map((_, i) => {
      const row = [...got.subarray(i * 10, i * 10 + 10)];
      return row.indexOf(Math.max(...row));
    });
    expect(predicted.filter((p, i) => p === labels[i]).length).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('gives the same run for the same seed', async () => {
    const args = (seed: string) => ['--limit', '640', '--epochs', '1', '--seed', seed];
    const a = await run(args('7'), 500);
    const b = await run(args('7'), 500);
    const c = await run(args('8'), 500);
    expect(b.result.epochs[0]?.loss).toBe(a.result.epochs[0]?.loss);
    expect(b.result.testAccuracy).toBe(a.result.testAccuracy);
    expect(c.result.epochs[0]?.loss).not.toBe(a.result.epochs[0]?.loss);
    for (const r of [a, b, c]) {
      r.optimizer.dispose();
      r.model.dispose();
    }
  }, 120_000);

  it('rejects bad flags with a one-line error and the usage', () => {
    const parse = (args: string[]): string => {
      let out = '';
      const cmd = trainCommand()
        .exitOverride()
        .configureOutput({ writeErr: (s) => (out += s), writeOut: (s) => (out += s) });
      try {
        cmd.parse(args, { from: 'user' });
      } catch {
        return out;
      }
      return 'accepted';
    };
    expect(parse(['--epochs', '0'])).toMatch(
      /^error: option '--epochs <n>' argument '0' is invalid\. epochs must be a positive integer\.\n/,
    );
    expect(parse(['--optimizer', 'lbfgs'])).toMatch(
      /argument 'lbfgs' is invalid\. Allowed choices are sgd, adam, adamw, rmsprop/,
    );
    expect(parse(['--bogus'])).toMatch(
      /^error: unknown option '--bogus'\n[\s\S]*Usage: stride-train/,
    );
    expect(parse(['--lr', 'fast'])).toMatch(/lr must be a positive number/);
    expect(parse(['--seed', '-1'])).toMatch(/seed must be an integer from 0 to 4294967295/);
    expect(parse(['--seed', '4294967296'])).toMatch(/seed must be an integer from 0 to 4294967295/);
    expect(parse(['--epochs', '2', '--lr', '0.01'])).toBe('accepted');
    expect(parse(['--onnx', ''])).toMatch(
      /^error: option '--onnx \[file\]' argument '' is invalid\. onnx needs a file name\.\n/,
    );
    expect(parse(['--onnx', 'a.onnx', 'b.onnx'])).toMatch(/^error: too many arguments/);
    expect(parse(['--onnx', '--epochs', '2'])).toBe('accepted');
  });

  it('puts the ONNX file beside the checkpoint unless told where, and never onto it', () => {
    expect(parseTrainOptions([]).onnx).toBeUndefined();
    expect(parseTrainOptions(['--onnx']).onnx).toBe('checkpoints/lenet5-mnist.onnx');
    expect(parseTrainOptions(['--out', 'runs/a.safetensors', '--onnx']).onnx).toBe('runs/a.onnx');
    expect(parseTrainOptions(['--out', 'runs/a', '--onnx']).onnx).toBe('runs/a.onnx');
    expect(parseTrainOptions(['--onnx', 'deploy/m.onnx', '--epochs', '2']).onnx).toBe(
      'deploy/m.onnx',
    );
    const refused = (args: string[]): string => {
      let out = '';
      try {
        parseTrainOptions(
          args,
          trainCommand()
            .exitOverride()
            .configureOutput({ writeErr: (s) => (out += s), writeOut: (s) => (out += s) }),
        );
      } catch {
        return out;
      }
      return 'accepted';
    };
    expect(refused(['--out', 'a.safetensors', '--onnx', 'a.safetensors'])).toMatch(
      /^error: --onnx 'a\.safetensors' is the same file as --out \('a\.safetensors'\)\.\n[\s\S]*Usage: stride-train/,
    );
    expect(refused(['--out', 'a.safetensors', '--onnx', './a.optim.safetensors'])).toMatch(
      /is the same file as the optimizer state/,
    );
  });

  it('prints one line per epoch without a terminal', () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(s);
    try {
      progressLines(3).endEpoch({
        epoch: 2,
        loss: 0.12345,
        trainAccuracy: 0.9876,
        imagesPerSecond: 1234.4,
      });
    } finally {
      console.log = log;
    }
    expect(lines).toEqual(['epoch 2/3  loss 0.1235  train acc 98.76%  1234 img/s']);
  });
});

describe('the page’s training session', () => {
  /** The first `steps` reports of a session of seed 5, watched every `every` steps or not. */
  async function losses(steps: number, every: number | null): Promise<StepReport[]> {
    const { train: images, test } = await loadData(parseTrainOptions(['--limit', '640']));
    const session = new TrainingSession(
      { device: 'cpu', optimizer: 'sgd', lr: 0.05, batchSize: 32, seed: 5 },
      images,
      LENET5,
    );
    const reports: StepReport[] = [];
    let snapshots = 0;
    const report = (r: StepReport) => {
      reports.push(r);
      if (r.step === steps) void session.stop();
    };
    await session.run(
      report,
      every === null
        ? undefined
        : { every: () => every, probe: probeOf(test).image, onSnapshot: () => snapshots++ },
    );
    session.dispose();
    expect(snapshots).toBe(every === null ? 0 : 1 + Math.floor(steps / every));
    return reports;
  }

  it('trains the same with the live view watching as without it', async () => {
    const before = memory().numTensors;
    const plain = await losses(12, null);
    const watched = await losses(12, 3);
    expect(watched.map((r) => r.step)).toEqual(plain.map((r) => r.step));
    expect(watched.map((r) => r.loss)).toEqual(plain.map((r) => r.loss));
    expect(watched.map((r) => r.accuracy)).toEqual(plain.map((r) => r.accuracy));
    // It learns: the last loss is below the first.
    expect(plain.at(-1)?.loss).toBeLessThan(plain[0]?.loss as number);
    expect(memory().numTensors).toBe(before);
  }, 60_000);
});
