import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { StrideError, tensor } from '../src/index.js';
import { loadSafetensors, saveSafetensors } from '../src/node/checkpoint.js';
import { useCpu } from './setup.js';

// Failures that the real file system will not produce on demand (a full disk halfway through
// the data, a rename refused), injected under the atomic writer through node:fs/promises.
const faults = vi.hoisted(() => ({
  writeFailsAfterBytes: -1,
  renameFails: false,
  partial: 0,
  /** Holds the next fsync until `release` settles, calling `arrived` first. */
  syncGate: undefined as undefined | { arrived: () => void; release: Promise<void> },
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    const write = handle.write.bind(handle) as (
      ...a: unknown[]
    ) => Promise<{ bytesWritten: number }>;
    let written = 0;
    // Writes as much as the "disk" has room for, for real, then fails as a full disk does.
    (handle as unknown as { write: unknown }).write = async (
      data: Uint8Array,
      offset: number,
      length: number,
      position: number,
    ) => {
      const limit = faults.writeFailsAfterBytes;
      if (limit >= 0 && written + length > limit) {
        if (limit > written)
          faults.partial += (await write(data, offset, limit - written, position)).bytesWritten;
        written = limit;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
        });
      }
      const result = await write(data, offset, length, position);
      written += result.bytesWritten;
      return result;
    };
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      const gate = faults.syncGate;
      faults.syncGate = undefined;
      if (gate !== undefined) {
        gate.arrived();
        await gate.release;
      }
      return sync();
    };
    return handle;
  };
  const rename: typeof fs.rename = async (from, to) => {
    if (faults.renameFails)
      throw Object.assign(new Error('EACCES: permission denied, rename'), { code: 'EACCES' });
    return fs.rename(from, to);
  };
  return { ...fs, open, rename };
});

beforeAll(useCpu);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-crash-'));
  faults.writeFailsAfterBytes = -1;
  faults.renameFails = false;
  faults.partial = 0;
  faults.syncGate = undefined;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveSafetensors when the write fails midway', () => {
  it('keeps the previous checkpoint byte-identical after a failed data write', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { w: tensor(new Float32Array(1000).fill(1)) });
    const before = await readFile(path);

    faults.writeFailsAfterBytes = 100;
    const error = await saveSafetensors(path, { w: tensor(new Float32Array(1000).fill(2)) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StrideError);
    expect((error as StrideError).message).toBe(
      `saveSafetensors: could not write ${path} (the previous file, if any, is unchanged): no space left on the device (ENOSPC)`,
    );
    faults.writeFailsAfterBytes = -1;
    // The new data really was half on disk (in the temporary file) when the write failed.
    expect(faults.partial).toBe(100);

    expect((await readFile(path)).equals(before)).toBe(true);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('keeps the previous checkpoint byte-identical when the rename is refused', async () => {
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { w: tensor([1, 2, 3]) });
    const before = await readFile(path);

    faults.renameFails = true;
    const error = await saveSafetensors(path, { w: tensor([4, 5, 6]) }).catch((e: unknown) => e);
    expect((error as StrideError).message).toBe(
      `saveSafetensors: could not write ${path} (the previous file, if any, is unchanged): no permission to replace it (EACCES)`,
    );

    expect((await readFile(path)).equals(before)).toBe(true);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });
});

describe('saveSafetensors while another save of the same file is under way', () => {
  it("leaves the other save's temporary file alone, so both succeed", async () => {
    // Every save first removes temporary files of killed saves; one of a live save of this
    // very process and thread must not be taken for one, or that save's rename would fail.
    const path = join(dir, 'model.safetensors');
    let arrived = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let release = () => {};
    faults.syncGate = {
      arrived,
      release: new Promise<void>((resolve) => {
        release = resolve;
      }),
    };
    const first = saveSafetensors(path, { w: tensor([1]) });
    await reached; // the first save's data is in its temporary file, its fsync held
    const [pending] = await readdir(dir);
    expect(pending).toMatch(/^\.model\.safetensors\.[0-9a-f]{8}\.\d+\.\d+\.[0-9a-f]{8}\.tmp$/);

    await saveSafetensors(path, { w: tensor([2]) });
    expect((await loadSafetensors(path)).tensors.w?.arraySync()).toEqual([2]);
    expect((await readdir(dir)).sort()).toEqual([pending, 'model.safetensors']);

    release();
    await first;
    expect((await loadSafetensors(path)).tensors.w?.arraySync()).toEqual([1]);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });
});
