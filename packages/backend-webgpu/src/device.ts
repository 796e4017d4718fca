/**
 * The `webgpu()` plugin: finds an adapter, opens a device with the adapter's largest limits for
 * what tensors need (buffer sizes, storage bindings, compute workgroups), and builds the backend.
 *
 * ```ts
 * registerBackend(webgpu());                       // browser: navigator.gpu
 * registerBackend(webgpu({ gpu: create([]) }));    // Node: `import { create } from 'webgpu'`
 * await setBackend('auto');                        // WebGPU when an adapter exists, else CPU
 * ```
 *
 * The package never imports `webgpu` (Dawn for Node) itself, so it bundles for browsers; Node
 * users install `webgpu` and pass its `GPU` object.
 */
import type { BackendPlugin } from '@stride/core';
import { checkOptions, option, StrideError } from '@stride/core';
import { createBackend, type WebGpuBackend } from './backend.js';
import { GpuContext } from './context.js';
import { HOST_MAX_ELEMENTS } from './host-storage.js';

/** Options of `webgpu()`. */
export interface WebGpuOptions {
  /** The WebGPU entry point; default `navigator.gpu`. In Node: `create([])` from `webgpu`. */
  readonly gpu?: GPU;
  /**
   * The adapter to ask for on machines with two GPUs (passed to `requestAdapter`). Default: the
   * browser's or Dawn's choice.
   */
  readonly powerPreference?: 'low-power' | 'high-performance';
  /**
   * Submit each kernel alone inside error scopes, so a validation or out-of-memory error names
   * the kernel that caused it (reported at the next call or read). Much slower; for debugging.
   */
  readonly debug?: boolean;
  /** Dispatches recorded before a submission that no read asked for. Default 64. */
  readonly batchSize?: number;
  /** Cap on the bytes of freed buffers kept for reuse. Default 256 MiB. */
  readonly maxPooledBytes?: number;
  /**
   * Tensors of at most this many elements made from host data (uploads, small fills) keep it on
   * the host until a GPU kernel needs it, and element-wise arithmetic, comparisons and logic on
   * such tensors run on the host, so chains of scalar math cost no launches and no read-back.
   * Default 1024; 0 keeps every tensor on the GPU.
   */
  readonly hostMaxElements?: number;
}

/** Limits raised to the adapter's maximum: the defaults cap buffers at 128-256 MiB. */
const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** A plugin whose `init` says what it makes. */
export interface WebGpuPlugin extends BackendPlugin {
  init(): Promise<WebGpuBackend>;
}

/** The rules of `WebGpuOptions`. */
const WEBGPU_OPTIONS = {
  gpu: option.custom<GPU>(
    "a GPU (navigator.gpu, or create([]) from the 'webgpu' package)",
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { requestAdapter?: unknown }).requestAdapter === 'function',
  ),
  powerPreference: option.oneOf('low-power', 'high-performance'),
  debug: option.boolean,
  batchSize: option.integer({ min: 1 }),
  maxPooledBytes: option.integer({ min: 0 }),
  hostMaxElements: option.integer({ min: 0 }),
} as const;

/**
 * The WebGPU backend plugin (name `'webgpu'`, priority 10: preferred by `'auto'`). The options
 * are checked here, at the call: an unknown or ill-typed one throws a `StrideError`.
 */
export function webgpu(options: WebGpuOptions = {}): WebGpuPlugin {
  const o = checkOptions('webgpu', options, WEBGPU_OPTIONS);
  return {
    name: 'webgpu',
    priority: 10,
    init: async () => {
      const gpu = o.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
      if (!gpu) {
        throw new StrideError(
          'webgpu',
          'WebGPU is not available here (no navigator.gpu); in Node, install the `webgpu` ' +
            "package and pass its GPU: webgpu({ gpu: create([]) }) with create from 'webgpu'",
        );
      }
      const adapter = await gpu.requestAdapter({ powerPreference: o.powerPreference });
      if (!adapter) {
        throw new StrideError(
          'webgpu',
          'no WebGPU adapter is available (no GPU, or no driver; in Node without a GPU, point ' +
            'VK_ICD_FILENAMES at a Vulkan driver such as SwiftShader)',
        );
      }
      const requiredLimits: Record<string, number> = {};
      for (const name of LIMITS) requiredLimits[name] = adapter.limits[name];
      const device = await adapter.requestDevice({ requiredLimits });
      const ctx = new GpuContext(gpu, adapter, device, {
        debug: o.debug ?? false,
        batchSize: o.batchSize ?? 64,
        maxPooledBytes: o.maxPooledBytes ?? 256 * 1024 * 1024,
        hostMaxElements: o.hostMaxElements ?? HOST_MAX_ELEMENTS,
      });
      return createBackend(ctx);
    },
  };
}
