/**
 * Ops that use a backend's optional fused kernels give exactly what their composition of
 * ordinary kernels gives, and run that composition on backends without them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adamStep as adamKernel, reluBackward } from '../../backend-cpu/src/elementwise.js';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  adamStep,
  type Backend,
  type DType,
  initBackend,
  memory,
  registerBackend,
  relu,
  StrideError,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
} from '../src/index.js';
import { useCpu } from './setup.js';

/** Calls of each fused kernel, to prove the fused backend really took them. */
const calls = { reluBackward: 0, adamStep: 0 };

beforeAll(async () => {
  const fused: Backend<TypedArray> = {
    ...cpu({ kernels: 'js' }),
    name: 'cpu-fused',
    reluBackward: (dy, x) => {
      calls.reluBackward++;
      return reluBackward(dy, x);
    },
    adamStep: (base, grad, expAvg, expAvgSq, params) => {
      calls.adamStep++;
      return adamKernel(base, grad, expAvg, expAvgSq, params);
    },
  };
  registerBackend(fused);
  await initBackend('cpu-fused');
  await useCpu();
});

function values(n: number, seed: number, special = true): number[] {
  let s = seed;
  return Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = (s >>> 8) / 16777216;
    if (special && i % 11 === 0) return [0, -0, Number.NaN, 2][i % 4] as number;
    return r * 6 - 3;
  });
}

function on(device: string, v: number[], dtype: DType, shape: number[]): Tensor {
  const typed = dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v);
  return tensor(typed, { shape, dtype, device });
}

function bits(t: Tensor): number[] {
  const d = t.dataSync();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

describe('fused kernels', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`relu's gradient, ${dtype}`, () => {
      const grads = ['cpu', 'cpu-fused'].map((device) =>
        tidy(() => {
          const x = on(device, values(60, 1), dtype, [6, 10]);
          x.requiresGrad = true;
          const w = on(device, values(60, 2, false), dtype, [6, 10]);
          relu(x).mul(w).sum().backward();
          const g = bits(x.grad as Tensor);
          x.dispose();
          return g;
        }),
      );
      expect(grads[1]).toEqual(grads[0]);
      expect(calls.reluBackward).toBeGreaterThan(0);
    });

    it(`adamStep, ${dtype}`, () => {
      const h = {
        beta1: 0.9,
        beta2: 0.999,
        stepSize: 0.01 / (1 - 0.9 ** 2),
        biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** 2),
        eps: 1e-8,
      };
      const results = ['cpu', 'cpu-fused'].map((device) =>
        tidy(() => {
          const [p, g, m] = [1, 2, 3].map((s) => on(device, values(45, s), dtype, [9, 5]));
          const v = on(device, values(45, 4).map(Math.abs), dtype, [9, 5]);
          const before = memory().numTensors;
          const r = adamStep(p as Tensor, g as Tensor, m as Tensor, v, h);
          // Three results and nothing else, whichever path ran.
          expect(memory().numTensors).toBe(before + 3);
          expect(r.param.requiresGrad).toBe(false);
          return [r.param, r.expAvg, r.expAvgSq].map(bits);
        }),
      );
      expect(results[1]).toEqual(results[0]);
      expect(calls.adamStep).toBeGreaterThan(0);
    });
  }

  it('adamStep checks its arguments', () => {
    const h = { beta1: 0.9, beta2: 0.999, stepSize: 1, biasCorrection2Sqrt: 1, eps: 1e-8 };
    const a = tensor([1, 2, 3], { dtype: 'float32' });
    const b = tensor([1, 2], { dtype: 'float32' });
    expect(() => adamStep(a, a, b, a, h)).toThrow(
      new StrideError('adamStep', 'expAvg [2] float32 does not match base [3] float32'),
    );
    const i = tensor([1, 2, 3]);
    expect(() => adamStep(i, i, i, i, h)).toThrow(
      'adamStep: base must be a float tensor, got int32',
    );
    for (const t of [a, b, i]) t.dispose();
  });
});
