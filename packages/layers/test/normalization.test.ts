/**
 * LayerNorm, GroupNorm, InstanceNorm1d/2d/3d, Dropout1d/2d/3d and AdaptiveMaxPool1d/2d/3d as
 * modules: PyTorch's state-dict names and default values, train and eval, unbatched inputs,
 * their printed form and their errors. Values and gradients against PyTorch are in
 * fixtures/normalization.json (fixtures.test.ts).
 */
import {
  adaptiveMaxPool2d,
  instanceNorm,
  manualSeed,
  memory,
  randn,
  type Tensor,
  tidy,
  zeros,
} from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  Dropout1d,
  Dropout2d,
  Dropout3d,
  GroupNorm,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  LayerNorm,
  type Module,
  Sequential,
  summary,
} from '../src/index.js';
import { errorOf, must, useCpu } from './setup.js';

beforeAll(useCpu);

/** A module's state dict as key -> [shape, first value], disposing what it read. */
function stateOf(m: Module): Record<string, [number[], number]> {
  return tidy(() =>
    Object.fromEntries(
      Object.entries(m.stateDict()).map(([k, t]) => [k, [[...t.shape], t.dataSync()[0] as number]]),
    ),
  );
}

describe("PyTorch's state-dict names and initial values", () => {
  it('LayerNorm: weight (ones) and bias (zeros) of normalizedShape, none without affine', () => {
    expect(stateOf(new LayerNorm([3, 4]))).toEqual({ weight: [[3, 4], 1], bias: [[3, 4], 0] });
    expect(stateOf(new LayerNorm(5))).toEqual({ weight: [[5], 1], bias: [[5], 0] });
    expect(stateOf(new LayerNorm(5, { elementwiseAffine: false }))).toEqual({});
  });

  it('GroupNorm: per-channel weight and bias, none without affine', () => {
    expect(stateOf(new GroupNorm(2, 6))).toEqual({ weight: [[6], 1], bias: [[6], 0] });
    expect(stateOf(new GroupNorm(2, 6, { affine: false }))).toEqual({});
  });

  it('InstanceNorm: nothing by default; affine parameters and BatchNorm-like buffers on request', () => {
    expect(stateOf(new InstanceNorm2d(3))).toEqual({});
    expect(stateOf(new InstanceNorm1d(3, { affine: true, trackRunningStats: true }))).toEqual({
      weight: [[3], 1],
      bias: [[3], 0],
      running_mean: [[3], 0],
      running_var: [[3], 1],
      num_batches_tracked: [[], 0],
    });
    expect(Object.keys(stateOf(new InstanceNorm3d(2, { trackRunningStats: true })))).toEqual([
      'running_mean',
      'running_var',
      'num_batches_tracked',
    ]);
  });

  it('dropout and adaptive max pooling have no state', () => {
    for (const m of [new Dropout2d(), new AdaptiveMaxPool2d(2)]) expect(stateOf(m)).toEqual({});
  });
});

describe('InstanceNorm train and eval', () => {
  it('tracks running statistics in training, uses them in eval, and never counts batches', () => {
    const norm = new InstanceNorm2d(2, { trackRunningStats: true, momentum: 0.5 });
    const x = randn([3, 2, 4, 4], { seed: 1 });
    const expected = instanceNorm(x, {
      runningMean: must(norm.runningMean).clone(),
      runningVar: must(norm.runningVar).clone(),
      momentum: 0.5,
    });
    const trained = norm.forward(x);
    expect(Array.from(trained.dataSync())).toEqual(Array.from(expected.output.dataSync()));
    expect(Array.from(must(norm.runningMean).dataSync())).toEqual(
      Array.from(must(expected.runningMean).dataSync()),
    );
    expect(Array.from(must(norm.runningVar).dataSync())).toEqual(
      Array.from(must(expected.runningVar).dataSync()),
    );
    expect(must(norm.numBatchesTracked).dataSync()[0]).toBe(0);
    norm.eval();
    const evaluated = norm.forward(x);
    const withRunning = instanceNorm(x, {
      runningMean: must(norm.runningMean),
      runningVar: must(norm.runningVar),
      useInputStats: false,
    });
    expect(Array.from(evaluated.dataSync())).toEqual(Array.from(withRunning.output.dataSync()));
  });

  it('without running statistics, eval normalises each instance as training does', () => {
    const norm = new InstanceNorm1d(3, { affine: true });
    const x = randn([2, 3, 5], { seed: 2 });
    const a = Array.from(norm.forward(x).dataSync());
    norm.eval();
    expect(Array.from(norm.forward(x).dataSync())).toEqual(a);
  });

  it('takes an unbatched input as a batch of one', () => {
    const norm = new InstanceNorm1d(3, { trackRunningStats: true });
    const x = randn([3, 6], { seed: 3 });
    const y = norm.forward(x);
    expect(y.shape).toEqual([3, 6]);
    const again = new InstanceNorm1d(3, { trackRunningStats: true });
    const batched = again.forward(x.reshape([1, 3, 6]));
    expect(Array.from(y.dataSync())).toEqual(Array.from(batched.dataSync()));
    expect(Array.from(must(norm.runningVar).dataSync())).toEqual(
      Array.from(must(again.runningVar).dataSync()),
    );
  });

  it('leaves nothing behind per training step', () => {
    const norm = new InstanceNorm2d(2, { affine: true, trackRunningStats: true });
    const x = randn([2, 2, 3, 3], { seed: 4 });
    const step = () =>
      tidy(() => {
        norm.forward(x).sum().backward();
      });
    step();
    for (const p of norm.parameters()) p.grad = null;
    const before = memory().numTensors;
    step();
    for (const p of norm.parameters()) p.grad = null;
    expect(memory().numTensors).toBe(before);
  });
});

