import { describe, expect, it } from 'vitest';
import {
  compareTensors,
  decodeBase64,
  decodeTensor,
  ERROR_CASES,
  FIXTURES,
  GRADCHECKS,
  OPS,
} from '../src/index.js';

// The suite's own plumbing, checked without any backend.
describe('decodeBase64', () => {
  it('decodes every padding length', () => {
    expect(Array.from(decodeBase64(''))).toEqual([]);
    expect(Array.from(decodeBase64('AA=='))).toEqual([0]);
    expect(Array.from(decodeBase64('AAE='))).toEqual([0, 1]);
    expect(Array.from(decodeBase64('/+8A'))).toEqual([255, 239, 0]);
    const text = 'Stride';
    const b64 = 'U3RyaWRl';
    expect(String.fromCharCode(...decodeBase64(b64))).toBe(text);
  });

  it('rejects characters outside the alphabet', () => {
    expect(() => decodeBase64('AA*A')).toThrow(/invalid base64 character/);
  });
});

describe('decodeTensor', () => {
  it('reads little-endian float32 and int32', () => {
    // 1.5f = 0x3FC00000, -2 = 0xFFFFFFFE, both little-endian.
    const f = decodeTensor({ shape: [1], dtype: 'float32', data: 'AADAPw==' });
    expect(Array.from(f.values)).toEqual([1.5]);
    const i = decodeTensor({ shape: [1], dtype: 'int32', data: '/v///w==' });
    expect(Array.from(i.values)).toEqual([-2]);
  });

  it('rejects data that does not fill the shape', () => {
    expect(() => decodeTensor({ shape: [2], dtype: 'float32', data: 'AADAPw==' })).toThrow(
      /4 bytes/,
    );
  });
});

describe('fixtures', () => {
  const cases = Object.values(FIXTURES).flatMap((f) => f.cases);

  it('are all present, with unique case names', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual([
      'activation',
      'conv',
      'indexing',
      'loss',
      'matmul',
      'norm',
      'normalization',
      'pad',
      'pool',
      'reduce',
      'resample',
      'transpose',
    ]);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('decode, and every gradient has the shape of its input', () => {
    for (const c of cases) {
      for (const t of [...Object.values(c.inputs), ...Object.values(c.outputs)])
        decodeTensor(t, c.name);
      for (const [k, t] of Object.entries(c.grads)) {
        const g = decodeTensor(t, c.name);
        if (k === 'dy') continue;
        const input = c.inputs[k.slice(1)];
        // A missing input has no shape, so this also fails for a gradient without its input.
        expect(input?.shape, `${c.name}: ${k}`).toEqual(g.shape);
      }
    }
  });

  it('use only ops that ops.ts maps to a Stride call', () => {
    const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !(op in OPS));
    expect(missing).toEqual([]);
    expect(GRADCHECKS.filter((g) => !(g.op in OPS)).map((g) => g.op)).toEqual([]);
  });
});

describe('error table', () => {
  it('has at least 45 cases with unique names per function', () => {
    expect(ERROR_CASES.length).toBeGreaterThanOrEqual(45);
    const names = ERROR_CASES.map((e) => `${e.fn}: ${e.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('compareTensors', () => {
  const expected = {
    shape: [3],
    dtype: 'float32' as const,
    values: Float32Array.from([1, -100, 0]),
  };

  it('allows 1e-5 relative plus 1e-5 of the largest magnitude', () => {
    const ok = Float32Array.from([1 + 1e-5 + 9e-4, -100, 9e-4]);
    expect(compareTensors('y', { shape: [3], dtype: 'float32', values: ok }, expected)).toBeNull();
    const bad = Float32Array.from([1, -100, 2e-3]);
    expect(compareTensors('y', { shape: [3], dtype: 'float32', values: bad }, expected)).toMatch(
      /y: 1 of 3 elements differ; worst at \[2\]/,
    );
  });

  it('treats NaN as a mismatch and compares integers exactly', () => {
    const nan = Float32Array.from([1, -100, Number.NaN]);
    expect(
      compareTensors('y', { shape: [3], dtype: 'float32', values: nan }, expected),
    ).not.toBeNull();
    const ints = { shape: [2], dtype: 'int32' as const, values: Int32Array.from([4, 5]) };
    expect(compareTensors('i', { shape: [2], dtype: 'int32', values: [4, 6] }, ints)).toMatch(
      /exact/,
    );
  });

  it('checks shape and dtype first', () => {
    expect(
      compareTensors('y', { shape: [1, 3], dtype: 'float32', values: [1, -100, 0] }, expected),
    ).toMatch(/shape \[1,3\], expected \[3\]/);
    expect(
      compareTensors('y', { shape: [3], dtype: 'float64', values: [1, -100, 0] }, expected),
    ).toMatch(/dtype float64, expected float32/);
  });
});
