/**
 * `@stride/backend-cpu`: the CPU backend, for Node and browsers. Every kernel of the backend
 * contract over typed arrays: float32 matmul and convolutions on WebAssembly SIMD over worker
 * threads, TypeScript kernels for the rest, for float64 and where WebAssembly SIMD is missing.
 * Register it (`registerBackend(cpu())`) to run Stride anywhere, without a GPU; call `destroy()`
 * to end its worker threads. Its other exports (`gemm`, `im2col`, ...) are the building blocks of
 * its kernels, for tests and other backends.
 *
 * @packageDocumentation
 */
export type { CpuBackend, CpuOptions } from './cpu.js';
export { cpu } from './cpu.js';
export type { CpuFallback } from './fallbacks.js';
export type { Gemm } from './gemm.js';
export { gemm } from './gemm.js';
export { col2im, im2col } from './im2col.js';
export { erf, roundHalfEven } from './scalar.js';
