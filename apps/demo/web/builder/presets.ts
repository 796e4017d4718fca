/**
 * Architectures to start from: LeNet-5 (the page's default, the same layers as Stride's `LeNet5`),
 * a tiny network that trains in seconds, and an all-convolutional network in the manner of
 * Springenberg et al. (2015), with strided convolutions in place of pooling, a depthwise
 * (grouped) convolution and a global average pool in place of the fully connected layers.
 */
import type { LayerSpec, NetworkSpec } from './spec.js';

const conv = (
  outChannels: number,
  kernel: number,
  o: { stride?: number; padding?: number; dilation?: number; groups?: number } = {},
): LayerSpec => ({
  kind: 'conv',
  outChannels,
  kernel,
  stride: o.stride ?? 1,
  padding: o.padding ?? 0,
  dilation: o.dilation ?? 1,
  groups: o.groups ?? 1,
  bias: true,
});
const relu: LayerSpec = { kind: 'relu' };
const flatten: LayerSpec = { kind: 'flatten' };
const maxPool = (kernel: number): LayerSpec => ({
  kind: 'maxpool',
  kernel,
  stride: null,
  padding: 0,
  dilation: 1,
});
const linear = (inFeatures: number, outFeatures: number): LayerSpec => ({
  kind: 'linear',
  inFeatures,
  outFeatures,
  bias: true,
});

export type PresetName = 'lenet5' | 'tiny' | 'allconv';

export interface Preset {
  readonly name: PresetName;
  readonly label: string;
  /** What it shows, in a sentence, for the page. */
  readonly description: string;
  readonly spec: NetworkSpec;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'lenet5',
    label: 'LeNet-5 (61,706 parameters)',
    description:
      'LeCun’s classic with ReLU and max pooling: two convolutions, then three fully connected layers. The same layers as Stride’s LeNet5.',
    spec: [
      conv(6, 5, { padding: 2 }),
      relu,
      maxPool(2),
      conv(16, 5),
      relu,
      maxPool(2),
      flatten,
      linear(400, 120),
      relu,
      linear(120, 84),
      relu,
      linear(84, 10),
    ],
  },
  {
    name: 'tiny',
    label: 'Tiny (4,010 parameters)',
    description:
      'One strided convolution, a pool and a linear layer: it trains in seconds, to about 88% in the default 300 steps.',
    spec: [conv(8, 3, { stride: 2, padding: 1 }), relu, maxPool(2), flatten, linear(392, 10)],
  },
  {
    name: 'allconv',
    label: 'All-convolutional (15,786 parameters)',
    description:
      'Strided convolutions instead of pooling, a dilated depthwise convolution (groups = channels), a batch norm, and a global average pool instead of fully connected layers.',
    spec: [
      conv(16, 3, { stride: 2, padding: 1 }),
      { kind: 'batchnorm' },
      relu,
      conv(32, 3, { padding: 1 }),
      relu,
      // Depthwise then pointwise: each channel filtered on its own, then mixed.
      conv(32, 3, { padding: 2, dilation: 2, groups: 32 }),
      conv(32, 1),
      relu,
      conv(32, 3, { stride: 2, padding: 1 }),
      relu,
      conv(10, 1),
      { kind: 'avgpool', kernel: 7, stride: null, padding: 0 },
      flatten,
    ],
  },
];

/** The architecture the builder starts with. */
export const DEFAULT_PRESET: PresetName = 'lenet5';

export function preset(name: PresetName): NetworkSpec {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new Error(`no preset named ${name}`);
  return p.spec;
}