describe('Dropout1d, Dropout2d, Dropout3d', () => {
  it('drop whole channels in training and pass the input through in eval', () => {
    for (const [drop, shape] of [
      [new Dropout1d(0.5), [4, 6, 5]],
      [new Dropout2d(0.5), [4, 6, 2, 3]],
      [new Dropout3d(0.5), [4, 6, 2, 1, 3]],
    ] as const) {
      manualSeed(5);
      const x = randn([...shape])
        .abs()
        .add(1);
      const y = Array.from(drop.forward(x).dataSync());
      const per = shape.slice(2).reduce((a: number, d: number) => a * d, 1);
      const zeroChannels = new Set<number>();
      y.forEach((v, i) => {
        if (v === 0) zeroChannels.add(Math.floor(i / per));
      });
      // Every value of a dropped channel is zero, none of a kept one (x is at least 1).
      expect(y.filter((v) => v === 0).length).toBe(zeroChannels.size * per);
      expect(zeroChannels.size).toBeGreaterThan(0);
      drop.eval();
      expect(Array.from(drop.forward(x).dataSync())).toEqual(Array.from(x.dataSync()));
    }
  });

  it('print their p and refuse a bad one', () => {
    expect(new Dropout2d(0.25).toString()).toBe('Dropout2d(p=0.25)');
    expect(errorOf(() => new Dropout1d(2))).toBe(
      'Dropout1d: p must be a number ≥ 0 and ≤ 1, got 2',
    );
    expect(errorOf(() => new Dropout3d({ p: 0.2 } as never))).toBe(
      'Dropout3d: p must be a number ≥ 0 and ≤ 1, got an object',
    );
  });
});

describe('AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d', () => {
  it('pool to their output size as core does, batched or not', () => {
    const x = randn([2, 3, 7, 9], { seed: 6 });
    const y = new AdaptiveMaxPool2d([3, null]).forward(x);
    expect(y.shape).toEqual([2, 3, 3, 9]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(adaptiveMaxPool2d(x, [3, 9]).dataSync()));
    expect(new AdaptiveMaxPool1d(4).forward(randn([3, 10], { seed: 7 })).shape).toEqual([3, 4]);
    expect(new AdaptiveMaxPool3d(2).forward(randn([1, 2, 5, 4, 3], { seed: 8 })).shape).toEqual([
      1, 2, 2, 2, 2,
    ]);
  });

  it('report their windows to summary like adaptive average pooling', () => {
    const rows = summary(new Sequential(new AdaptiveMaxPool2d(2)), [1, 3, 8, 8]).rows;
    expect(rows.map((r) => [r.type, r.outputShape, r.flops])).toEqual([
      ['AdaptiveMaxPool2d', [1, 3, 2, 2], 12 * 16],
    ]);
  });

  it('refuse a bad output size', () => {
    expect(errorOf(() => new AdaptiveMaxPool2d([2]))).toBe(
      'AdaptiveMaxPool2d: outputSize must be an integer ≥ 1 (or null) or an array of 2 of them, got [2]',
    );
  });
});

describe('printed form', () => {
  it('shows the constructor arguments', () => {
    expect(new LayerNorm([3, 4]).toString()).toBe(
      'LayerNorm([3,4], eps=0.00001, elementwiseAffine=true)',
    );
    expect(new GroupNorm(2, 6, { eps: 1e-3 }).toString()).toBe(
      'GroupNorm(2, 6, eps=0.001, affine=true)',
    );
    expect(new InstanceNorm2d(3).toString()).toBe(
      'InstanceNorm2d(3, eps=0.00001, momentum=0.1, affine=false, trackRunningStats=false)',
    );
    expect(new AdaptiveMaxPool3d([1, null, 2]).toString()).toBe(
      'AdaptiveMaxPool3d(outputSize=[1,null,2])',
    );
  });
});

