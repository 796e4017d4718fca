import { ArrayDataset } from './dataset.js';
import { fail } from './fail.js';
import { readFirst } from './files.js';
import { checkLabels } from './labels.js';

/**
 * The CIFAR-10 binary format (https://www.cs.toronto.edu/~kriz/cifar.html): records of one
 * label byte then 3072 pixel bytes, the 1024 red values first, then green, then blue, each
 * plane row-major, which is exactly the [3, 32, 32] layout Stride uses.
 */

const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;
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
  options: ParseCifar10Options = {},
): ArrayDataset {
  const fn = 'parseCifar10';
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    fail(
      fn,
      `bytes must be a Uint8Array or an ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes}`,
    );
  }
  return decodeCifar10(
    fn,
    options.name ?? 'CIFAR-10 data',
    bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes,
  );
}

/** Options of `loadCifar10`. */
export interface Cifar10Options {
  /** The extracted `cifar-10-batches-bin` directory (Node) or its URL. */
  dir: string | URL;
  /** The 50,000 training images (data_batch_1..5.bin, default) or the 10,000 test images. */
  train?: boolean;
}

/** CIFAR-10 from the extracted binary distribution. */
export async function loadCifar10(options: Cifar10Options): Promise<ArrayDataset> {
  const fn = 'loadCifar10';
  if (options?.dir === undefined) fail(fn, `options.dir is required. ${HINT}`);
  const names =
    (options.train ?? true)
      ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`)
      : ['test_batch.bin'];
  const files = [];
  for (const name of names) files.push(await readFirst(fn, options.dir, [name], HINT));
  const parts = files.map((f) => decodeCifar10(fn, f.name, f.bytes));
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
