import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it('names the path when the file is missing, a directory or corrupt', async () => {
    const missing = join(dir, 'nope.safetensors');
    const e1 = await rejection(loadSafetensors(missing));
    expect(e1.message).toBe(`loadSafetensors: no file at ${missing} (ENOENT)`);
    expect((e1.cause as NodeJS.ErrnoException).code).toBe('ENOENT');

    const corrupt = join(dir, 'corrupt.safetensors');
    const good = await encodeSafetensors({ w: tensor([1.5, 2.5]) });
    await writeFile(corrupt, good.subarray(0, good.length - 3));
    const e2 = await rejection(loadSafetensors(corrupt));
    expect(e2.message).toBe(
      `loadSafetensors: ${corrupt} is not a valid safetensors file: tensor 'w': data_offsets [0, 8] reach past the end of the data (5 bytes; truncated file?)`,
    );

    const e3 = await rejection(loadSafetensors(dir));
    expect(e3.message).toBe(`loadSafetensors: ${dir} is a directory, not a file (EISDIR)`);

    const e4 = await rejection(loadSafetensors(join(corrupt, 'inside.safetensors')));
    expect(e4.message).toBe(
      `loadSafetensors: could not read ${join(corrupt, 'inside.safetensors')}: a part of the path is not a directory (ENOTDIR)`,
    );
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

  it('refuses to replace a directory and leaves what is in it', async () => {
    const path = join(dir, 'model.safetensors');
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'precious');
    const error = await rejection(saveSafetensors(path, { w: tensor([1]) }));
    expect(error.message).toBe(
      `saveSafetensors: could not write ${path} (the previous file, if any, is unchanged): it is a directory (EISDIR)`,
    );
    expect(await readdir(dir)).toEqual(['model.safetensors']);
    expect(await readFile(join(path, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('fails cleanly when the directory does not exist', async () => {
    const path = join(dir, 'missing', 'model.safetensors');
    const error = await rejection(saveSafetensors(path, { w: tensor([1]) }));
    expect(error.message).toBe(
      `saveSafetensors: could not write ${path} (the previous file, if any, is unchanged): the directory ${join(dir, 'missing')} does not exist (ENOENT)`,
    );
    expect(await readdir(dir)).toEqual([]);

    await writeFile(join(dir, 'file'), 'x');
    const inFile = join(dir, 'file', 'model.safetensors');
    const e2 = await rejection(saveSafetensors(inFile, { w: tensor([1]) }));
    expect(e2.message).toBe(
      `saveSafetensors: could not write ${inFile} (the previous file, if any, is unchanged): a part of the path is not a directory (ENOTDIR)`,
    );
    expect(await readdir(dir)).toEqual(['file']);
  });
});

describe('saveSafetensors / loadSafetensors arguments and odd files', () => {
  it('rejects a path that is not a usable string', async () => {
    const w = { w: tensor([1]) };
    expect((await rejection(saveSafetensors('', w))).message).toBe(
      `saveSafetensors: path must be a non-empty string, got ''`,
    );
    expect(
      (await rejection(saveSafetensors(new URL('file:///x') as unknown as string, w))).message,
    ).toBe('saveSafetensors: path must be a non-empty string, got a URL');
    expect((await rejection(loadSafetensors('model\0.safetensors'))).message).toBe(
      'loadSafetensors: path must not contain a NUL character, got "model\\u0000.safetensors"',
    );
    expect((await rejection(loadSafetensors(42 as unknown as string))).message).toBe(
      'loadSafetensors: path must be a non-empty string, got 42',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('reads its options through checkOptions', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { w: tensor([1]) });
    expect(
      (await rejection(loadSafetensors(path, { devcie: 'cpu' } as unknown as { device: string })))
        .message,
    ).toBe(
      `loadSafetensors: unknown option 'devcie' (did you mean 'device'?); the options are device`,
    );
    expect(
      (await rejection(loadSafetensors(path, { device: 0 as unknown as string }))).message,
    ).toBe(`loadSafetensors: option 'device' must be a string, got 0`);
    expect((await rejection(loadSafetensors(path, { device: 'tpu' }))).message).toMatch(
      /^loadSafetensors: device 'tpu' is not ready/,
    );
  });

  it('refuses a named pipe instead of waiting on it', async () => {
    const fifo = join(dir, 'pipe.safetensors');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect((await rejection(loadSafetensors(fifo))).message).toBe(
      `loadSafetensors: ${fifo} is not a regular file`,
    );
    expect((await rejection(saveSafetensors(fifo, { w: tensor([1]) }))).message).toBe(
      `saveSafetensors: could not write ${fifo} (the previous file, if any, is unchanged): it is not a regular file but a named pipe`,
    );
    expect(await readdir(dir)).toEqual(['pipe.safetensors']);
  });

  it('says that a PyTorch .pt file is not safetensors and how to convert it', async () => {
    // Written by PyTorch 1.13: torch.save({'w': torch.tensor([1.0, 2.0])}, path), the second
    // with _use_new_zipfile_serialization=False (the format before PyTorch 1.6).
    const convert =
      'Stride reads safetensors files, not PyTorch’s pickle format; convert the checkpoint in Python: safetensors.torch.save_file(model.state_dict(), "model.safetensors")';
    const zip = fileURLToPath(new URL('./fixtures/torch-zip.pt', import.meta.url));
    expect((await rejection(loadSafetensors(zip))).message).toBe(
      `loadSafetensors: ${zip} is not a safetensors file: it is a zip archive (it starts with "PK\\x03\\x04…"), as torch.save writes PyTorch checkpoints (.pt, .pth). ${convert}`,
    );
    const legacy = fileURLToPath(new URL('./fixtures/torch-legacy.pt', import.meta.url));
    expect((await rejection(loadSafetensors(legacy))).message).toBe(
      `loadSafetensors: ${legacy} is not a safetensors file: it is a Python pickle (it starts with "\\x80\\x02…"), as torch.save wrote PyTorch checkpoints (.pt, .pth) before PyTorch 1.6. ${convert}`,
    );
  });
});
