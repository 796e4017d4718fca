import { bitsAt, hash32 } from '@stride/core';
import { type Batch, type Dataset, range, toTensors } from './dataset.js';
import { fail } from './fail.js';
import { compose, type Transform } from './transforms.js';

/** Options of `DataLoader`; only `batchSize` is required. */
export interface DataLoaderOptions {
  /** Samples per batch, a positive integer (the last batch may be smaller; see `dropLast`). */
  batchSize: number;
  /** Reorder the samples every epoch (default false). */
  shuffle?: boolean;
  /** Seeds the shuffle and the random transforms (default 0): same seed, same batches. */
  seed?: number;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Applied to each host batch, in order, before it becomes tensors. */
  transforms?: readonly Transform[];
  /** Backend name for the batches; defaults to the active backend. */
  device?: string;
}

/**
 * Iterates a dataset in batches `{ x, y }`, like PyTorch's DataLoader:
 *
 *   for (const { x, y } of loader) { ...; x.dispose(); y.dispose(); }
 *
 * Each batch is made of new tensors that belong to the caller: dispose them after the step, or
 * take the batch inside a `tidy`, whose scope then frees it with everything else:
 *
 *   const it = loader.batches();
 *   for (let b = 0; b < loader.length; b++) tidy(() => step(it.next().value as Batch));
 *
 * Every `for ... of` is one epoch; the order of epoch `e` (and the randomness of its transforms)
 * depends only on `seed` and `e`, so a run can be repeated, or resumed at any epoch with
 * `batches(e)`.
 */
export class DataLoader implements Iterable<Batch> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** The seed of the shuffle and of the random transforms, as an unsigned 32-bit integer. */
  readonly seed: number;
  /** Whether a last batch smaller than `batchSize` is skipped. */
  readonly dropLast: boolean;
  /** The backend the batches are created on; undefined for the active backend at the time. */
  readonly device: string | undefined;
  /** The epoch the next `for ... of` runs; advanced each time iteration starts. */
  epoch = 0;
  private readonly transform: Transform | undefined;

  /**
   * @param dataset The samples to batch: any `Dataset`, such as an `ArrayDataset`.
   * @param options The batch size, and optionally shuffling, seed, transforms and device.
   */
  constructor(
    readonly dataset: Dataset,
    options: DataLoaderOptions,
  ) {
    const fn = 'DataLoader';
    if (
      dataset === null ||
      typeof dataset !== 'object' ||
      typeof dataset.getBatch !== 'function' ||
      !Number.isInteger(dataset.length) ||
      dataset.length < 0
    ) {
      fail(fn, 'dataset must have a length and a getBatch(indices) method (e.g. an ArrayDataset)');
    }
    const { batchSize, seed = 0 } = options ?? ({} as DataLoaderOptions);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      fail(fn, `batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(seed)) fail(fn, `seed must be an integer, got ${seed}`);
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.seed = seed >>> 0;
    this.dropLast = options.dropLast ?? false;
    this.device = options.device;
    this.transform = options.transforms?.length ? compose(...options.transforms) : undefined;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /**
   * The batches of the next epoch (`epoch`, which then advances by one): `for (const b of loader)`.
   */
  [Symbol.iterator](): Iterator<Batch> {
    return this.batches(this.epoch++);
  }

  /** The batches of epoch `epoch` (0-based), without advancing `this.epoch`. */
  *batches(epoch = this.epoch): Generator<Batch, void, undefined> {
    const order = this.order(epoch);
    const transformSeed = hash32(this.epochSeed(epoch) ^ 0x5bd1e995);
    for (let b = 0; b < this.length; b++) {
      const indices = order.subarray(
        b * this.batchSize,
        Math.min(order.length, (b + 1) * this.batchSize),
      );
      let batch = this.dataset.getBatch(indices);
      if (this.transform) batch = this.transform(batch, bitsAt(transformSeed, b));
      yield toTensors(batch, this.device);
    }
  }

  /** The order in which epoch `epoch` visits the samples. */
  order(epoch = this.epoch): Int32Array {
    if (!Number.isInteger(epoch) || epoch < 0)
      fail('DataLoader.order', `epoch must be a non-negative integer, got ${epoch}`);
    const order = range(this.dataset.length);
    if (!this.shuffle) return order;
    // Fisher-Yates with 32 random bits per draw from the counter-based generator of core.
    const s = this.epochSeed(epoch);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor((bitsAt(s, i) / 4294967296) * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    return order;
  }

  private epochSeed(epoch: number): number {
    return hash32(this.seed ^ hash32((epoch + 0x632be5ab) >>> 0));
  }
}
