import { type Backend, DEFAULT_MAX_STORAGE_BYTES, type Shape } from '../backend.js';
import { bytesPerElement, type DType, type TypedArray } from '../dtype.js';
import { fail, fmtBytes, fmtShape, StrideError } from '../errors.js';
import { fromValues, resolveDevice } from '../ops/creation.js';
import { option } from '../options.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { findDuplicateKey } from './duplicate-key.js';
import { otherFormat, showBytes } from './file-signature.js';
import type { DecodeSafetensorsOptions, SafetensorsContents } from './safetensors.js';

/**
 * Reading safetensors files (the format is described in safetensors.ts): every check a hostile
 * or damaged file needs before any tensor is created, with messages for `decodeSafetensors` and
 * `loadSafetensors` alike.
 */

/** The rules of `DecodeSafetensorsOptions`, for `checkOptions`. */
export const DECODE_SAFETENSORS_OPTIONS = { device: option.string };

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

export const METADATA_KEY = '__metadata__';

/** The reference implementation refuses larger headers; so does this one, before parsing. */
const MAX_HEADER_BYTES = 100_000_000;
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `{}` without a prototype: `__proto__` is then a key like any other. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

interface Entry {
  name: string;
  tag: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Who is decoding, for the messages: the public function and, when it read a file, the file's
 * path, so that `loadSafetensors` names the bad file.
 */
export interface DecodeContext {
  fn: string;
  source?: string;
}

/** The bytes are not a safetensors file at all (another format, or garbage). */
function notSafetensors(ctx: DecodeContext, detail: string): never {
  fail(
    ctx.fn,
    `${ctx.source === undefined ? '' : `${ctx.source} is `}not a safetensors file: ${detail}`,
  );
}

/** The bytes are safetensors, but damaged or malformed. */
function invalid(ctx: DecodeContext, detail: string): never {
  fail(
    ctx.fn,
    ctx.source === undefined ? detail : `${ctx.source} is not a valid safetensors file: ${detail}`,
  );
}

/**
 * A valid file that Stride cannot load as asked: a value int32 cannot hold, a dtype or a size
 * the backend cannot take.
 */
function cannotLoad(ctx: DecodeContext, detail: string): never {
  fail(ctx.fn, ctx.source === undefined ? detail : `cannot load ${ctx.source}: ${detail}`);
}

/** `decodeSafetensors` for a caller that has checked its arguments. */
export function decodeWith(
  ctx: DecodeContext,
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions,
): SafetensorsContents {
  if (bytes.length < 8) {
    const other = otherFormat(bytes);
    if (other !== undefined) notSafetensors(ctx, other);
    invalid(
      ctx,
      `expected at least 8 bytes (the header length), found ${bytes.length}${bytes.length === 0 ? ' (the file is empty)' : ''}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  // The header is a JSON object: it starts with `{`, as the reference implementation requires.
  const startsWithHeader = bytes.length === 8 ? headerLength > 0 : bytes[8] === 0x7b;
  if (!startsWithHeader || headerLength > bytes.length - 8 || headerLength > MAX_HEADER_BYTES) {
    const other = otherFormat(bytes);
    if (other !== undefined) notSafetensors(ctx, other);
  }
  if (!startsWithHeader) {
    notSafetensors(
      ctx,
      `expected the 8-byte header length and then the JSON header, which starts with "{", found ${showBytes(bytes)}`,
    );
  }
  if (headerLength > bytes.length - 8) {
    invalid(
      ctx,
      `the header length is ${headerLength} bytes but only ${bytes.length - 8} bytes follow it (a truncated file?)`,
    );
  }
  if (headerLength > MAX_HEADER_BYTES) {
    invalid(
      ctx,
      `the header length is ${headerLength} bytes, more than the ${MAX_HEADER_BYTES} allowed`,
    );
  }
  const header = parseHeader(ctx, bytes.subarray(8, 8 + headerLength));
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const metadata = dictionary<string>();
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      readMetadata(ctx, info, metadata);
      continue;
    }
    entries.push(readEntry(ctx, name, info));
  }
  checkLayout(ctx, entries, dataLength);

  let backend: Backend;
  try {
    backend = resolveDevice(ctx.fn, options.device);
  } catch (error) {
    // getBackend's own error (no backend active) would otherwise name getBackend.
    if (error instanceof StrideError && error.fn !== ctx.fn) {
      fail(ctx.fn, error.message.slice(error.fn.length + 2));
    }
    throw error;
  }
  for (const e of entries) checkLoadable(ctx, e, backend);

  const tensors = dictionary<Tensor>();
  const created: Tensor[] = [];
  try {
    for (const e of entries) {
      const values = readValues(ctx, e, bytes.subarray(dataStart + e.begin, dataStart + e.end));
      const dtype = (READABLE[e.tag] as { dtype: DType }).dtype;
      const t = fromValues(ctx.fn, values, e.shape, dtype, { device: backend.name });
      created.push(t);
      tensors[e.name] = t;
    }
  } catch (error) {
    for (const t of created) t.dispose();
    throw error;
  }
  return { tensors, metadata };
}

/** The backend stores the tensor's dtype, and the tensor fits in one of its storages. */
function checkLoadable(ctx: DecodeContext, e: Entry, backend: Backend): void {
  const dtype = (READABLE[e.tag] as { dtype: DType }).dtype;
  const as = `tensor '${e.name}' ${fmtShape(e.shape)} ${e.tag}`;
  if (!backend.dtypes.includes(dtype)) {
    cannotLoad(
      ctx,
      `${as} loads as ${dtype}, which the '${backend.name}' backend does not support (it supports ${backend.dtypes.join(', ')})`,
    );
  }
  const limit = backend.maxStorageBytes ?? DEFAULT_MAX_STORAGE_BYTES;
  // As the kernels count it: a bool takes 4 bytes on the GPU.
  const size = sizeOf(e.shape) * Math.max(bytesPerElement(dtype), dtype === 'bool' ? 4 : 0);
  if (size > limit) {
    cannotLoad(
      ctx,
      `${as} loads as ${dtype}, ${fmtBytes(size)}, more than the '${backend.name}' backend's limit of ${fmtBytes(limit)} for one tensor`,
    );
  }
}

function parseHeader(ctx: DecodeContext, raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    invalid(ctx, 'expected the header to be UTF-8 JSON, found invalid UTF-8 bytes');
  }
  // Text that starts with `{` (checked before) parses to an object or not at all.
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text);
  } catch (error) {
    invalid(
      ctx,
      `expected the header to be JSON, found text that does not parse (${(error as Error).message}): ${preview(text)}`,
    );
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    const [name, ...inner] = duplicate.path;
    invalid(
      ctx,
      name === undefined
        ? `expected each name once in the header, found '${duplicate.key}' twice`
        : `expected each key once in '${[name, ...inner].join('.')}', found '${duplicate.key}' twice`,
    );
  }
  return header;
}

