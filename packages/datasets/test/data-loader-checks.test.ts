import { tensor } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArrayDataset,
  DataLoader,
  type Dataset,
  type HostBatch,
  randomHorizontalFlip,
  tensorDataset,
  toTensors,
} from '../src/index.js';
import { numbered, strideError, useCpu } from './setup.js';

beforeAll(useCpu);

/** The message of the StrideError that `f` throws. */
async function message(f: () => unknown): Promise<string> {
  return (await strideError(f)).message;
}

/** The first batch of epoch 0. */
function first(loader: DataLoader): void {
  const batch = loader.batches().next().value;
  batch?.x.dispose();
  batch?.y.dispose();
}

describe('DataLoader options', () => {
  it('names an unknown option with the closest known one', async () => {
    expect(
      await message(() => new DataLoader(numbered(), { batchSize: 2, shufle: true } as never)),
    ).toBe(
      "DataLoader: unknown option 'shufle' (did you mean 'shuffle'?); the options are batchSize, shuffle, seed, dropLast, transforms, device",
    );
    expect(await message(() => new DataLoader(numbered(), { batch_size: 2 } as never))).toMatch(
      /^DataLoader: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/,
    );
  });

  it('requires batchSize, an integer ≥ 1', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '4']) {
      expect(await message(() => new DataLoader(numbered(), { batchSize: bad as number }))).toBe(
        `DataLoader: option 'batchSize' must be an integer ≥ 1, got ${typeof bad === 'string' ? `'${bad}'` : bad}`,
      );
    }
    expect(await message(() => new DataLoader(numbered(), {} as never))).toBe(
      "DataLoader: option 'batchSize' is required (an integer ≥ 1)",
    );
    expect(await message(() => new DataLoader(numbered(), undefined as never))).toBe(
      "DataLoader: option 'batchSize' is required (an integer ≥ 1)",
    );
    expect(await message(() => new DataLoader(numbered(), 32 as never))).toBe(
      'DataLoader: options must be an object such as { batchSize, shuffle, seed, dropLast, transforms, device }, got 32',
    );
  });

  it('checks the types of the other options', async () => {
    const make = (o: object) => () => new DataLoader(numbered(), { batchSize: 2, ...o });
    expect(await message(make({ shuffle: 1 }))).toBe(
      "DataLoader: option 'shuffle' must be a boolean, got 1",
    );
    expect(await message(make({ dropLast: 'yes' }))).toBe(
      "DataLoader: option 'dropLast' must be a boolean, got 'yes'",
    );
    expect(await message(make({ transforms: randomHorizontalFlip() }))).toBe(
      "DataLoader: option 'transforms' must be an array of functions, got a function",
    );
    expect(await message(make({ transforms: [randomHorizontalFlip(), 'flip'] }))).toBe(
      "DataLoader: option 'transforms' must be an array of functions, got [a function,'flip']",
    );
    expect(await message(make({ device: 0 }))).toBe(
      "DataLoader: option 'device' must be a string, got 0",
    );
  });
});

describe('DataLoader seeds', () => {
  it('accepts the generator’s 32-bit range only, so that no two seeds share an order', async () => {
    for (const bad of [2 ** 32, -1, 1.5, 2 ** 53]) {
      expect(await message(() => new DataLoader(numbered(), { batchSize: 2, seed: bad }))).toBe(
        `DataLoader: option 'seed' must be an integer from 0 to 4294967295 (the shuffle's generator is 32-bit), got ${bad}`,
      );
    }
    // Before, 2^32 was taken modulo 2^32 and shuffled exactly as 0 did.
    const orderOf = (seed: number) =>
      Array.from(new DataLoader(numbered(100), { batchSize: 1, shuffle: true, seed }).order(0));
    const seeds = [0, 1, 2, 2 ** 31, 2 ** 32 - 1];
    const orders = seeds.map((s) => orderOf(s).join(','));
    expect(new Set(orders).size).toBe(seeds.length);
    expect(new DataLoader(numbered(), { batchSize: 2, seed: 2 ** 32 - 1 }).seed).toBe(2 ** 32 - 1);
  });

  it('checks the epoch given to order and batches, before any batch is made', async () => {
    const loader = new DataLoader(numbered(), { batchSize: 2, shuffle: true });
    expect(await message(() => loader.order(-1))).toBe(
      'DataLoader.order: epoch must be an integer from 0 to 4294967295, got -1',
    );
    expect(await message(() => loader.order(2 ** 32))).toBe(
      'DataLoader.order: epoch must be an integer from 0 to 4294967295, got 4294967296',
    );
    // batches() is a generator; it checks its argument when called, not at the first next().
    expect(await message(() => loader.batches(1.5))).toBe(
      'DataLoader.batches: epoch must be an integer from 0 to 4294967295, got 1.5',
    );
  });

  it('refuses a device that is not ready when the batches are asked for', async () => {
    const loader = new DataLoader(numbered(), { batchSize: 2, device: 'gpu' });
    expect(await message(() => loader.batches())).toBe(
      "DataLoader.batches: device 'gpu' is not ready: register it and await setBackend('gpu') or initBackend('gpu') first",
    );
  });
});

