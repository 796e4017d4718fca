/**
 * `@stride/equivariant`: group convolutions for the group p4 (translations and rotations by
 * 90°), after Cohen & Welling (2016). `p4LiftConv2d` lifts an image to a p4 feature map
 * `[N, C, 4, H, W]` (one plane per rotation), `p4Conv2d` maps p4 feature maps to p4 feature maps,
 * and `p4Pool` pools over the rotations; a quarter turn of the input turns every output plane and
 * shifts the rotation axis cyclically, exactly. Everything is built from `@stride/core` ops, so it
 * has gradients and runs on every backend; the layers (`P4LiftConv2d`, `P4Conv2d`, `P4Pool`,
 * `P4MaxPool2d`) are `@stride/layers` modules.
 *
 * ```ts
 * const model = new Sequential(
 *   new P4LiftConv2d(1, 8, 3, { padding: 1 }), new ReLU(),
 *   new P4Conv2d(8, 8, 3, { padding: 1 }), new ReLU(),
 *   new P4Pool(),                                  // [N, 8, H, W], turns with the input
 * );
 * ```
 *
 * @packageDocumentation
 */

export { p4Conv2d, p4LiftConv2d } from './conv.js';
export { P4Conv2d, type P4ConvLayerOptions, P4LiftConv2d } from './conv-layers.js';
export type { P4ConvOptions } from './conv-options.js';
export { type P4MaxPoolOptions, type P4PoolMode, p4MaxPool2d, p4Pool } from './pool.js';
export { P4MaxPool2d, P4Pool } from './pool-layers.js';
export { rot90 } from './rot90.js';
