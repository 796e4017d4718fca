/**
 * The Dawn toggles of every Node test that makes a WebGPU device (`create(DAWN_TEST_TOGGLES)` from
 * the `webgpu` package). Where the Vulkan driver offers it, Dawn zero-initialises workgroup memory
 * through VK_KHR_zero_initialize_workgroup_memory, and SwiftShader (the CPU Vulkan driver the tests
 * run on) compiles a shader with workgroup memory four to ten times slower that way than when the
 * shader writes the zeros itself (measured on the tiled GEMMs of matmul and conv: 2-6 s against
 * 0.3-1 s). With that Dawn feature off, Tint writes the zeros in the shader instead: the WGSL
 * semantics are the same (workgroup memory starts zeroed either way), only who writes the zeros
 * changes. Chromium gets the same switch in chromium.shared.ts.
 */
export const DAWN_TEST_TOGGLES = [
  'disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension',
];
