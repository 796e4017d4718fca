/**
 * The WebGPU names this package's public types mention, declared as open interfaces so that its
 * `.d.ts` type-checks in every project: where a full WebGPU declaration exists (TypeScript 6's DOM
 * library, or `@webgpu/types` listed in a project's `types`), these empty interfaces merge into it
 * and change nothing; where none does (a Node project without DOM, TypeScript 5's DOM library)
 * they stand in, and `skipLibCheck` is not needed. `@webgpu/types` itself cannot be a dependency:
 * it needs DOM names (`BufferSource`, `ImageBitmap`, `VideoFrame`) that a Node project lacks, and
 * it conflicts with TypeScript 6's own declarations. Only interfaces merge, so a name that a full
 * declaration makes a type alias (`GPUPowerPreference`) is spelled out where it is used instead.
 */
declare global {
  interface GPU {}
  interface GPUAdapter {}
  interface GPUDevice {}
  interface GPUBuffer {}
  interface GPUError {}
  interface GPUComputePipeline {}
  interface GPUBindGroupLayout {}
}

export {};
