import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maybeGunzip } from '../src/gzip.js';
import { loadCifar10, loadIdx, loadMnist, parseIdx } from '../src/index.js';
import { idxBytes, strideError } from './setup.js';

/**
 * Readers must stop at the size a file's header states (or, for CIFAR-10, at the size of a batch
 * file) instead of inflating everything first: a few kilobytes of gzip can hold gigabytes.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-limits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Pieces of an endless gzip stream: `start` (the gzip header and the deflated `prefix`), then
 * `zeros` as often as wanted, each piece 1 MiB of zeros. Each piece is deflated on its own and
 * ends with a full flush, which makes it independent of what came before, so any number of
 * them in a row is valid gzip data that has not ended yet.
 */
function endlessGzip(prefix: Uint8Array): { start: Uint8Array; zeros: Uint8Array } {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const header = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  return {
    start: new Uint8Array([...header, ...deflateRawSync(prefix, flush)]),
    zeros: new Uint8Array(deflateRawSync(new Uint8Array(1 << 20), flush)),
  };
}

/** A stream of `first`, then `next` without end, counting what was pulled and if it was closed. */
function counted(first: Uint8Array, next: Uint8Array) {
  const stats = { pulls: 0, bytes: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = stats.pulls === 0 ? first : next;
        stats.pulls++;
        stats.bytes += chunk.length;
        controller.enqueue(chunk.slice());
      },
      cancel() {
        stats.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, stats };
}

/** The N of "found at least N bytes" at the end of `message`. */
function foundAtLeast(message: string): number {
  const m = / found at least (\d+) bytes$/.exec(message);
  expect(m, message).not.toBeNull();
  return Number(m?.[1]);
}

const HEADER_1x2x2 = idxBytes(0x08, [1, 2, 2], []);

