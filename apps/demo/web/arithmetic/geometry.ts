/**
 * Where the kernel reads, one spatial axis at a time, drawn the way Dumoulin & Visin's guide to
 * convolution arithmetic draws it. A convolution slides the kernel over the zero-padded input,
 * `stride` cells at a time. A transposed convolution is drawn as the convolution it equals: the
 * input spread out by `stride` (stride − 1 zeros between its cells), padded with
 * `dilation·(kernel − 1) − padding` zeros before and that plus `outputPadding` after (cropped
 * instead where that is negative), and the kernel, flipped, sliding over it one cell at a time.
 *
 * The sizes come from core (the output size is an argument); this only says which cells feed
 * which output cell, and the tests check the sums it gives against core's outputs.
 */
import type { ArithSettings } from './settings.js';

/** What one cell of the grid the kernel slides over holds. */
export type GridCell =
  | { kind: 'input'; index: number }
  | { kind: 'padding' }
  /** A zero a transposed convolution puts between input cells (stride > 1). */
  | { kind: 'inserted' };

export interface AxisMap {
  /** Cells of the grid the kernel slides over, along this axis. */
  length: number;
  /** Cells between neighbouring kernel placements: the stride, or 1 for a transposed one. */
  step: number;
  /**
   * Zeros before the first input cell (negative: input cells cropped away, which only happens
   * to a transposed convolution whose padding exceeds `dilation·(kernel − 1)`).
   */
  before: number;
  cell(q: number): GridCell;
  /** The grid cells that output position `p` reads, one per kernel tap, tap 0 first. */
  taps(p: number): number[];
  /**
   * The index into the stored weight of kernel tap `k` as it slides: a transposed convolution
   * slides the flipped kernel, and the flip setting turns it around (once more).
   */
  weightIndex(k: number): number;
}

type AxisSettings = Pick<
  ArithSettings,
  'mode' | 'input' | 'kernel' | 'stride' | 'padding' | 'dilation' | 'flip'
>;

/** The grid of one axis whose output, as core computed it, has `outSize` positions. */
export function axisMap(s: AxisSettings, outSize: number): AxisMap {
  const { input, kernel, stride, padding, dilation } = s;
  const span = dilation * (kernel - 1);
  const reversed = (s.mode === 'transposed') !== s.flip;
  const weightIndex = (k: number) => (reversed ? kernel - 1 - k : k);
  if (s.mode === 'conv') {
    return {
      length: input + 2 * padding,
      step: stride,
      before: padding,
      cell: (q) => {
        const i = q - padding;
        return i >= 0 && i < input ? { kind: 'input', index: i } : { kind: 'padding' };
      },
      taps: (p) => Array.from({ length: kernel }, (_, k) => p * stride + k * dilation),
      weightIndex,
    };
  }
  const before = span - padding;
  const spread = (input - 1) * stride + 1;
  return {
    length: outSize + span,
    step: 1,
    before,
    cell: (q) => {
      const j = q - before;
      if (j < 0 || j >= spread) return { kind: 'padding' };
      return j % stride === 0 ? { kind: 'input', index: j / stride } : { kind: 'inserted' };
    },
    taps: (p) => Array.from({ length: kernel }, (_, k) => p + k * dilation),
    weightIndex,
  };
}
