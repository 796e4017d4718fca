/**
 * The uniform words every convolution kernel reads for its geometry, in one order: input, output
 * and kernel extents, then strides, padding and dilations, each as depth, height, width (1-d and
 * 2-d convolutions arrive as 3-d with leading 1s). Each kernel puts its own words around them.
 */
import type { ConvGeometry } from '@stride/core';

/** WGSL accessor names of the geometry words (`cD()`, `cOH()`, `cSW()`, ...). */
export const GEOMETRY_NAMES = [
  'D',
  'H',
  'W',
  'OD',
  'OH',
  'OW',
  'KD',
  'KH',
  'KW',
  'SD',
  'SH',
  'SW',
  'PD',
  'PH',
  'PW',
  'DD',
  'DH',
  'DW',
] as const;

/** The geometry words of `g`, in the order of `GEOMETRY_NAMES`. */
export function geometryWords(g: ConvGeometry): number[] {
  return [...g.input, ...g.output, ...g.kernel, ...g.stride, ...g.pad, ...g.dilation];
}
