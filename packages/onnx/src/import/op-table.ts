/**
 * The importer's op table: every ONNX op (default domain) it runs, with the attributes and inputs
 * it accepts. A node whose op is not here is refused at import, by name.
 */
import type { OpSpec } from './op-spec.js';
import { CONV_OPS } from './ops-conv.js';
import { MATH_OPS } from './ops-math.js';
import { NORM_OPS } from './ops-norm.js';
import { POOL_OPS } from './ops-pool.js';
import { RESIZE_OPS } from './ops-resize.js';
import { SHAPE_OPS } from './ops-shape.js';

/** Every supported op by its ONNX op type. */
export const OPS: Readonly<Record<string, OpSpec>> = Object.freeze({
  ...CONV_OPS,
  ...POOL_OPS,
  ...NORM_OPS,
  ...MATH_OPS,
  ...SHAPE_OPS,
  ...RESIZE_OPS,
});

/**
 * The op types `importOnnx` supports, sorted.
 *
 * @example
 * ```ts
 * supportedOnnxOps().includes('Conv');   // true
 * ```
 */
export function supportedOnnxOps(): string[] {
  return Object.keys(OPS).sort();
}

/** The opsets of the default domain the importer reads: 13 up to the newest onnxruntime 1.30 loads. */
export const MIN_OPSET = 13;
/** The newest opset of the default domain the importer reads (onnxruntime-node 1.30 loads up to 26). */
export const MAX_OPSET = 26;
