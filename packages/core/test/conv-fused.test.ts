/**
 * conv2d with a bias, or with `activation: 'relu'`, through a backend's fused `convBias` and
 * `convBiasRelu` kernels gives bit for bit what conv followed by a broadcasting add and a relu
 * gives, gradients included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  conv1d,
  conv2d,
  conv3d,
  type DType,
  initBackend,
  memory,
  registerBackend,
  type Tensor,
  type TypedArray,
  tensor,
  traceOps,
} from '../src/index.js';
import { useCpu } from './setup.js';

let fusedCalls = 0;
let reluCalls = 0;

beforeAll(async () => {
  const base = cpu({ threads: 2 });
  const counting: Backend<TypedArray> = {
    ...base,
    name: 'cpu-conv-bias',
    convBias: (x, w, bias, params) => {
      fusedCalls++;
      return (base.convBias as NonNullable<typeof base.convBias>)(x, w, bias, params);
    },
    convBiasRelu: (x, w, bias, params) => {
      reluCalls++;
      return (base.convBiasRelu as NonNullable<typeof base.convBiasRelu>)(x, w, bias, params);
    },
  };
  const unfused: Backend<TypedArray> = {
    ...base,
    name: 'cpu-unfused',
    convBias: undefined,
    convBiasRelu: undefined,
  };
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

describe('conv with a fused bias and relu', () => {
  const cases: [string, number[], number[], Record<string, unknown>][] = [
    ['3×3 padding 1 (shifted views)', [2, 3, 9, 8], [4, 3, 3, 3], { padding: 1 }],
    ['5×5 stride 2 (phase planes)', [2, 3, 11, 11], [4, 3, 5, 5], { stride: 2, padding: 2 }],
    ['1×1 (the input as is)', [2, 5, 4, 4], [3, 5, 1, 1], {}],
    ['grouped', [1, 4, 6, 6], [6, 2, 3, 3], { groups: 2 }],
    ['dilated (im2col)', [2, 2, 3, 9, 8], [4, 2, 2, 3, 3], { dilation: 2 }],
  ];
  const variants: [string, boolean, Record<string, unknown>][] = [
    ['a bias', true, {}],
    ['relu', false, { activation: 'relu' }],
    ['a bias and relu', true, { activation: 'relu' }],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, xs, ws, options] of cases) {
      for (const [what, withBias, extra] of variants) {
        it(`${dtype} ${name}, ${what}: output and every gradient match the composed ops bit for bit`, () => {
          const results = ['cpu-conv-bias', 'cpu-unfused'].map((device) => {
            const size = (shape: number[]) => shape.reduce((a, b) => a * b);
            const x = on(device, values(size(xs), 1), dtype, xs, true);
            const w = on(device, values(size(ws), 2), dtype, ws, true);
            const b = on(device, values(ws[0] as number, 3), dtype, [ws[0] as number], true);
            const conv = xs.length === 5 ? conv3d : conv2d;
            const y = conv(x, w, { ...options, ...extra, bias: withBias ? b : null });
            y.mul(y.add(1)).sum().backward();
            const out = [bits(y), bits(x.grad), bits(w.grad), bits(withBias ? b.grad : null)];
            for (const t of [x, w, b, y]) t.dispose();
            return out;
          });
          expect(results[0]).toEqual(results[1]);
          // relu zeroed some outputs and kept others: the comparison saw both sides of it.
          if (extra.activation) {
            expect(results[0]?.[0]?.includes('0')).toBe(true);
            expect(results[0]?.[0]?.some((v) => Number(v) > 0)).toBe(true);
          }
        });
      }
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

describe("conv's activation option", () => {
  it('calls the fused relu kernel once per forward pass, with or without a bias', () => {
    const before = reluCalls;
    const x = on('cpu-conv-bias', values(2 * 3 * 10, 4), 'float32', [2, 3, 10], false);
    const w = on('cpu-conv-bias', values(4 * 3 * 3, 5), 'float32', [4, 3, 3], false);
    const b = on('cpu-conv-bias', values(4, 6), 'float32', [4], false);
    const ys = [
      conv1d(x, w, { bias: b, activation: 'relu' }),
      conv1d(x, w, { activation: 'relu' }),
    ];
    expect(reluCalls).toBe(before + 2);
    for (const t of [x, w, b, ...ys]) t.dispose();
  });

  it('keeps NaN and makes −0 +0, as relu does', () => {
    // One input channel, a 1-tap kernel of weight −1: the output is −x.
    const x = tensor(new Float32Array([Number.NaN, 0, 2, -3]), { shape: [1, 1, 4] });
    const w = tensor(new Float32Array([-1]), { shape: [1, 1, 1] });
    const got = conv1d(x, w, { activation: 'relu' }).dataSync();
    expect(Array.from(got, (v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual([
      'NaN',
      '0',
      '0',
      '3',
    ]);
  });

  it('records a convolution and a relu in a trace', () => {
    const x = tensor(new Float32Array(16), { shape: [1, 1, 4, 4] });
    const w = tensor(new Float32Array(4), { shape: [1, 1, 2, 2] });
    const ops: string[] = [];
    const before = memory().numTensors;
    const y = traceOps({ op: (r) => ops.push(r.op), created: () => {} }, () =>
      conv2d(x, w, { activation: 'relu' }),
    );
    expect(ops).toEqual(['conv', 'relu']);
    // The convolution's own output is freed: only the result is left.
    expect(memory().numTensors).toBe(before + 1);
    y.dispose();
  });

  it('refuses an activation it does not know, naming the option', () => {
    const x = tensor(new Float32Array(16), { shape: [1, 1, 4, 4] });
    const w = tensor(new Float32Array(4), { shape: [1, 1, 2, 2] });
    expect(() => conv2d(x, w, { activation: 'tanh' as 'relu' })).toThrow(
      "conv2d: option 'activation' must be 'relu', got 'tanh'",
    );
  });
});
