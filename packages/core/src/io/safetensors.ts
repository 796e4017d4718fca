import type { Shape } from '../backend.js';
import { bytesPerElement, type DType, type TypedArray } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { fromValues } from '../ops/creation.js';
import { sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors), written and read
 * without any platform API so that it works in Node and in the browser alike:
 *
 *   8 bytes   N, the header length, unsigned 64-bit little-endian
 *   N bytes   a JSON object { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ }
 *             padded with spaces so that the data starts 8-byte aligned
 *   rest      the tensors' raw little-endian bytes, offsets relative to the start of this part
 *
 * Stride writes F32, F64, I32 and BOOL, one per dtype. PyTorch keeps integer buffers such as
 * BatchNorm's `num_batches_tracked` as int64 ('I64'); they load as int32 after a range check.
 * An int32 tensor is written as 'I32', which `torch.nn.Module.load_state_dict` accepts for
 * an int64 buffer: it copies values into the existing tensor, converting the dtype
 * (scripts/safetensors_cross_check.py checks this with PyTorch).
 */

/** A decoded safetensors file. */
export interface SafetensorsContents {
  /**
   * The tensors by name. F16 and BF16 load as float32, 8- to 64-bit integers as int32 (64-bit ones
   * after a range check).
   */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` entries (string to string); empty when the file has none. */
  metadata: Record<string, string>;
}

/** Options of `decodeSafetensors`. */
export interface DecodeSafetensorsOptions {
  /** Backend name for the tensors; defaults to the active backend. */
  device?: string;
}

const DTYPE_TAG: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

/** How each readable tag becomes a Stride dtype; the wider or exotic ones are converted. */
const READABLE: Record<string, { dtype: DType; bytes: number }> = {
  F64: { dtype: 'float64', bytes: 8 },
  F32: { dtype: 'float32', bytes: 4 },
  F16: { dtype: 'float32', bytes: 2 },
  BF16: { dtype: 'float32', bytes: 2 },
  I64: { dtype: 'int32', bytes: 8 },
  U64: { dtype: 'int32', bytes: 8 },
  I32: { dtype: 'int32', bytes: 4 },
  U32: { dtype: 'int32', bytes: 4 },
  I16: { dtype: 'int32', bytes: 2 },
  U16: { dtype: 'int32', bytes: 2 },
  I8: { dtype: 'int32', bytes: 1 },
  U8: { dtype: 'int32', bytes: 1 },
  BOOL: { dtype: 'bool', bytes: 1 },
};

const METADATA_KEY = '__metadata__';
/** The reference implementation refuses larger headers; so does this one, before parsing. */
const MAX_HEADER_BYTES = 100_000_000;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Serializes named tensors (e.g. a state dict with PyTorch names such as `conv1.weight`) and
 * optional string metadata as a safetensors file. Async because reading a tensor is.
 */
export async function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const fn = 'encodeSafetensors';
  if (tensors === null || typeof tensors !== 'object') {
    fail(
      fn,
      `tensors must be an object of named tensors, got ${tensors === null ? 'null' : typeof tensors}`,
    );
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object')
      fail(fn, 'metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(fn, `metadata '${k}' must be a string, got ${typeof v}`);
    }
  }
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '' || name === METADATA_KEY) fail(fn, `'${name}' cannot be a tensor name`);
    if (!(t instanceof Tensor)) fail(fn, `'${name}' is not a tensor (got ${typeof t})`);
    t._check(fn, `tensor '${name}'`);
  }
  // Widest elements first, then by name (as the Python writer does): every tensor then starts
  // aligned to its element size, so readers can view the bytes without copying.
  entries.sort(
    ([a, x], [b, y]) =>
      bytesPerElement(y.dtype) - bytesPerElement(x.dtype) || (a < b ? -1 : a > b ? 1 : 0),
  );

  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0)
    header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.size * bytesPerElement(t.dtype);
    header[name] = { dtype: DTYPE_TAG[t.dtype], shape: [...t.shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);

  let at = 8 + headerLength;
  for (const [, t] of entries) {
    const values = await t.data();
    writeLittleEndian(out, at, values, t.dtype);
    at += values.length * bytesPerElement(t.dtype);
  }
  return out;
}

function writeLittleEndian(out: Uint8Array, at: number, values: TypedArray, dtype: DType): void {
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[at + i] = values[i] ? 1 : 0;
  } else if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
  } else {
    const view = new DataView(out.buffer, out.byteOffset + at);
    const size = bytesPerElement(dtype);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (dtype === 'float64') view.setFloat64(i * size, v, true);
      else if (dtype === 'float32') view.setFloat32(i * size, v, true);
      else view.setInt32(i * size, v, true);
    }
  }
}

interface Entry {
  name: string;
  tag: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors file into tensors on `options.device`. Anything malformed (a truncated
 * file, a header that is not JSON, offsets outside the data or overlapping, a size that does
 * not match shape and dtype, an unknown dtype) throws a StrideError that says what was
 * expected and what was found; no tensor is created unless the whole file is valid.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsContents {
  const fn = 'decodeSafetensors';
  if (!(bytes instanceof Uint8Array)) {
    fail(fn, `bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  if (bytes.length < 8) {
    fail(fn, `expected at least 8 bytes (the header length), found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > bytes.length - 8) {
    fail(
      fn,
      `the header length is ${headerLength} bytes but only ${bytes.length - 8} bytes follow it (truncated or not a safetensors file)`,
    );
  }
  if (headerLength > MAX_HEADER_BYTES) {
    fail(
      fn,
      `the header length is ${headerLength} bytes, more than the ${MAX_HEADER_BYTES} allowed`,
    );
  }
  const header = parseHeader(fn, bytes.subarray(8, 8 + headerLength));
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      readMetadata(fn, info, metadata);
      continue;
    }
    entries.push(readEntry(fn, name, info));
  }
  checkLayout(fn, entries, dataLength);

  const tensors: Record<string, Tensor> = {};
  const created: Tensor[] = [];
  try {
    for (const e of entries) {
      const values = readValues(fn, e, bytes.subarray(dataStart + e.begin, dataStart + e.end));
      const t = fromValues(
        fn,
        values,
        e.shape,
        (READABLE[e.tag] as { dtype: DType }).dtype,
        options,
      );
      created.push(t);
      tensors[e.name] = t;
    }
  } catch (error) {
    for (const t of created) t.dispose();
    throw error;
  }
  return { tensors, metadata };
}

function parseHeader(fn: string, raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    fail(fn, 'expected the header to be UTF-8 JSON, found invalid UTF-8 bytes');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(
      fn,
      `expected the header to be JSON, found text that does not parse (${(error as Error).message}): ${preview(text)}`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail(fn, `expected the header to be a JSON object, found ${preview(text)}`);
  }
  return header as Record<string, unknown>;
}

function preview(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}...` : t);
}

function readMetadata(fn: string, info: unknown, into: Record<string, string>): void {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    fail(fn, `expected __metadata__ to be an object of strings, found ${JSON.stringify(info)}`);
  }
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== 'string')
      fail(fn, `expected __metadata__ '${k}' to be a string, found ${JSON.stringify(v)}`);
    into[k] = v;
  }
}

