/**
 * `crossEntropy` of class indices takes the backend's fused kernels when it has them, and gives
 * what the composite of log-softmax, gather and masks gives on a backend without them: the same
 * losses and gradients (up to the order of float sums), the same checks, and no leak.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpu } from '../../backend-cpu/src/index.js';
import {
  type Backend,
  crossEntropy,
  type DType,
  gradcheck,
  initBackend,
  memory,
  randn,
  registerBackend,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
} from '../src/index.js';
import { useCpu } from './setup.js';

const calls = { forward: 0, backward: 0 };

beforeAll(async () => {
  const base = cpu({ kernels: 'js' });
  const composite: Backend<TypedArray> = { ...base, name: 'cpu-composite' };
  delete composite.crossEntropy;
  delete composite.crossEntropyBackward;
  const forward = base.crossEntropy as NonNullable<typeof base.crossEntropy>;
  const backward = base.crossEntropyBackward as NonNullable<typeof base.crossEntropyBackward>;
  const counted: Backend<TypedArray> = {
    ...base,
    name: 'cpu-counted',
    crossEntropy: (x, t, p) => {
      calls.forward++;
      return forward(x, t, p);
    },
    crossEntropyBackward: (dy, x, t, p) => {
      calls.backward++;
      return backward(dy, x, t, p);
    },
  };
  registerBackend(composite);
  registerBackend(counted);
  await initBackend('cpu-composite');
  await initBackend('cpu-counted');
  await useCpu();
});

function logits(device: string, shape: number[], dtype: DType, seed: number): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // One large row, so that taking out the maximum matters.
    return ((s >>> 8) / 16777216) * 6 - 3 + (i < (shape[shape.length - 1] ?? 1) ? 80 : 0);
  });
  return tensor(dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v), {
    shape,
    dtype,
    device,
    requiresGrad: true,
  });
}

interface Case {
  name: string;
  shape: number[];
  target: number[];
  opts: Parameters<typeof crossEntropy>[2];
}

const CASES: Case[] = [
  { name: 'mean', shape: [5, 4], target: [3, 0, 2, 1, 2], opts: {} },
  { name: 'sum', shape: [5, 4], target: [3, 0, 2, 1, 2], opts: { reduction: 'sum' } },
  { name: 'none', shape: [5, 4], target: [3, 0, 2, 1, 2], opts: { reduction: 'none' } },
  { name: 'ignoreIndex', shape: [5, 4], target: [3, -1, 2, -1, 2], opts: { ignoreIndex: -1 } },
  {
    name: 'ignoreIndex inside the classes, none',
    shape: [5, 4],
    target: [3, 1, 2, 1, 0],
    opts: { ignoreIndex: 1, reduction: 'none' },
  },
  {
    name: 'label smoothing and ignoreIndex, sum',
    shape: [5, 4],
    target: [3, 0, -100, 1, 2],
    opts: { labelSmoothing: 0.2, reduction: 'sum' },
  },
  {
    name: 'label smoothing, mean',
    shape: [5, 4],
    target: [3, 0, 2, 1, 2],
    opts: { labelSmoothing: 0.1 },
  },
  { name: 'unbatched [C]', shape: [4], target: [2], opts: {} },
  { name: 'unbatched, none', shape: [4], target: [2], opts: { reduction: 'none' } },
];

/** Loss and gradient of one case on `device`, as plain numbers. */
function run(
  device: string,
  c: Case,
  dtype: DType,
): { loss: number[]; grad: number[]; shape: number[] } {
  return tidy(() => {
    const x = logits(device, c.shape, dtype, 7);
    const target = tensor(Int32Array.from(c.target), {
      dtype: 'int32',
      shape: c.shape.length === 1 ? [] : [c.target.length],
      device,
    });
    const loss = crossEntropy(x, target, c.opts);
    loss.sum().backward();
    const out = {
      loss: Array.from(loss.dataSync()),
      grad: Array.from((x.grad as Tensor).dataSync()),
      shape: [...loss.shape],
    };
    x.dispose();
    return out;
  });
}

