import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCifar10, parseCifar10 } from '../src/index.js';
import { strideError } from './setup.js';

/** `n` CIFAR records: label `labels[i]`, pixel k of record i = (i + k) mod 256. */
function records(labels: number[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    out[i * 3073] = label;
    for (let k = 0; k < 3072; k++) out[i * 3073 + 1 + k] = (i + k) % 256;
  });
  return out;
}

describe('parseCifar10', () => {
  it('splits records into [3,32,32] images and labels', () => {
    const ds = parseCifar10(records([6, 9, 0]));
    expect(ds.length).toBe(3);
    expect(ds.sampleShape).toEqual([3, 32, 32]);
    expect(Array.from(ds.y)).toEqual([6, 9, 0]);
    expect(ds.x[3072 + 5]).toBe(6);
    // Channel planes stay in file order: red (0-1023), green, blue.
    const { x, xShape } = ds.getBatch([1]);
    expect(xShape).toEqual([1, 3, 32, 32]);
    expect(x[1024]).toBe(Math.fround(((1 + 1024) % 256) / 255));
    expect(parseCifar10(records([1]).buffer).length).toBe(1);
  });

  it('rejects a length that is not a whole number of records', async () => {
    expect(
      (
        await strideError(() =>
          parseCifar10(records([1, 2]).subarray(0, 5000), { name: 'data_batch_1.bin' }),
        )
      ).message,
    ).toBe(
      'parseCifar10: data_batch_1.bin: expected a whole number of 3073-byte records (1 label byte + 3072 pixels), found 5000 bytes (1 records and 1927 bytes over)',
    );
    expect((await strideError(() => parseCifar10(new Uint8Array(0)))).message).toMatch(
      /found 0 bytes/,
    );
  });

  it('rejects gzip data, which it cannot inflate synchronously, and unknown options', async () => {
    expect((await strideError(() => parseCifar10(gzipSync(records([1]))))).message).toBe(
      'parseCifar10: CIFAR-10 data: expected uncompressed CIFAR-10 records, found gzip-compressed data (decompress it first, or read the files with loadCifar10)',
    );
    expect(
      (await strideError(() => parseCifar10(records([1]), { nmae: 'x' } as never))).message,
    ).toBe("parseCifar10: unknown option 'nmae' (did you mean 'name'?); the options are name");
    expect((await strideError(() => parseCifar10([1, 2, 3] as never))).message).toBe(
      'parseCifar10: bytes must be a Uint8Array or an ArrayBuffer, got an array',
    );
  });

  it('rejects labels of 10 or more', async () => {
    expect((await strideError(() => parseCifar10(records([3, 10])))).message).toBe(
      'parseCifar10: CIFAR-10 data: expected labels 0-9, found 10 at index 1',
    );
  });
});

describe('loadCifar10', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stride-cifar-'));
    for (let b = 1; b <= 5; b++) await writeFile(join(dir, `data_batch_${b}.bin`), records([b, b]));
    await writeFile(join(dir, 'test_batch.bin'), records([7]));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('concatenates the five training batches, or reads the test batch', async () => {
    const train = await loadCifar10({ dir });
    expect(train.length).toBe(10);
    expect(Array.from(train.y)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(Array.from((await loadCifar10({ dir, train: false })).y)).toEqual([7]);
  });

  it('checks its options', async () => {
    expect((await strideError(loadCifar10({ dir, trian: false } as never))).message).toBe(
      "loadCifar10: unknown option 'trian' (did you mean 'train'?); the options are dir, train",
    );
    expect((await strideError(loadCifar10({ dir: 7 } as never))).message).toBe(
      "loadCifar10: option 'dir' must be a directory path or URL (a non-empty string or a URL), got 7",
    );
    expect((await strideError(loadCifar10(undefined as never))).message).toMatch(
      /^loadCifar10: options\.dir is required\. Get cifar-10-binary\.tar\.gz/,
    );
  });

  it('says where to get the files when they are missing', async () => {
    const error = await strideError(loadCifar10({ dir: join(dir, 'nope') }));
    expect(error.message).toMatch(
      /^loadCifar10: expected data_batch_1\.bin .*cifar-10-binary\.tar\.gz/,
    );
  });
});
