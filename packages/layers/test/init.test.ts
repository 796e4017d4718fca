/**
 * Initialisers: PyTorch's default initialisation of layers (U(-1/√fanIn, 1/√fanIn) for weights
 * and biases) and the `torch.nn.init` functions, on new tensors and on parameters in place.
 */
import {
  zeros as coreZeros,
  manualSeed,
  matmul,
  memory,
  randn,
  reshape,
  type Tensor,
  tensor,
  tidy,
  transpose,
} from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv1d,
  Conv2d,
  Conv3d,
  calculateGain,
  constant,
  fanIn,
  fanOut,
  init,
  kaimingNormal,
  kaimingUniform,
  Linear,
  type Module,
  normal,
  orthogonal,
  truncNormal,
  uniform,
  xavierNormal,
  xavierUniform,
} from '../src/index.js';
import { errorOf, must, useCpu } from './setup.js';

beforeAll(async () => {
  await useCpu();
  // Fixed draws: the statistical bounds below then hold on every run, not just almost surely.
  manualSeed(2024);
});

function expectUniform(t: Tensor, bound: number): void {
  const v = t.dataSync();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let sq = 0;
  for (const e of v) {
    min = Math.min(min, e);
    max = Math.max(max, e);
    sum += e;
    sq += e * e;
  }
  const n = v.length;
  const mean = sum / n;
  const variance = sq / n - mean * mean;
  expect(min).toBeGreaterThanOrEqual(-bound);
  expect(max).toBeLessThan(bound);
  // Loose enough never to fail by chance (several standard errors), tight enough to catch a
  // wrong fan-in (a factor of 3 for a 3-wide kernel).
  if (n >= 1000) {
    expect(min).toBeLessThan(-0.97 * bound);
    expect(max).toBeGreaterThan(0.97 * bound);
    expect(Math.abs(mean)).toBeLessThan((6 * bound) / Math.sqrt(3 * n));
    expect(variance / ((bound * bound) / 3)).toBeGreaterThan(0.9);
    expect(variance / ((bound * bound) / 3)).toBeLessThan(1.1);
  }
}

