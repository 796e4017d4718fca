import { beforeAll, describe, expect, it } from 'vitest';
import {
  arange,
  decodeSafetensors,
  encodeSafetensors,
  StrideError,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

/** A safetensors file from a header object and raw data, for malformed inputs. */
function build(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerText?: string,
): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerOf(bytes: Uint8Array): Record<string, unknown> {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

function expectDecodeError(bytes: Uint8Array, ...patterns: RegExp[]): void {
  let error: unknown;
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(StrideError);
  const message = (error as StrideError).message;
  expect(message).toMatch(/^decodeSafetensors: /);
  for (const p of patterns) expect(message).toMatch(p);
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips every dtype, 0-d and empty tensors, and metadata', async () => {
    const tensors: Record<string, Tensor> = {
      'conv1.weight': arange(24, undefined, 1, { dtype: 'float32' }).reshape([2, 3, 2, 2]).div(7),
      'fc.bias': tensor(new Float64Array([Math.PI, -0, 1e-310, Number.MAX_VALUE]), {
        dtype: 'float64',
      }),
      'bn1.num_batches_tracked': tensor(12, { dtype: 'int32' }),
      ids: tensor([2147483647, -2147483648, 0]),
      mask: tensor([true, false, true, true]),
      empty: zeros([0, 4]),
      special: tensor(new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, -1.5])),
    };
    const bytes = await encodeSafetensors(tensors, { format: 'pt', note: 'ünïcödé' });
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcödé' });
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const b = back[name] as Tensor;
      expect(b.shape, name).toEqual(t.shape);
      expect(b.dtype, name).toBe(t.dtype);
      expect(Array.from(await b.data()), name).toEqual(Array.from(await t.data()));
    }
    expect(Object.is((await (back['fc.bias'] as Tensor).data())[1], -0)).toBe(true);
  });

  it('writes the layout other readers expect: 8-byte aligned header, widest dtypes first', async () => {
    const bytes = await encodeSafetensors({
      b: tensor([true]),
      a: tensor([1.5]),
      c: tensor(new Float64Array([2])),
      d: tensor([3]),
    });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(0);
    // Padding is spaces, so the header is still valid JSON.
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toMatch(/} *$/);
    expect(headerOf(bytes)).toEqual({
      c: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
      a: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
      d: { dtype: 'I32', shape: [1], data_offsets: [12, 16] },
      b: { dtype: 'BOOL', shape: [1], data_offsets: [16, 17] },
    });
    expect(bytes.length).toBe(8 + n + 17);
    // No metadata given: no __metadata__ entry, and decoding gives an empty object.
    expect(decodeSafetensors(bytes).metadata).toEqual({});
  });

  it('decodes from a view into a larger buffer at an odd offset', async () => {
    const bytes = await encodeSafetensors({
      x: tensor([
        [1.25, -2],
        [3, 4],
      ]),
      y: tensor(new Float64Array([0.1])),
    });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const { tensors } = decodeSafetensors(big.subarray(3));
    expect(await (tensors.x as Tensor).array()).toEqual([
      [1.25, -2],
      [3, 4],
    ]);
    expect(await (tensors.y as Tensor).array()).toEqual([0.1]);
  });

  it('puts the tensors on the requested device and rejects an unknown one', async () => {
    const bytes = await encodeSafetensors({ x: tensor([1, 2]) });
    expect(decodeSafetensors(bytes, { device: 'cpu' }).tensors.x?.device).toBe('cpu');
    expect(() => decodeSafetensors(bytes, { device: 'tpu' })).toThrow(/^decodeSafetensors: .*tpu/);
  });

  it('reads PyTorch int64 as int32 and refuses values int32 cannot hold', () => {
    const data = new Uint8Array(16);
    const view = new DataView(data.buffer);
    view.setBigInt64(0, -5n, true);
    view.setBigInt64(8, 2147483647n, true);
    const ok = build({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data);
    const t = decodeSafetensors(ok).tensors.n as Tensor;
    expect(t.dtype).toBe('int32');
    expect(t.arraySync()).toEqual([-5, 2147483647]);

    view.setBigInt64(8, 2147483648n, true);
    expectDecodeError(
      build({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data),
      /tensor 'n' \(I64\)/,
      /\[-2147483648, 2147483647\]/,
      /found 2147483648 at index 1/,
    );
  });

  it('converts float16, bfloat16 and small integer types', () => {
    const data = new Uint8Array(8 + 4 + 2);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3c00, true); // 1
    view.setUint16(2, 0xc100, true); // -2.5
    view.setUint16(4, 0x0001, true); // smallest subnormal, 2^-24
    view.setUint16(6, 0x7c00, true); // +inf
    view.setUint16(8, 0x3fc0, true); // bf16 1.5
    view.setUint16(10, 0xc2f7, true); // bf16 -123.5
    view.setInt8(12, -7);
    view.setUint8(13, 250);
    const { tensors } = decodeSafetensors(
      build(
        {
          h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
          s: { dtype: 'I8', shape: [1], data_offsets: [12, 13] },
          u: { dtype: 'U8', shape: [1], data_offsets: [13, 14] },
        },
        data,
      ),
    );
    expect(tensors.h?.dtype).toBe('float32');
    expect(tensors.h?.arraySync()).toEqual([1, -2.5, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(tensors.b?.arraySync()).toEqual([1.5, -123.5]);
    expect(tensors.s?.arraySync()).toEqual([-7]);
    expect(tensors.u?.arraySync()).toEqual([250]);
  });

  it('rejects bad arguments to encode, naming the tensor', async () => {
    const disposed = tensor([1]);
    disposed.dispose();
    await expect(encodeSafetensors({ w: disposed })).rejects.toThrow(
      /^encodeSafetensors: tensor 'w' \[1\] was disposed/,
    );
    await expect(encodeSafetensors({ w: [1, 2] as unknown as Tensor })).rejects.toThrow(
      /'w' is not a tensor/,
    );
    await expect(encodeSafetensors({ __metadata__: tensor([1]) })).rejects.toThrow(
      /cannot be a tensor name/,
    );
    await expect(
      encodeSafetensors({ w: tensor([1]) }, { epoch: 3 as unknown as string }),
    ).rejects.toThrow(/metadata 'epoch' must be a string, got number/);
  });
});

describe('decodeSafetensors on corrupt or truncated input', () => {
  const good = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } };

  it('rejects a file shorter than the header length field', () => {
    expectDecodeError(new Uint8Array(5), /expected at least 8 bytes .*found 5/);
  });

  it('rejects a header length beyond the end of the file', () => {
    const bytes = build(good, new Uint8Array(16));
    new DataView(bytes.buffer).setUint32(0, 5000, true);
    expectDecodeError(bytes, /header length is 5000 bytes but only \d+ bytes follow/);
    new DataView(bytes.buffer).setUint32(4, 1, true);
    expectDecodeError(bytes, /header length is 4294972296 bytes/);
  });

  it('rejects a header that is not a JSON object', () => {
    expectDecodeError(
      build(null, new Uint8Array(0), '{"w": {"dtype": '),
      /expected the header to be JSON/,
    );
    // The reference implementation requires the header to start with `{`.
    expectDecodeError(
      build(null, new Uint8Array(0), '[1, 2]'),
      /^decodeSafetensors: not a safetensors file: expected the 8-byte header length and then the JSON header, which starts with "\{", found "\\x06\\x00\\x00\\x00\\x00\\x00\\x00\\x00\[1, 2\]"$/,
    );
    const invalidUtf8 = build(null, new Uint8Array(0), '{}    ');
    invalidUtf8[9] = 0xff;
    expectDecodeError(invalidUtf8, /UTF-8/);
  });

  it('rejects data offsets outside the data (a truncated file)', () => {
    const bytes = build(good, new Uint8Array(16));
    expect(() => decodeSafetensors(bytes)).not.toThrow();
    expectDecodeError(
      bytes.subarray(0, bytes.length - 4),
      /data_offsets \[0, 16\] reach past the end of the data \(12 bytes/,
    );
  });

  it('rejects overlapping offsets, holes and offsets out of order', () => {
    const two = (a: [number, number], b: [number, number]) => ({
      a: { dtype: 'F32', shape: [2], data_offsets: a },
      b: { dtype: 'F32', shape: [2], data_offsets: b },
    });
    expectDecodeError(
      build(two([0, 8], [4, 12]), new Uint8Array(12)),
      /'b'.*overlap the previous tensor, which ends at 8/,
    );
    expectDecodeError(
      build(two([0, 8], [12, 20]), new Uint8Array(20)),
      /'b': expected data to start at byte 8.*found 12/,
    );
    expectDecodeError(
      build({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, new Uint8Array(8)),
      /expected data_offsets with begin <= end, found \[8, 0\]/,
    );
    // Trailing bytes nobody claims are a hole too.
    expectDecodeError(
      build(good, new Uint8Array(20)),
      /expected the data to be 16 bytes .*found 20/,
    );
  });

  it('rejects a shape or dtype that does not match the data size', () => {
    expectDecodeError(
      build({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 16] } }, new Uint8Array(16)),
      /tensor 'w': shape \[2,3\] F32 needs 24 bytes, found data_offsets \[0, 16\] \(16 bytes\)/,
    );
    expectDecodeError(
      build({ w: { dtype: 'F64', shape: [2, 2], data_offsets: [0, 16] } }, new Uint8Array(16)),
      /F64 needs 32 bytes/,
    );
  });

  it('rejects unknown dtypes and malformed entries', () => {
    expectDecodeError(
      build({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /tensor 'w': expected dtype one of F64, F32, .*found "C64"/,
    );
    expectDecodeError(
      build({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }),
      /non-negative integers, found \[-1\]/,
    );
    expectDecodeError(
      build({ w: { dtype: 'F32', shape: [1] } }),
      /expected data_offsets \[begin, end\].*found undefined/,
    );
    expectDecodeError(
      build({ w: 3 }),
      /tensor 'w': expected \{dtype, shape, data_offsets\}, found 3/,
    );
    expectDecodeError(
      build({ __metadata__: { epoch: 3 } }),
      /__metadata__ 'epoch' to be a string, found 3/,
    );
  });

  it('creates no tensor when any part of the file is bad', async () => {
    const { memory } = await import('../src/index.js');
    const before = memory().numTensors;
    const data = new Uint8Array(24);
    new DataView(data.buffer).setBigInt64(16, 1n << 40n, true);
    expectDecodeError(
      build(
        {
          a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
          b: { dtype: 'I64', shape: [1], data_offsets: [16, 24] },
        },
        data,
      ),
      /'b'/,
    );
    expect(memory().numTensors).toBe(before);
  });
});