function readEntry(fn: string, name: string, info: unknown): Entry {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    fail(
      fn,
      `tensor '${name}': expected {dtype, shape, data_offsets}, found ${JSON.stringify(info)}`,
    );
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in READABLE)) {
    fail(
      fn,
      `tensor '${name}': expected dtype one of ${Object.keys(READABLE).join(', ')}, found ${JSON.stringify(dtype)}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(
      fn,
      `tensor '${name}': expected shape to be a list of non-negative integers, found ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    fail(
      fn,
      `tensor '${name}': expected data_offsets [begin, end] of non-negative integers, found ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    fail(fn, `tensor '${name}': expected data_offsets with begin <= end, found [${begin}, ${end}]`);
  }
  const bytes = (READABLE[dtype] as { bytes: number }).bytes;
  const expected = sizeOf(shape as Shape) * bytes;
  if (end - begin !== expected) {
    fail(
      fn,
      `tensor '${name}': shape ${fmtShape(shape as Shape)} ${dtype} needs ${expected} bytes, found data_offsets [${begin}, ${end}] (${end - begin} bytes)`,
    );
  }
  return { name, tag: dtype, shape: shape as number[], begin, end };
}

/** As the reference implementation requires: the tensors tile the data exactly, no holes. */
function checkLayout(fn: string, entries: Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.end > dataLength) {
      fail(
        fn,
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] reach past the end of the data (${dataLength} bytes; truncated file?)`,
      );
    }
    if (e.begin < expected) {
      fail(
        fn,
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap the previous tensor, which ends at ${expected}`,
      );
    }
    if (e.begin > expected) {
      fail(
        fn,
        `tensor '${e.name}': expected data to start at byte ${expected}, right after the previous tensor, found ${e.begin} (a hole in the data)`,
      );
    }
    expected = e.end;
  }
  if (expected !== dataLength) {
    fail(
      fn,
      `expected the data to be ${expected} bytes as the header describes, found ${dataLength}`,
    );
  }
}

/** The values of one tensor in Stride's host layout, converting the tags Stride has no dtype for. */
function readValues(fn: string, e: Entry, raw: Uint8Array): TypedArray {
  const n = raw.length / (READABLE[e.tag] as { bytes: number }).bytes;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (e.tag) {
    case 'F32':
      return HOST_LITTLE_ENDIAN && raw.byteOffset % 4 === 0
        ? new Float32Array(raw.buffer, raw.byteOffset, n)
        : Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
    case 'F64':
      return HOST_LITTLE_ENDIAN && raw.byteOffset % 8 === 0
        ? new Float64Array(raw.buffer, raw.byteOffset, n)
        : Float64Array.from({ length: n }, (_, i) => view.getFloat64(i * 8, true));
    case 'I32':
      return HOST_LITTLE_ENDIAN && raw.byteOffset % 4 === 0
        ? new Int32Array(raw.buffer, raw.byteOffset, n)
        : Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true));
    case 'BOOL':
      return Uint8Array.from(raw, (v) => (v !== 0 ? 1 : 0));
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const h = view.getUint16(i * 2, true);
        out[i] = e.tag === 'F16' ? halfToFloat(h) : bf16ToFloat(h);
      }
      return out;
    }
    default:
      return readIntegers(fn, e, view, n);
  }
}

function readIntegers(fn: string, e: Entry, view: DataView, n: number): Int32Array {
  const out = new Int32Array(n);
  const get = {
    I64: (i: number) => view.getBigInt64(i * 8, true),
    U64: (i: number) => view.getBigUint64(i * 8, true),
    U32: (i: number) => view.getUint32(i * 4, true),
    I16: (i: number) => view.getInt16(i * 2, true),
    U16: (i: number) => view.getUint16(i * 2, true),
    I8: (i: number) => view.getInt8(i),
    U8: (i: number) => view.getUint8(i),
  }[e.tag] as (i: number) => number | bigint;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (v < -2147483648 || v > 2147483647) {
      fail(
        fn,
        `tensor '${e.name}' (${e.tag}): Stride stores it as int32, which needs values in [-2147483648, 2147483647], found ${v} at index ${i}`,
      );
    }
    out[i] = Number(v);
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function bf16ToFloat(h: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, h << 16);
  return view.getFloat32(0);
}
