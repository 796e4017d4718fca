import { checkOptions, DEFAULT_MAX_STORAGE_BYTES, option } from '@stride/core';
import { describeValue, fail } from './fail.js';
import { maybeGunzip } from './gzip.js';
import { type ByteSource, type Chunks, describeSource, NotFound, openSource } from './source.js';

/**
 * The IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * `00 00 TT DD` (TT the element type, DD the number of dimensions), DD big-endian uint32 sizes,
 * then the elements, big-endian, row-major.
 */

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array an IDX file's elements are read into, one per `IdxType`. */
export type IdxData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A parsed IDX file: the elements in host byte order, row-major. */
export interface IdxArray {
  /** The element type the file declares. */
  dtype: IdxType;
  /** The size of each dimension, as the file declares them. */
  shape: number[];
  /** The elements, row-major, in the typed array of `dtype`. */
  data: IdxData;
  /** The magic number read from the file, e.g. 0x00000803 for MNIST images. */
  magic: number;
}

/** Options of `parseIdx`. */
export interface ParseIdxOptions {
  /** Names the data in error messages (a file name, say). */
  name?: string;
}

/**
 * The most data an IDX reader accepts: 2 GiB, the most one typed array holds in every
 * JavaScript engine (and the storage limit of a backend that states none). A header that
 * describes more is refused before anything is allocated.
 */
export const MAX_IDX_BYTES = DEFAULT_MAX_STORAGE_BYTES;

const TYPES: Record<number, { dtype: IdxType; bytes: number }> = {
  8: { dtype: 'uint8', bytes: 1 },
  9: { dtype: 'int8', bytes: 1 },
  11: { dtype: 'int16', bytes: 2 },
  12: { dtype: 'int32', bytes: 4 },
  13: { dtype: 'float32', bytes: 4 },
  14: { dtype: 'float64', bytes: 8 },
};

/** `0x00000803` */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Parses IDX bytes, raw or gzip-compressed (detected from the first bytes). Anything malformed
 * throws a StrideError that says what was expected and what was found: a wrong magic number, a
 * header shape of more than `MAX_IDX_BYTES` of data, or data longer or shorter than the shape
 * describes (compressed data is inflated only as far as the header's size plus one chunk).
 */
export async function parseIdx(
  bytes: Uint8Array | ArrayBuffer,
  options?: ParseIdxOptions,
): Promise<IdxArray> {
  const fn = 'parseIdx';
  const o = checkOptions(fn, options, { name: option.string });
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    fail(fn, `bytes must be a Uint8Array or an ArrayBuffer, got ${describeValue(bytes)}`);
  }
  return decodeIdx(fn, o.name ?? 'IDX data', await openSource(fn, bytes));
}

/**
 * Reads and parses an IDX file (`.gz` or not) from a path (Node), a URL, bytes in memory or a
 * `ReadableStream`, checking it as `parseIdx` does. The data is read, and inflated, as it is
 * parsed: reading stops at the first byte beyond what the header describes.
 */
export async function loadIdx(source: ByteSource): Promise<IdxArray> {
  const fn = 'loadIdx';
  let chunks: Chunks;
  try {
    chunks = await openSource(fn, source);
  } catch (error) {
    if (error instanceof NotFound) fail(fn, `no file at ${error.message}`);
    throw error;
  }
  return decodeIdx(fn, describeSource(source), chunks);
}

/** What the header of an IDX file declares, known before its data is read. */
export interface IdxHeader {
  dtype: IdxType;
  shape: number[];
  magic: number;
}

/**
 * `parseIdx` for the public function `fn`, naming `source` in its errors. `check` sees the
 * header before any data is read, and throws if the caller cannot use it.
 */
export async function decodeIdx(
  fn: string,
  source: string,
  chunks: Chunks,
  check?: (header: IdxHeader) => void,
): Promise<IdxArray> {
  const reader = new IdxReader(fn, source, check);
  // Throwing out of the loop closes the inflater and the file.
  for await (const chunk of maybeGunzip(fn, source, chunks)) reader.push(chunk);
  return reader.finish();
}

/** The largest header: the magic number and 255 dimensions. */
const MAX_HEADER = 4 + 4 * 255;

/** Parses IDX bytes pushed a chunk at a time, allocating once the header says how much. */
class IdxReader {
  private readonly head = new Uint8Array(MAX_HEADER);
  private headLength = 0;
  private header: (IdxHeader & { headerBytes: number }) | undefined;
  private data: Uint8Array | undefined;
  private filled = 0;
  /** Bytes pushed so far, header included. */
  private seen = 0;

  constructor(
    private readonly fn: string,
    private readonly source: string,
    private readonly check: ((header: IdxHeader) => void) | undefined,
  ) {}

