/**
 * The numbers of the live view ("Watch it learn"), checked against the same numbers found another
 * way: the gradient sizes against the parameters' `.grad` and against `gradOf` on a copy of the
 * model, the histograms against a count by their edges, the probe digit's activations against a
 * forward pass written out op by op, and the filters against the model's weights after training.
 * The recorded step trains exactly as the plain one does, and memory stays flat over refreshes.
 */
import { cpu } from '@stride/backend-cpu';
import { webgpu } from '@stride/backend-webgpu';
import {
  conv2d,
  crossEntropy,
  gradOf,
  linear,
  maxPool2d,
  memory,
  registerBackend,
  relu,
  StrideError,
  setBackend,
  softmax,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import type { ArrayDataset } from '@stride/datasets';
import { LeNet5 } from '@stride/layers';
import { Adam, SGD } from '@stride/optimizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { parseTrainOptions } from '../src/cli/options.js';
import { loadData } from '../src/cli/setup.js';
import { type Histogram, histogram } from '../web/inside/histogram.js';
import { PROBE_INDEX, probeOf } from '../web/inside/live-feed.js';
import {
  HISTOGRAM_BINS,
  HISTOGRAM_IMAGES,
  type InsideSnapshot,
  LEARNABLE,
  PROBE_LAYERS,
  readSnapshot,
  recordedStep,
} from '../web/inside/training-snapshot.js';
import { LENET5, TrainingSession } from '../web/train/session.js';

// The page's loop yields with requestAnimationFrame, which Node lacks.
globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) =>
  setTimeout(() => cb(performance.now()), 0) as unknown as number;

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

let train: ArrayDataset;
let test: ArrayDataset;
beforeAll(async () => {
  await setBackend('cpu');
  ({ train, test } = await loadData(parseTrainOptions([])));
}, 60_000);

/** Counts `values` into the bins of `h` by comparing with its edges, one value at a time. */
function countByEdges(values: ArrayLike<number>, h: Histogram): number[] {
  const bins = h.counts.length;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    let found = -1;
    for (let b = 0; b < bins; b++) {
      const lo = h.edges[b] as number;
      const hi = h.edges[b + 1] as number;
      if (v >= lo && (v < hi || (b === bins - 1 && v <= hi))) {
        expect(found, `value ${v} fits two bins`).toBe(-1);
        found = b;
      }
    }
    expect(found, `value ${v} fits no bin`).toBeGreaterThanOrEqual(0);
    counts[found] = (counts[found] as number) + 1;
  }
  return counts;
}

function rms(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] as number) ** 2;
  return Math.sqrt(s / values.length);
}

function expectRelative(got: number, want: number, tol: number, what: string): void {
  expect(want, what).toBeGreaterThan(0);
  expect(Math.abs(got - want) / want, `${what}: ${got} vs ${want}`).toBeLessThan(tol);
}

function expectClose(got: Float32Array, want: Float32Array, tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
  }
  expect(worst, what).toBeLessThan(tol);
}

