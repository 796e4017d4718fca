/**
 * Convolution arithmetic for one spatial axis, as in PyTorch's `Conv2d` documentation and
 * Dumoulin & Visin's guide: with input size W, kernel F, stride S, padding P (each side) and
 * dilation D, the kernel spans D·(F − 1) + 1 input pixels and the output has
 *
 *     ⌊(W + 2P − D·(F − 1) − 1) / S⌋ + 1
 *
 * positions, which for D = 1 is the familiar ⌊(W − F + 2P) / S⌋ + 1.
 */

export interface ConvSettings {
  input: number;
  kernel: number;
  stride: number;
  padding: number;
  dilation: number;
}

/** Pixels of the input one kernel placement covers, gaps included. */
export function effectiveKernel(s: Pick<ConvSettings, 'kernel' | 'dilation'>): number {
  return s.dilation * (s.kernel - 1) + 1;
}

/** Output size, or 0 when the kernel does not fit in the padded input. */
export function convOutputSize(s: ConvSettings): number {
  const span = s.input + 2 * s.padding - effectiveKernel(s);
  return span < 0 ? 0 : Math.floor(span / s.stride) + 1;
}

/**
 * The padded-input coordinates (0 = first padding cell) of the taps of output position `o`:
 * the kernel's top-left tap sits at o·S, the others every D pixels.
 */
export function tapsOf(s: ConvSettings, o: number): number[] {
  return Array.from({ length: s.kernel }, (_, k) => o * s.stride + k * s.dilation);
}

/** True for a coordinate of the padded input that lies in the padding (zeros), not the image. */
export function isPadding(s: ConvSettings, p: number): boolean {
  return p < s.padding || p >= s.padding + s.input;
}
