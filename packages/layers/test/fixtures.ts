/**
 * Reading the PyTorch fixtures of scripts/make_fixtures.py (format: fixtures/README.md) and
 * comparing Stride's tensors with them.
 */
import { readFileSync } from 'node:fs';
import { type Tensor, tensor } from '@stride/core';
import { expect } from 'vitest';

export interface FixtureTensor {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  data: string;
}

export interface LayerCase {
  name: string;
  layer: string;
  args: unknown[];
  options: Record<string, unknown>;
  mode: 'train' | 'eval';
  state: Record<string, FixtureTensor>;
  inputs: Record<string, FixtureTensor>;
  outputs: { y: FixtureTensor };
  grads: {
    dy?: FixtureTensor;
    inputs: Record<string, FixtureTensor>;
    params: Record<string, FixtureTensor>;
  };
  stateAfter?: Record<string, FixtureTensor>;
}

export function loadCases(file: string): LayerCase[] {
  const url = new URL(`../fixtures/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: LayerCase[] }).cases;
}

/** The values of a fixture tensor (little-endian on disk; every supported host is too). */
export function values(t: FixtureTensor): Float32Array | Int32Array | Uint8Array {
  // A copy, so that the typed array starts at offset 0 of its own (aligned) buffer.
  const bytes = new Uint8Array(Buffer.from(t.data, 'base64'));
  if (t.dtype === 'float32') return new Float32Array(bytes.buffer);
  if (t.dtype === 'int32') return new Int32Array(bytes.buffer);
  return bytes;
}

/** A Stride tensor on the active backend. */
export function toTensor(t: FixtureTensor): Tensor {
  return tensor(values(t), { shape: t.shape, dtype: t.dtype });
}

/** Every fixture tensor of a record as Stride tensors. */
export function toTensors(record: Record<string, FixtureTensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toTensor(v)]));
}

/**
 * float32 against an exact reference rounded to float32: |a - e| <= atol + rtol |e| with
 * rtol 1e-5 and atol 1e-5 · max|e| (at least 1e-7), which absorbs float32 accumulation.
 */
export function expectClose(actual: Tensor, expected: FixtureTensor, what: string): void {
  expect([...actual.shape], `${what}: shape`).toEqual(expected.shape);
  const a = actual.dataSync();
  const e = values(expected);
  if (expected.dtype !== 'float32') {
    expect(Array.from(a), what).toEqual(Array.from(e));
    return;
  }
  let scale = 0;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  const atol = Math.max(1e-5 * scale, 1e-7);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < e.length; i++) {
    const excess =
      Math.abs((a[i] as number) - (e[i] as number)) - (atol + 1e-5 * Math.abs(e[i] as number));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess;
      worstAt = i;
    }
  }
  if (worstAt >= 0) {
    expect.fail(
      `${what}: element ${worstAt} is ${a[worstAt]}, expected ${e[worstAt]} (atol ${atol})`,
    );
  }
}