describe('DataLoader datasets and transforms', () => {
  /** A dataset of `n` samples whose getBatch is `getBatch`. */
  const custom = (getBatch: (indices: ArrayLike<number>) => unknown, n = 4): Dataset => ({
    length: n,
    getBatch: getBatch as Dataset['getBatch'],
  });
  const good = (indices: ArrayLike<number>): HostBatch => numbered(10).getBatch(indices);

  it('refuses an async dataset, at construction or at its first batch', async () => {
    const asyncDataset = custom(async (indices) => good(indices));
    expect(await message(() => new DataLoader(asyncDataset, { batchSize: 2 }))).toBe(
      'DataLoader: dataset.getBatch is an async function: datasets must be synchronous (read the data into memory first, e.g. as an ArrayDataset, and batch it from there)',
    );
    const promising = custom((indices) => Promise.resolve(good(indices)));
    const loader = new DataLoader(promising, { batchSize: 2 });
    expect(await message(() => first(loader))).toBe(
      'DataLoader.batches: the batch that dataset.getBatch returned is a Promise: datasets and transforms must be synchronous (read the data into memory first, e.g. as an ArrayDataset, and batch it from there)',
    );
    expect(
      await message(
        () =>
          new DataLoader(numbered(), {
            batchSize: 2,
            transforms: [(async (b: HostBatch) => b) as never],
          }),
      ),
    ).toBe('DataLoader: transforms[0] is an async function: transforms must be synchronous');
  });

  it('checks each batch a dataset or a transform returns', async () => {
    const short = custom((indices) => good(Array.from(indices).slice(1)));
    expect(await message(() => first(new DataLoader(short, { batchSize: 2 })))).toBe(
      'DataLoader.batches: the batch that dataset.getBatch returned: expected 2 samples, one per index, found 1 (xShape [1,2])',
    );
    const float64 = custom((indices) => ({ ...good(indices), x: new Float64Array(4) }));
    expect(await message(() => first(new DataLoader(float64, { batchSize: 2 })))).toBe(
      'DataLoader.batches: the batch that dataset.getBatch returned: x must be a Float32Array, got a Float64Array',
    );
    const wrongShape = custom((indices) => ({ ...good(indices), xShape: [2, 3] }));
    expect(await message(() => first(new DataLoader(wrongShape, { batchSize: 2 })))).toBe(
      'DataLoader.batches: the batch that dataset.getBatch returned: x has 4 values but xShape [2,3] describes 6',
    );
    const nothing = custom(() => undefined);
    expect(await message(() => first(new DataLoader(nothing, { batchSize: 2 })))).toBe(
      'DataLoader.batches: the batch that dataset.getBatch returned must be a host batch { x, xShape, y, yShape }, got undefined',
    );
    const dropsY = (b: HostBatch) => ({ ...b, y: new Int32Array(0), yShape: [0] });
    const loader = new DataLoader(numbered(), {
      batchSize: 2,
      transforms: [randomHorizontalFlip(), dropsY],
    });
    expect(await message(() => first(loader))).toBe(
      'DataLoader.batches: the batch that transforms[1] returned: x holds 2 samples (xShape [2,2]) but y holds 0 (yShape [0])',
    );
  });

  it('refuses a dataset without a usable length', async () => {
    for (const length of [-1, 1.5, Number.NaN, '4']) {
      expect(
        await message(() => new DataLoader(custom(good, length as number), { batchSize: 2 })),
      ).toBe(
        'DataLoader: dataset must have a length and a getBatch(indices) method (e.g. an ArrayDataset)',
      );
    }
    expect(await message(() => new DataLoader(custom(good, 2 ** 31), { batchSize: 2 }))).toBe(
      'DataLoader: dataset.length is 2147483648, more than the 2147483647 samples a DataLoader can order (an Int32Array of indices)',
    );
  });
});

