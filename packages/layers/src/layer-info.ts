/**
 * What `summary()` asks each layer about one call: its FLOPs and how it maps input positions to
 * output positions along the spatial axes (for receptive fields and jumps).
 */

/** Window geometry per spatial axis (one entry per axis, in the input's axis order). */
export interface LayerGeometry {
  /**
   * Window size per spatial axis, in input positions: for an upsampling layer (a transposed
   * convolution, `Upsample`) the inputs one output sees, not the kernel it spreads each input by.
   */
  readonly kernel: readonly number[];
  /**
   * Input positions between neighbouring outputs: fractional for adaptive pooling whose input
   * size is not a multiple of its output, and below 1 for an upsampling layer (1 / its factor).
   */
  readonly stride: readonly number[];
  /** Spacing between window elements per spatial axis. */
  readonly dilation: readonly number[];
}

/** What a layer tells `summary()` about one call (`Module.layerInfo`). */
export interface LayerInfo {
  /** Floating-point operations of the call; a multiply-add counts as 2. */
  readonly flops: number;
  /**
   * Absent for a layer that works position by position (activations, normalisation, dropout,
   * flatten); `'global'` for one whose every output sees every input position (a `Linear` on
   * flattened features).
   */
  readonly geometry?: LayerGeometry | 'global';
}

/** The product of a shape's dims (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