describe('histogram', () => {
  it('counts a small example into the bins its edges say', () => {
    const h = histogram(Float32Array.of(-1, 0.2, 0.5, 1), 4);
    expect(Array.from(h.edges)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(Array.from(h.counts)).toEqual([1, 0, 1, 2]);
    expect(h.negative).toBe(1);
    // Zero is an edge: it counts in the bin to its right, as every value sitting on an edge does.
    expect(Array.from(histogram([0, -2, 2], 2).counts)).toEqual([1, 2]);
    // The middle edge is zero exactly, although −0.1 + 0.6 / 6 × 1 is not (it is 1.4e-17): a tiny
    // positive value is not counted among the negative ones.
    const tiny = histogram([-0.1, 0.1, 1e-18], 6);
    expect(tiny.edges[3]).toBe(0);
    expect(Array.from(tiny.counts)).toEqual([1, 0, 0, 1, 0, 1]);
    expect(tiny.negative).toBe(1);
    // All zeros: a range of [-1, 1].
    const zeros = histogram(new Float32Array(5), 4);
    expect(Array.from(zeros.counts)).toEqual([0, 0, 5, 0]);
    expect([zeros.edges[0], zeros.edges[4]]).toEqual([-1, 1]);
  });

  it('counts every one of many values once, in the bin whose edges hold it', () => {
    // Values on and next to the edges, where rounding could push a value across.
    const values = new Float32Array(5000);
    for (let i = 0; i < values.length; i++) {
      values[i] =
        i % 3 === 0 ? Math.fround(-0.3 + (0.6 * (i % 64)) / 64) : Math.sin(i * 12.9898) * 0.3;
    }
    values[0] = 0.3;
    for (const bins of [1, 7, 32, 100]) {
      const first = histogram(values, bins);
      // Then with the edges themselves among the values (the range stays the same), where the
      // arithmetic of a bin's index and the comparison with its edges can disagree by rounding.
      const withEdges = Float64Array.from([...values, ...first.edges]);
      for (const v of [values, withEdges]) {
        const h = histogram(v, bins);
        expect(Array.from(h.edges)).toEqual(Array.from(first.edges));
        expect(h.counts.reduce((a, b) => a + b, 0)).toBe(v.length);
        expect(Array.from(h.counts)).toEqual(countByEdges(v, h));
        expect(h.negative).toBe(v.filter((x) => x < 0).length);
      }
    }
  });

  it('refuses a bad number of bins and values that are not finite', () => {
    expect(() => histogram([1], 0)).toThrow(StrideError);
    expect(() => histogram([1], 2.5)).toThrow(
      /histogram: bins must be a positive integer, got 2.5/,
    );
    expect(() => histogram([1, Number.NaN], 4)).toThrow(/histogram: values\[1\] is NaN/);
    expect(() => histogram([Number.NaN, 1], 4)).toThrow(/histogram: values\[0\] is NaN/);
    expect(() => histogram([1, -2, Number.NEGATIVE_INFINITY], 4)).toThrow(
      /histogram: values\[2\] is -Infinity/,
    );
  });
});

/** A LeNet-5 with the same weights as `model`. */
function copyOf(model: LeNet5): LeNet5 {
  const copy = new LeNet5({ device: 'cpu' });
  const state = model.stateDict();
  copy.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();
  return copy;
}

/** LeNet-5's forward written out op by op, keeping each learnable layer's output. */
function forwardByOps(m: LeNet5, x: Tensor): { outputs: Tensor[]; maps: Map<string, Tensor> } {
  const maps = new Map<string, Tensor>();
  const keep = (name: string, t: Tensor) => {
    maps.set(name, t);
    return t;
  };
  const o1 = keep('conv1', conv2d(x, m.conv1.weight, { bias: m.conv1.bias, padding: 2 }));
  const p1 = keep('pool1', maxPool2d(keep('act1', relu(o1)), 2));
  const o2 = keep('conv2', conv2d(p1, m.conv2.weight, { bias: m.conv2.bias }));
  const p2 = keep('pool2', maxPool2d(keep('act2', relu(o2)), 2));
  const o3 = linear(p2.reshape([x.shape[0] as number, 400]), m.fc1.weight, m.fc1.bias);
  const o4 = linear(keep('act3', relu(o3)), m.fc2.weight, m.fc2.bias);
  const o5 = keep('fc3', linear(keep('act4', relu(o4)), m.fc3.weight, m.fc3.bias));
  return { outputs: [o1, o2, o3, o4, o5], maps };
}

describe('a recorded training step', () => {
  it('gives the gradient sizes, weights, histograms and probe that the model holds', async () => {
    const before = memory().numTensors;
    const model = new LeNet5({ device: 'cpu' });
    const twin = copyOf(model);
    const initial = model.conv1.weight.dataSync().slice() as Float32Array;
    const optimizer = new Adam(model.parameters(), { lr: 0.002 });
    const twinOptimizer = new Adam(twin.parameters(), { lr: 0.002 });
    const batch = train.getBatch(Array.from({ length: 32 }, (_, i) => 100 + i));
    const x = tensor(batch.x, { shape: [32, 1, 28, 28] });
    const y = tensor(batch.y, { shape: [32], dtype: 'int32' });
    const probe = probeOf(test);
    expect(probe.label).toBe(7);
    const probeX = tensor(probe.image, { shape: [1, 1, 28, 28] });

    // The gradients reaching each layer, by gradOf on a copy with the same weights.
    const expectedOutputRms = tidy(() => {
      const { outputs } = forwardByOps(twin, x);
      const loss = crossEntropy(outputs[4] as Tensor, y);
      return gradOf(loss, outputs).map((g) => rms(g.dataSync()));
    });

    const { loss, hits, recorded } = recordedStep(model, optimizer, x, y, probeX);
    const s = await readSnapshot(recorded, { step: 1, epoch: 1, loss: await loss.item() });
    expect(recorded.packed.isDisposed).toBe(true);

    // The same step without recording on the twin: the same loss and the same weights after.
    const plain = tidy(() => {
      const l = crossEntropy(twin.forward(x), y);
      twinOptimizer.zeroGrad();
      l.backward();
      twinOptimizer.step();
      return l.itemSync() as number;
    });
    expect(s.loss).toBe(plain);
    expect(await hits.item()).toBeGreaterThanOrEqual(0);

    expect(s.layers.map((l) => l.name)).toEqual([...LEARNABLE]);
    for (const [i, layer] of s.layers.entries()) {
      const m = model[layer.name];
      const g = layer.gradient;
      expectRelative(g.weight, rms(m.weight.grad?.dataSync() ?? []), 1e-5, `${layer.name} ∂W`);
      expectRelative(g.bias, rms(m.bias?.grad?.dataSync() ?? []), 1e-5, `${layer.name} ∂b`);
      expectRelative(g.output, expectedOutputRms[i] as number, 1e-4, `${layer.name} ∂output`);
      // The weights shown are the weights after the step, the twin's too.
      const w = m.weight.dataSync() as Float32Array;
      expect(layer.weights).toEqual(w);
      expect(layer.bias).toEqual(m.bias?.dataSync());
      expectClose(
        layer.weights,
        twin[layer.name].weight.dataSync() as Float32Array,
        1e-7,
        layer.name,
      );
      expect(layer.weightShape).toEqual(m.weight.shape);
      // Every weight once in its histogram, in the bin its edges say.
      expect(layer.weightHistogram.counts.length).toBe(HISTOGRAM_BINS);
      expect(Array.from(layer.weightHistogram.counts)).toEqual(
        countByEdges(w, layer.weightHistogram),
      );
      const perImage = { conv1: 6 * 28 * 28, conv2: 16 * 10 * 10, fc1: 120, fc2: 84, fc3: 10 };
      // The histogram of outputs counts the first 8 images' (the ∂output RMS is over all 32).
      expect(layer.activationCount).toBe(HISTOGRAM_IMAGES * perImage[layer.name]);
      expect(layer.activationHistogram.counts.reduce((a, b) => a + b, 0)).toBe(
        layer.activationCount,
      );
    }
    // The gradient is not the same size everywhere: it changes on its way back.
    const sizes = s.layers.map((l) => l.gradient.output);
    expect(new Set(sizes).size).toBe(5);
    // The first filters moved.
    expect(s.layers[0]?.weights).not.toEqual(initial);

    // The probe, by the forward written out op by op with the updated weights.
    expect(s.probe.map((p) => p.name)).toEqual([...PROBE_LAYERS]);
    tidy(() => {
      const { maps } = forwardByOps(model, probeX);
      for (const p of s.probe) {
        const want = maps.get(p.name) as Tensor;
        expect(p.shape, p.name).toEqual(want.shape.slice(1));
        expectClose(p.data, want.dataSync() as Float32Array, 1e-5, p.name);
      }
      const logits = model.forward(probeX);
      expectClose(
        s.probe.at(-1)?.data as Float32Array,
        logits.dataSync() as Float32Array,
        1e-5,
        'logits',
      );
      expectClose(s.probeProbabilities, softmax(logits, 1).dataSync() as Float32Array, 1e-6, 'p');
    });

    for (const t of [loss, hits, x, y, probeX]) t.dispose();
    for (const o of [optimizer, twinOptimizer]) o.dispose();
    model.dispose();
    twin.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('refuses a probe that is not one image', () => {
    const model = new LeNet5({ device: 'cpu' });
    const optimizer = new Adam(model.parameters());
    const x = tensor(new Float32Array(2 * 784), { shape: [2, 1, 28, 28] });
    const y = tensor([1, 2], { dtype: 'int32' });
    expect(() => recordedStep(model, optimizer, x, y, x)).toThrow(
      /recordedStep: probe must be one image \[1, C, 28, 28\], got \[2,1,28,28\]/,
    );
    for (const t of [x, y]) t.dispose();
    optimizer.dispose();
    model.dispose();
  });
});

describe('the training session, watched', () => {
  it('hands over a snapshot every few steps, with the model’s current filters, and leaks nothing', async () => {
    const session = new TrainingSession(
      { device: 'cpu', optimizer: 'adam', lr: 0.002, batchSize: 32, seed: 3 },
      train.slice(0, 32 * 40),
      LENET5,
    );
    const initial = session.model.conv1.weight.dataSync().slice() as Float32Array;
    const probe = probeOf(test);
    const snapshots: InsideSnapshot[] = [];
    const tensors: number[] = [];
    const steps: number[] = [];
    let every = 5;
    await session.run((r) => steps.push(r.step), {
      every: () => every,
      probe: probe.image,
      onSnapshot: (s) => {
        snapshots.push(s);
        tensors.push(memory().numTensors);
        // The interval can change while training runs.
        if (snapshots.length === 3) every = 4;
        if (snapshots.length === 6) void session.stop();
      },
    });
    expect(snapshots.map((s) => s.step)).toEqual([1, 5, 10, 12, 16, 20]);
    expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Memory is the same at every refresh: the model, the optimizer's state and the probe.
    expect(tensors, tensors.join(' ')).toEqual(tensors.map(() => tensors[0]));
    const last = snapshots.at(-1) as InsideSnapshot;
    // Training stopped on the snapshot's step: what it shows is the model as it is.
    expect(last.layers[0]?.weights).toEqual(session.model.conv1.weight.dataSync());
    expect(last.layers[1]?.weights).toEqual(session.model.conv2.weight.dataSync());
    expect(last.layers[0]?.weights).not.toEqual(initial);
    expect(last.layers[0]?.weights).not.toEqual(snapshots[0]?.layers[0]?.weights);
    for (const s of snapshots) {
      for (const layer of s.layers) {
        for (const v of Object.values(layer.gradient)) expect(v).toBeGreaterThan(0);
      }
    }
    // The probe's answer comes from the model after the step.
    const probeX = tensor(probe.image, { shape: [1, 1, 28, 28] });
    const logits = tidy(() => session.model.forward(probeX).dataSync() as Float32Array);
    expectClose(last.probe.at(-1)?.data as Float32Array, logits, 1e-5, 'logits');
    probeX.dispose();
    expect(PROBE_INDEX).toBe(0);
    session.dispose();
  }, 60_000);
});

describe('on WebGPU (SwiftShader without a GPU)', () => {
  it('records the same numbers as on the CPU, and frees them', async () => {
    registerBackend(webgpu({ gpu: create([]) }));
    await setBackend('webgpu');
    const batch = train.getBatch([0, 1, 2, 3, 4, 5, 6, 7]);
    const probe = probeOf(test).image;
    const snapshot = async (device: 'cpu' | 'webgpu', weights: Record<string, Tensor>) => {
      const model = new LeNet5({ device });
      const moved: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(weights)) moved[k] = await t.to(device);
      model.loadStateDict(moved);
      for (const t of Object.values(moved)) t.dispose();
      const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = tensor(batch.x, { shape: [8, 1, 28, 28], device });
      const y = tensor(batch.y, { shape: [8], dtype: 'int32', device });
      const p = tensor(probe, { shape: [1, 1, 28, 28], device });
      const before = memory().backends[device]?.numTensors ?? 0;
      const { loss, hits, recorded } = recordedStep(model, optimizer, x, y, p);
      const s = await readSnapshot(recorded, { step: 1, epoch: 1, loss: await loss.item() });
      for (const t of [loss, hits]) t.dispose();
      // What the step leaves: the parameters' gradients and the momentum buffers.
      const left = (memory().backends[device]?.numTensors ?? 0) - before;
      for (const t of [x, y, p]) t.dispose();
      optimizer.dispose();
      model.dispose();
      return { s, left };
    };
    const start = new LeNet5({ device: 'cpu' });
    const weights = start.stateDict();
    const onCpu = await snapshot('cpu', weights);
    const onGpu = await snapshot('webgpu', weights);
    for (const t of Object.values(weights)) t.dispose();
    start.dispose();

    expect(onGpu.left).toBe(onCpu.left);
    expect(onGpu.s.loss).toBeCloseTo(onCpu.s.loss, 4);
    for (const [i, g] of onGpu.s.layers.entries()) {
      const c = onCpu.s.layers[i] as (typeof onCpu.s.layers)[0];
      for (const k of ['output', 'weight', 'bias'] as const) {
        expectRelative(g.gradient[k], c.gradient[k], 2e-3, `${g.name} ${k} on WebGPU`);
      }
      expectClose(g.weights, c.weights, 1e-5, `${g.name} weights on WebGPU`);
      expect(g.activationCount).toBe(c.activationCount);
    }
    for (const [i, a] of onGpu.s.probe.entries()) {
      expectClose(
        a.data,
        onCpu.s.probe[i]?.data as Float32Array,
        1e-3,
        `probe ${a.name} on WebGPU`,
      );
    }
    expectClose(onGpu.s.probeProbabilities, onCpu.s.probeProbabilities, 1e-4, 'probabilities');
    expect(memory().backends.webgpu?.numTensors).toBe(0);
  }, 120_000);
});
