/**
 * The golden fixtures (computed in float64 by PyTorch, stored as float32; see fixtures/README.md)
 * and their decoding. The JSON files are imported statically, not read from disk, so the suite
 * runs unchanged in Node and in a browser: Vite (vitest) and esbuild (tsup) both inline them,
 * and the import attribute lets plain Node ESM load them too.
 */
import activation from '../fixtures/activation.json' with { type: 'json' };
import conv from '../fixtures/conv.json' with { type: 'json' };
import indexing from '../fixtures/indexing.json' with { type: 'json' };
import loss from '../fixtures/loss.json' with { type: 'json' };
import matmul from '../fixtures/matmul.json' with { type: 'json' };
import norm from '../fixtures/norm.json' with { type: 'json' };
import normalization from '../fixtures/normalization.json' with { type: 'json' };
import pad from '../fixtures/pad.json' with { type: 'json' };
import pool from '../fixtures/pool.json' with { type: 'json' };
import reduce from '../fixtures/reduce.json' with { type: 'json' };
import resample from '../fixtures/resample.json' with { type: 'json' };
import transpose from '../fixtures/transpose.json' with { type: 'json' };

/** One stored tensor: little-endian bytes of `dtype`, base64-encoded. */
export interface FixtureTensor {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** `'float32'`, `'int32'` or `'bool'` (checked when decoded). */
  readonly dtype: string;
  /** The values: little-endian bytes of `dtype` (bool one byte each), base64-encoded. */
  readonly data: string;
}

/**
 * One case: call `op` with `inputs` and `args`, expect `outputs`. When `grads` is not empty the
 * case is also run backward: from `grads.dy` when present, else from the scalar output `y`,
 * and `grads['d' + name]` is the expected gradient of input `name`.
 */
export interface FixtureCase {
  /** The case's title in the suite, e.g. `'conv1d #00 x[1x3x9] w[4x3x4] stride=2 ...'`. */
  readonly name: string;
  /** The key in `OPS` of the Stride call to make (`'conv1d'`, `'crossEntropy'`, ...). */
  readonly op: string;
  /** Non-tensor arguments by Stride's option names (camelCase), passed as the op expects. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Input tensors by the op's fixture names (`x`, `w`, `b`, `input`, `target`, ...). */
  readonly inputs: Readonly<Record<string, FixtureTensor>>;
  /** Expected outputs by name; `y` is the one gradients flow back from. */
  readonly outputs: Readonly<Record<string, FixtureTensor>>;
  /**
   * Expected gradients, `d<input>` for each differentiated input, plus the output gradient `dy`
   * when one is given; empty for a forward-only case.
   */
  readonly grads: Readonly<Record<string, FixtureTensor>>;
}

/** One fixture file (`fixtures/<name>.json`): where it came from and its cases. */
export interface FixtureFile {
  /** What computed the expected values, e.g. `'PyTorch 1.13.0a0, scripts/make_fixtures.py'`. */
  readonly source: string;
  /** The cases, in the order the suite runs them. */
  readonly cases: readonly FixtureCase[];
}

/**
 * TypeScript infers a union of every case's literal shape for a JSON module, which is not
 * assignable to `FixtureFile`; the structure is checked here instead, once, at load time.
 */
function asFixtureFile(file: string, json: unknown): FixtureFile {
  const doc = json as Partial<FixtureFile> | null;
  if (!doc || typeof doc.source !== 'string' || !Array.isArray(doc.cases)) {
    throw new Error(`fixtures/${file}.json: expected {source, cases: [...]}`);
  }
  for (const c of doc.cases as FixtureCase[]) {
    if (
      typeof c.name !== 'string' ||
      typeof c.op !== 'string' ||
      typeof c.inputs !== 'object' ||
      typeof c.outputs !== 'object' ||
      typeof c.grads !== 'object' ||
      typeof c.args !== 'object'
    ) {
      throw new Error(`fixtures/${file}.json: malformed case ${JSON.stringify(c.name)}`);
    }
  }
  return doc as FixtureFile;
}

/** Every fixture file by its name without `.json`, in the order the suite runs them. */
export const FIXTURES: Readonly<Record<string, FixtureFile>> = {
  activation: asFixtureFile('activation', activation),
  reduce: asFixtureFile('reduce', reduce),
  matmul: asFixtureFile('matmul', matmul),
  pad: asFixtureFile('pad', pad),
  conv: asFixtureFile('conv', conv),
  pool: asFixtureFile('pool', pool),
  norm: asFixtureFile('norm', norm),
  normalization: asFixtureFile('normalization', normalization),
  loss: asFixtureFile('loss', loss),
  transpose: asFixtureFile('transpose', transpose),
  resample: asFixtureFile('resample', resample),
  indexing: asFixtureFile('indexing', indexing),
};

export type FixtureDType = 'float32' | 'int32' | 'bool';

/** A fixture tensor decoded by `decodeTensor`: host values ready to compare. */
export interface DecodedTensor {
  /** The tensor's shape (a copy). */
  readonly shape: number[];
  /** `'float32'`, `'int32'` or `'bool'`. */
  readonly dtype: FixtureDType;
  /** The values, row-major, in the typed array of `dtype` (bool as 0/1 bytes). */
  readonly values: Float32Array | Int32Array | Uint8Array;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/**
 * Standard base64 (with `=` padding) to bytes. A small decoder of our own rather than `Buffer`
 * (Node only) or `atob` (builds an intermediate binary string) so that it runs anywhere.
 */
export function decodeBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* '=' */) end--;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? (LOOKUP[code] as number) : -1;
    if (v < 0) throw new Error(`invalid base64 character ${JSON.stringify(text[i])} at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

// Typed arrays use the platform's byte order; the fixtures are little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes a fixture tensor into a typed array of its dtype; checks the size against the shape. */
export function decodeTensor(t: FixtureTensor, what = 'tensor'): DecodedTensor {
  const bytes = decodeBase64(t.data);
  const size = t.shape.reduce((n, d) => n * d, 1);
  const shape = [...t.shape];
  const width = t.dtype === 'bool' ? 1 : 4;
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
    throw new Error(`${what}: unknown fixture dtype ${t.dtype}`);
  }
  if (bytes.length !== size * width) {
    throw new Error(`${what}: ${bytes.length} bytes of data for shape [${shape}] ${t.dtype}`);
  }
  if (t.dtype === 'bool') return { shape, dtype: 'bool', values: bytes };
  // `bytes` starts at offset 0 of its own buffer, so it is aligned for 4-byte views.
  if (LITTLE_ENDIAN) {
    const values =
      t.dtype === 'float32'
        ? new Float32Array(bytes.buffer, 0, size)
        : new Int32Array(bytes.buffer, 0, size);
    return { shape, dtype: t.dtype, values };
  }
  const view = new DataView(bytes.buffer);
  const values = t.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  for (let i = 0; i < size; i++) {
    values[i] = t.dtype === 'float32' ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
  }
  return { shape, dtype: t.dtype, values };
}
