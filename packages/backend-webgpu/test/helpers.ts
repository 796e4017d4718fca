import { create } from 'webgpu';
import { type WebGpuBackend, type WebGpuOptions, webgpu } from '../src/index.js';

/**
 * Dawn's entry point for the tests. Where the Vulkan driver offers it, Dawn zero-initialises
 * workgroup memory through VK_KHR_zero_initialize_workgroup_memory, and SwiftShader compiles such
 * a shader about ten times slower than the same shader that writes the zeros itself (measured:
 * a tiled GEMM, 3-6 s against 0.3-0.7 s). With that Dawn feature off, Tint writes the zeros in
 * the shader instead: the WGSL semantics are the same (workgroup memory starts zeroed either
 * way), only who writes the zeros changes. Kernels with workgroup memory (the tiled GEMM,
 * reductions, softmax) compile the driver's way in the tests that use `create([])` directly
 * (options.test.ts, the fuzz and demo suites) and in Chromium (the browser projects).
 */
export function createGpu(): GPU {
  return create(['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension']);
}

/** A fresh backend on Dawn (SwiftShader when there is no GPU; see vitest.config.ts). */
export function makeBackend(options: Omit<WebGpuOptions, 'gpu'> = {}): Promise<WebGpuBackend> {
  return webgpu({ ...options, gpu: createGpu() }).init();
}
