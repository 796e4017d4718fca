/**
 * exportOnnx, checked by others' code: every case runs in onnxruntime-node with outputs equal to
 * Stride's within 1e-5, dynamic-batch exports run at another batch size, and every export passes
 * ONNX's own checker (`onnx.checker.check_model(full_check=True)`) where Python's onnx is installed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@stride/backend-cpu';
import {
  cumsum,
  dropout,
  flatten,
  manualSeed,
  memory,
  randn,
  registerBackend,
  relu,
  StrideError,
  setBackend,
  squeeze,
  type Tensor,
  tensor,
  where,
  zeros,
} from '@stride/core';
import { AdaptiveAvgPool2d, LeNet5, type Module } from '@stride/layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Exportable, exportOnnx } from '../src/index.js';
import { CASES, type ExportCase, MODEL_CASES, strideOutputs } from './export-cases.js';

beforeAll(async () => {
  registerBackend(cpu());
  await setBackend('cpu');
});

async function ortOutputs(bytes: Uint8Array, inputs: Tensor[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => {
    const t = inputs[i] as Tensor;
    feeds[name] = new ort.Tensor('float32', Float32Array.from(t.dataSync() as Float32Array), [
      ...t.shape,
    ]);
  });
  const out = await session.run(feeds);
  const result = session.outputNames.map((n) => (out[n] as ort.Tensor).data as Float32Array);
  await session.release();
  return result;
}

/** The largest difference, relative to the reference where it exceeds 1. */
function maxError(ref: Float32Array, got: Float32Array): number {
  expect(got.length).toBe(ref.length);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    worst = Math.max(worst, Math.abs(r - (got[i] as number)) / Math.max(1, Math.abs(r)));
  }
  return worst;
}

const exported = new Map<string, { bytes: Uint8Array; opset: number }>();

async function exportCase(c: ExportCase): Promise<{ model: Exportable; bytes: Uint8Array }> {
  manualSeed(7);
  const model = c.build();
  const bytes = await exportOnnx(model, c.inputs(), c.options);
  exported.set(c.name, { bytes, opset: c.options?.opset ?? 17 });
  return { model, bytes };
}

describe('exportOnnx: onnxruntime-node computes what Stride computes', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { model, bytes } = await exportCase(c);
      manualSeed(11);
      const inputs = c.inputs();
      const ref = strideOutputs(model, inputs);
      const got = await ortOutputs(bytes, inputs);
      expect(got.length).toBe(ref.length);
      ref.forEach((r, i) => {
        expect(maxError(r, got[i] as Float32Array)).toBeLessThan(1e-5);
      });
      if (c.otherBatch) {
        const other = c.otherBatch();
        expect(other[0]?.shape[0]).not.toBe(inputs[0]?.shape[0]);
        const ref2 = strideOutputs(model, other);
        const got2 = await ortOutputs(bytes, other);
        expect(maxError(ref2[0] as Float32Array, got2[0] as Float32Array)).toBeLessThan(1e-5);
      }
    });
  }

  it('names initializers as the state dict, and restores training mode', async () => {
    manualSeed(1);
    const model = new LeNet5();
    expect(model.training).toBe(true);
    const bytes = await exportOnnx(model, randn([1, 1, 28, 28]));
    expect(model.training).toBe(true);
    const text = new TextDecoder('latin1').decode(bytes);
    for (const name of Object.keys(model.stateDict())) expect(text).toContain(name);
  });

  it('leaks no tensors', async () => {
    manualSeed(2);
    const model = new LeNet5();
    const x = randn([2, 1, 28, 28]);
    await exportOnnx(model, x);
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) await exportOnnx(model, x, { dynamicBatch: true });
    expect(memory().numTensors).toBe(before);
  });
});

