export type { CpuBackend, CpuOptions } from './cpu.js';
export { cpu } from './cpu.js';
export type { CpuFallback } from './fallbacks.js';
export type { Gemm } from './gemm.js';
export { gemm } from './gemm.js';
export { col2im, im2col } from './im2col.js';
export { erf, roundHalfEven } from './scalar.js';
