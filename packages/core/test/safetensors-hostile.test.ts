import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  decodeSafetensors,
  encodeSafetensors,
  memory,
  registerBackend,
  StrideError,
  type Tensor,
  tensor,
} from '../src/index.js';
import { useCpu } from './setup.js';

// Files no honest writer produces: what a hostile or damaged file, or a file of another format,
// gets from decodeSafetensors. Every case is a StrideError that says what was expected.

beforeAll(useCpu);

/** A safetensors file from header text and raw data. */
function file(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function decodeError(bytes: unknown, options?: unknown): string {
  try {
    decodeSafetensors(bytes as Uint8Array, options as undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(StrideError);
    return (error as StrideError).message;
  }
  throw new Error('expected decodeSafetensors to throw');
}

const ascii = (text: string) => new TextEncoder().encode(text);
const CONVERT =
  'Stride reads safetensors files, not PyTorch’s pickle format; convert the checkpoint in Python: safetensors.torch.save_file(model.state_dict(), "model.safetensors")';

describe('decodeSafetensors on files of other formats', () => {
  it('names a PyTorch zip checkpoint instead of reporting a huge header length', () => {
    // The first bytes of torch.save's output (PyTorch 1.13), which read as a header length of
    // 578712552184433488 bytes.
    const pt = new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeError(pt)).toBe(
      `decodeSafetensors: not a safetensors file: it is a zip archive (it starts with "PK\\x03\\x04…"), as torch.save writes PyTorch checkpoints (.pt, .pth). ${CONVERT}`,
    );
  });

  it('names pickles of every protocol torch.save has used, gzip, Git LFS and HTML', () => {
    for (const protocol of [2, 3, 4, 5]) {
      expect(
        decodeError(new Uint8Array([0x80, protocol, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46])),
      ).toBe(
        `decodeSafetensors: not a safetensors file: it is a Python pickle (it starts with "\\x80\\x0${protocol}…"), as torch.save wrote PyTorch checkpoints (.pt, .pth) before PyTorch 1.6. ${CONVERT}`,
      );
    }
    expect(decodeError(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]))).toBe(
      'decodeSafetensors: not a safetensors file: it is gzip-compressed (it starts with "\\x1f\\x8b…"): decompress it first (gunzip, or zlib.gunzipSync in Node)',
    );
    const lfs = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 46827520\n';
    expect(decodeError(ascii(lfs))).toBe(
      'decodeSafetensors: not a safetensors file: it is a Git LFS pointer, a small text file that stands for the real one: fetch the file itself (git lfs pull)',
    );
    expect(decodeError(ascii('\n<!DOCTYPE html><html><body>404</body></html>'))).toBe(
      'decodeSafetensors: not a safetensors file: it is an HTML page (a download that returned a web page or an error page instead of the file?)',
    );
  });

  it('shows the first bytes of anything else that does not start like a header', () => {
    expect(decodeError(ascii('hello, this is not a checkpoint at all'))).toBe(
      'decodeSafetensors: not a safetensors file: expected the 8-byte header length and then the JSON header, which starts with "{", found "hello, this is n…"',
    );
    // A header length that fits, but the header does not start with `{`.
    expect(decodeError(file(' {"w": {}}'))).toBe(
      'decodeSafetensors: not a safetensors file: expected the 8-byte header length and then the JSON header, which starts with "{", found "\\x0a\\x00\\x00\\x00\\x00\\x00\\x00\\x00 {\\x22w\\x22: {…"',
    );
  });

  it('says when a file is empty, and when a real header was cut short', () => {
    expect(decodeError(new Uint8Array(0))).toBe(
      'decodeSafetensors: expected at least 8 bytes (the header length), found 0 (the file is empty)',
    );
    const good = file(
      '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}',
      ascii('abcd'),
    );
    expect(decodeError(good.subarray(0, 20))).toBe(
      'decodeSafetensors: the header length is 61 bytes but only 12 bytes follow it (a truncated file?)',
    );
    expect(decodeError(good.subarray(0, 8))).toBe(
      'decodeSafetensors: the header length is 61 bytes but only 0 bytes follow it (a truncated file?)',
    );
  });
});

