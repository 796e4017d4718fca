/**
 * WebGPU in Node through Dawn (the `webgpu` package), shared by Stride's WebGPU runner and
 * tfjs-backend-webgpu's. Dawn reads VK_ICD_FILENAMES when it loads, so the harness sets it in
 * the environment it starts this process with.
 */
import type { Job } from '../protocol.js';
import { Unavailable } from './runner.js';

export interface Dawn {
  readonly gpu: GPU;
  readonly info: { adapter: string; vendor: string; architecture: string };
  /** A CPU emulating a GPU (SwiftShader): timings say nothing about GPUs. */
  readonly emulated: boolean;
}

/** Whether an adapter's description names a CPU emulating a GPU. */
export function isEmulatedAdapter(description: string): boolean {
  return /swiftshader|llvmpipe|lavapipe/i.test(description);
}

/** Starts Dawn; under `job.skipEmulatedGpu`, an emulated adapter makes the runner unavailable. */
export async function startDawn(job: Job): Promise<Dawn> {
  const dawn = await import('webgpu').catch((e: unknown) => {
    throw new Unavailable(`the webgpu package (Dawn) does not load: ${(e as Error).message}`);
  });
  // GPUBufferUsage and the other WebGPU constants that code written for browsers expects.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Unavailable(
      `no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`,
    );
  }
  const a = adapter.info;
  const name = a.description || a.device || a.architecture || a.vendor || 'unknown adapter';
  const emulated = isEmulatedAdapter(`${name} ${a.vendor} ${a.architecture}`);
  if (emulated && job.skipEmulatedGpu) {
    throw new Unavailable(
      `the adapter (${name}) emulates a GPU on the CPU; --quick skips it unless named with --peers or --backends`,
    );
  }
  return { gpu, info: { adapter: name, vendor: a.vendor, architecture: a.architecture }, emulated };
}
