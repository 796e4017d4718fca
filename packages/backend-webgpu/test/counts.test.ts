/**
 * What a LeNet-5 training step and an inference ask of the device, held as counts (never as
 * times): dispatches, bytes uploaded, pipelines, bind groups and buffers created. The bounds are
 * the counts this backend reaches; a change that launches more kernels per step, rewrites
 * uniforms, or recompiles or reallocates in a steady loop fails here.
 * `scripts/lenet-counts.ts` prints the same counts at the bench's batch sizes.
 */
import {
  manualSeed,
  memory,
  noGrad,
  randint,
  randn,
  registerBackend,
  setBackend,
  type Tensor,
  tidy,
} from '@stride/core';
import { CrossEntropyLoss, LeNet5 } from '@stride/layers';
import { Adam, type Optimizer, SGD } from '@stride/optimizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend, WebGpuCounters } from '../src/index.js';
import { makeBackend } from './helpers.js';

let backend: WebGpuBackend;

beforeAll(async () => {
  backend = await makeBackend();
  registerBackend({
    name: 'webgpu-counts',
    init: async () => ({ ...backend, name: 'webgpu-counts' }),
  });
  await setBackend('webgpu-counts');
});

afterAll(() => backend.destroy?.());

/** The counts of each of `steps` calls of `step`. */
async function countSteps(step: () => Promise<void>, steps: number): Promise<WebGpuCounters[]> {
  const out: WebGpuCounters[] = [];
  for (let i = 0; i < steps; i++) {
    const before = backend.counters();
    await step();
    out.push(backend.counters(before));
  }
  return out;
}

function trainer(optimizer: (m: LeNet5) => Optimizer) {
  manualSeed(0);
  const model = new LeNet5();
  const opt = optimizer(model);
  const criterion = new CrossEntropyLoss();
  const x = randn([4, 1, 28, 28]);
  const y = randint(0, 10, [4]);
  const step = async () => {
    const l = tidy(() => {
      const out = criterion.forward(model.forward(x), y);
      opt.zeroGrad();
      out.backward();
      opt.step();
      return out.detach();
    });
    await l.item();
    l.dispose();
  };
  const dispose = () => {
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  };
  return { model, step, dispose };
}

describe('counts per LeNet-5 step', () => {
  it('SGD: at most 51 dispatches (under half of the 105 before fused kernels), nearly no uniform written, nothing compiled or allocated', async () => {
    const before = memory().numTensors;
    const t = trainer((m) => new SGD(m.parameters(), { lr: 0.01 }));
    const counts = await countSteps(t.step, 4);
    const first = counts[0] as WebGpuCounters;
    const steady = counts[3] as WebGpuCounters;
    // 105 dispatches and 4128 uniform bytes per step before fused kernels (the SGD update and
    // the cross-entropy one launch each way: the composed loss was 29), cached uniforms and
    // host-written scalars.
    expect(steady.dispatches).toBeLessThanOrEqual(51);
    expect(steady.dispatches).toBe(first.dispatches);
    // Only the index check of a label tensor core derives anew each step (two 16-byte launches).
    expect(steady.uniformBytes).toBeLessThanOrEqual(32);
    // What core still lifts to tensors each step, written from the host (three scalars, one a
    // zero that stays on the host until a kernel binds it).
    expect(steady.uploadBytes).toBeLessThanOrEqual(3 * 4);
    expect(steady.pipelines).toBe(0);
    expect(steady.buffers).toBe(0);
    expect(steady.bindGroups).toBeLessThan(steady.dispatches);
    expect(first.pipelines).toBeGreaterThan(0);
    t.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('Adam: one fused launch per parameter', async () => {
    const t = trainer((m) => new Adam(m.parameters(), { lr: 0.001 }));
    const counts = await countSteps(t.step, 3);
    const steady = counts[2] as WebGpuCounters;
    // Composed, an Adam step is about twenty launches per parameter (ten parameters).
    expect(steady.dispatches).toBeLessThanOrEqual(51);
    expect(steady.pipelines).toBe(0);
    // Only the step size changes from step to step: one new uniform per parameter.
    expect(steady.uniformBytes).toBeLessThanOrEqual(10 * 48 + 32);
    t.dispose();
  });

  it('inference: every bind group and uniform cached', async () => {
    const t = trainer((m) => new SGD(m.parameters(), { lr: 0.01 }));
    t.model.eval();
    const x = randn([8, 1, 28, 28]);
    const counts = await countSteps(async () => {
      const logits = noGrad(() => t.model.forward(x)) as Tensor;
      await logits.data();
      logits.dispose();
    }, 3);
    const steady = counts[2] as WebGpuCounters;
    expect(steady.dispatches).toBeLessThanOrEqual(14);
    expect(steady).toMatchObject({
      uniformBytes: 0,
      uploadBytes: 0,
      pipelines: 0,
      bindGroups: 0,
      buffers: 0,
    });
    x.dispose();
    t.dispose();
  });
});
