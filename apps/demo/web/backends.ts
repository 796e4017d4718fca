import { cpu } from '@stride/backend-cpu';
import { webgpu } from '@stride/backend-webgpu';
import { initBackend, registerBackend } from '@stride/core';

export interface BackendStatus {
  /** True when the WebGPU backend started (an adapter and a device were found). */
  webgpu: boolean;
  /** The adapter, in words ("SwiftShader Device (Subzero)", "nvidia ampere"), when known. */
  adapter: string;
  /**
   * True for a software adapter (SwiftShader, llvmpipe): WebGPU works there but runs on the CPU,
   * slower than the CPU backend for small jobs.
   */
  software: boolean;
  /** Why WebGPU is unavailable, for the notice the page shows. */
  reason: string;
}

/**
 * Registers both backends and tries to start WebGPU. The CPU backend always works, so the page
 * falls back to it and says so; which one runs is the user's to pick in the training panel.
 */
export async function startBackends(): Promise<BackendStatus> {
  registerBackend(cpu());
  registerBackend(webgpu());
  await initBackend('cpu');
  if (!('gpu' in navigator) || !navigator.gpu) {
    return {
      webgpu: false,
      adapter: '',
      software: false,
      reason: 'this browser does not expose WebGPU (navigator.gpu is missing)',
    };
  }
  try {
    await initBackend('webgpu');
  } catch (error) {
    return { webgpu: false, adapter: '', software: false, reason: messageOf(error) };
  }
  return { webgpu: true, ...(await describeAdapter()), reason: '' };
}

async function describeAdapter(): Promise<{ adapter: string; software: boolean }> {
  try {
    const adapter = await navigator.gpu.requestAdapter();
    const info = adapter?.info;
    if (!info) return { adapter: '', software: false };
    const name = info.description || [info.vendor, info.architecture].filter(Boolean).join(' ');
    const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter;
    return {
      adapter: name,
      software: fallback === true || /swiftshader|llvmpipe|lavapipe|software/i.test(name),
    };
  } catch {
    return { adapter: '', software: false };
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
