/**
 * Reading ONNX's `TensorProto` (initializers, `Constant` values, the `input_*.pb` and
 * `output_*.pb` files of ONNX's backend tests) into host arrays and Stride tensors. The values may
 * sit in `raw_data` (little-endian bytes) or in the typed repeated fields (`float_data`,
 * `int32_data`, `int64_data`, `double_data`, `uint64_data`); each element type reads from the one
 * field the ONNX spec assigns it. Anything that cannot be read exactly — an element type Stride
 * has no counterpart for, external or segmented data, fewer or more values than the dims say —
 * is a `StrideError`, never a silently shortened tensor.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { type DType, fail, fmtShape, type Tensor, tensor } from '@stride/core';
import { type TensorProto, TensorProto_DataLocation, TensorProtoSchema } from './gen/onnx_pb.js';

/** The element types `readTensorProto` reads, by their ONNX `TensorProto.DataType` codes. */
export type HostDType =
  | 'float32'
  | 'float64'
  | 'int32'
  | 'int64'
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float16';

/** A tensor's values on the host, as read from a `TensorProto`. */
export interface HostTensor {
  /** The ONNX element type. */
  readonly dtype: HostDType;
  /** The dims (an empty array for a scalar). */
  readonly dims: readonly number[];
  /**
   * The values, row-major: Float32Array (float32, float16 widened), Float64Array, Int32Array
   * (int32 and the narrower integers), BigInt64Array (int64), BigUint64Array (uint32, uint64),
   * Uint8Array (bool, 0 or 1).
   */
  readonly data:
    | Float32Array
    | Float64Array
    | Int32Array
    | BigInt64Array
    | BigUint64Array
    | Uint8Array;
  /** The tensor's name in the graph (empty for an unnamed one). */
  readonly name: string;
}

/** ONNX element type codes and what they read as; the rest are refused by name. */
const DTYPES: Readonly<Record<number, { dtype: HostDType; bytes: number }>> = {
  1: { dtype: 'float32', bytes: 4 },
  2: { dtype: 'uint8', bytes: 1 },
  3: { dtype: 'int8', bytes: 1 },
  4: { dtype: 'uint16', bytes: 2 },
  5: { dtype: 'int16', bytes: 2 },
  6: { dtype: 'int32', bytes: 4 },
  7: { dtype: 'int64', bytes: 8 },
  9: { dtype: 'bool', bytes: 1 },
  10: { dtype: 'float16', bytes: 2 },
  11: { dtype: 'float64', bytes: 8 },
  12: { dtype: 'uint32', bytes: 4 },
  13: { dtype: 'uint64', bytes: 8 },
};

/** ONNX's names of its element types, for messages about the ones not read. */
const ONNX_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
};

/**
 * ONNX's name of an element type code (`1` → `'FLOAT'`), as messages show it.
 *
 * @example
 * ```ts
 * onnxTypeName(7);   // 'INT64'
 * ```
 */
export function onnxTypeName(code: number): string {
  return ONNX_TYPE_NAMES[code] ?? `data type ${code}`;
}

/**
 * The host element type an ONNX element type code reads as, or undefined for one that is not
 * read (strings, complex numbers, bfloat16, the 8- and 4-bit floats).
 *
 * @example
 * ```ts
 * hostDType(1);   // 'float32'
 * hostDType(8);   // undefined (STRING)
 * ```
 */
export function hostDType(code: number): HostDType | undefined {
  return DTYPES[code]?.dtype;
}

/**
 * The ONNX element type code of a host element type (`'float32'` → `1`), the inverse of
 * `hostDType`.
 *
 * @example
 * ```ts
 * onnxTypeCode('float64');   // 11 (DOUBLE)
 * ```
 */
