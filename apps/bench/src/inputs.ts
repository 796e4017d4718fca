/**
 * Seeded inputs, generated once per run and written to files that every runner (the Node
 * children and the Python worker alike) reads, so all of them compute on identical numbers.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashString, mulberry32 } from './rng.js';
import { convShapes, LENET_PARAMS, type Workload } from './workloads.js';

export type InputDType = 'float32' | 'int32';

/** One input as the job file describes it to a runner. */
export interface InputSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: InputDType;
  /** Raw little-endian values, no header. */
  readonly file: string;
}

export interface HostInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: InputDType;
  readonly data: Float32Array | Int32Array;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Uniform values in [lo, hi). */
function uniform(next: () => number, shape: readonly number[], lo: number, hi: number) {
  const data = new Float32Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * next();
  return data;
}

/** LeNet-5's parameters, drawn like PyTorch's default init: U(-1/√fanIn, 1/√fanIn). */
function lenetParams(next: () => number): HostInput[] {
  return LENET_PARAMS.map((p) => {
    const bound = 1 / Math.sqrt(p.fanIn);
    return {
      name: p.name,
      shape: p.shape,
      dtype: 'float32',
      data: uniform(next, p.shape, -bound, bound),
    };
  });
}

/** The inputs of one workload; the same seed and id always give the same values. */
export function generateInputs(w: Workload, seed: number): HostInput[] {
  const next = mulberry32(seed ^ hashString(w.id));
  const f32 = (name: string, shape: readonly number[], lo = -1, hi = 1): HostInput => ({
    name,
    shape,
    dtype: 'float32',
    data: uniform(next, shape, lo, hi),
  });
  switch (w.kind) {
    case 'matmul':
      return [f32('a', [w.m, w.k]), f32('b', [w.k, w.n])];
    case 'conv': {
      const s = convShapes(w.conv);
      // Weights scaled by 1/√fanIn keep outputs near 1, as in a trained network.
      const bound = 1 / Math.sqrt(w.conv.c * w.conv.k * w.conv.k);
      const weight = f32('w', s.w, -bound, bound);
      if (w.pass === 'forward') return [f32('x', s.x), weight];
      if (w.pass === 'input-grad') return [f32('dy', s.y), weight];
      return [f32('x', s.x), f32('dy', s.y)];
    }
    case 'max-pool':
      return [f32('x', w.x)];
    case 'lenet-train': {
      const x = f32('x', [w.batch, 1, 28, 28], 0, 1);
      const labels = new Int32Array(w.batch);
      for (let i = 0; i < labels.length; i++) labels[i] = Math.floor(next() * 10);
      const y: HostInput = { name: 'y', shape: [w.batch], dtype: 'int32', data: labels };
      return [x, y, ...lenetParams(next)];
    }
    case 'lenet-infer':
      return [f32('x', [w.batch, 1, 28, 28], 0, 1), ...lenetParams(next)];
    case 'adds':
      return [f32('a', [1, 1]), f32('b', [1, 1], 0, 1e-3)];
    case 'mnist-to-accuracy':
    case 'fma-ceiling':
      return [];
  }
}

/** Writes a workload's inputs under `dir/<workload id>/` and returns their descriptions. */
export function writeInputs(dir: string, w: Workload, inputs: readonly HostInput[]): InputSpec[] {
  const folder = join(dir, w.id);
  mkdirSync(folder, { recursive: true });
  return inputs.map((input) => {
    const file = join(folder, `${input.name}.bin`);
    writeFileSync(
      file,
      new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength),
    );
    return { name: input.name, shape: input.shape, dtype: input.dtype, file };
  });
}

/** Reads described inputs back, by name. */
export function readInputs(specs: readonly InputSpec[]): Map<string, HostInput> {
  const map = new Map<string, HostInput>();
  for (const s of specs) {
    const bytes = readFileSync(s.file);
    // A copy: a Buffer's offset into its pool need not be aligned for a typed array.
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const data = s.dtype === 'int32' ? new Int32Array(buffer) : new Float32Array(buffer);
    map.set(s.name, { name: s.name, shape: s.shape, dtype: s.dtype, data });
  }
  return map;
}

/** A float32 input by name; throws if the job lacks it. */
export function f32Input(
  inputs: Map<string, HostInput>,
  name: string,
): HostInput & {
  data: Float32Array;
} {
  const input = inputs.get(name);
  if (!input || !(input.data instanceof Float32Array)) {
    throw new Error(`missing float32 input '${name}'`);
  }
  return input as HostInput & { data: Float32Array };
}
