import { create } from 'webgpu';
import { DAWN_TEST_TOGGLES } from '../../../dawn.shared.js';
import {
  bindings,
  main,
  uniforms,
  type WebGpuBackend,
  type WebGpuOptions,
  webgpu,
} from '../src/index.js';

/** Dawn's entry point for the tests, with the toggles of dawn.shared.ts (why: see there). */
export function createGpu(): GPU {
  return create(DAWN_TEST_TOGGLES);
}

/** A fresh backend on Dawn (SwiftShader when there is no GPU; see vitest.config.ts). */
export function makeBackend(options: Omit<WebGpuOptions, 'gpu'> = {}): Promise<WebGpuBackend> {
  return webgpu({ ...options, gpu: createGpu() }).init();
}

/**
 * Records a kernel named 'broken' whose shader does not compile: its validation error is
 * reported later, as a StrideError naming that kernel.
 */
export function recordBrokenKernel(b: WebGpuBackend): void {
  const out = b.context.alloc('float32', 4);
  b.context.enter('broken');
  b.context.run({
    name: 'broken',
    code: `${uniforms(1)}\n${bindings({}, { y: 'f32' })}\n${main('y[i] = undefined_thing;')}`,
    inputs: [],
    outputs: [out],
    threads: 4,
  });
}
