/**
 * The arithmetic panel's timestep scrubber: at every step of every setting in a grid, the
 * products it lists, summed per input channel, add up to the value core computed for that output
 * cell; the cells it reads lie on its grid and hold the input values it says. The flip toggle
 * computes the op with the flipped kernel, which for a convolution is true convolution: checked
 * by hand on a small signal.
 */
import { cpu } from '@stride/backend-cpu';
import { flip, registerBackend, tensor, tidy } from '@stride/core';
import { describe, expect, it } from 'vitest';
import {
  CONV_OPS,
  type ConvFn,
  callOptions,
  type ExampleOk,
  runExample,
  spatialAxes,
} from '../web/arithmetic/example.js';
import type { ArithSettings } from '../web/arithmetic/settings.js';
import { ravel, stepper } from '../web/arithmetic/steps.js';
import { settings, sweep } from './arithmetic-cases.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

/** The example's op run here on its tensors, with the weight as given (flipped or not). */
function run(ex: ExampleOk, s: ArithSettings, flipWeight: boolean): number[] {
  return tidy(() => {
    const x = tensor(ex.x, { shape: ex.xShape, dtype: 'float32' });
    const w = tensor(ex.w, { shape: ex.wShape, dtype: 'float32' });
    const op = CONV_OPS[ex.op] as ConvFn;
    return Array.from(
      op(x, flipWeight ? flip(w, spatialAxes(s)) : w, callOptions(s)).dataSync() as Float32Array,
    );
  });
}

describe('the timestep scrubber', () => {
  it('adds up, step by step, to every value core computes, over a grid of settings', () => {
    // Hundreds of thousands of checks: collected as strings and asserted once, since an
    // `expect` per product would take minutes.
    const problems: string[] = [];
    const problem = (what: string) => {
      if (problems.length < 10) problems.push(what);
    };
    let cases = 0;
    let stepsChecked = 0;
    for (const s of sweep()) {
      const ex = runExample(s);
      if (!ex.ok || !ex.y) continue;
      const st = stepper(s, ex);
      const what = JSON.stringify(s);
      if (st.count !== ex.y.length) problem(`${what}: ${st.count} steps for ${ex.y.length} values`);
      const inSpatial = ex.xShape.slice(2);
      const perIn = ex.x.length / s.inChannels;
      for (let i = 0; i < st.count; i++) {
        const step = st.at(i);
        const at = `${what} step ${i}`;
        if (step.partials.length !== s.inChannels / s.groups) problem(`${at}: partial sums`);
        // The partial sums are the sums of their channel's products ...
        for (const p of step.partials) {
          const terms = step.terms.filter((t) => t.channel === p.channel);
          if (terms.length !== s.kernel ** s.dims) problem(`${at}: ${terms.length} products`);
          const sum = terms.reduce((acc, t) => acc + t.x * t.w, 0);
          if (sum !== p.sum) problem(`${at}: channel ${p.channel} sums to ${sum}, not ${p.sum}`);
        }
        // ... and add up to the total, which is core's value.
        const total = step.partials.reduce((acc, p) => acc + p.sum, 0);
        if (total !== step.total) problem(`${at}: partial sums add to ${total}, not ${step.total}`);
        if (step.total !== ex.y[i])
          problem(`${at}: the scrubber sums to ${step.total}, core has ${ex.y[i]}`);
        // Every cell read lies on the grid and holds what the product says.
        for (const t of step.terms) {
          if (t.cell.some((q, a) => q < 0 || q >= (st.axes[a] as { length: number }).length)) {
            problem(`${at}: reads cell ${t.cell} off the grid`);
          }
          const x = t.input ? ex.x[t.channel * perIn + ravel(t.input, inSpatial)] : 0;
          if (t.x !== x) problem(`${at}: input ${t.input} is ${x}, not ${t.x}`);
        }
        stepsChecked++;
      }
      cases++;
    }
    expect(problems).toEqual([]);
    expect(cases).toBeGreaterThan(500);
    expect(stepsChecked).toBeGreaterThan(20_000);
  });

  it('reads each input cell as often as the kernel covers it', () => {
    // Convolution, 1-d: input 5, kernel 3, stride 2, padding 1 → outputs at padded cells 0, 2, 4.
    const s = settings({ dims: 1, input: 5, kernel: 3, stride: 2, padding: 1, inChannels: 1 });
    const ex = runExample(s) as ExampleOk;
    const st = stepper(s, ex);
    expect(st.outSpatial).toEqual([3]);
    expect([0, 1, 2].map((i) => st.at(i).terms.map((t) => t.cell[0]))).toEqual([
      [0, 1, 2],
      [2, 3, 4],
      [4, 5, 6],
    ]);
    expect(st.at(0).terms.map((t) => t.input?.[0] ?? null)).toEqual([null, 0, 1]);
    // Transposed, stride 2: the input spread out with a zero between cells, padded by 2.
    const t = settings({ ...s, mode: 'transposed', padding: 0 });
    const tx = runExample(t) as ExampleOk;
    const ts = stepper(t, tx);
    expect(tx.shape).toEqual([1, 2, 11]);
    const kinds = Array.from({ length: ts.axes[0]?.length ?? 0 }, (_, q) => {
      const c = ts.axes[0]?.cell(q);
      return c?.kind === 'input' ? c.index : c?.kind === 'padding' ? 'p' : 'z';
    });
    expect(kinds).toEqual(['p', 'p', 0, 'z', 1, 'z', 2, 'z', 3, 'z', 4, 'p', 'p']);
    // And the kernel slides flipped: tap 0 uses the weight's last element.
    expect(ts.at(0).terms.map((x) => x.weight[0])).toEqual([2, 1, 0]);
  });
});

