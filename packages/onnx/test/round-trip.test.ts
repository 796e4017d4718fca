/**
 * Stride → ONNX → Stride: every export case imported back computes exactly what the original
 * computes (the importer runs the same core ops), holds the same parameters under the same
 * names, and runs at another batch size where the export lets the batch vary.
 */
import { cpu } from '@stride/backend-cpu';
import { manualSeed, noGrad, registerBackend, setBackend, type Tensor, tidy } from '@stride/core';
import { Module } from '@stride/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../src/import/import-onnx.js';
import { type Exportable, exportOnnx } from '../src/index.js';
import { CASES, strideOutputs } from './export-cases.js';

beforeAll(async () => {
  registerBackend(cpu());
  await setBackend('cpu');
});

/**
 * The cases whose import runs other float32 arithmetic than the original, and why: there the
 * outputs agree to the last bit or two (measured: 1.2e-7 and 6e-8), everywhere else exactly.
 */
const ROUNDED: Readonly<Record<string, string>> = {
  'interpolate linear and trilinear':
    "with a fractional scale (1.5) the importer places samples at (o + 0.5) / scale - 0.5, ONNX's formula, where core's interpolate multiplies by 1 / scale, as PyTorch does",
  'layerNorm at opset 13 (decomposed)':
    "before opset 17 layer norm is written as ReduceMean, Sub, Mul, Sqrt and Div, where core's layerNorm multiplies by rsqrt",
};

/** Stride's outputs as plain arrays, which toEqual compares exactly. */
function hostOutputs(
  model: Exportable | ((...xs: Tensor[]) => Tensor[]),
  inputs: Tensor[],
): number[][] {
  return strideOutputs(model, inputs).map((o) => Array.from(o));
}

describe('Stride → ONNX → Stride', () => {
  for (const c of CASES) {
    const how = c.name in ROUNDED ? 'to float32 rounding' : 'exactly';
    it(`${c.name}: the same outputs, ${how}`, async () => {
      manualSeed(7);
      const model = c.build();
      const bytes = await exportOnnx(model, c.inputs(), c.options);
      const back = importOnnx(bytes);
      manualSeed(11);
      const inputs = c.inputs();
      const expected = hostOutputs(model, inputs);
      const got = tidy(() =>
        noGrad(() => back.run(...inputs).map((t) => Array.from(t.dataSync() as Float32Array))),
      );
      const rounding = ROUNDED[c.name];
      if (rounding === undefined) expect(got).toEqual(expected);
      else {
        // Not bit for bit, but within a float32 rounding of values of size about 1.
        const worst = Math.max(
          ...got.flatMap((g, i) => g.map((v, j) => Math.abs(v - (expected[i]?.[j] as number)))),
        );
        expect(worst).toBeGreaterThan(0);
        expect(worst).toBeLessThan(2.5e-7);
      }
      if (c.otherBatch) {
        const other = c.otherBatch();
        expect(hostOutputs((...xs: Tensor[]) => back.run(...xs), other)).toEqual(
          hostOutputs(model, other),
        );
      }
      if (model instanceof Module) {
        // Parameters and buffers come back under their state-dict names, with their values.
        const original = model.stateDict();
        const imported = back.stateDict();
        for (const [name, t] of Object.entries(imported)) {
          expect(Object.keys(original)).toContain(name);
          expect(Array.from(t.dataSync())).toEqual(
            Array.from((original[name] as Tensor).dataSync()),
          );
        }
        for (const t of [...Object.values(original), ...Object.values(imported)]) t.dispose();
      }
      back.dispose();
    });
  }
});
