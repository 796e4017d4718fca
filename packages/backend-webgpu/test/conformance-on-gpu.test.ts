import { runConformance } from '@stride/backend-test-kit';
import { webgpu } from '../src/index.js';
import { createGpu } from './helpers.js';

// The kit's tensors are small, so with the defaults most element-wise ops run on the host
// (host-storage.ts). Here every tensor lives on the GPU, so every kernel runs there.
runConformance({
  backend: () => webgpu({ gpu: createGpu(), hostMaxElements: 0 }),
});
