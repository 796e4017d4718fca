import { create } from 'webgpu';
import { type WebGpuBackend, type WebGpuOptions, webgpu } from '../src/index.js';

/**
 * Dawn's entry point for the tests. Where the Vulkan driver offers it, Dawn zero-initialises
 * workgroup memory through VK_KHR_zero_initialize_workgroup_memory, and SwiftShader compiles a
 * shader with workgroup memory four to ten times slower that way than when the shader writes the
 * zeros itself (measured on the tiled GEMMs of matmul and conv: 2-6 s against 0.3-1 s). With that
 * Dawn feature off, Tint writes the zeros in the shader instead: the WGSL semantics are the same
 * (workgroup memory starts zeroed either way), only who writes the zeros changes. Chromium (the
 * browser projects, conformance.browser.test.ts among them) still zero-initialises through the
 * driver.
 */
export function createGpu(): GPU {
  return create(['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension']);
}

/** A fresh backend on Dawn (SwiftShader when there is no GPU; see vitest.config.ts). */
export function makeBackend(options: Omit<WebGpuOptions, 'gpu'> = {}): Promise<WebGpuBackend> {
  return webgpu({ ...options, gpu: createGpu() }).init();
}
