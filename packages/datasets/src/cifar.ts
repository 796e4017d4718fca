import { checkOptions, option } from '@stride/core';
import { ArrayDataset } from './dataset.js';
import { directory } from './directory.js';
import { describeValue, fail } from './fail.js';
import { openFirst } from './files.js';
import { isGzip } from './gzip.js';
import { checkLabels } from './labels.js';
import { readLimited } from './read-limited.js';

/**
 * The CIFAR-10 binary format (https://www.cs.toronto.edu/~kriz/cifar.html): records of one
 * label byte then 3072 pixel bytes, the 1024 red values first, then green, then blue, each
 * plane row-major, which is exactly the [3, 32, 32] layout Stride uses.
 */

const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;
/**
 * The records of one file of the distribution: each batch file holds 10,000 images. Reading a
 * file stops, with an error, past this many: a file has no header that states its size.
 */
const MAX_RECORDS_PER_FILE = 10_000;
const HINT =
  'Get cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and extract it; ' +
  'pass the cifar-10-batches-bin directory as { dir }.';

/** Options of `parseCifar10`. */
export interface ParseCifar10Options {
  /** Names the data in error messages (a file name, say). */
  name?: string;
}

/** Parses CIFAR-10 binary records into a dataset of [3, 32, 32] images (0-1) and int32 labels. */
export function parseCifar10(
  bytes: Uint8Array | ArrayBuffer,
  options?: ParseCifar10Options,
): ArrayDataset {
  const fn = 'parseCifar10';
  const o = checkOptions(fn, options, { name: option.string });
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    fail(fn, `bytes must be a Uint8Array or an ArrayBuffer, got ${describeValue(bytes)}`);
  }
  const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  const name = o.name ?? 'CIFAR-10 data';
  if (isGzip(data)) {
    fail(
      fn,
      `${name}: expected uncompressed CIFAR-10 records, found gzip-compressed data (decompress it first, or read the files with loadCifar10)`,
    );
  }
  return decodeCifar10(fn, name, data);
}

/** Options of `loadCifar10`. */
export interface Cifar10Options {
  /**
   * The extracted `cifar-10-batches-bin` directory (Node) or its URL; each file may also be
   * gzip-compressed (`data_batch_1.bin.gz`).
   */
  dir: string | URL;
  /** The 50,000 training images (data_batch_1..5.bin, default) or the 10,000 test images. */
  train?: boolean;
}

/**
 * CIFAR-10 from the extracted binary distribution. A file of more than 10,000 records (the size
 * of every file of the distribution) is refused as soon as reading passes that size.
 */
export async function loadCifar10(options: Cifar10Options): Promise<ArrayDataset> {
  const fn = 'loadCifar10';
  const o = checkOptions(fn, options, { dir: directory, train: option.boolean });
  if (o.dir === undefined) fail(fn, `options.dir is required. ${HINT}`);
  const names =
    (o.train ?? true) ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  const maxBytes = MAX_RECORDS_PER_FILE * RECORD;
  const parts: ArrayDataset[] = [];
  for (const name of names) {
    const file = await openFirst(fn, o.dir, [name], HINT);
    const bytes = await readLimited(
      fn,
      file.name,
      file.chunks,
      maxBytes,
      (found) =>
        `expected at most ${MAX_RECORDS_PER_FILE} records of ${RECORD} bytes (${maxBytes} bytes, the size of a CIFAR-10 batch file), found at least ${found} bytes`,
    );
    parts.push(decodeCifar10(fn, file.name, bytes));
  }
  if (parts.length === 1) return parts[0] as ArrayDataset;
  const x = new Uint8Array(parts.reduce((n, p) => n + p.x.length, 0));
  const y = new Int32Array(parts.reduce((n, p) => n + p.y.length, 0));
  let xi = 0;
  let yi = 0;
  for (const p of parts) {
    x.set(p.x, xi);
    y.set(p.y, yi);
    xi += p.x.length;
    yi += p.y.length;
  }
  return new ArrayDataset(x, [3, 32, 32], y);
}

function decodeCifar10(fn: string, source: string, bytes: Uint8Array): ArrayDataset {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    fail(
      fn,
      `${source}: expected a whole number of ${RECORD}-byte records (1 label byte + ${PIXELS} pixels), found ${bytes.length} bytes (${Math.floor(bytes.length / RECORD)} records and ${bytes.length % RECORD} bytes over)`,
    );
  }
  const n = bytes.length / RECORD;
  const x = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = bytes[i * RECORD] as number;
    x.set(bytes.subarray(i * RECORD + 1, (i + 1) * RECORD), i * PIXELS);
  }
  return new ArrayDataset(x, [3, 32, 32], checkLabels(fn, source, labels, 10));
}