describe('errors', () => {
  it('name the layer, the argument and the shapes', () => {
    expect(errorOf(() => new LayerNorm([]))).toBe(
      'LayerNorm: normalizedShape must be an integer ≥ 1 or a non-empty array of them, got []',
    );
    expect(errorOf(() => new LayerNorm(4, { elementwise_affine: false } as never))).toBe(
      "LayerNorm: unknown option 'elementwise_affine' (did you mean 'elementwiseAffine'?); the options are eps, elementwiseAffine, dtype, device",
    );
    expect(errorOf(() => new LayerNorm([3, 4]).forward(randn([2, 4, 3])))).toBe(
      'LayerNorm: expected input [*,3,4] (normalizedShape), got input [2,4,3]',
    );
    expect(errorOf(() => new GroupNorm(4, 6))).toBe(
      'GroupNorm: numChannels 6 must be divisible by numGroups 4',
    );
    expect(errorOf(() => new GroupNorm(0, 6))).toBe(
      'GroupNorm: numGroups must be an integer ≥ 1, got 0',
    );
    expect(errorOf(() => new GroupNorm(2, 6).forward(randn([2, 4, 3])))).toBe(
      'GroupNorm: expected an input [N, 6, ...] (numChannels 6), got input [2,4,3]',
    );
    expect(errorOf(() => new InstanceNorm2d(3).forward(randn([2, 3, 4])))).toBe(
      'InstanceNorm2d: expected 3 channels (numFeatures), got input [2,3,4] with 2',
    );
    expect(errorOf(() => new InstanceNorm2d(3).forward(randn([3, 4])))).toBe(
      'InstanceNorm2d: expected a 3-d [C, H, W] or 4-d [N, C, H, W] input, got input [3,4]',
    );
    expect(errorOf(() => new InstanceNorm1d(3, { momentum: 2 }))).toBe(
      "InstanceNorm1d: option 'momentum' must be a number ≥ 0 and ≤ 1, got 2",
    );
    expect(errorOf(() => new InstanceNorm1d(3).forward(randn([2, 3, 1])))).toBe(
      'InstanceNorm1d: expected more than 1 spatial element per channel when using input statistics, got input [2,3,1]',
    );
  });

  it("of the core op name the layer the user called, as the layer's own checks do", () => {
    const int = (shape: number[]) => zeros(shape, { dtype: 'int32' });
    const cases: [() => unknown, string][] = [
      [
        () => new InstanceNorm1d(2)(zeros([1, 2, 1])),
        'InstanceNorm1d: expected more than 1 spatial element per channel when using input statistics, got input [1,2,1]',
      ],
      // An unbatched input runs as a batch of one, which the message shows next to the input.
      [
        () => new InstanceNorm1d(2)(zeros([2, 1])),
        'InstanceNorm1d: input [2,1] as a batch of one: expected more than 1 spatial element per channel when using input statistics, got input [1,2,1]',
      ],
      [
        () => new InstanceNorm2d(2)(int([1, 2, 3, 3])),
        'InstanceNorm2d: input must be a float tensor, got int32',
      ],
      [
        () => new InstanceNorm3d(2)(int([1, 2, 2, 2, 2])),
        'InstanceNorm3d: input must be a float tensor, got int32',
      ],
      [
        () => new GroupNorm(1, 2)(int([1, 2, 3])),
        'GroupNorm: input must be a float tensor, got int32',
      ],
      [() => new LayerNorm(3)(int([2, 3])), 'LayerNorm: input must be a float tensor, got int32'],
      [
        () => new Dropout1d()(zeros([2, 3, 4, 5])),
        'Dropout1d: expected a 2-d [C, L] or 3-d [N, C, L] input, got input [2,3,4,5]',
      ],
      [
        () => new Dropout2d()(zeros([5])),
        'Dropout2d: expected a 4-d input [N, C, H, W], got input [5]',
      ],
      [() => new Dropout3d()(int([2, 3])), 'Dropout3d: input must be a float tensor, got int32'],
      [
        () => new AdaptiveMaxPool1d(2)(zeros([5])),
        'AdaptiveMaxPool1d: expected a 2-d (unbatched) or 3-d (batched) input, got input [5]',
      ],
      [
        () => new AdaptiveMaxPool2d(2)(zeros([5])),
        'AdaptiveMaxPool2d: expected a 3-d (unbatched) or 4-d (batched) input, got input [5]',
      ],
      [
        () => new AdaptiveMaxPool3d(2)(zeros([5])),
        'AdaptiveMaxPool3d: expected a 4-d (unbatched) or 5-d (batched) input, got input [5]',
      ],
    ];
    for (const [run, message] of cases) expect(errorOf(() => tidy(run))).toBe(message);
  });

  it('of a size no tensor can have name the layer and the parameter', () => {
    expect(errorOf(() => new LayerNorm([1e5, 1e5]))).toBe(
      'LayerNorm: weight [100000,100000]: shape [100000,100000] would hold 10000000000 elements, more than the 2147483647 a tensor can hold',
    );
  });
});

// The gradient reaches the affine parameters of each layer (values are checked in the fixtures).
describe('gradients', () => {
  it('reach weight and bias', () => {
    for (const m of [
      new LayerNorm(4),
      new GroupNorm(2, 4),
      new InstanceNorm1d(4, { affine: true }),
    ]) {
      tidy(() => {
        const y = m.forward(randn([2, 4, 4], { seed: 9 }));
        y.mul(randn([2, 4, 4], { seed: 10 }))
          .sum()
          .backward();
      });
      for (const p of m.parameters()) {
        expect(p.grad?.shape).toEqual(p.shape);
        expect(Array.from((p.grad as Tensor).dataSync()).some((v) => v !== 0)).toBe(true);
      }
    }
  });
});