function preview(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 60)}...` : t);
}

function readMetadata(ctx: DecodeContext, info: unknown, into: Record<string, string>): void {
  // The reference implementation reads `"__metadata__": null` as no metadata.
  if (info === null) return;
  if (typeof info !== 'object' || Array.isArray(info)) {
    invalid(ctx, `expected __metadata__ to be an object of strings, found ${JSON.stringify(info)}`);
  }
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== 'string') {
      invalid(ctx, `expected __metadata__ '${k}' to be a string, found ${JSON.stringify(v)}`);
    }
    into[k] = v;
  }
}

function readEntry(ctx: DecodeContext, name: string, info: unknown): Entry {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    invalid(
      ctx,
      `tensor '${name}': expected {dtype, shape, data_offsets}, found ${JSON.stringify(info)}`,
    );
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(READABLE, dtype)) {
    invalid(
      ctx,
      `tensor '${name}': expected dtype one of ${Object.keys(READABLE).join(', ')}, found ${JSON.stringify(dtype)}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    invalid(
      ctx,
      `tensor '${name}': expected shape to be a list of non-negative integers, found ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    invalid(
      ctx,
      `tensor '${name}': expected data_offsets [begin, end] of non-negative integers below 2^53, found ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    invalid(
      ctx,
      `tensor '${name}': expected data_offsets with begin <= end, found [${begin}, ${end}]`,
    );
  }
  const bytes = (READABLE[dtype] as { bytes: number }).bytes;
  const expected = sizeOf(shape as Shape) * bytes;
  if (end - begin !== expected) {
    invalid(
      ctx,
      `tensor '${name}': shape ${fmtShape(shape as Shape)} ${dtype} needs ${expected} bytes, found data_offsets [${begin}, ${end}] (${end - begin} bytes)`,
    );
  }
  return { name, tag: dtype, shape: shape as number[], begin, end };
}

/** As the reference implementation requires: the tensors tile the data exactly, no holes. */
function checkLayout(ctx: DecodeContext, entries: Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.end > dataLength) {
      invalid(
        ctx,
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] reach past the end of the data (${dataLength} bytes; truncated file?)`,
      );
    }
    if (e.begin < expected) {
      invalid(
        ctx,
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap the previous tensor, which ends at ${expected}`,
      );
    }
    if (e.begin > expected) {
      invalid(
        ctx,
        `tensor '${e.name}': expected data to start at byte ${expected}, right after the previous tensor, found ${e.begin} (a hole in the data)`,
      );
    }
    expected = e.end;
  }
  if (expected !== dataLength) {
    invalid(
      ctx,
      `expected the data to be ${expected} bytes as the header describes, found ${dataLength}`,
    );
  }
}

/** The values of one tensor in Stride's host layout, converting the tags Stride has no dtype for. */
function readValues(ctx: DecodeContext, e: Entry, raw: Uint8Array): TypedArray {
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
      return readIntegers(ctx, e, view, n);
  }
}

function readIntegers(ctx: DecodeContext, e: Entry, view: DataView, n: number): Int32Array {
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
      cannotLoad(
        ctx,
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