describe('IDX readers stop at the size the header states', () => {
  it('stops inflating an endless gzip stream right after the header and closes it', async () => {
    const { start, zeros } = endlessGzip(HEADER_1x2x2);
    expect(zeros.length).toBeLessThan(2048);
    const { stream, stats } = counted(start, zeros);
    const error = await strideError(loadIdx(stream));
    const found = foundAtLeast(error.message);
    expect(error.message).toBe(
      `loadIdx: the given ReadableStream: holds more data than its header's shape [1,2,2] describes (4 bytes of uint8 data after the 16-byte header, 20 bytes in all), found at least ${found} bytes`,
    );
    // One chunk of inflated output past the 20 bytes, not the gigabytes that were on offer.
    expect(found).toBeGreaterThan(20);
    expect(found).toBeLessThanOrEqual(1 << 16);
    // A few small reads ahead of the inflater (each of these pieces inflates to 1 MiB).
    expect(stats.pulls).toBeLessThan(64);
    expect(stats.cancelled).toBe(true);
  });

  it('inflates with the platform DecompressionStream (the browser path) and closes the input', async () => {
    // Node's DecompressionStream takes in its whole input at once (which is why Node inflates
    // with node:zlib), so this checks what the browser path produces and that stopping closes
    // the input, not how little it reads.
    const pixels = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) % 256);
    const { start, zeros } = endlessGzip(idxBytes(0x08, [3, 1000], pixels));
    const { stream, stats } = counted(start, zeros);
    async function* chunks() {
      const reader = stream.getReader();
      try {
        for (;;) yield (await reader.read()).value as Uint8Array;
      } finally {
        await reader.cancel();
      }
    }
    const inflated: number[] = [];
    for await (const chunk of maybeGunzip('test', 'x.gz', chunks(), 'web')) {
      inflated.push(...chunk.subarray(0, 12 + 3000 - inflated.length));
      if (inflated.length === 12 + 3000) break;
    }
    expect(inflated.slice(12)).toEqual(Array.from(pixels));
    expect(stats.cancelled).toBe(true);
  });

  it('reports corrupt gzip data on the browser path as on Node', async () => {
    const gz = gzipSync(idxBytes(0x08, [4], [1, 2, 3, 4]));
    async function* chunks() {
      yield gz.subarray(0, gz.length - 6);
    }
    const read = async () => {
      for await (const _ of maybeGunzip('parseIdx', 'x.gz', chunks(), 'web'));
    };
    expect((await strideError(read)).message).toMatch(
      /^parseIdx: x\.gz: expected valid gzip data, found corrupt or truncated data \(.+\)$/,
    );
  });

  it('stops reading an endless uncompressed stream', async () => {
    const { stream, stats } = counted(HEADER_1x2x2, new Uint8Array(1 << 16));
    const error = await strideError(loadIdx(stream));
    expect(error.message).toBe(
      `loadIdx: the given ReadableStream: holds more data than its header's shape [1,2,2] describes (4 bytes of uint8 data after the 16-byte header, 20 bytes in all), found at least ${16 + (1 << 16)} bytes`,
    );
    expect(stats.pulls).toBe(2);
    expect(stats.cancelled).toBe(true);
  });

  it('stops parsing gzip bytes in memory at the header size', async () => {
    const file = new Uint8Array(HEADER_1x2x2.length + (8 << 20));
    file.set(HEADER_1x2x2);
    const gz = gzipSync(file);
    expect(gz.length).toBeLessThan(16 << 10);
    const error = await strideError(parseIdx(gz, { name: 'bomb.gz' }));
    const found = foundAtLeast(error.message);
    expect(error.message).toBe(
      `parseIdx: bomb.gz: holds more data than its header's shape [1,2,2] describes (4 bytes of uint8 data after the 16-byte header, 20 bytes in all), found at least ${found} bytes`,
    );
    expect(found).toBeLessThanOrEqual(1 << 16);
  });

  it('refuses a header that describes more than 2 GiB before allocating anything', async () => {
    const huge = idxBytes(0x08, [1_000_000, 1_000_000, 1_000_000], []);
    expect((await strideError(parseIdx(huge))).message).toBe(
      "parseIdx: IDX data: the header's shape [1000000,1000000,1000000] describes 1000000000000000000 uint8 elements (1000000000000000000 bytes), more than the 2147483648 bytes (2 GiB, the most one typed array holds) read from an IDX file",
    );
    const wide = idxBytes(0x0e, new Array(255).fill(2 ** 32 - 1), []);
    expect((await strideError(parseIdx(wide))).message).toMatch(
      /^parseIdx: IDX data: the header's shape \[4294967295,.*,4294967295\] describes more than 1e308 float64 elements \(more than 1e308 bytes\), more than the 2147483648 bytes/,
    );
    // Just past the limit: 2^29 + 1 float32 elements.
    const over = idxBytes(0x0d, [2 ** 29 + 1], []);
    expect((await strideError(parseIdx(over))).message).toMatch(
      /describes 536870913 float32 elements \(2147483652 bytes\), more than the 2147483648 bytes/,
    );
    // A zero dimension makes the data empty, whatever the others say.
    const empty = await parseIdx(idxBytes(0x0e, [0, 2 ** 32 - 1, 2 ** 32 - 1], []));
    expect(empty.shape).toEqual([0, 2 ** 32 - 1, 2 ** 32 - 1]);
    expect(empty.data).toEqual(new Float64Array(0));
  });

  it('reports a stream that ends early, and chunks that are not bytes', async () => {
    const full = idxBytes(0x0c, [3], [1, 2, 3]);
    const short = new Blob([full.slice(0, 15)]).stream();
    expect((await strideError(loadIdx(short))).message).toBe(
      'loadIdx: the given ReadableStream: expected 20 bytes for int32 data of shape [3], found 15 (truncated)',
    );
    const text = new Blob(['hello']).stream().pipeThrough(new TextDecoderStream());
    expect(
      (await strideError(loadIdx(text as unknown as ReadableStream<Uint8Array>))).message,
    ).toBe('loadIdx: the given ReadableStream: expected chunks of bytes (Uint8Array), got string');
    const locked = new Blob([full.slice()]).stream();
    locked.getReader();
    expect((await strideError(loadIdx(locked))).message).toBe(
      'loadIdx: the given ReadableStream is locked: another reader is reading it (pass a stream nobody reads yet)',
    );
    // Read a byte at a time, the header still parses.
    const bytes = Array.from(full, (b) => new Uint8Array([b]));
    const trickle = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = bytes.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    expect(Array.from((await loadIdx(trickle)).data)).toEqual([1, 2, 3]);
  });
});

