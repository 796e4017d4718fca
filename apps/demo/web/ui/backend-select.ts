import type { BackendStatus } from '../backends.js';
import { select } from './dom.js';

/**
 * The backend a panel starts on: WebGPU only on a real GPU. A software adapter (SwiftShader,
 * llvmpipe) runs WebGPU on the CPU, far slower than the CPU backend for the page's small jobs.
 */
export function preferredBackend(backends: BackendStatus): 'webgpu' | 'cpu' {
  return backends.webgpu && !backends.software ? 'webgpu' : 'cpu';
}

/**
 * The backend picker of a panel that trains: WebGPU (with the adapter's name) and the CPU. It
 * starts on WebGPU only where there is a GPU: a software adapter trains far slower than the CPU
 * backend. Without WebGPU its option stays, disabled, so the user sees what is missing.
 */
export function trainingBackendSelect(id: string, backends: BackendStatus): HTMLSelectElement {
  const gpu = backends.webgpu;
  const el = select(
    id,
    [
      [
        'webgpu',
        gpu
          ? `WebGPU${backends.adapter ? ` (${backends.adapter})` : ''}`
          : 'WebGPU (not available here)',
      ],
      ['cpu', 'CPU'],
    ],
    preferredBackend(backends),
  );
  webgpuOption(el).disabled = !gpu;
  return el;
}

/** The picker's WebGPU option. */
export function webgpuOption(el: HTMLSelectElement): HTMLOptionElement {
  return el.querySelector('option[value="webgpu"]') as HTMLOptionElement;
}
