import { memory, tensor, tidy } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArrayDataset,
  type Batch,
  DataLoader,
  randomHorizontalFlip,
  tensorDataset,
} from '../src/index.js';
import { numbered as numberedOf, strideError, useCpu } from './setup.js';

/** 10 samples [1, 2] where sample i holds [i, -i], label i. */
const numbered = (n = 10) => numberedOf(n, [1, 2]);

beforeAll(useCpu);

function labelsOf(loader: DataLoader, epoch?: number): number[][] {
  const out: number[][] = [];
  for (const { x, y } of epoch === undefined ? loader : loader.batches(epoch)) {
    out.push(Array.from(y.dataSync()));
    x.dispose();
    y.dispose();
  }
  return out;
}

describe('DataLoader', () => {
  it('batches in order without shuffling, the last batch smaller', () => {
    const loader = new DataLoader(numbered(), { batchSize: 4 });
    expect(loader.length).toBe(3);
    expect(labelsOf(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const [first] = loader.batches();
    expect(first?.x.shape).toEqual([4, 1, 2]);
    expect(first?.x.dtype).toBe('float32');
    expect(first?.y.dtype).toBe('int32');
    expect(first?.x.arraySync()).toEqual([[[0, -0]], [[1, -1]], [[2, -2]], [[3, -3]]]);
    first?.x.dispose();
    first?.y.dispose();
  });

  it('drops the last partial batch with dropLast', () => {
    const loader = new DataLoader(numbered(), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect(labelsOf(loader)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(new DataLoader(numbered(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(numbered(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect(labelsOf(new DataLoader(numbered(0), { batchSize: 4 }))).toEqual([]);
  });

  it('shuffles reproducibly: same seed same order, a new order each epoch', () => {
    const a = new DataLoader(numbered(100), { batchSize: 32, shuffle: true, seed: 7 });
    const b = new DataLoader(numbered(100), { batchSize: 32, shuffle: true, seed: 7 });
    const a0 = labelsOf(a);
    const a1 = labelsOf(a);
    expect(a.epoch).toBe(2);
    expect(labelsOf(b)).toEqual(a0);
    expect(labelsOf(b)).toEqual(a1);
    expect(a1).not.toEqual(a0);
    // Each epoch is a permutation of all samples.
    expect(a0.flat().sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a0.flat()).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Any epoch can be replayed on its own, e.g. to resume a run.
    expect(
      labelsOf(new DataLoader(numbered(100), { batchSize: 32, shuffle: true, seed: 7 }), 1),
    ).toEqual(a1);
    expect(
      labelsOf(new DataLoader(numbered(100), { batchSize: 32, shuffle: true, seed: 8 }), 0),
    ).not.toEqual(a0);
  });

  it('pins the order for a seed, so that a change to the shuffle shows', () => {
    const loader = new DataLoader(numbered(), { batchSize: 10, shuffle: true, seed: 0 });
    expect(Array.from(loader.order(0))).toEqual([7, 2, 1, 3, 5, 9, 0, 4, 6, 8]);
  });

  it('applies transforms with a seed per batch and epoch', () => {
    const flips = (seed: number, epoch: number) => {
      const loader = new DataLoader(numbered(64), {
        batchSize: 16,
        seed,
        transforms: [randomHorizontalFlip(0.5)],
      });
      const out: number[] = [];
      for (const { x, y } of loader.batches(epoch)) {
        out.push(...Array.from(x.dataSync()));
        x.dispose();
        y.dispose();
      }
      return out;
    };
    expect(flips(1, 0)).toEqual(flips(1, 0));
    expect(flips(1, 0)).not.toEqual(flips(1, 1));
    expect(flips(1, 0)).not.toEqual(flips(2, 0));
  });

  it('leaves nothing behind when the caller disposes each batch', () => {
    const loader = new DataLoader(numbered(100), { batchSize: 8, shuffle: true });
    const before = memory().numTensors;
    for (let e = 0; e < 3; e++) labelsOf(loader);
    expect(memory().numTensors).toBe(before);
  });

  it('frees batches taken inside tidy', () => {
    const loader = new DataLoader(numbered(20), { batchSize: 8 });
    const before = memory().numTensors;
    const it = loader.batches();
    const sums: number[] = [];
    for (let b = 0; b < loader.length; b++) {
      sums.push(tidy(() => (it.next().value as Batch).y.sum().itemSync()));
    }
    expect(sums).toEqual([28, 92, 70]);
    expect(memory().numTensors).toBe(before);
  });

  it('wraps tensors with tensorDataset', async () => {
    const ds = await tensorDataset(
      tensor([
        [1.5, 2],
        [3, 4],
        [5, 6],
      ]),
      tensor([0, 1, 2]),
    );
    expect(ds.length).toBe(3);
    expect(ds.sampleShape).toEqual([2]);
    const [batch] = new DataLoader(ds, { batchSize: 3 }).batches();
    expect(batch?.x.arraySync()).toEqual([
      [1.5, 2],
      [3, 4],
      [5, 6],
    ]);
    expect((await strideError(tensorDataset(tensor([[1.5]]), tensor([0, 1])))).message).toMatch(
      /^tensorDataset: x and y must have the same first dimension, got x \[1,1\] and y \[2\]/,
    );
  });

  it('checks its arguments', async () => {
    expect((await strideError(() => new DataLoader(numbered(), { batchSize: 0 }))).message).toBe(
      "DataLoader: option 'batchSize' must be an integer ≥ 1, got 0",
    );
    expect(
      (await strideError(() => new DataLoader({} as never, { batchSize: 1 }))).message,
    ).toMatch(/dataset must have a length/);
    expect((await strideError(() => numbered().getBatch([10]))).message).toBe(
      'ArrayDataset.getBatch: indices[0] is 10, not an index from 0 to 9 (the dataset holds 10 samples)',
    );
    expect(
      (await strideError(() => new ArrayDataset(new Float32Array(5), [2], new Int32Array(2))))
        .message,
    ).toMatch(/x has 5 values, not a whole number of samples of shape \[2\]/);
    expect(
      (await strideError(() => new ArrayDataset(new Float32Array(4), [2], new Int32Array(3))))
        .message,
    ).toMatch(/x holds 2 samples but y has 3 values; expected 2/);
  });
});