describe('the MNIST and CIFAR-10 loaders stop early too', () => {
  it('refuses MNIST images whose gzip holds far more than the header says', async () => {
    const d = join(dir, 'mnist-bomb');
    await mkdir(d);
    const { start, zeros } = endlessGzip(idxBytes(0x08, [1, 28, 28], []));
    // 64 MiB of zeros after the header, in a 64 kB file.
    const pieces = [start, ...new Array(64).fill(zeros)];
    await writeFile(join(d, 'train-images-idx3-ubyte.gz'), Buffer.concat(pieces));
    await writeFile(join(d, 'train-labels-idx1-ubyte'), idxBytes(0x08, [1], [3]));
    const error = await strideError(loadMnist({ dir: d }));
    const found = foundAtLeast(error.message);
    expect(error.message).toBe(
      `loadMnist: ${d}/train-images-idx3-ubyte.gz: holds more data than its header's shape [1,28,28] describes (784 bytes of uint8 data after the 16-byte header, 800 bytes in all), found at least ${found} bytes`,
    );
    expect(found).toBeLessThanOrEqual(1 << 16);
  });

  it('checks the image header before reading its data, and the label count before the labels', async () => {
    const d = join(dir, 'mnist-header');
    await mkdir(d);
    // Only a header: the data is never needed to see that the shape is wrong.
    await writeFile(join(d, 'train-images-idx3-ubyte'), idxBytes(0x08, [60000, 32, 32], []));
    expect((await strideError(loadMnist({ dir: d }))).message).toBe(
      `loadMnist: ${d}/train-images-idx3-ubyte: expected uint8 images of shape [N,28,28] (magic 0x00000803), found uint8 data of shape [60000,32,32] (magic 0x00000803)`,
    );
    await writeFile(
      join(d, 'train-images-idx3-ubyte'),
      idxBytes(0x08, [1, 28, 28], new Uint8Array(784)),
    );
    await writeFile(join(d, 'train-labels-idx1-ubyte'), idxBytes(0x08, [60000], []));
    expect((await strideError(loadMnist({ dir: d }))).message).toBe(
      `loadMnist: expected as many labels as images, found 60000 labels in ${d}/train-labels-idx1-ubyte and 1 images in ${d}/train-images-idx3-ubyte`,
    );
  });

  it('reads gzip-compressed CIFAR-10 files and stops past 10,000 records', async () => {
    const d = join(dir, 'cifar');
    await mkdir(d);
    const record = new Uint8Array(3073);
    record[0] = 4;
    await writeFile(join(d, 'test_batch.bin.gz'), gzipSync(record));
    const ds = await loadCifar10({ dir: d, train: false });
    expect(ds.length).toBe(1);
    expect(Array.from(ds.y)).toEqual([4]);

    const { start, zeros } = endlessGzip(new Uint8Array(0));
    await writeFile(
      join(d, 'data_batch_1.bin.gz'),
      Buffer.concat([start, ...new Array(40).fill(zeros)]),
    );
    const error = await strideError(loadCifar10({ dir: d }));
    const found = foundAtLeast(error.message);
    expect(error.message).toBe(
      `loadCifar10: ${d}/data_batch_1.bin.gz: expected at most 10000 records of 3073 bytes (30730000 bytes, the size of a CIFAR-10 batch file), found at least ${found} bytes`,
    );
    expect(found).toBeGreaterThan(30730000);
    expect(found).toBeLessThanOrEqual(30730000 + (1 << 16));
  });
});
