import { bytesPerElement, type DType, type TypedArray } from '../dtype.js';
import { fail } from '../errors.js';
import { checkOptions, showValue } from '../options.js';
import { isTensor, Tensor } from '../tensor.js';
import {
  DECODE_SAFETENSORS_OPTIONS,
  decodeWith,
  dictionary,
  HOST_LITTLE_ENDIAN,
  METADATA_KEY,
} from './safetensors-read.js';

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
   * The tensors by name, in an object without a prototype, so that any name, `__proto__` and
   * `constructor` included, is an ordinary key. F16 and BF16 load as float32, 8- to 64-bit
   * integers as int32 (64-bit ones after a range check).
   */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` entries (string to string, no prototype); empty when the file has none. */
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

/** The name of what was passed instead of an object of named tensors or strings. */
function checkRecord(fn: string, what: string, value: unknown, hint: string): void {
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    value instanceof Map ||
    isTensor(value)
  ) {
    const fix = value instanceof Map ? ` (Object.fromEntries(map) makes one from a Map)` : '';
    fail(fn, `${what} must be an object of ${hint}, got ${showValue(value)}${fix}`);
  }
}

/**
 * Serializes named tensors (e.g. a state dict with PyTorch names such as `conv1.weight`) and
 * optional string metadata as a safetensors file. Async because reading a tensor is.
 */
export async function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const fn = 'encodeSafetensors';
  checkRecord(fn, 'tensors', tensors, 'named tensors');
  if (metadata !== undefined) {
    checkRecord(fn, 'metadata', metadata, 'strings');
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

  const header = dictionary<unknown>();
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    header[METADATA_KEY] = Object.assign(dictionary<string>(), metadata);
  }
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

/**
 * Reads a safetensors file into tensors on `options.device`. Anything malformed (a truncated
 * file, a header that is not JSON, offsets outside the data or overlapping, a size that does
 * not match shape and dtype, an unknown dtype, a name given twice) throws a StrideError that says
 * what was expected and what was found, and another format (a PyTorch `.pt` file, a gzip file, a
 * Git LFS pointer) is named as such; no tensor is created unless the whole file is valid.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsContents {
  const fn = 'decodeSafetensors';
  const checked = checkOptions(fn, options, DECODE_SAFETENSORS_OPTIONS);
  if ((bytes as unknown) instanceof ArrayBuffer) {
    fail(fn, 'bytes must be a Uint8Array, got an ArrayBuffer: wrap it as new Uint8Array(buffer)');
  }
  if (!(bytes instanceof Uint8Array)) {
    fail(fn, `bytes must be a Uint8Array, got ${showValue(bytes)}`);
  }
  return decodeWith({ fn }, bytes, checked);
}
