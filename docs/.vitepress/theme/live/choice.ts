// The backend the live examples of a page run on, shared by every example: WebGPU where the
// browser has an adapter, the CPU backend otherwise. Kept apart from the runtime so that a page
// can show the choice without loading the library.
import { ref } from 'vue';

export type BackendChoice = 'webgpu' | 'cpu';

/** The reader's choice, for every live example of the site. */
export const backendChoice = ref<BackendChoice>('cpu');

/** Null while WebGPU can be chosen, else why it cannot (no WebGPU, no adapter). */
export const webgpuUnavailable = ref<string | null>('not checked yet');

let probed = false;

/**
 * Looks for a WebGPU adapter once per page load and picks WebGPU when there is one. A
 * `?backend=cpu` or `?backend=webgpu` in the address chooses instead.
 */
export async function probeWebgpu(): Promise<void> {
  if (probed) return;
  probed = true;
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let reason: string | null = null;
  if (!gpu) reason = 'this browser has no WebGPU';
  else {
    try {
      if (!(await gpu.requestAdapter())) reason = 'this browser found no WebGPU adapter';
    } catch (e) {
      reason = `WebGPU failed: ${(e as Error).message}`;
    }
  }
  webgpuUnavailable.value = reason;
  const asked = new URLSearchParams(location.search).get('backend');
  if (asked === 'cpu' || (asked === 'webgpu' && reason === null)) backendChoice.value = asked;
  else backendChoice.value = reason === null ? 'webgpu' : 'cpu';
}
