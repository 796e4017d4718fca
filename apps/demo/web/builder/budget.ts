/**
 * Sizes the page refuses before building a layer: a typo such as 100000 output channels is a
 * valid layer to Stride, but its weights or its output would take gigabytes, and a browser tab
 * would stall or die trying (the table is recomputed at every keystroke). The sizes follow from
 * the options by PyTorch's formulas; options that are not plain numbers are left for Stride to
 * judge.
 */
import type { LayerSpec } from './spec.js';

/** Parameters of the whole network at most: 40 MB of float32. */
export const MAX_PARAMS = 10_000_000;
/** Values of one layer's output for one image at most: 16 MB of float32 (a batch of 64: 1 GB). */
export const MAX_VALUES = 4_000_000;

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** One entry per spatial axis, from a number or an [h, w] pair; null for anything else. */
function axes(v: unknown): [number, number] | null {
  if (isCount(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(isCount)) return [v[0], v[1]];
  return null;
}

/** Output extent of a window of `k` along an axis of `n` (PyTorch's formula). */
function extent(n: number, k: number, s: number, p: number, d: number): number {
  return Math.max(0, Math.floor((n + 2 * p - d * (k - 1) - 1) / Math.max(1, s)) + 1);
}

export interface Size {
  /** Parameters the layer would hold (0 when unknown). */
  readonly params: number;
  /** Values of its output per image (0 when unknown). */
  readonly values: number;
  /** The option that sets the size, for the page to outline. */
  readonly field: string | null;
}

/** The size of `layer` on an input of `input`'s shape, as far as its options are numbers. */
export function sizeOf(layer: LayerSpec, input: readonly number[]): Size {
  const [, c = 1, h = 1, w = 1] = input;
  const spatial = input.length === 4;
  switch (layer.kind) {
    case 'conv': {
      const out = layer.outChannels;
      const k = axes(layer.kernel);
      const groups = isCount(layer.groups) && layer.groups > 0 ? layer.groups : 1;
      if (!isCount(out) || !k) return { params: 0, values: 0, field: null };
      const params = out * Math.ceil(c / groups) * k[0] * k[1] + (layer.bias ? out : 0);
      const s = axes(layer.stride);
      const d = axes(layer.dilation);
      const p = layer.padding === 'same' ? null : axes(layer.padding);
      const values =
        spatial && s && d && p
          ? out * extent(h, k[0], s[0], p[0], d[0]) * extent(w, k[1], s[1], p[1], d[1])
          : out * h * w;
      // The option to blame: a kernel larger than the map, padding that grows it, else channels.
      const field =
        k[0] > h || k[1] > w ? 'kernel' : values > out * h * w ? 'padding' : 'outChannels';
      return { params, values, field };
    }
    case 'linear': {
      const { inFeatures: i, outFeatures: o } = layer;
      if (!isCount(i) || !isCount(o)) return { params: 0, values: 0, field: null };
      const rows = input.slice(1, -1).reduce((a, b) => a * b, 1);
      const params = i * o + (layer.bias ? o : 0);
      return { params, values: rows * o, field: o >= i ? 'outFeatures' : 'inFeatures' };
    }
    case 'batchnorm':
      return { params: 2 * c, values: 0, field: null };
    default:
      return { params: 0, values: 0, field: null };
  }
}

/**
 * Why the page will not build `layer` (given the parameters of the layers before it), or null.
 * The message names the layer's option and the limit.
 */
export function overBudget(
  layer: LayerSpec,
  input: readonly number[],
  paramsBefore: number,
): { message: string; field: string | null } | null {
  const size = sizeOf(layer, input);
  const n = (v: number) => v.toLocaleString('en');
  if (paramsBefore + size.params > MAX_PARAMS) {
    return {
      message: `Too large: this layer would hold ${n(size.params)} parameters, ${n(paramsBefore + size.params)} in the network so far; the page builds networks of up to ${n(MAX_PARAMS)} so that they train in a browser tab`,
      field: size.field,
    };
  }
  if (size.values > MAX_VALUES) {
    return {
      message: `Too large: this layer's output would have ${n(size.values)} values per image; the page allows up to ${n(MAX_VALUES)} so that a batch fits in a browser tab`,
      field: size.field,
    };
  }
  return null;
}
