import { bitsAt, checkOptions, hash32, option, resolveDevice } from '@stride/core';
import { checkHostBatch } from './check-batch.js';
import { type Batch, type Dataset, range, uploadBatch } from './dataset.js';
import { fail } from './fail.js';
import type { Transform } from './transforms.js';

/** The largest seed: the shuffle's generator is 32-bit, so larger seeds would repeat orders. */
const MAX_SEED = 2 ** 32 - 1;

/** An integer in [0, 2^32 - 1]: a seed or an epoch, each mixed into the 32-bit generator. */
const uint32 = option.custom<number>(
  `an integer from 0 to ${MAX_SEED} (the shuffle's generator is 32-bit)`,
  (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_SEED,
);

/** The most samples: the order of an epoch is an Int32Array of indices. */
const MAX_SAMPLES = 2 ** 31 - 1;

const OPTIONS = {
  batchSize: option.integer({ min: 1 }),
  shuffle: option.boolean,
  seed: uint32,
  dropLast: option.boolean,
  transforms: option.arrayOf(option.function),
  device: option.string,
};

/** Options of `DataLoader`; only `batchSize` is required. */
export interface DataLoaderOptions {
  /** Samples per batch, a positive integer (the last batch may be smaller; see `dropLast`). */
  batchSize: number;
  /** Reorder the samples every epoch (default false). */
  shuffle?: boolean;
  /**
   * Seeds the shuffle and the random transforms (default 0): same seed, same batches. An integer
   * from 0 to 2^32 - 1, the generator's range, in which different seeds give different streams
   * (each seed is mixed by a one-to-one function); any other value is refused.
   */
  seed?: number;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Applied to each host batch, in order, before it becomes tensors; each must be synchronous. */
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
  /** The seed of the shuffle and of the random transforms, an integer from 0 to 2^32 - 1. */
  readonly seed: number;
  /** Whether a last batch smaller than `batchSize` is skipped. */
  readonly dropLast: boolean;
  /** The backend the batches are created on; undefined for the active backend at the time. */
  readonly device: string | undefined;
  /** The epoch the next `for ... of` runs; advanced each time iteration starts. */
  epoch = 0;
  private readonly transforms: readonly Transform[];

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
      !Number.isSafeInteger(dataset.length) ||
      dataset.length < 0
    ) {
      fail(fn, 'dataset must have a length and a getBatch(indices) method (e.g. an ArrayDataset)');
    }
    if (dataset.length > MAX_SAMPLES) {
      fail(
        fn,
        `dataset.length is ${dataset.length}, more than the ${MAX_SAMPLES} samples a DataLoader can order (an Int32Array of indices)`,
      );
    }
    if (isAsync(dataset.getBatch)) {
      fail(
        fn,
        'dataset.getBatch is an async function: datasets must be synchronous (read the data into memory first, e.g. as an ArrayDataset, and batch it from there)',
      );
    }
    const o = checkOptions(fn, options, OPTIONS);
    if (o.batchSize === undefined) fail(fn, "option 'batchSize' is required (an integer ≥ 1)");
    this.batchSize = o.batchSize;
    this.shuffle = o.shuffle ?? false;
    this.seed = o.seed ?? 0;
    this.dropLast = o.dropLast ?? false;
    this.device = o.device;
    this.transforms = [...((o.transforms ?? []) as Transform[])];
    const i = this.transforms.findIndex(isAsync);
    if (i >= 0) fail(fn, `transforms[${i}] is an async function: transforms must be synchronous`);
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

  /**
   * The batches of epoch `epoch` (0-based), without advancing `this.epoch`. Each batch the
   * dataset and each transform give is checked (sizes, types, one sample per index; a Promise
   * is refused) before it becomes tensors.
   */
  batches(epoch = this.epoch): Generator<Batch, void, undefined> {
    const fn = 'DataLoader.batches';
    checkEpoch(fn, epoch);
    // An unknown device fails here rather than at the first batch.
    if (this.device !== undefined) resolveDevice(fn, this.device);
    return this.run(fn, epoch);
  }

  private *run(fn: string, epoch: number): Generator<Batch, void, undefined> {
    const order = this.order(epoch);
    const transformSeed = hash32(this.epochSeed(epoch) ^ 0x5bd1e995);
    for (let b = 0; b < this.length; b++) {
      const indices = order.subarray(
        b * this.batchSize,
        Math.min(order.length, (b + 1) * this.batchSize),
      );
      let batch = checkHostBatch(
        fn,
        'the batch that dataset.getBatch returned',
        this.dataset.getBatch(indices),
        indices.length,
      );
      // Each transform's seed as `compose` would give it, so both spellings draw alike.
      const seed = bitsAt(transformSeed, b);
      for (const [i, t] of this.transforms.entries()) {
        batch = checkHostBatch(
          fn,
          `the batch that transforms[${i}] returned`,
          t(batch, bitsAt(seed, i)),
        );
      }
      yield uploadBatch(fn, batch, this.device);
    }
  }

  /** The order in which epoch `epoch` visits the samples. */
  order(epoch = this.epoch): Int32Array {
    checkEpoch('DataLoader.order', epoch);
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

  /**
   * The generator's seed for an epoch. For a given epoch, `seed ^ k` and `hash32` are both
   * one-to-one on 32-bit integers, so two seeds never share a stream; likewise two epochs.
   */
  private epochSeed(epoch: number): number {
    return hash32(this.seed ^ hash32((epoch + 0x632be5ab) >>> 0));
  }
}

/** `async function`s, which return a Promise rather than a batch. */
function isAsync(f: unknown): boolean {
  return typeof f === 'function' && f.constructor?.name === 'AsyncFunction';
}

/** Epochs index the generator as seeds do, so they have the same 32-bit range. */
function checkEpoch(fn: string, epoch: unknown): void {
  if (!uint32.test(epoch)) {
    fail(fn, `epoch must be an integer from 0 to ${MAX_SEED}, got ${String(epoch)}`);
  }
}
