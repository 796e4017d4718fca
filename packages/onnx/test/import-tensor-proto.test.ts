/**
 * TensorProto reading: every storage field the spec allows, little-endian raw data, and the
 * refusals (element types Stride lacks, truncated data, external data, bad bytes).
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { TensorProto_DataLocation, TensorProtoSchema } from '../src/gen/onnx_pb.js';
import {
  decodeTensorProto,
  hostNumbers,
  hostToTensor,
  readTensorProto,
} from '../src/tensor-proto.js';
import { errorOf } from './helpers/backend.js';

function raw(bytes: number[]): Uint8Array {
  return new Uint8Array(bytes);
}

describe('readTensorProto', () => {
  it('reads raw_data little-endian, at any alignment of the enclosing buffer', () => {
    const f = new Float32Array([1.5, -2, 3.25]);
    // An odd offset into a larger buffer, as raw_data is a view into the model's bytes.
    const big = new Uint8Array(13);
    big.set(new Uint8Array(f.buffer), 1);
    const p = create(TensorProtoSchema, {
      dims: [3n],
      dataType: 1,
      rawData: big.subarray(1, 13),
      name: 'w',
    });
    const t = readTensorProto(p);
    expect(t.dtype).toBe('float32');
    expect(t.dims).toEqual([3]);
    expect([...t.data]).toEqual([1.5, -2, 3.25]);
    const i64 = create(TensorProtoSchema, {
      dims: [2n],
      dataType: 7,
      rawData: raw([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 0, 0, 0]),
    });
    expect(hostNumbers(readTensorProto(i64))).toEqual([-1, 5]);
    const half = create(TensorProtoSchema, {
      dims: [2n],
      dataType: 10,
      rawData: raw([0, 0x3c, 0, 0xc0]),
    });
    expect(hostNumbers(readTensorProto(half))).toEqual([1, -2]);
    const b = create(TensorProtoSchema, { dims: [3n], dataType: 9, rawData: raw([0, 1, 2]) });
    expect(hostNumbers(readTensorProto(b))).toEqual([0, 1, 1]);
  });

  it('reads the typed fields: float_data, double_data, int32_data, int64_data, uint64_data', () => {
    const cases: [Record<string, unknown>, number[]][] = [
      [{ dataType: 1, floatData: [1, 2] }, [1, 2]],
      [{ dataType: 11, doubleData: [0.1, 0.2] }, [0.1, 0.2]],
      [{ dataType: 6, int32Data: [-3, 4] }, [-3, 4]],
      [{ dataType: 3, int32Data: [-3, 4] }, [-3, 4]],
      [{ dataType: 7, int64Data: [-3n, 4n] }, [-3, 4]],
      [{ dataType: 13, uint64Data: [3n, 4n] }, [3, 4]],
    ];
    for (const [fields, values] of cases) {
      const t = readTensorProto(create(TensorProtoSchema, { dims: [2n], ...fields }));
      expect(hostNumbers(t)).toEqual(values);
    }
    // A scalar: no dims, one value.
    const s = readTensorProto(create(TensorProtoSchema, { dataType: 1, floatData: [7] }));
    expect(s.dims).toEqual([]);
    expect(hostNumbers(s)).toEqual([7]);
  });

  it('refuses element types Stride lacks, truncated data, external data and bad bytes', () => {
    expect(
      errorOf(() => readTensorProto(create(TensorProtoSchema, { dataType: 8, name: 's' }))),
    ).toBe(
      "readTensorProto: tensor 's' has element type STRING, which Stride cannot read (it reads FLOAT, DOUBLE, FLOAT16, the integer types and BOOL)",
    );
    expect(
      errorOf(() =>
        readTensorProto(
          create(TensorProtoSchema, {
            dims: [2n, 3n],
            dataType: 1,
            rawData: raw([0, 0, 0, 0]),
            name: 'w',
          }),
        ),
      ),
    ).toBe(
      "readTensorProto: tensor 'w' of dims [2,3] and type FLOAT needs 24 bytes of raw_data, got 4 (truncated or corrupt)",
    );
    expect(
      errorOf(() =>
        readTensorProto(
          create(TensorProtoSchema, { dims: [3n], dataType: 1, floatData: [1, 2], name: 'w' }),
        ),
      ),
    ).toBe(
      "readTensorProto: tensor 'w' of dims [3] needs 3 values in float_data (or raw_data), got 2 (truncated or corrupt)",
    );
    expect(
      errorOf(() =>
        readTensorProto(
          create(TensorProtoSchema, {
            dims: [1n],
            dataType: 1,
            dataLocation: TensorProto_DataLocation.EXTERNAL,
            name: 'w',
          }),
        ),
      ),
    ).toMatch(/^readTensorProto: tensor 'w' keeps its values in an external file/);
    expect(errorOf(() => decodeTensorProto(raw([0xff, 0xff, 0xff])))).toMatch(
      /^decodeTensorProto: the bytes are not a TensorProto \(/,
    );
  });

  it('round-trips through toBinary and becomes a Stride tensor; int64 outside int32 is refused', async () => {
    const p = create(TensorProtoSchema, {
      dims: [2n, 2n],
      dataType: 7,
      int64Data: [1n, 2n, 3n, 4n],
      name: 'i',
    });
    const host = decodeTensorProto(toBinary(TensorProtoSchema, p));
    const t = hostToTensor(host);
    expect(t.dtype).toBe('int32');
    expect(await t.array()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    t.dispose();
    const big = create(TensorProtoSchema, {
      dims: [1n],
      dataType: 7,
      int64Data: [2n ** 40n],
      name: 'big',
    });
    expect(errorOf(() => hostToTensor(readTensorProto(big)))).toBe(
      "hostToTensor: tensor 'big' is int64 and holds 1099511627776 at flat index 0, outside int32, the widest integer type Stride has",
    );
  });
});