describe('decodeSafetensors on hostile headers', () => {
  const F32x2 = '{"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}';

  it('refuses a name given twice, which JSON.parse would silently resolve', () => {
    expect(decodeError(file(`{"w": ${F32x2}, "w": ${F32x2}}`, new Uint8Array(8)))).toBe(
      "decodeSafetensors: expected each name once in the header, found 'w' twice",
    );
    expect(
      decodeError(
        file('{"w": {"dtype": "F32", "dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}'),
      ),
    ).toBe("decodeSafetensors: expected each key once in 'w', found 'dtype' twice");
    // Escapes are names too: "\u0077" is "w".
    expect(decodeError(file(`{"w": ${F32x2}, "\\u0077": ${F32x2}}`, new Uint8Array(8)))).toBe(
      "decodeSafetensors: expected each name once in the header, found 'w' twice",
    );
    expect(decodeError(file(`{"__metadata__": {"a": "1", "a": "2"}, "w": ${F32x2}}`))).toBe(
      "decodeSafetensors: expected each key once in '__metadata__', found 'a' twice",
    );
    // The same string as a value, or in another object, is not a duplicate.
    const fine = file(
      `{"__metadata__": {"w": "w", "x": "[\\"w\\", {\\"w\\": 1}]"}, "w": ${F32x2}}`,
      new Uint8Array(8),
    );
    expect(Object.keys(decodeSafetensors(fine).tensors)).toEqual(['w']);
  });

  it('keeps tensors and metadata named __proto__ or after Object.prototype members', async () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const tensors = Object.fromEntries(names.map((n, i) => [n, tensor([i, i + 0.5])]));
    const metadata = Object.fromEntries(names.map((n) => [n, `meta ${n}`]));
    // Object.fromEntries makes "__proto__" an own key, as JSON.parse does.
    expect(Object.keys(tensors)).toEqual(names);
    const back = decodeSafetensors(await encodeSafetensors(tensors, metadata));
    expect(Object.keys(back.tensors).sort()).toEqual([...names].sort());
    for (const [i, n] of names.entries()) {
      expect(Object.hasOwn(back.tensors, n)).toBe(true);
      expect((back.tensors[n] as Tensor).arraySync()).toEqual([i, i + 0.5]);
      expect(back.metadata[n]).toBe(`meta ${n}`);
    }
    expect(Object.getPrototypeOf(back.tensors)).toBe(null);
    expect(Object.getPrototypeOf(back.metadata)).toBe(null);
    // Nothing leaks from a prototype either: a missing name is missing.
    const plain = decodeSafetensors(await encodeSafetensors({ w: tensor([1]) }));
    expect(plain.tensors.toString).toBe(undefined);
    expect('constructor' in plain.metadata).toBe(false);
  });

  it('refuses dtype names that only Object.prototype knows', () => {
    for (const dtype of ['constructor', 'toString', '__proto__']) {
      expect(
        decodeError(file(`{"w": {"dtype": "${dtype}", "shape": [1], "data_offsets": [0, 4]}}`)),
      ).toBe(
        `decodeSafetensors: tensor 'w': expected dtype one of F64, F32, F16, BF16, I64, U64, I32, U32, I16, U16, I8, U8, BOOL, found "${dtype}"`,
      );
    }
  });

  it('refuses negative, fractional, huge and non-numeric shapes and offsets', () => {
    const entry = (shape: string, offsets: string) =>
      file(`{"w": {"dtype": "F32", "shape": ${shape}, "data_offsets": ${offsets}}}`);
    const shapeError = (found: string) =>
      `decodeSafetensors: tensor 'w': expected shape to be a list of non-negative integers, found ${found}`;
    expect(decodeError(entry('[-2]', '[0, 8]'))).toBe(shapeError('[-2]'));
    expect(decodeError(entry('[1.5]', '[0, 6]'))).toBe(shapeError('[1.5]'));
    expect(decodeError(entry('["2"]', '[0, 8]'))).toBe(shapeError('["2"]'));
    expect(decodeError(entry('2', '[0, 8]'))).toBe(shapeError('2'));
    expect(decodeError(entry('[1e300]', '[0, 8]'))).toBe(shapeError('[1e+300]'));
    const offsetError = (found: string) =>
      `decodeSafetensors: tensor 'w': expected data_offsets [begin, end] of non-negative integers below 2^53, found ${found}`;
    expect(decodeError(entry('[2]', '[-8, 0]'))).toBe(offsetError('[-8,0]'));
    expect(decodeError(entry('[2]', '[0, 8.5]'))).toBe(offsetError('[0,8.5]'));
    expect(decodeError(entry('[2]', '[0, 18446744073709551615]'))).toBe(
      offsetError('[0,18446744073709552000]'),
    );
    expect(decodeError(entry('[2]', '[0, 4, 8]'))).toBe(offsetError('[0,4,8]'));
    expect(decodeError(entry('[2]', '{"begin": 0}'))).toBe(offsetError('{"begin":0}'));
    // A shape whose size overflows cannot match any byte count.
    expect(decodeError(entry('[4294967296, 4294967296]', '[0, 8]'))).toBe(
      "decodeSafetensors: tensor 'w': shape [4294967296,4294967296] F32 needs 73786976294838210000 bytes, found data_offsets [0, 8] (8 bytes)",
    );
  });

  it('reads "__metadata__": null as no metadata, as the reference implementation does', () => {
    const bytes = file(`{"__metadata__": null, "w": ${F32x2}}`, new Uint8Array(8));
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Object.keys(metadata)).toEqual([]);
    expect(tensors.w?.shape).toEqual([2]);
    expect(decodeError(file('{"__metadata__": ["a"]}'))).toBe(
      'decodeSafetensors: expected __metadata__ to be an object of strings, found ["a"]',
    );
  });
});