  push(chunk: Uint8Array): void {
    this.seen += chunk.length;
    let at = 0;
    if (!this.header) {
      at = this.fillHead(chunk, 4);
      if (this.headLength < 4) return;
      const rank = this.checkMagic();
      at += this.fillHead(chunk.subarray(at), 4 + 4 * rank);
      if (this.headLength < 4 + 4 * rank) return;
      this.readHeader(rank);
    }
    const header = this.header as NonNullable<IdxReader['header']>;
    const data = this.data as Uint8Array;
    const rest = chunk.length - at;
    if (this.filled + rest > data.length) {
      fail(
        this.fn,
        `${this.source}: holds more data than its header's shape [${header.shape.join(',')}] describes (${data.length} bytes of ${header.dtype} data after the ${header.headerBytes}-byte header, ${header.headerBytes + data.length} bytes in all), found at least ${this.seen} bytes`,
      );
    }
    data.set(at === 0 ? chunk : chunk.subarray(at), this.filled);
    this.filled += rest;
  }

  finish(): IdxArray {
    const { fn, source } = this;
    if (!this.header) {
      if (this.headLength < 4) {
        fail(
          fn,
          `${source}: expected at least 4 bytes (the IDX magic number), found ${this.headLength}`,
        );
      }
      const rank = this.head[3] as number;
      fail(
        fn,
        `${source}: expected ${4 + 4 * rank} header bytes for ${rank} dimensions, found ${this.headLength} (truncated)`,
      );
    }
    const { dtype, shape, magic, headerBytes } = this.header;
    const data = this.data as Uint8Array;
    if (this.filled < data.length) {
      fail(
        fn,
        `${source}: expected ${headerBytes + data.length} bytes for ${dtype} data of shape [${shape.join(',')}], found ${this.seen} (truncated)`,
      );
    }
    return { dtype, shape, data: fromBigEndian(data, dtype), magic };
  }

  /** Copies from `chunk` until the head holds `upTo` bytes; returns how many it took. */
  private fillHead(chunk: Uint8Array, upTo: number): number {
    const n = Math.max(0, Math.min(upTo - this.headLength, chunk.length));
    this.head.set(chunk.subarray(0, n), this.headLength);
    this.headLength += n;
    return n;
  }

  /** Checks the magic number `00 00 TT DD` and returns DD, the number of dimensions. */
  private checkMagic(): number {
    const h = this.head;
    if (h[0] !== 0 || h[1] !== 0 || TYPES[h[2] as number] === undefined) {
      fail(
        this.fn,
        `${this.source}: expected an IDX magic number 0x0000TTDD with element type TT one of 08, 09, 0b, 0c, 0d, 0e, found ${hex32(this.magic())} (not an IDX file${kindOf(h)})`,
      );
    }
    return h[3] as number;
  }

  private magic(): number {
    return new DataView(this.head.buffer).getUint32(0, false);
  }

  private readHeader(rank: number): void {
    const view = new DataView(this.head.buffer);
    const type = TYPES[this.head[2] as number] as { dtype: IdxType; bytes: number };
    const shape: number[] = [];
    for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
    // A product of up to 255 dimensions of 2^32 can overflow to Infinity; 0 × Infinity is NaN.
    const count = shape.includes(0) ? 0 : shape.reduce((a, b) => a * b, 1);
    const dataBytes = count * type.bytes;
    if (dataBytes > MAX_IDX_BYTES) {
      fail(
        this.fn,
        `${this.source}: the header's shape [${shape.join(',')}] describes ${fmtCount(count)} ${type.dtype} elements (${fmtCount(dataBytes)} bytes), more than the ${MAX_IDX_BYTES} bytes (2 GiB, the most one typed array holds) read from an IDX file`,
      );
    }
    const header = { dtype: type.dtype, shape, magic: this.magic() };
    this.check?.({ ...header, shape: [...shape] });
    this.header = { ...header, headerBytes: 4 + 4 * rank };
    this.data = new Uint8Array(dataBytes);
  }
}

/** What a file that is not IDX looks like, from its first bytes, for the message. */
function kindOf(h: Uint8Array): string {
  if (h[0] === 0x50 && h[1] === 0x4b) return '; this is a zip archive';
  // Only inflated data reaches the header: these bytes were compressed twice.
  if (h[0] === 0x1f && h[1] === 0x8b) return '; this is gzip data inside gzip data';
  return '';
}

/** A count as a message shows it: exactly, unless it overflowed. */
function fmtCount(n: number): string {
  return Number.isFinite(n) ? String(n) : 'more than 1e308';
}

/** The elements of `bytes` (big-endian, as IDX stores them) in host order. */
function fromBigEndian(bytes: Uint8Array, dtype: IdxType): IdxData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'uint8':
      return bytes;
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    case 'int16': {
      const out = new Int16Array(bytes.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(bytes.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(bytes.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(bytes.length / 8);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}