export function onnxTypeCode(dtype: HostDType): number {
  for (const [code, d] of Object.entries(DTYPES)) if (d.dtype === dtype) return Number(code);
  return fail('onnxTypeCode', `dtype '${dtype}' is not an ONNX element type Stride reads`);
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** IEEE half-precision bits to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

type Data = HostTensor['data'];

function allocate(dtype: HostDType, n: number): Data {
  switch (dtype) {
    case 'float32':
    case 'float16':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint32':
    case 'uint64':
      return new BigUint64Array(n);
    case 'bool':
      return new Uint8Array(n);
    default:
      return new Int32Array(n);
  }
}

/** Reads `n` little-endian elements of `dtype` from `raw`. */
function fromRaw(dtype: HostDType, raw: Uint8Array, n: number): Data {
  // Copy first: raw_data is a view into the whole model's bytes, at any alignment. (Not
  // raw.slice(): on a Node Buffer that is another view of the same memory.)
  const bytes = new Uint8Array(raw.length);
  bytes.set(raw);
  const view = new DataView(bytes.buffer);
  if (HOST_LITTLE_ENDIAN) {
    if (dtype === 'float32') return new Float32Array(bytes.buffer, 0, n);
    if (dtype === 'float64') return new Float64Array(bytes.buffer, 0, n);
    if (dtype === 'int32') return new Int32Array(bytes.buffer, 0, n);
    if (dtype === 'int64') return new BigInt64Array(bytes.buffer, 0, n);
    if (dtype === 'uint64') return new BigUint64Array(bytes.buffer, 0, n);
  }
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'float32':
        (out as Float32Array)[i] = view.getFloat32(i * 4, true);
        break;
      case 'float64':
        (out as Float64Array)[i] = view.getFloat64(i * 8, true);
        break;
      case 'float16':
        (out as Float32Array)[i] = halfToNumber(view.getUint16(i * 2, true));
        break;
      case 'int64':
        (out as BigInt64Array)[i] = view.getBigInt64(i * 8, true);
        break;
      case 'uint64':
        (out as BigUint64Array)[i] = view.getBigUint64(i * 8, true);
        break;
      case 'uint32':
        (out as BigUint64Array)[i] = BigInt(view.getUint32(i * 4, true));
        break;
      case 'int32':
        (out as Int32Array)[i] = view.getInt32(i * 4, true);
        break;
      case 'int16':
        (out as Int32Array)[i] = view.getInt16(i * 2, true);
        break;
      case 'uint16':
        (out as Int32Array)[i] = view.getUint16(i * 2, true);
        break;
      case 'int8':
        (out as Int32Array)[i] = view.getInt8(i);
        break;
      case 'uint8':
        (out as Int32Array)[i] = view.getUint8(i);
        break;
      case 'bool':
        (out as Uint8Array)[i] = view.getUint8(i) !== 0 ? 1 : 0;
        break;
    }
  }
  return out;
}

/** The typed repeated field the ONNX spec stores `dtype` in, and its name for messages. */
function typedField(
  dtype: HostDType,
  p: TensorProto,
): [string, readonly number[] | readonly bigint[]] {
  switch (dtype) {
    case 'float32':
      return ['float_data', p.floatData];
    case 'float64':
      return ['double_data', p.doubleData];
    case 'int64':
      return ['int64_data', p.int64Data];
    case 'uint32':
    case 'uint64':
      return ['uint64_data', p.uint64Data];
    default:
      // int32, the narrower integers, bool and float16 (as its bits) share int32_data.
      return ['int32_data', p.int32Data];
  }
}

function fromField(dtype: HostDType, values: readonly number[] | readonly bigint[]): Data {
  const out = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | bigint;
    if (dtype === 'float16') (out as Float32Array)[i] = halfToNumber(Number(v));
    else if (dtype === 'bool') (out as Uint8Array)[i] = Number(v) !== 0 ? 1 : 0;
    else if (out instanceof BigInt64Array || out instanceof BigUint64Array) out[i] = BigInt(v);
    else out[i] = Number(v);
  }
  return out;
}

/**
 * The values of a parsed `TensorProto`. `what` names the tensor in messages (an initializer, a
 * test file); `fn` is the public function that reads it.
 *
 * @example
 * ```ts
 * const t = readTensorProto(model.graph.initializer[0], 'importOnnx');
 * t.dtype;   // 'float32'
 * t.dims;    // [6, 1, 5, 5]
 * ```
 */
