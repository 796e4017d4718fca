/** saveOnnx: an export written atomically; a failed export or write leaves the old file. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpu } from '@stride/backend-cpu';
import {
  cumsum,
  manualSeed,
  randn,
  registerBackend,
  StrideError,
  setBackend,
  type Tensor,
} from '@stride/core';
import { LeNet5 } from '@stride/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';
import { saveOnnx } from '../src/node/save-onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'stride-save-onnx-'));

beforeAll(async () => {
  registerBackend(cpu());
  await setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saveOnnx', () => {
  it('writes the bytes exportOnnx returns', async () => {
    manualSeed(3);
    const model = new LeNet5();
    const x = randn([1, 1, 28, 28]);
    const path = join(dir, 'lenet5.onnx');
    await saveOnnx(path, model, x, { dynamicBatch: true });
    expect(new Uint8Array(readFileSync(path))).toEqual(
      await exportOnnx(model, x, { dynamicBatch: true }),
    );
  });

  it('keeps the old file when the export fails, and names itself when the write fails', async () => {
    const path = join(dir, 'kept.onnx');
    writeFileSync(path, 'old');
    const failed = await saveOnnx(
      path,
      (x: Tensor) => cumsum(x, 0).sort().values,
      randn([3]),
    ).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(StrideError);
    expect(readFileSync(path, 'utf8')).toBe('old');
    const missing = await saveOnnx(
      join(dir, 'no', 'such', 'dir.onnx'),
      new LeNet5(),
      randn([1, 1, 28, 28]),
    ).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StrideError);
    expect((missing as StrideError).fn).toBe('saveOnnx');
  });
});