describe('flipping the kernel', () => {
  it('computes the op with the flipped kernel, for every other setting in the grid', () => {
    let differ = 0;
    for (const s of sweep().filter((_, i) => i % 2 === 0)) {
      if (s.kernel === 1) continue;
      const flipped = runExample({ ...s, flip: true });
      const plain = runExample({ ...s, flip: false });
      if (!flipped.ok || !plain.ok || !flipped.y || !plain.y) continue;
      const what = JSON.stringify(s);
      expect(Array.from(flipped.y), what).toEqual(run(flipped, s, true));
      expect(Array.from(plain.y), what).toEqual(run(plain, s, false));
      if (flipped.y.some((v, i) => v !== plain.y?.[i])) differ++;
      // The scrubber follows: its sums are the flipped op's values.
      const st = stepper({ ...s, flip: true }, flipped);
      const sums = Array.from({ length: st.count }, (_, i) => st.at(i).total);
      expect(sums, what).toEqual(Array.from(flipped.y));
    }
    // The flip changes the numbers (the example's kernels are not symmetric).
    expect(differ).toBeGreaterThan(100);
  });

  it('is true convolution: y[p] = Σ x[p + k] · w[F − 1 − k], against cross-correlation', () => {
    // x = [1, 2, 3, 4], w = [1, 0, −1]: the page's example with these numbers.
    const s = settings({ dims: 1, input: 4, kernel: 3, inChannels: 1, outChannels: 1 });
    const ex = runExample(s) as ExampleOk;
    const mine: ExampleOk = {
      ...ex,
      x: Float32Array.from([1, 2, 3, 4]),
      w: Float32Array.from([1, 0, -1]),
    };
    // Cross-correlation (what conv1d computes): 1·1 + 2·0 + 3·(−1) = −2, then 2 − 4 = −2.
    expect(run(mine, s, false)).toEqual([-2, -2]);
    // True convolution turns the kernel around: 1·(−1) + 2·0 + 3·1 = 2, then 2.
    expect(run(mine, s, true)).toEqual([2, 2]);
    const st = stepper({ ...s, flip: true }, { ...mine, y: Float32Array.from([2, 2]) });
    expect(st.at(0).terms.map((t) => [t.x, t.w])).toEqual([
      [1, -1],
      [2, 0],
      [3, 1],
    ]);
    expect(st.at(0).total).toBe(2);
  });
});
