import { create } from 'webgpu';
import { type WebGpuBackend, type WebGpuOptions, webgpu } from '../src/index.js';

/** A fresh backend on Dawn (SwiftShader when there is no GPU; see vitest.config.ts). */
export function makeBackend(options: Omit<WebGpuOptions, 'gpu'> = {}): Promise<WebGpuBackend> {
  return webgpu({ ...options, gpu: create([]) }).init();
}