describe('default initialisation', () => {
  const cases: [string, () => Module & { weight: Tensor; bias: Tensor | null }, number][] = [
    ['Linear(300, 50)', () => new Linear(300, 50), 300],
    ['Conv1d(4, 64, 5)', () => new Conv1d(4, 64, 5), 20],
    ['Conv2d(16, 32, 3)', () => new Conv2d(16, 32, 3), 144],
    ['Conv2d(8, 64, 3, groups 4)', () => new Conv2d(8, 64, 3, { groups: 4 }), 18],
    ['Conv3d(2, 32, [3, 2, 2])', () => new Conv3d(2, 32, [3, 2, 2]), 24],
  ];
  for (const [name, make, fan] of cases) {
    it(`${name}: weights and bias in ±1/√${fan}`, () => {
      const layer = make();
      expect(fanIn(layer.weight.shape)).toBe(fan);
      expectUniform(layer.weight, 1 / Math.sqrt(fan));
      expectUniform(layer.bias as Tensor, 1 / Math.sqrt(fan));
      layer.dispose();
    });
  }

  it('kaimingUniform follows the gain of its slope (a = 0 gives √(6 / fanIn))', () => {
    const w = kaimingUniform([64, 50], 0);
    expectUniform(w, Math.sqrt(6 / 50));
    w.dispose();
  });

  it('is reproducible with manualSeed', () => {
    manualSeed(3);
    const a = new Conv2d(2, 4, 3);
    manualSeed(3);
    const b = new Conv2d(2, 4, 3);
    const c = new Conv2d(2, 4, 3);
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    expect(Array.from(must(a.bias).dataSync())).toEqual(Array.from(must(b.bias).dataSync()));
    expect(Array.from(a.weight.dataSync())).not.toEqual(Array.from(c.weight.dataSync()));
    for (const m of [a, b, c]) m.dispose();
  });

  it('BatchNorm starts at weight 1, bias 0, running mean 0, running var 1', () => {
    const bn = new BatchNorm2d(3);
    expect(Array.from(must(bn.weight).dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(must(bn.bias).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(must(bn.runningMean).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(must(bn.runningVar).dataSync())).toEqual([1, 1, 1]);
    expect(must(bn.numBatchesTracked).itemSync()).toBe(0);
    bn.dispose();
  });

  it('honours the dtype option', () => {
    const layer = new Linear(3, 2, { dtype: 'float64', bias: false });
    expect(layer.weight.dtype).toBe('float64');
    expect(layer.bias).toBeNull();
    expect(layer.parameters()).toHaveLength(1);
    layer.dispose();
  });
});

/** Mean and standard deviation of a tensor's values, with their extremes. */
function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.dataSync();
  let sum = 0;
  let sq = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const e of v) {
    sum += e;
    sq += e * e;
    min = Math.min(min, e);
    max = Math.max(max, e);
  }
  const mean = sum / v.length;
  return { mean, std: Math.sqrt(sq / v.length - mean * mean), min, max };
}

/**
 * Normal samples of N(mean, std²): the sample mean within 6 standard errors and the sample std
 * within 4% (more than 6 of its standard errors for the sizes here), which a fixed seed keeps
 * from ever failing by chance, while a wrong fan (a factor of 2 or more in the variance) fails.
 */
function expectNormal(t: Tensor, mean: number, std: number): void {
  const s = stats(t);
  const n = t.size;
  expect(n).toBeGreaterThanOrEqual(10_000);
  expect(Math.abs(s.mean - mean)).toBeLessThan((6 * std) / Math.sqrt(n));
  expect(s.std / std).toBeGreaterThan(0.96);
  expect(s.std / std).toBeLessThan(1.04);
  // Gaussian tails: beyond 3 std but (for these sizes) not beyond 6.
  expect(Math.max(s.max - mean, mean - s.min)).toBeGreaterThan(3 * std);
  expect(Math.max(s.max - mean, mean - s.min)).toBeLessThan(6 * std);
}

describe('torch.nn.init', () => {
  beforeAll(() => manualSeed(13));

  it('fans of linear and convolution weights, as PyTorch computes them', () => {
    expect([fanIn([50, 300]), fanOut([50, 300])]).toEqual([300, 50]);
    expect([fanIn([32, 16, 3, 3]), fanOut([32, 16, 3, 3])]).toEqual([144, 288]);
    // A grouped Conv2d(8, 64, 3, groups 4) weight is [64, 2, 3, 3].
    const grouped = new Conv2d(8, 64, 3, { groups: 4 });
    expect([fanIn(grouped.weight.shape), fanOut(grouped.weight.shape)]).toEqual([18, 576]);
    grouped.dispose();
    expect([fanIn([4, 2, 3, 2, 2]), fanOut([4, 2, 3, 2, 2])]).toEqual([24, 48]);
  });

  it('calculateGain', () => {
    for (const name of [
      'linear',
      'conv1d',
      'conv2d',
      'conv3d',
      'convTranspose2d',
      'sigmoid',
    ] as const) {
      expect(calculateGain(name)).toBe(1);
    }
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('relu')).toBe(Math.SQRT2);
    expect(calculateGain('selu')).toBe(0.75);
    expect(calculateGain('leakyRelu')).toBe(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(calculateGain('leakyRelu', 0.2)).toBe(Math.sqrt(2 / 1.04));
    expect(calculateGain('leakyRelu', 0)).toBe(Math.SQRT2);
  });

  it('kaimingNormal: std gain/√fan, fan-in or fan-out', () => {
    const w = kaimingNormal([256, 128]);
    expectNormal(w, 0, Math.SQRT2 / Math.sqrt(128));
    const c = kaimingNormal([128, 16, 3, 3], 0, { mode: 'fanOut', nonlinearity: 'relu' });
    expectNormal(c, 0, Math.SQRT2 / Math.sqrt(128 * 9));
    const l = kaimingNormal([200, 100], 0.5, { nonlinearity: 'leakyRelu' });
    expectNormal(l, 0, Math.sqrt(2 / 1.25) / 10);
    for (const t of [w, c, l]) t.dispose();
  });

  it('kaimingUniform: bound √3 · gain/√fan; a = √5 is the layers’ default', () => {
    const w = kaimingUniform([64, 50], 0);
    expectUniform(w, Math.sqrt(6 / 50));
    const c = kaimingUniform([40, 10, 5, 5], 0, { mode: 'fanOut', nonlinearity: 'tanh' });
    expectUniform(c, (5 / 3) * Math.sqrt(3 / 1000));
    const d = kaimingUniform([100, 300], Math.sqrt(5));
    expectUniform(d, 1 / Math.sqrt(300));
    for (const t of [w, c, d]) t.dispose();
  });

  it('xavierUniform and xavierNormal: gain · √(2 / (fanIn + fanOut))', () => {
    const u = xavierUniform([300, 200]);
    expectUniform(u, Math.sqrt(6 / 500));
    const n = xavierNormal([64, 32, 3, 3], 2);
    expectNormal(n, 0, 2 * Math.sqrt(2 / (288 + 576)));
    u.dispose();
    n.dispose();
  });

  it('normal, uniform, constant, zeros and ones', () => {
    const n = normal([100, 200], 1, 0.5);
    expectNormal(n, 1, 0.5);
    const u = uniform([100, 200]);
    const s = stats(u);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThan(1);
    expect(Math.abs(s.mean - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / 20_000));
    expect(Array.from(constant([2, 2], -0.25).dataSync())).toEqual([-0.25, -0.25, -0.25, -0.25]);
    expect(Array.from(init.zeros([3]).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(init.ones([3], { dtype: 'float64' }).dataSync())).toEqual([1, 1, 1]);
    expect(init.ones([3], { dtype: 'float64' }).dtype).toBe('float64');
    for (const t of [n, u]) t.dispose();
  });

  /** Mean and std of N(mean, std²) truncated to [a, b], by Simpson's rule on the density. */
  function truncatedMoments(mean: number, std: number, a: number, b: number) {
    const steps = 20_000;
    const h = (b - a) / steps;
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i <= steps; i++) {
      const x = a + i * h;
      const w =
        (i === 0 || i === steps ? 1 : i % 2 ? 4 : 2) * Math.exp(-0.5 * ((x - mean) / std) ** 2);
      m0 += w;
      m1 += w * x;
      m2 += w * x * x;
    }
    const mu = m1 / m0;
    return { mean: mu, std: Math.sqrt(m2 / m0 - mu * mu) };
  }

  for (const dtype of ['float32', 'float64'] as const) {
    it(`truncNormal (${dtype}): within [a, b], with the truncated distribution's mean and std`, () => {
      for (const [mean, std, a, b] of [
        [0, 1, -2, 2],
        [0.5, 2, -1, 3],
        [0, 0.02, -0.04, 0.04],
      ] as const) {
        const t = truncNormal([200, 100], mean, std, a, b, { dtype });
        expect(t.dtype).toBe(dtype);
        const s = stats(t);
        const want = truncatedMoments(mean, std, a, b);
        expect(s.min).toBeGreaterThanOrEqual(a);
        expect(s.max).toBeLessThanOrEqual(b);
        // Both ends are reached (within 1% of the range), so the truncation is not narrower.
        expect(s.min).toBeLessThan(a + 0.01 * (b - a));
        expect(s.max).toBeGreaterThan(b - 0.01 * (b - a));
        expect(Math.abs(s.mean - want.mean)).toBeLessThan((6 * want.std) / Math.sqrt(t.size));
        expect(s.std / want.std).toBeGreaterThan(0.97);
        expect(s.std / want.std).toBeLessThan(1.03);
        t.dispose();
      }
    });
  }

  /** max |WᵀW - gain² I| over the Gram matrix of the columns (or rows, for a wide matrix). */
  function gramError(w: Tensor, gain = 1): number {
    const rows = w.shape[0] as number;
    const cols = w.size / rows;
    const g = tidy(() => {
      const m = reshape(w, [rows, cols]);
      return rows >= cols ? matmul(transpose(m), m) : matmul(m, transpose(m));
    });
    const n = Math.min(rows, cols);
    const v = g.dataSync();
    g.dispose();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        worst = Math.max(worst, Math.abs((v[i * n + j] as number) - (i === j ? gain * gain : 0)));
      }
    }
    return worst;
  }

  it('orthogonal: orthonormal columns (tall), rows (wide) or both (square), times gain', () => {
    for (const shape of [
      [64, 32],
      [32, 64],
      [50, 50],
      [16, 8, 3, 3],
      [3, 1],
    ]) {
      const w = orthogonal(shape);
      expect(w.shape).toEqual(shape);
      expect(gramError(w)).toBeLessThan(1e-5);
      w.dispose();
    }
    const g = orthogonal([40, 20], 2);
    expect(gramError(g, 2)).toBeLessThan(4e-5);
    g.dispose();
  });

  it("orthogonal is the Q of the normal matrix it draws, with R's diagonal positive (PyTorch's sign fix)", () => {
    for (const [rows, cols] of [
      [6, 4],
      [4, 6],
    ] as const) {
      manualSeed(99);
      const a = randn([rows, cols], { dtype: 'float64' });
      manualSeed(99);
      const q = orthogonal([rows, cols], 1, { dtype: 'float64' });
      // A = QR for a tall matrix, Aᵀ = QᵀR for a wide one: R = QᵀA (or QAᵀ) must be upper
      // triangular with a positive diagonal.
      const r = rows >= cols ? matmul(transpose(q), a) : matmul(q, transpose(a));
      const n = Math.min(rows, cols);
      const v = r.arraySync() as number[][];
      for (let i = 0; i < n; i++) {
        expect(v[i]?.[i]).toBeGreaterThan(0);
        for (let j = 0; j < i; j++) expect(Math.abs(v[i]?.[j] as number)).toBeLessThan(1e-12);
      }
      expect(gramError(q)).toBeLessThan(1e-12);
    }
  });

  it('fill a parameter in place and return it: same tensor, its dtype, no gradient history, no leak', () => {
    const layer = new Linear(64, 32, { dtype: 'float64' });
    const before = memory();
    const w = layer.weight;
    expect(kaimingNormal(w, 0, { nonlinearity: 'relu' })).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(w.requiresGrad).toBe(true);
    expect(w.isLeaf).toBe(true);
    const s = stats(w);
    expect(s.std).toBeGreaterThan(0.1);
    expect(s.std).toBeLessThan(0.4);
    expect(orthogonal(w)).toBe(w);
    expect(gramError(w)).toBeLessThan(1e-12);
    expect(init.zeros(must(layer.bias))).toBe(layer.bias);
    expect(Array.from(must(layer.bias).dataSync()).every((v) => v === 0)).toBe(true);
    for (const f of [xavierUniform, xavierNormal, kaimingUniform]) f(w);
    truncNormal(w, 0, 0.02, -0.04, 0.04);
    normal(w);
    uniform(w, -1, 1);
    constant(w, 3);
    expect(Array.from(w.dataSync()).every((v) => v === 3)).toBe(true);
    expect(memory()).toEqual(before);
    layer.dispose();
  });

  it('is reproducible with manualSeed', () => {
    for (const make of [
      () => xavierNormal([8, 8]),
      () => truncNormal([8, 8]),
      () => orthogonal([8, 4]),
      () => kaimingUniform([8, 8]),
    ]) {
      manualSeed(7);
      const a = make();
      manualSeed(7);
      const b = make();
      const c = make();
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
      for (const t of [a, b, c]) t.dispose();
    }
  });

  it('leave a tensor with no elements as it is', () => {
    const empty = coreZeros([0, 3]);
    expect(orthogonal(empty)).toBe(empty);
    expect(kaimingNormal(empty).shape).toEqual([0, 3]);
    expect(orthogonal([0, 3]).shape).toEqual([0, 3]);
    empty.dispose();
  });

  it('reject bad arguments', () => {
    const w = coreZeros([2, 2]);
    const gone = coreZeros([2]);
    gone.dispose();
    const cases: [() => unknown, string][] = [
      [
        () => kaimingNormal([3]),
        'kaimingNormal: shape must be an array of at least 2 integers ≥ 0 ([out, in, ...kernel]), got [3]',
      ],
      [
        () => xavierUniform(coreZeros([3])),
        'xavierUniform: tensor must have at least 2 dims ([out, in, ...kernel]) to have fans, got a tensor [3]',
      ],
      [
        () => kaimingNormal([2, 2], 0, { mode: 'fan_in' as 'fanIn' }),
        "kaimingNormal: option 'mode' must be one of 'fanIn', 'fanOut', got 'fan_in' (did you mean 'fanIn'?)",
      ],
      [
        () => kaimingUniform([2, 2], 0, { nonlinearity: 'leaky_relu' as 'leakyRelu' }),
        "kaimingUniform: option 'nonlinearity' must be one of 'linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu', got 'leaky_relu' (did you mean 'leakyRelu'?)",
      ],
      [
        () => calculateGain('gelu' as 'relu'),
        "calculateGain: nonlinearity must be one of 'linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'selu', got 'gelu'",
      ],
      [
        () => calculateGain('leakyRelu', Number.NaN),
        'calculateGain: param must be a number, got NaN',
      ],
      [
        () => xavierNormal(w, 1, { dtype: 'float64' }),
        "xavierNormal: option 'dtype' goes with a shape; a tensor keeps its own (tensor [2,2] float32 on 'cpu')",
      ],
      [
        () => normal(w, 0, 1, { device: 'cpu' }),
        "normal: option 'device' goes with a shape; a tensor keeps its own (tensor [2,2] float32 on 'cpu')",
      ],
      [() => normal([2], 0, -1), 'normal: std must be a number ≥ 0, got -1'],
      [() => truncNormal([2], 0, 0), 'truncNormal: std must be a number > 0, got 0'],
      [() => truncNormal([2], 0, 1, 2, -2), 'truncNormal: a must be less than b, got a 2 and b -2'],
      [
        () => truncNormal([2], 0, 1, Number.NEGATIVE_INFINITY, 2),
        'truncNormal: a must be a number, got -Infinity',
      ],
      [() => orthogonal([5]), 'orthogonal: needs at least 2 dims ([rows, ...]), got shape [5]'],
      [
        () => orthogonal(coreZeros([5])),
        'orthogonal: needs at least 2 dims ([rows, ...]), got tensor [5]',
      ],
      [() => orthogonal(w, Number.NaN), 'orthogonal: gain must be a number, got NaN'],
      [() => init.zeros('abc' as never), "zeros: target must be a shape or a tensor, got 'abc'"],
      [
        () => init.ones(tensor([1, 2], { dtype: 'int32' })),
        'ones: tensor must be float32 or float64, got int32',
      ],
      [() => uniform(gone), 'uniform: tensor [2] was disposed'],
      [() => constant([2], Number.NaN), 'constant: value must be a number, got NaN'],
      [
        () => init.zeros([2], { dtype: 'int32' } as never),
        "zeros: option 'dtype' must be one of 'float32', 'float64', got 'int32'",
      ],
    ];
    for (const [run, message] of cases) expect(errorOf(run)).toBe(message);
    w.dispose();
  });
});
