import { runConformance } from '@stride/backend-test-kit';
import { create } from 'webgpu';
import { webgpu } from '../src/index.js';

runConformance({
  backend: () => webgpu({ gpu: create([]) }),
});
