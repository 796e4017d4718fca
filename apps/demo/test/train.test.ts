import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory } from '@stride/core';
import { loadSafetensors } from '@stride/core/node';
import { LeNet5 } from '@stride/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainOptions, type TrainOptions, trainCommand } from '../src/cli/options.js';
import { progressLines } from '../src/cli/progress.js';
import { buildModel, buildOptimizer, loadData, startBackend } from '../src/cli/setup.js';
import { evaluate, train } from '../src/cli/train-loop.js';

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
