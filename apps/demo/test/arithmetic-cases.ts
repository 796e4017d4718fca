/**
 * Grids of arithmetic-panel settings the tests sweep: every mode and number of axes, strides,
 * paddings, dilations, output paddings, channel counts and groups (depthwise included), flipped
 * and not, with settings core accepts and settings it refuses.
 */
import {
  type ArithSettings,
  type ConvMode,
  DEFAULT_SETTINGS,
  type SpatialDims,
} from '../web/arithmetic/settings.js';

/** in channels, out channels, groups. */
type Channels = readonly [number, number, number];

/** Plain, grouped, depthwise, and two that groups does not divide (input side, output side). */
export const CHANNELS: readonly Channels[] = [
  [1, 1, 1],
  [2, 3, 1],
  [4, 2, 2],
  [3, 3, 3],
  [4, 4, 3],
  [2, 3, 2],
];

export function settings(partial: Partial<ArithSettings>): ArithSettings {
  return { ...DEFAULT_SETTINGS, ...partial };
}

/**
 * A broad grid for the Node checks against core: about 1,600 settings, each small enough that
 * core's output is computed (the scrubber then has every step).
 */
export function sweep(): ArithSettings[] {
  const out: ArithSettings[] = [];
  for (const mode of ['conv', 'transposed'] as const)
    for (const dims of [1, 2, 3] as const)
      for (const input of dims === 3 ? [1, 4] : [1, 3, 6])
        for (const kernel of dims === 3 ? [1, 3] : [1, 2, 3])
          for (const stride of [1, 2, 3])
            for (const padding of [0, 1, 3])
              for (const dilation of [1, 2])
                for (const outputPadding of mode === 'conv' ? [0] : [0, 1, 2])
                  for (const [i, [inChannels, outChannels, groups]] of CHANNELS.entries()) {
                    // One channel setting per geometry, rotating through them all.
                    if (i !== (input + kernel + stride + padding + dims) % CHANNELS.length)
                      continue;
                    out.push(
                      settings({
                        mode,
                        dims,
                        input,
                        kernel,
                        stride,
                        padding,
                        dilation,
                        outputPadding,
                        inChannels,
                        outChannels,
                        groups,
                        flip: (input + stride + dilation + outputPadding) % 2 === 1,
                      }),
                    );
                  }
  return out;
}

/** A hand-picked grid for PyTorch (one Python process runs them all): ~150 settings. */
export function torchGrid(): ArithSettings[] {
  const out: ArithSettings[] = [];
  const add = (
    mode: ConvMode,
    dims: SpatialDims,
    [input, kernel, stride, padding, dilation, outputPadding]: readonly number[],
    [inChannels, outChannels, groups]: Channels,
    flip: boolean,
  ) =>
    out.push(
      settings({
        mode,
        dims,
        input: input as number,
        kernel: kernel as number,
        stride: stride as number,
        padding: padding as number,
        dilation: dilation as number,
        outputPadding: outputPadding as number,
        inChannels,
        outChannels,
        groups,
        flip,
      }),
    );
  // Every 1-d combination of stride, padding, dilation and output padding on a small input,
  // where core's transposed convolution has its special cases (padding beyond the kernel's
  // reach, output padding beyond the padding).
  for (const mode of ['conv', 'transposed'] as const)
    for (const stride of [1, 2, 3])
      for (const padding of [0, 1, 2, 4])
        for (const dilation of [1, 2])
          for (const outputPadding of mode === 'conv' ? [0] : [0, 1, 2])
            add(
              mode,
              1,
              [4, 3, stride, padding, dilation, outputPadding],
              CHANNELS[(stride + padding) % CHANNELS.length] as Channels,
              (stride + dilation) % 2 === 0,
            );
  // 2-d and 3-d: typical layers, groups, depthwise, and refusals.
  const shapes: readonly (readonly number[])[] = [
    [5, 3, 1, 1, 1, 0],
    [6, 3, 2, 1, 1, 1],
    [4, 2, 2, 0, 1, 0],
    [3, 3, 1, 0, 2, 1],
    [4, 3, 3, 2, 1, 2],
    [2, 5, 1, 0, 1, 0],
    [3, 1, 2, 3, 1, 0],
  ];
  for (const mode of ['conv', 'transposed'] as const)
    for (const dims of [2, 3] as const)
      for (const [i, shape] of shapes.entries())
        for (const channels of [CHANNELS[i % CHANNELS.length] as Channels, [3, 3, 3] as const]) {
          // Volumes at most 3 cells a side keep the fixture small.
          const [input, ...rest] = shape as [number, ...number[]];
          add(
            mode,
            dims,
            [dims === 3 ? Math.min(input, 3) : input, ...rest],
            channels,
            i % 2 === 1,
          );
        }
  return out;
}