describe('ArrayDataset and tensor helpers', () => {
  it('refuses negative, fractional and missing indices, naming the position', async () => {
    const ds = numbered(10);
    expect(await message(() => ds.getBatch([0, -1]))).toBe(
      'ArrayDataset.getBatch: indices[1] is -1, not an index from 0 to 9 (the dataset holds 10 samples)',
    );
    expect(await message(() => ds.getBatch(new Float64Array([2.5])))).toBe(
      'ArrayDataset.getBatch: indices[0] is 2.5, not an index from 0 to 9 (the dataset holds 10 samples)',
    );
    expect(await message(() => ds.getBatch([Number.NaN]))).toBe(
      'ArrayDataset.getBatch: indices[0] is NaN, not an index from 0 to 9 (the dataset holds 10 samples)',
    );
    expect(await message(() => ds.getBatch(['1'] as never))).toBe(
      'ArrayDataset.getBatch: indices[0] is string, not an index from 0 to 9 (the dataset holds 10 samples)',
    );
    expect(await message(() => ds.getBatch(3 as never))).toBe(
      'ArrayDataset.getBatch: indices must be an array of integers, got number',
    );
    // Typed arrays of indices are fine, and -0 is 0.
    expect(Array.from(ds.getBatch(new Int32Array([9, -0])).y)).toEqual([9, 0]);
  });

  it('slices with integer bounds only, negative ones counting from the end', async () => {
    const ds = numbered(10);
    expect(Array.from(ds.slice(-3).y)).toEqual([7, 8, 9]);
    expect(Array.from(ds.slice(2, -6).y)).toEqual([2, 3]);
    expect(await message(() => ds.slice(Number.NaN))).toBe(
      'ArrayDataset.slice: start must be an integer, got NaN',
    );
    expect(await message(() => ds.slice(0, 2.5))).toBe(
      'ArrayDataset.slice: end must be an integer, got 2.5',
    );
  });

  it('refuses inputs it could not count samples in', async () => {
    expect(await message(() => new ArrayDataset(new Float32Array(3), [0], new Int32Array(0)))).toBe(
      'ArrayDataset: x has 3 values but sampleShape [0] holds none, so the number of samples is unknown',
    );
    expect(
      await message(() => new ArrayDataset(new Float32Array(4), 2 as never, new Int32Array(2))),
    ).toBe('ArrayDataset: sampleShape must be a list of non-negative integers, got number');
    expect(await message(() => new ArrayDataset([1, 2] as never, [1], new Int32Array(2)))).toBe(
      'ArrayDataset: x must be a Float32Array or a Uint8Array, got an array',
    );
  });

  it('checks the options and batches given to toTensors', async () => {
    expect(await message(() => numbered().toTensors({ devise: 'cpu' } as never))).toBe(
      "ArrayDataset.toTensors: unknown option 'devise' (did you mean 'device'?); the options are device",
    );
    const batch = numbered().getBatch([0, 1]);
    expect(await message(() => toTensors({ ...batch, yShape: [3] }))).toBe(
      'toTensors: batch: y has 2 values but yShape [3] describes 3',
    );
    expect(await message(() => toTensors(batch, 1 as never))).toBe(
      'toTensors: device must be a backend name (a string), got number',
    );
  });

  it('checks the tensors given to tensorDataset', async () => {
    expect(await message(() => tensorDataset([[1]] as never, tensor([0])))).toBe(
      'tensorDataset: x must be a tensor, got an array',
    );
    const x = tensor([[1.5]]);
    x.dispose();
    expect(await message(() => tensorDataset(x, tensor([0])))).toBe(
      'tensorDataset: x is disposed (float32 [1,1])',
    );
  });
});