function expectClose(got: number[], want: number[], rtol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i] as number;
    if (Number.isNaN(w)) expect(g).toBeNaN();
    else expect(Math.abs(g - w)).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(w)));
  });
}

describe('crossEntropy through the fused kernels', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const c of CASES) {
      it(`${c.name}, ${dtype}: the composite's loss and gradient`, () => {
        const before = { ...calls };
        const fused = run('cpu-counted', c, dtype);
        expect(calls.forward).toBe(before.forward + 1);
        expect(calls.backward).toBe(before.backward + 1);
        const composite = run('cpu-composite', c, dtype);
        expect(fused.shape).toEqual(composite.shape);
        const rtol = dtype === 'float32' ? 2e-6 : 1e-12;
        expectClose(fused.loss, composite.loss, rtol);
        expectClose(fused.grad, composite.grad, rtol);
      });
    }
  }

  it('every row ignored: NaN for mean, 0 for sum, zero gradients, as the composite', () => {
    for (const reduction of ['mean', 'sum'] as const) {
      const c: Case = {
        name: '',
        shape: [3, 4],
        target: [5, 5, 5],
        opts: { ignoreIndex: 5, reduction },
      };
      const fused = run('cpu-counted', c, 'float32');
      const composite = run('cpu-composite', c, 'float32');
      expectClose(fused.loss, composite.loss, 0);
      expect(fused.grad).toEqual(new Array(12).fill(0));
      expect(composite.grad).toEqual(new Array(12).fill(0));
    }
  });

  it('class weights and rank-3 logits take the composite', () => {
    const before = { ...calls };
    tidy(() => {
      const x = randn([2, 3, 4], { device: 'cpu-counted' });
      const t = tensor(
        [
          [0, 1, 2, 0],
          [2, 2, 1, 0],
        ],
        { dtype: 'int32', device: 'cpu-counted' },
      );
      crossEntropy(x, t);
      const y = randn([2, 3], { device: 'cpu-counted' });
      const w = tensor([1, 2, 3], { dtype: 'float32', device: 'cpu-counted' });
      crossEntropy(y, tensor([0, 2], { dtype: 'int32', device: 'cpu-counted' }), { weight: w });
    });
    expect(calls).toEqual(before);
  });

  it('a target out of range is refused as by the composite', () => {
    for (const device of ['cpu-counted', 'cpu-composite']) {
      tidy(() => {
        const x = randn([2, 3], { device });
        const t = tensor([0, 3], { dtype: 'int32', device });
        expect(() => crossEntropy(x, t)).toThrow(
          'crossEntropy: target holds 3, out of range for size 3 (the number of classes; ignoreIndex is -100)',
        );
      });
    }
  });

  it('passes a float64 gradcheck, with smoothing and an ignored row', async () => {
    const t = tensor([1, 0, -100, 2], { dtype: 'int32', device: 'cpu-counted' });
    const x = randn([4, 3], { dtype: 'float64', device: 'cpu-counted', requiresGrad: true });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      expect(
        (await gradcheck((l) => crossEntropy(l, t, { labelSmoothing: 0.3, reduction }), [x])).ok,
      ).toBe(true);
    }
    x.dispose();
    t.dispose();
  });

  it('leaves nothing behind over repeated steps', () => {
    const x = logits('cpu-counted', [8, 10], 'float32', 3);
    const t = tensor([0, 1, 2, 3, 4, 5, 6, 7], { dtype: 'int32', device: 'cpu-counted' });
    const step = () =>
      tidy(() => {
        crossEntropy(x, t).backward();
        x.grad?.dispose();
        x.grad = null;
      });
    step();
    const before = memory();
    for (let i = 0; i < 5; i++) step();
    expect(memory().numTensors).toBe(before.numTensors);
    x.dispose();
    t.dispose();
  });
});
