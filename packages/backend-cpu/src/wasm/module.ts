import { relaxedPrivate, relaxedShared, simdPrivate, simdShared } from './binaries.generated.js';

/** Which build of the kernels runs: the instruction set, and whether threads can share it. */
export interface KernelModule {
  readonly module: WebAssembly.Module;
  readonly relaxedSimd: boolean;
  readonly shared: boolean;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Shared WebAssembly memory needs SharedArrayBuffer: cross-origin-isolated pages and Node. */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles the best build this runtime validates: relaxed SIMD (fused multiply-add) when
 * allowed and supported, plain SIMD otherwise; `null` when WebAssembly SIMD is unavailable, and
 * the caller keeps the TypeScript kernels. Validating the real binary is the feature test.
 */
export function compileKernels(options: {
  relaxedSimd: boolean;
  shared: boolean;
}): KernelModule | null {
  if (typeof WebAssembly === 'undefined') return null;
  const shared = options.shared && sharedMemoryAvailable();
  const candidates: [string, boolean][] = shared
    ? [
        [relaxedShared, true],
        [simdShared, false],
      ]
    : [
        [relaxedPrivate, true],
        [simdPrivate, false],
      ];
  for (const [base64, relaxedSimd] of candidates) {
    if (relaxedSimd && !options.relaxedSimd) continue;
    const bytes = decode(base64);
    if (!WebAssembly.validate(bytes)) continue;
    try {
      // Synchronous compilation keeps `cpu()` synchronous; browsers refuse it on the main thread
      // for large modules, and then the TypeScript kernels stay in use.
      return { module: new WebAssembly.Module(bytes), relaxedSimd, shared };
    } catch {
      return null;
    }
  }
  return null;
}
