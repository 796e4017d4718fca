/**
 * ConvTranspose1d/2d/3d: PyTorch's parameter layout, initialisation bounds, the decoder shapes a
 * user expects, and the constructor's errors. Values and gradients against PyTorch are in
 * upsampling.json (fixtures.test.ts).
 */
import { manualSeed, ones, type Tensor, tidy, zeros } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConvTranspose1d,
  ConvTranspose2d,
  ConvTranspose3d,
  Sequential,
  summary,
} from '../src/index.js';
import { errorOf, receptiveFieldBySupport, useCpu } from './setup.js';

beforeAll(useCpu);

const maxAbs = (t: Tensor): number => Math.max(...Array.from(t.dataSync(), Math.abs));

describe('ConvTranspose layers', () => {
  it('hold weight [in, out / groups, ...k] and bias [out], drawn within ±1/√(out / groups · k)', () => {
    manualSeed(3);
    const layer = new ConvTranspose2d(8, 6, [3, 2], { groups: 2 });
    expect(layer.weight.shape).toEqual([8, 3, 3, 2]);
    expect(layer.bias?.shape).toEqual([6]);
    expect(layer.namedParameters().map(([name]) => name)).toEqual(['weight', 'bias']);
    // PyTorch's fan-in of this layout: 3 · 3 · 2 = 18.
    const bound = 1 / Math.sqrt(18);
    expect(maxAbs(layer.weight)).toBeLessThanOrEqual(bound);
    expect(maxAbs(layer.weight)).toBeGreaterThan(0.8 * bound);
    expect(maxAbs(layer.bias as Tensor)).toBeLessThanOrEqual(bound);
    layer.dispose();
  });

  it('undo the downsampling of the matching strided convolution', () => {
    const up = new ConvTranspose2d(4, 2, 4, { stride: 2, padding: 1 });
    const odd = new ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 });
    const signal = new ConvTranspose1d(3, 1, 5, { stride: 3, bias: false });
    const volume = new ConvTranspose3d(2, 2, 2, { stride: 2 });
    tidy(() => {
      expect(up.forward(zeros([2, 4, 7, 5])).shape).toEqual([2, 2, 14, 10]);
      expect(odd.forward(zeros([2, 4, 7, 5])).shape).toEqual([2, 2, 14, 10]);
      expect(signal.forward(zeros([1, 3, 4])).shape).toEqual([1, 1, 14]);
      expect(volume.forward(zeros([1, 2, 2, 3, 4])).shape).toEqual([1, 2, 4, 6, 8]);
    });
    for (const m of [up, odd, signal, volume]) m.dispose();
  });

  it('print their options, as PyTorch does', () => {
    const layer = new ConvTranspose2d(16, 8, 3, {
      stride: 2,
      padding: 1,
      outputPadding: 1,
      bias: false,
    });
    expect(layer.toString()).toBe(
      'ConvTranspose2d(16, 8, kernelSize=[3,3], stride=[2,2], padding=[1,1], outputPadding=[1,1], bias=false)',
    );
    layer.dispose();
  });

  it('tell summary() the FLOPs and that outputs are 1/stride input positions apart', () => {
    const layer = new ConvTranspose2d(2, 3, 4, { stride: 2, padding: 1 });
    tidy(() => {
      const s = summary(layer, [1, 2, 5, 5]);
      // 50 input elements, each meeting 3 · 16 weights; plus one bias per output element.
      expect(s.rows[0]?.flops).toBe(2 * 50 * 48 + 3 * 10 * 10);
      expect(s.jump).toEqual([0.5, 0.5]);
      // Kernel 4 at stride 2: every output is reached by 2 neighbouring inputs.
      expect(s.receptiveField).toEqual([2, 2]);
    });
    layer.dispose();
  });

  it('tell summary() the inputs each output sees, as the gradient of one output finds them', () => {
    // [kernel, stride, dilation, padding, receptive field]
    const cases = [
      [2, 2, 1, 0, 1],
      [4, 2, 1, 1, 2],
      [5, 3, 1, 0, 2],
      [3, 1, 1, 0, 3],
      [3, 2, 2, 0, 3],
      [3, 2, 3, 1, 4],
      [3, 3, 2, 0, 1],
      [7, 3, 2, 2, 5],
    ] as const;
    for (const [k, stride, dilation, padding, field] of cases) {
      const layer = new ConvTranspose1d(1, 1, k, { stride, dilation, padding, bias: false });
      layer.weight.assign(ones(layer.weight.shape));
      const s = summary(layer, [1, 1, 9]);
      expect([k, stride, dilation, s.receptiveField[0]]).toEqual([k, stride, dilation, field]);
      expect(receptiveFieldBySupport(layer, 9)).toBe(field);
      expect(s.jump).toEqual([1 / stride]);
      layer.dispose();
    }
    const up = new Sequential(new ConvTranspose2d(1, 1, 4, { stride: 2 }));
    expect(summary(up, [1, 1, 8, 8]).rows[0]?.receptiveField).toEqual([2, 2]);
    up.dispose();
  });

  it('name themselves in the errors of the op they run', () => {
    const layer = new ConvTranspose2d(2, 3, 3);
    expect(errorOf(() => tidy(() => layer(zeros([1, 4, 5, 5]))))).toBe(
      'ConvTranspose2d: input has 4 channels but weight expects 2 (input [1,4,5,5], weight [2,3,3,3])',
    );
    layer.dispose();
    const signal = new ConvTranspose1d(2, 3, 3);
    expect(errorOf(() => tidy(() => signal(zeros([1, 2, 5, 5]))))).toBe(
      'ConvTranspose1d: expected a 2-d (unbatched) or 3-d (batched) input [batch, channels, ...1 spatial dims], got input [1,2,5,5]',
    );
    signal.dispose();
  });

  it('refuse bad options when built', () => {
    expect(errorOf(() => new ConvTranspose2d(4, 2, 3, { stride: 2, outputPadding: 2 }))).toBe(
      'ConvTranspose2d: outputPadding [2,2] must be smaller than the stride [2,2] or the dilation [1,1] on each axis',
    );
    expect(errorOf(() => new ConvTranspose1d(4, 3, 3, { groups: 2 }))).toBe(
      'ConvTranspose1d: groups 2 must divide inChannels 4 and outChannels 3',
    );
    expect(errorOf(() => new ConvTranspose2d(4, 2, 3, { padding: 'same' as never }))).toBe(
      "ConvTranspose2d: option 'padding' must be an integer ≥ 0 or an array of 2 such integers, got 'same'",
    );
    expect(errorOf(() => new ConvTranspose3d(4, 2, 3, { output_padding: 1 } as never))).toBe(
      "ConvTranspose3d: unknown option 'output_padding' (did you mean 'outputPadding'?); the options are stride, padding, outputPadding, dilation, groups, bias, dtype, device",
    );
    expect(errorOf(() => new ConvTranspose2d(0, 2, 3))).toBe(
      'ConvTranspose2d: inChannels must be an integer ≥ 1, got 0',
    );
  });
});
