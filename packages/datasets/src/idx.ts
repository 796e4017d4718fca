import { fail } from './fail.js';
import { gunzip, isGzip } from './gzip.js';
import { type ByteSource, describeSource, NotFound, readSource } from './source.js';

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
 * throws a StrideError that says what was expected and what was found.
 */
export async function parseIdx(
  bytes: Uint8Array | ArrayBuffer,
  options: ParseIdxOptions = {},
): Promise<IdxArray> {
  const fn = 'parseIdx';
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    fail(
      fn,
      `bytes must be a Uint8Array or an ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes}`,
    );
  }
  return decodeIdx(
    fn,
    options.name ?? 'IDX data',
    bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes,
  );
}

/** Reads and parses an IDX file (`.gz` or not) from a path (Node), a URL or bytes in memory. */
export async function loadIdx(source: ByteSource): Promise<IdxArray> {
  const fn = 'loadIdx';
  let bytes: Uint8Array;
  try {
    bytes = await readSource(fn, source);
  } catch (error) {
    if (error instanceof NotFound) fail(fn, `no file at ${error.message}`);
    throw error;
  }
  return decodeIdx(fn, describeSource(source), bytes);
}

/** `parseIdx` for the public function `fn`, naming `source` in its errors. */
export async function decodeIdx(fn: string, source: string, input: Uint8Array): Promise<IdxArray> {
  const bytes = isGzip(input) ? await gunzip(fn, source, input) : input;
  if (bytes.length < 4) {
    fail(fn, `${source}: expected at least 4 bytes (the IDX magic number), found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = TYPES[bytes[2] as number];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined) {
    fail(
      fn,
      `${source}: expected an IDX magic number 0x0000TTDD with element type TT one of 08, 09, 0b, 0c, 0d, 0e, found ${hex32(magic)} (not an IDX file${bytes[0] === 0x50 && bytes[1] === 0x4b ? '; this is a zip archive' : ''})`,
    );
  }
  const rank = bytes[3] as number;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    fail(
      fn,
      `${source}: expected ${headerBytes} header bytes for ${rank} dimensions, found ${bytes.length} (truncated)`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    fail(
      fn,
      `${source}: expected ${expected} bytes for ${type.dtype} data of shape [${shape.join(',')}], found ${bytes.length}${bytes.length < expected ? ' (truncated)' : ''}`,
    );
  }
  return {
    dtype: type.dtype,
    shape,
    data: readElements(view, headerBytes, type.dtype, count),
    magic,
  };
}

/** Copies the elements out of the file's buffer, converting from big-endian. */
function readElements(view: DataView, at: number, dtype: IdxType, n: number): IdxData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + at, view.byteLength - at);
  switch (dtype) {
    case 'uint8':
      return bytes.slice(0, n);
    case 'int8':
      return new Int8Array(bytes.slice(0, n).buffer);
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}
