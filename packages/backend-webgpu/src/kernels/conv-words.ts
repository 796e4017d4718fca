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

/**
 * WGSL (after the geometry accessors): the input row that output row (od, oh) reads under tap
 * (kd, kh), as its offset within a channel's plane and 1 when it lies inside the input; a row
 * over the padding gives offset 0 (row 0, which the caller masks to zeros) and 0.
 */
export const INPUT_ROW_WGSL = `fn inputRow(od: u32, oh: u32, kd: u32, kh: u32) -> vec2<u32> {
  let id = i32(od * cSD() + kd * cDD()) - i32(cPD());
  let ih = i32(oh * cSH() + kh * cDH()) - i32(cPH());
  let inside = id >= 0 && id < i32(cD()) && ih >= 0 && ih < i32(cH());
  return select(vec2<u32>(0u), vec2<u32>((u32(id) * cH() + u32(ih)) * cW(), 1u), inside);
}`;

/** The geometry words of `g`, in the order of `GEOMETRY_NAMES`. */
export function geometryWords(g: ConvGeometry): number[] {
  return [...g.input, ...g.output, ...g.kernel, ...g.stride, ...g.pad, ...g.dilation];
}