const python = '/usr/bin/python3';
const hasOnnx = (() => {
  try {
    execFileSync(python, ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOnnx)(
  "ONNX's checker (full_check) accepts every export (skipped without Python's onnx: run scripts/python-deps.sh)",
  () => {
    it('checks every export at the opsets its onnx knows', async () => {
      for (const c of CASES) if (!exported.has(c.name)) await exportCase(c);
      const dir = mkdtempSync(join(tmpdir(), 'stride-onnx-check-'));
      try {
        const files: string[] = [];
        for (const [name, { bytes, opset }] of exported) {
          // Python's onnx 1.12 (Debian 12) knows the operators of opsets up to 17.
          if (opset > 17) continue;
          const file = join(dir, `${files.length}.onnx`);
          writeFileSync(file, bytes);
          files.push(file);
          writeFileSync(`${file}.name`, name);
        }
        const script = [
          'import sys, onnx',
          'bad = []',
          'for path in sys.argv[1:]:',
          '    try:',
          '        onnx.checker.check_model(onnx.load(path), full_check=True)',
          '    except Exception as e:',
          "        bad.append(open(path + '.name').read() + ': ' + str(e).splitlines()[0])",
          "print('\\n'.join(bad) if bad else 'all passed')",
        ].join('\n');
        const out = execFileSync(python, ['-c', script, ...files], { encoding: 'utf8' }).trim();
        expect(out).toBe('all passed');
        expect(files.length).toBeGreaterThanOrEqual(MODEL_CASES.length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

/** The message of the StrideError of exportOnnx that `p` rejects with. */
async function rejection(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StrideError);
  expect((e as StrideError).fn).toBe('exportOnnx');
  return (e as Error).message;
}
describe('dynamicBatch: the graph follows what changes with the batch size, and only that', () => {
  async function both(f: (x: Tensor) => Tensor, example: number[], other: number[]): Promise<void> {
    const bytes = await exportOnnx(f, randn(example), { dynamicBatch: true });
    const x = randn(other);
    const expected = f(x);
    const [got] = await ortOutputs(bytes, [x]);
    expect(Array.from(got as Float32Array)).toEqual(
      Array.from(expected.dataSync() as Float32Array),
    );
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({
      input: new ort.Tensor('float32', Float32Array.from(x.dataSync() as Float32Array), other),
    });
    expect((out.output as ort.Tensor).dims).toEqual(expected.shape);
  }

  it('a -1 and the batch size asked for follow it; a number that only equals it stays', async () => {
    await both((x) => x.reshape([-1]), [2, 3], [5, 3]);
    await both((x) => x.reshape([x.shape[0] as number, -1, 3]), [2, 6], [4, 6]);
    // 2 is the example's batch size, but the model asks for 2 rows at every batch size.
    await both((x) => x.reshape([2, -1]), [2, 4], [4, 4]);
    await both((x) => flatten(x, 0, 1), [2, 3, 4], [3, 3, 4]);
  });

  it('refuses constants and arguments that follow the batch size, and models that fail at N + 1', async () => {
    const dyn = { dynamicBatch: true };
    expect(
      await rejection(
        exportOnnx((x: Tensor) => x.add(zeros([x.shape[0] as number, 3])), randn([2, 3]), dyn),
      ),
    ).toMatch(/a constant \[2,3\] that add takes is \[3,3\] at one more sample/);
    expect(
      await rejection(
        exportOnnx(
          (x: Tensor) => x.mul(tensor([x.shape[0] as number], { dtype: 'float32' })),
          randn([2, 3]),
          dyn,
        ),
      ),
    ).toMatch(/a constant \[1\] that mul takes holds other values at one more sample/);
    const fixed = zeros([2, 3]);
    expect(await rejection(exportOnnx((x: Tensor) => x.add(fixed), randn([2, 3]), dyn))).toMatch(
      /must also run at batch 3 \(the example's size plus one\), but there it fails: add: /,
    );
    expect(await rejection(exportOnnx((x: Tensor) => squeeze(x, 0), randn([1, 3]), dyn))).toMatch(
      /squeeze \(op 1, output \[3\]\) takes other arguments at one more sample/,
    );
    expect(
      await rejection(
        exportOnnx((x: Tensor) => x.reshape([3, x.shape[0] as number]), randn([2, 3]), dyn),
      ),
    ).toMatch(
      /reshape from \[2,3\] to \[3,2\] takes dim 1 from the batch size but not from dim 1 of its input/,
    );
  });
});

describe('exportOnnx refuses what it cannot export, naming it', () => {
  it('an op without an ONNX mapping, by name', async () => {
    expect(
      await rejection(exportOnnx((x: Tensor) => relu(where(x.gt(0), x, 1)), randn([3]))),
    ).toMatch(/^exportOnnx: where has no ONNX mapping: its result \[3\] feeds relu/);
    expect(
      await rejection(exportOnnx((x: Tensor) => cumsum(x, 0).sort().values, randn([3]))),
    ).toMatch(/sort has no ONNX mapping|has no ONNX mapping/);
  });

  it('random values drawn inside the model, which no constant can stand for', async () => {
    expect(await rejection(exportOnnx((x: Tensor) => x.add(randn([3])), randn([3])))).toMatch(
      /^exportOnnx: randn has no ONNX mapping: its result \[3\] feeds add/,
    );
  });

  it('adaptive pooling whose windows vary in size', async () => {
    expect(await rejection(exportOnnx(new AdaptiveAvgPool2d([3, 3]), randn([1, 2, 7, 8])))).toMatch(
      /adaptiveAvgPool from \[7,8\] to \[3,3\] has no ONNX mapping/,
    );
  });

  it('training-mode dropout in a function', async () => {
    expect(await rejection(exportOnnx((x: Tensor) => dropout(x, 0.5), randn([2, 3])))).toMatch(
      /dropout runs in training mode/,
    );
  });

  it('bad arguments and options', async () => {
    expect(await rejection(exportOnnx({} as Module, randn([2])))).toMatch(
      /model must be a Module or a function/,
    );
    expect(await rejection(exportOnnx(relu, [] as Tensor[]))).toMatch(
      /exampleInput must be a tensor or a non-empty array/,
    );
    expect(await rejection(exportOnnx(relu, randn([2]), { opset: 12 }))).toMatch(
      /opset must be an integer ≥ 13 and ≤ 21|opset/,
    );
    expect(await rejection(exportOnnx(relu, randn([2]), { dynamicBatchh: true } as never))).toMatch(
      /dynamicBatchh/,
    );
    expect(await rejection(exportOnnx(relu, randn([2]), { inputNames: ['a', 'b'] }))).toMatch(
      /inputNames has 2 names for 1 input/,
    );
    const model = new LeNet5();
    expect(
      await rejection(exportOnnx(model, randn([1, 1, 28, 28]), { inputNames: ['conv1.weight'] })),
    ).toMatch(/input name 'conv1.weight' is used twice/);
  });
});
