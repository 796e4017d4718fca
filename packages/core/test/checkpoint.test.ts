import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeSafetensors, StrideError, tensor } from '../src/index.js';
import { loadSafetensors, saveSafetensors } from '../src/node/checkpoint.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<StrideError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StrideError);
  return error as StrideError;
}

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips a state dict through a file', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(
      path,
      {
        'conv1.weight': tensor([[[[0.5, -1]]]]),
        'bn1.num_batches_tracked': tensor(3, { dtype: 'int32' }),
      },
      { epoch: '4' },
    );
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ epoch: '4' });
    expect(tensors['conv1.weight']?.arraySync()).toEqual([[[[0.5, -1]]]]);
    expect(tensors['bn1.num_batches_tracked']?.itemSync()).toBe(3);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('replaces an existing checkpoint and leaves no temporary file', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { w: tensor([1, 2, 3]) });
    await saveSafetensors(path, { w: tensor([4]) });
    expect((await loadSafetensors(path)).tensors.w?.arraySync()).toEqual([4]);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('names the path when the file is missing or corrupt', async () => {
    const missing = join(dir, 'nope.safetensors');
    const e1 = await rejection(loadSafetensors(missing));
    expect(e1.message).toBe(
      `loadSafetensors: no file at ${missing}: ${(e1.cause as Error).message}`,
    );

    const corrupt = join(dir, 'corrupt.safetensors');
    const good = await encodeSafetensors({ w: tensor([1.5, 2.5]) });
    await writeFile(corrupt, good.subarray(0, good.length - 3));
    const e2 = await rejection(loadSafetensors(corrupt));
    expect(e2.message).toMatch(
      new RegExp(
        `^loadSafetensors: ${corrupt} is not a valid safetensors file: tensor 'w': data_offsets \\[0, 8\\] reach past the end`,
      ),
    );
    expect(e2.cause).toBeInstanceOf(StrideError);

    const e3 = await rejection(loadSafetensors(dir));
    expect(e3.message).toMatch(new RegExp(`^loadSafetensors: could not read ${dir}: .*EISDIR`));
  });

  it('leaves the previous file byte-identical when a tensor cannot be read', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { w: tensor([1, 2, 3]) });
    const before = await readFile(path);
    const broken = tensor([9, 9]);
    broken.data = () => Promise.reject(new Error('device lost'));
    const error = await rejection(saveSafetensors(path, { w: tensor([7]), v: broken }));
    expect(error.message).toBe(
      `saveSafetensors: ${path} was not written (it is unchanged): device lost`,
    );
    expect((await readFile(path)).equals(before)).toBe(true);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('leaves the target and removes the temporary file when the rename fails', async () => {
    // A non-empty directory where the file should go: writing the temporary file succeeds,
    // the rename over the target fails (EISDIR), for real, without any mock.
    const path = join(dir, 'model.safetensors');
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'precious');
    const error = await rejection(saveSafetensors(path, { w: tensor([1]) }));
    expect(error.message).toMatch(
      new RegExp(
        `^saveSafetensors: could not write ${path} \\(the previous file, if any, is unchanged\\): .*(EISDIR|ENOTEMPTY|EEXIST)`,
      ),
    );
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    expect(await readFile(join(path, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('fails cleanly when the directory does not exist', async () => {
    const path = join(dir, 'missing', 'model.safetensors');
    const error = await rejection(saveSafetensors(path, { w: tensor([1]) }));
    expect(error.message).toMatch(/^saveSafetensors: could not write .*ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
