import { create } from 'webgpu';
import { DAWN_TEST_TOGGLES } from '../../../dawn.shared.js';
import { type WebGpuBackend, type WebGpuOptions, webgpu } from '../src/index.js';

/** Dawn's entry point for the tests, with the toggles of dawn.shared.ts (why: see there). */
export function createGpu(): GPU {
  return create(DAWN_TEST_TOGGLES);
}

/** A fresh backend on Dawn (SwiftShader when there is no GPU; see vitest.config.ts). */
export function makeBackend(options: Omit<WebGpuOptions, 'gpu'> = {}): Promise<WebGpuBackend> {
  return webgpu({ ...options, gpu: createGpu() }).init();
}