export function readTensorProto(
  p: TensorProto,
  fn = 'readTensorProto',
  what = `tensor '${p.name}'`,
): HostTensor {
  const code = p.dataType;
  const info = DTYPES[code];
  if (!info) {
    fail(
      fn,
      `${what} has element type ${onnxTypeName(code)}, which Stride cannot read (it reads FLOAT, DOUBLE, FLOAT16, the integer types and BOOL)`,
    );
  }
  if (p.dataLocation === TensorProto_DataLocation.EXTERNAL || p.externalData.length > 0) {
    fail(
      fn,
      `${what} keeps its values in an external file, which is not supported; save the model with its data inside (onnx.save_model(..., save_as_external_data=False))`,
    );
  }
  if (p.segment) fail(fn, `${what} is one segment of a larger tensor, which is not supported`);
  const dims = p.dims.map((d) => {
    if (d < 0n || d > BigInt(Number.MAX_SAFE_INTEGER)) {
      fail(fn, `${what} has an invalid dim ${d} (dims [${p.dims.join(',')}])`);
    }
    return Number(d);
  });
  const n = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(n) || n * info.bytes > 2 ** 31) {
    fail(fn, `${what} of dims ${fmtShape(dims)} is too large to read`);
  }
  let data: Data;
  if (p.rawData.length > 0) {
    const expected = n * info.bytes;
    if (p.rawData.length !== expected) {
      fail(
        fn,
        `${what} of dims ${fmtShape(dims)} and type ${onnxTypeName(code)} needs ${expected} bytes of raw_data, got ${p.rawData.length} (truncated or corrupt)`,
      );
    }
    data = fromRaw(info.dtype, p.rawData, n);
  } else {
    const [field, values] = typedField(info.dtype, p);
    if (values.length !== n) {
      fail(
        fn,
        `${what} of dims ${fmtShape(dims)} needs ${n} values in ${field} (or raw_data), got ${values.length} (truncated or corrupt)`,
      );
    }
    data = fromField(info.dtype, values);
  }
  return { dtype: info.dtype, dims, data, name: p.name };
}

/**
 * Parses a serialized `TensorProto` (a `.pb` file of ONNX's backend tests) and reads its values.
 * Malformed bytes are a `StrideError` of `fn`.
 *
 * @example
 * ```ts
 * const input = decodeTensorProto(readFileSync('test_data_set_0/input_0.pb'));
 * input.dims;   // [1, 1, 5, 5]
 * ```
 */
export function decodeTensorProto(bytes: Uint8Array, fn = 'decodeTensorProto'): HostTensor {
  if (!(bytes instanceof Uint8Array)) fail(fn, 'bytes must be a Uint8Array');
  let p: TensorProto;
  try {
    p = fromBinary(TensorProtoSchema, bytes);
  } catch (error) {
    fail(fn, `the bytes are not a TensorProto (${(error as Error).message})`);
  }
  return readTensorProto(p, fn, p.name ? `tensor '${p.name}'` : 'the tensor');
}

/** The Stride dtype a host element type becomes (64-bit and narrow integers as int32). */
export function strideDType(dtype: HostDType): DType {
  if (dtype === 'float32' || dtype === 'float16') return 'float32';
  if (dtype === 'float64') return 'float64';
  if (dtype === 'bool') return 'bool';
  return 'int32';
}

/**
 * The values as plain numbers (64-bit integers converted, which is exact up to 2^53).
 *
 * @example
 * ```ts
 * hostNumbers(decodeTensorProto(bytes));   // [1, 2, 3]
 * ```
 */
export function hostNumbers(t: Pick<HostTensor, 'data'>): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  return out;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A Stride tensor of a host tensor: floats keep their width (float16 widens to float32), the
 * integer types become int32 when every value fits (a `StrideError` of `fn` otherwise), bool
 * stays bool. `device` picks the backend (default the active one).
 *
 * @example
 * ```ts
 * const x = hostToTensor(decodeTensorProto(bytes));   // a float32 Tensor of the file's dims
 * ```
 */
export function hostToTensor(
  t: HostTensor,
  fn = 'hostToTensor',
  what = `tensor '${t.name}'`,
  device?: string,
): Tensor {
  const dtype = strideDType(t.dtype);
  let data: Float32Array | Float64Array | Int32Array | Uint8Array;
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    const out = new Int32Array(t.data.length);
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i] as bigint;
      if (v < BigInt(INT32_MIN) || v > BigInt(INT32_MAX)) {
        fail(
          fn,
          `${what} is ${t.dtype} and holds ${v} at flat index ${i}, outside int32, the widest integer type Stride has`,
        );
      }
      out[i] = Number(v);
    }
    data = out;
  } else {
    data = t.data;
  }
  return tensor(data, { shape: [...t.dims], dtype, ...(device ? { device } : {}) });
}
