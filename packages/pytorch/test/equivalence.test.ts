/**
 * Every layer of `@stride/layers` (the cases of cases.ts) run in Stride and, through the module
 * `toPyTorch` writes, in PyTorch: the Stride checkpoint loads with `strict=True`, the state-dict
 * keys come out in Stride's order, the outputs agree in float32, and the state dict PyTorch writes
 * back with the generated `save_safetensors` loads into Stride strictly with the same values.
 * All cases share one Python process (importing torch takes seconds).
 */
import { cpu } from '@stride/backend-cpu';
import {
  decodeSafetensors,
  encodeSafetensors,
  manualSeed,
  registerBackend,
  type Tensor,
} from '@stride/core';
import type { Module } from '@stride/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { toPyTorch } from '../src/index.js';
import { CASES, type LayerCase } from './cases.js';
import { runInTorch, type TorchResult, torchMissing } from './torch.js';

registerBackend(cpu());

interface Prepared {
  model: Module;
  weights: Uint8Array;
  output?: Tensor;
}

/** The case's model, its checkpoint and its output in Stride. */
async function prepare(c: LayerCase, seed: number): Promise<Prepared & { source: string }> {
  manualSeed(seed);
  const model = c.build();
  if (c.warm) {
    model.train();
    model(...c.inputs());
  }
  model.train(c.train ?? false);
  const state = model.stateDict();
  const weights = await encodeSafetensors(state);
  for (const t of Object.values(state)) t.dispose();
  const source = toPyTorch(model, c.options);
  const inputs = c.inputs();
  const output = inputs.length > 0 ? model(...inputs) : undefined;
  return { model, weights, output, source };
}

/** The root class a generated file defines (its header shows how to build it). */
const rootClass = (source: string): string =>
  (/^# {5}model = (\w+)\(\)$/m.exec(source) as RegExpExecArray)[1] as string;

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}

/** Equal within float32 rounding: 1e-5 of the largest magnitude (at least 1e-5). */
function expectClose(have: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(have.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs((have[i] as number) - (want[i] as number)));
  }
  expect(worst, what).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(want)));
}

// Skipped, with the reason in the suite's name, where /usr/bin/python3 cannot import torch.
describe.skipIf(torchMissing !== null)(
  `toPyTorch modules in PyTorch${torchMissing === null ? '' : ` (skipped: ${torchMissing})`}`,
  () => {
    const prepared = new Map<string, Prepared>();
    let results: Map<string, TorchResult>;

    beforeAll(async () => {
      const cases = [];
      for (const [i, c] of CASES.entries()) {
        const p = await prepare(c, i + 1);
        prepared.set(c.name, p);
        cases.push({
          name: c.name,
          source: p.source,
          className: rootClass(p.source),
          weights: p.weights,
          inputs: c.inputs(),
          train: c.train,
        });
      }
      results = await runInTorch(cases);
    }, 120_000);

    it.each(CASES.map((c) => [c.name]))('%s', async (name) => {
      const p = prepared.get(name) as Prepared;
      const r = results.get(name) as TorchResult;
      expect(r.error, r.error).toBeUndefined();
      // The same keys in the same order.
      expect(r.keys).toEqual(Object.keys(p.model.stateDict()));
      if (p.output) {
        const got = r.output as Tensor;
        expect(got.shape).toEqual(p.output.shape);
        expect(got.dtype).toBe(p.output.dtype);
        const want = await p.output.data();
        const have = await got.data();
        expectClose(have, want, name);
      }
      // The forward changed the state alike (running statistics in training mode).
      const after = decodeSafetensors(r.after).tensors;
      for (const [key, t] of Object.entries(p.model.stateDict())) {
        expect(after[key]?.dtype, key).toBe(t.dtype);
        expectClose(await (after[key] as Tensor).data(), await t.data(), key);
      }
      // What PyTorch saves loads back strictly, with the values it was given.
      const back = decodeSafetensors(r.resaved).tensors;
      const sent = decodeSafetensors(p.weights).tensors;
      expect(Object.keys(back).sort()).toEqual(Object.keys(sent).sort());
      for (const [key, t] of Object.entries(sent)) {
        expect(back[key]?.dtype, key).toBe(t.dtype);
        expect(await back[key]?.array(), key).toEqual(await t.array());
      }
      expect(p.model.loadStateDict(back)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    });
  },
);