describe('decodeSafetensors arguments', () => {
  it('reads its options through checkOptions', async () => {
    const bytes = await encodeSafetensors({ w: tensor([1]) });
    expect(decodeError(bytes, { devcie: 'cpu' })).toBe(
      "decodeSafetensors: unknown option 'devcie' (did you mean 'device'?); the options are device",
    );
    expect(decodeError(bytes, { device: 1 })).toBe(
      "decodeSafetensors: option 'device' must be a string, got 1",
    );
    expect(decodeError(bytes, 'cpu')).toBe(
      "decodeSafetensors: options must be an object such as { device }, got 'cpu'",
    );
  });

  it('says how to pass an ArrayBuffer, and names other wrong types', async () => {
    const bytes = await encodeSafetensors({ w: tensor([1]) });
    expect(decodeError(bytes.buffer)).toBe(
      'decodeSafetensors: bytes must be a Uint8Array, got an ArrayBuffer: wrap it as new Uint8Array(buffer)',
    );
    expect(decodeError(new Float32Array(4))).toBe(
      'decodeSafetensors: bytes must be a Uint8Array, got a Float32Array',
    );
    expect(decodeError('model.safetensors')).toBe(
      "decodeSafetensors: bytes must be a Uint8Array, got 'model.safetensors'",
    );
  });
});

describe('encodeSafetensors arguments', () => {
  it('refuses a Map, an array or a tensor instead of an object of named tensors', async () => {
    const message = async (tensors: unknown, metadata?: unknown) => {
      const error = await encodeSafetensors(
        tensors as Record<string, Tensor>,
        metadata as Record<string, string>,
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StrideError);
      return (error as StrideError).message;
    };
    expect(await message(new Map([['w', tensor([1])]]))).toBe(
      'encodeSafetensors: tensors must be an object of named tensors, got a Map (Object.fromEntries(map) makes one from a Map)',
    );
    expect(await message([tensor([1])])).toBe(
      'encodeSafetensors: tensors must be an object of named tensors, got [a tensor [1]]',
    );
    expect(await message(tensor([1]))).toBe(
      'encodeSafetensors: tensors must be an object of named tensors, got a tensor [1]',
    );
    expect(await message({ w: tensor([1]) }, new Map([['epoch', '1']]))).toBe(
      'encodeSafetensors: metadata must be an object of strings, got a Map (Object.fromEntries(map) makes one from a Map)',
    );
  });
});

describe('decodeSafetensors and the backend', () => {
  /** A backend that stores float32 only, in storages of at most 64 bytes. */
  function tinyBackend(): Backend {
    return Object.assign(Object.create(cpu()) as Backend, {
      name: 'tiny',
      dtypes: ['float32'],
      maxStorageBytes: 64,
    });
  }

  it('refuses before creating anything a dtype or a size the backend cannot take', async () => {
    registerBackend(tinyBackend());
    const f64 = await encodeSafetensors({
      a: tensor([1.5]),
      b: tensor(new Float64Array([1]), { dtype: 'float64' }),
    });
    const big = await encodeSafetensors({ a: tensor([1.5]), b: tensor(new Float32Array(17)) });
    const before = memory().numTensors;
    expect(decodeError(f64, { device: 'tiny' })).toBe(
      "decodeSafetensors: tensor 'b' [1] F64 loads as float64, which the 'tiny' backend does not support (it supports float32)",
    );
    expect(decodeError(big, { device: 'tiny' })).toBe(
      "decodeSafetensors: tensor 'b' [17] F32 loads as float32, 68 B, more than the 'tiny' backend's limit of 64 B for one tensor",
    );
    expect(memory().numTensors).toBe(before);
    expect(decodeSafetensors(big, { device: 'cpu' }).tensors.b?.shape).toEqual([17]);
  });
});
