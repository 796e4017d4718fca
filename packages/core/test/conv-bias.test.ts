/**
 * conv2d with a bias through a backend's fused `convBias` kernel gives bit for bit what conv
 * followed by a broadcasting add gives, gradients included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  conv1d,
  conv2d,
  type DType,
  initBackend,
  registerBackend,
  type Tensor,
  type TypedArray,
  tensor,
} from '../src/index.js';
import { useCpu } from './setup.js';

let fusedCalls = 0;

beforeAll(async () => {
  const base = cpu({ threads: 2 });
  const counting: Backend<TypedArray> = {
    ...base,
    name: 'cpu-conv-bias',
    convBias: (x, w, bias, params) => {
      fusedCalls++;
      return (base.convBias as NonNullable<typeof base.convBias>)(x, w, bias, params);
    },
  };
  const unfused: Backend<TypedArray> = { ...base, name: 'cpu-unfused', convBias: undefined };
  registerBackend(counting);
  registerBackend(unfused);
  await initBackend('cpu-conv-bias');
  await initBackend('cpu-unfused');
  await useCpu();
});

function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Zeros of both signs among them: a fused add must still turn −0 + 0 into +0.
    if (i % 13 === 0) return i % 2 === 0 ? 0 : -0;
    return ((s >>> 8) / 16777216) * 4 - 2;
  });
}

function on(device: string, v: number[], dtype: DType, shape: number[], grad: boolean): Tensor {
  const typed = dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v);
  const t = tensor(typed, { shape, dtype, device });
  t.requiresGrad = grad;
  return t;
}

const bits = (t: Tensor | null): string[] =>
  Array.from(t?.dataSync() ?? [], (v) => (Object.is(v, -0) ? '-0' : String(v)));

describe('conv with a fused bias', () => {
  const cases: [string, number[], number[], Record<string, unknown>][] = [
    ['3×3 padding 1 (shifted views)', [2, 3, 9, 8], [4, 3, 3, 3], { padding: 1 }],
    ['5×5 stride 2 (im2col)', [2, 3, 11, 11], [4, 3, 5, 5], { stride: 2, padding: 2 }],
    ['1×1 (the input as is)', [2, 5, 4, 4], [3, 5, 1, 1], {}],
    ['grouped', [1, 4, 6, 6], [6, 2, 3, 3], { groups: 2 }],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, xs, ws, options] of cases) {
      it(`${dtype} ${name}: output and every gradient match conv + add bit for bit`, () => {
        const results = ['cpu-conv-bias', 'cpu-unfused'].map((device) => {
          const x = on(
            device,
            values(
              xs.reduce((a, b) => a * b),
              1,
            ),
            dtype,
            xs,
            true,
          );
          const w = on(
            device,
            values(
              ws.reduce((a, b) => a * b),
              2,
            ),
            dtype,
            ws,
            true,
          );
          const b = on(device, values(ws[0] as number, 3), dtype, [ws[0] as number], true);
          const y = conv2d(x, w, { ...options, bias: b });
          y.mul(y).sum().backward();
          const out = [bits(y), bits(x.grad), bits(w.grad), bits(b.grad)];
          for (const t of [x, w, b, y]) t.dispose();
          return out;
        });
        expect(results[0]).toEqual(results[1]);
      });
    }
  }

  it('is what the fused backend calls, once per forward pass', () => {
    const before = fusedCalls;
    const x = on('cpu-conv-bias', values(2 * 3 * 10, 4), 'float32', [2, 3, 10], false);
    const w = on('cpu-conv-bias', values(4 * 3 * 3, 5), 'float32', [4, 3, 3], false);
    const b = on('cpu-conv-bias', values(4, 6), 'float32', [4], true);
    const y = conv1d(x, w, { bias: b });
    expect(fusedCalls).toBe(before + 1);
    // Only the bias asks for a gradient: dy summed over batch and positions.
    y.sum().backward();
    expect(Array.from(b.grad?.dataSync() ?? [])).toEqual([16, 16, 16, 16]);
    for (const t of [x, w, b, y]) t.dispose();
  });
});
