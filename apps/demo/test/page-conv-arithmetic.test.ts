/**
 * The arithmetic panel's sizes are core's: for a grid of settings (convolution and transposed
 * convolution over 1, 2 and 3 axes, strides, paddings, dilations, output paddings, channels and
 * groups) the shape the panel shows is the shape core's op returns on random tensors, and the
 * textbook formula's; settings that cannot work show core's own StrideError, the one the op
 * throws. The formula line and the channel grouping are checked by their numbers.
 */
import { cpu } from '@stride/backend-cpu';
import { memory, randn, registerBackend, StrideError, tidy } from '@stride/core';
import { ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from '@stride/layers';
import { describe, expect, it } from 'vitest';
import { CONV_OPS, type ConvFn, runExample } from '../web/arithmetic/example.js';
import { formulaLine } from '../web/arithmetic/formula.js';
import { channelLinks, isDepthwise } from '../web/arithmetic/grouping.js';
import { type ArithSettings, fieldProblem, limitsFor } from '../web/arithmetic/settings.js';
import { settings, sweep } from './arithmetic-cases.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

/** The output size along one axis by the textbook formulas (PyTorch's documentation). */
function textbookSize(s: ArithSettings): number {
  return s.mode === 'conv'
    ? Math.floor((s.input + 2 * s.padding - s.dilation * (s.kernel - 1) - 1) / s.stride) + 1
    : (s.input - 1) * s.stride - 2 * s.padding + s.dilation * (s.kernel - 1) + s.outputPadding + 1;
}

/** What core does with random tensors of the settings' shapes, written out here by hand. */
function coreOutcome(s: ArithSettings): { shape: number[] } | { message: string } {
  const op = `${s.mode === 'conv' ? 'conv' : 'convTranspose'}${s.dims}d`;
  const spatial = new Array<number>(s.dims).fill(s.input);
  const kernel = new Array<number>(s.dims).fill(s.kernel);
  const w =
    s.mode === 'conv'
      ? [s.outChannels, Math.max(1, Math.floor(s.inChannels / s.groups)), ...kernel]
      : [s.inChannels, Math.max(1, Math.floor(s.outChannels / s.groups)), ...kernel];
  const options =
    s.mode === 'conv'
      ? { stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups }
      : {
          stride: s.stride,
          padding: s.padding,
          outputPadding: s.outputPadding,
          dilation: s.dilation,
          groups: s.groups,
        };
  try {
    if (s.mode === 'transposed' && s.outChannels % s.groups !== 0) {
      // The functional call has no output-channel count to refuse (its weight is
      // [in, out / groups, ...]); the layer has, and that is the message the panel shows.
      const Layer = [ConvTranspose1d, ConvTranspose2d, ConvTranspose3d][
        s.dims - 1
      ] as typeof ConvTranspose2d;
      if (s.inChannels % s.groups === 0)
        new Layer(s.inChannels, s.outChannels, s.kernel, { groups: s.groups });
    }
    return {
      shape: tidy(() =>
        (CONV_OPS[op] as ConvFn)(
          randn([1, s.inChannels, ...spatial]),
          randn(w),
          options,
        ).shape.slice(),
      ),
    };
  } catch (error) {
    if (!(error instanceof StrideError)) throw error;
    return { message: error.message };
  }
}

describe('the arithmetic panel’s output sizes', () => {
  it('gives the textbook sizes', () => {
    const size = (partial: Partial<ArithSettings>) => {
      const ex = runExample(settings({ inChannels: 1, outChannels: 1, ...partial }));
      return ex.ok ? ex.shape : ex.message;
    };
    expect(size({ input: 28, kernel: 5 })).toEqual([1, 1, 24, 24]);
    expect(size({ input: 32, kernel: 3, stride: 2, padding: 1 })).toEqual([1, 1, 16, 16]);
    expect(size({ input: 7, kernel: 3, dilation: 2 })).toEqual([1, 1, 3, 3]);
    expect(size({ dims: 1, input: 10, kernel: 3, stride: 3, padding: 2 })).toEqual([1, 1, 4]);
    // A stride-2 transposed convolution with kernel 4 and padding 1 doubles the size ...
    expect(
      size({ mode: 'transposed', dims: 3, input: 4, kernel: 4, stride: 2, padding: 1 }),
    ).toEqual([1, 1, 8, 8, 8]);
    // ... and with kernel 3 it needs output padding 1 to do so.
    expect(size({ mode: 'transposed', input: 7, kernel: 3, stride: 2, padding: 1 })).toEqual([
      1, 1, 13, 13,
    ]);
    expect(
      size({ mode: 'transposed', input: 7, kernel: 3, stride: 2, padding: 1, outputPadding: 1 }),
    ).toEqual([1, 1, 14, 14]);
  });

  it('shows core’s StrideError, word for word, for settings that cannot work', () => {
    const message = (partial: Partial<ArithSettings>) => {
      const ex = runExample(settings(partial));
      if (ex.ok) throw new Error(`expected an error for ${JSON.stringify(partial)}`);
      return ex.message;
    };
    expect(message({ input: 4, kernel: 5, inChannels: 1, outChannels: 1 })).toBe(
      'conv2d: kernel [5,5] is larger than the padded input [4,4] (input [1,1,4,4], weight [1,1,5,5], padding before [0,0], after [0,0])',
    );
    expect(message({ inChannels: 4, outChannels: 4, groups: 3 })).toBe(
      'conv2d: input has 4 channels, which groups 3 does not divide (input [1,4,7,7], weight [4,1,3,3])',
    );
    expect(message({ dims: 1, inChannels: 2, outChannels: 3, groups: 2 })).toBe(
      'conv1d: weight has 3 output channels, which groups 2 does not divide (weight [3,1,3])',
    );
    expect(message({ mode: 'transposed', stride: 2, outputPadding: 2 })).toBe(
      'convTranspose2d: outputPadding [2,2] must be smaller than the stride [2,2] or the dilation [1,1] on each axis',
    );
    expect(
      message({ mode: 'transposed', dims: 3, input: 1, kernel: 1, padding: 1, inChannels: 1 }),
    ).toBe(
      'convTranspose3d: the output would be [-1,-1,-1], which is empty: each size is (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1 (input [1,1,1,1,1], weight [1,2,1,1,1], stride [1,1,1], padding [1,1,1], dilation [1,1,1], outputPadding [0,0,0])',
    );
    // No functional weight has 4 output channels in 3 groups: the layer, which takes both
    // channel counts, says what is wrong.
    expect(message({ mode: 'transposed', inChannels: 3, outChannels: 4, groups: 3 })).toBe(
      'ConvTranspose2d: groups 3 must divide inChannels 3 and outChannels 4',
    );
  });

  it('agrees with core’s op and with the textbook formula over a grid of settings', () => {
    const before = memory().numTensors;
    let shown = 0;
    let refused = 0;
    for (const s of sweep()) {
      const what = JSON.stringify(s);
      const ex = runExample(s);
      const core = coreOutcome(s);
      if ('message' in core) {
        expect(ex.ok, what).toBe(false);
        if (!ex.ok) expect(ex.message, what).toBe(core.message);
        refused++;
        continue;
      }
      expect(ex.ok, what).toBe(true);
      if (!ex.ok) continue;
      expect(ex.shape, what).toEqual(core.shape);
      expect(ex.shape, what).toEqual([
        1,
        s.outChannels,
        ...new Array<number>(s.dims).fill(textbookSize(s)),
      ]);
      shown++;
    }
    // Both kinds are well represented, and nothing is left behind.
    expect(shown).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(300);
    expect(memory().numTensors).toBe(before);
  });

  it('computes the values of small examples and only the shape of big ones', () => {
    const small = runExample(settings({}));
    expect(small.ok && small.y?.length).toBe(2 * 5 * 5);
    expect(small.ok && small.tooBig).toBe('');
    // 188 × 188 output cells per channel: the shape, but no numbers.
    const big = runExample(
      settings({ mode: 'transposed', input: 32, kernel: 9, stride: 5, dilation: 4 }),
    );
    expect(big.ok && big.shape).toEqual([1, 2, 188, 188]);
    expect(big.ok && big.y).toBe(null);
    expect(big.ok && big.tooBig).toMatch(/^35,344 output cells per channel are too many to draw/);
  });

  it('writes the formula with the numbers in, ending in core’s size', () => {
    expect(formulaLine(settings({ input: 7, kernel: 3, stride: 2, padding: 1 }), 4)).toBe(
      '⌊(W + 2P − D·(F − 1) − 1) / S⌋ + 1 = ⌊(7 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 4',
    );
    expect(
      formulaLine(
        settings({ mode: 'transposed', input: 7, stride: 2, padding: 1, outputPadding: 1 }),
        14,
      ),
    ).toBe('(W − 1)·S − 2P + D·(F − 1) + OP + 1 = (7 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 14');
    expect(formulaLine(settings({ input: 2, kernel: 5 }), null)).toBe(
      '⌊(W + 2P − D·(F − 1) − 1) / S⌋ + 1 = ⌊(2 + 2·0 − 1·(5 − 1) − 1) / 1⌋ + 1',
    );
  });

  it('keeps a 3-d input small enough to draw as slices', () => {
    expect(limitsFor(3).input.max).toBe(8);
    expect(limitsFor(2).input.max).toBe(32);
  });
});

describe('a field out of range', () => {
  it('says the field’s range, naming the dimensions where the range depends on them', () => {
    expect(fieldProblem('kernel', '13', 2)).toBe('Kernel size: 1–9 for 2-d');
    expect(fieldProblem('kernel', '6', 3)).toBe('Kernel size: 1–5 for 3-d');
    expect(fieldProblem('input', '0', 1)).toBe('Input size: 1–32 for 1-d');
    expect(fieldProblem('stride', '6', 2)).toBe('Stride: 1–5');
    expect(fieldProblem('padding', '-1', 3)).toBe('Padding: 0–6');
    // Empty, fractional and non-numeric text is out of range too.
    expect(fieldProblem('groups', '', 2)).toBe('Groups: 1–6');
    expect(fieldProblem('groups', '1.5', 2)).toBe('Groups: 1–6');
    expect(fieldProblem('dilation', 'two', 2)).toBe('Dilation: 1–4');
  });

  it('accepts every whole number in range, and nothing either side of it', () => {
    for (const dims of [1, 2, 3] as const) {
      const limits = limitsFor(dims);
      for (const key of Object.keys(limits) as (keyof typeof limits)[]) {
        const { min, max } = limits[key];
        for (let v = min; v <= max; v++) expect(fieldProblem(key, String(v), dims)).toBeNull();
        expect(fieldProblem(key, String(min - 1), dims)).not.toBeNull();
        expect(fieldProblem(key, String(max + 1), dims)).not.toBeNull();
      }
    }
  });
});

describe('the channel grouping', () => {
  it('links every output channel to the input channels of its group', () => {
    const links = (i: number, o: number, g: number) =>
      channelLinks({ inChannels: i, outChannels: o, groups: g })?.map((l) => [
        l.input,
        l.output,
        l.group,
      ]) ?? null;
    expect(links(2, 2, 1)).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
    ]);
    expect(links(4, 2, 2)).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [2, 1, 1],
      [3, 1, 1],
    ]);
    // Depthwise: channel i to channel i.
    expect(links(3, 3, 3)).toEqual([
      [0, 0, 0],
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(links(4, 4, 3)).toBe(null);
    expect(isDepthwise({ inChannels: 3, outChannels: 3, groups: 3 })).toBe(true);
    expect(isDepthwise({ inChannels: 4, outChannels: 2, groups: 2 })).toBe(false);
  });

  it('has one link per kernel slice of the weight', () => {
    for (const s of sweep()) {
      const ex = runExample(s);
      if (!ex.ok) continue;
      const links = channelLinks(s);
      expect(links?.length, JSON.stringify(s)).toBe(
        (ex.wShape[0] as number) * (ex.wShape[1] as number),
      );
    }
  });
});
