/**
 * `@stride/backend-webgpu`: the Stride backend on WebGPU, in browsers (`navigator.gpu`) and in
 * Node (pass the `GPU` of the `webgpu` package). float32, int32 and bool; no float64 (WGSL has
 * none).
 *
 * Besides the plugin, this entry exports the building blocks kernels are written with, so that a
 * kernel (or a fused fast path) can be added in a few lines of TypeScript and WGSL.
 *
 * @packageDocumentation
 */
// Declares the WebGPU names the public types use, for projects without WebGPU typings.
import './webgpu-names.js';

export { createBackend, type WebGpuBackend } from './backend.js';
export { type PoolStats, sizeClass } from './buffer-pool.js';
export { type ContextStats, GpuContext } from './context.js';
export { diffCounters, type WebGpuCounters } from './counters.js';
export { type WebGpuOptions, webgpu } from './device.js';
export {
  type DispatchStats,
  F32Word,
  f32,
  gridFor,
  type KernelRun,
  type Word,
} from './dispatch.js';
export {
  broadcastOperand,
  type IndexPlan,
  indexWgsl,
  indexWordCount,
  indexWords,
  planIndex,
  type StridedOperand,
} from './indexing.js';
export type { PipelineStats } from './pipeline-cache.js';
export { GPU_ELEMENT_BYTES, type GpuStorage } from './storage.js';
export { bindings, main, RANDOM_WGSL, uniforms, WORKGROUP_SIZE, wgslType } from './wgsl.js';
export { MATH_WGSL } from './wgsl-math.js';
