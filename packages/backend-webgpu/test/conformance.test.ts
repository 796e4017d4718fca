import { expectSupportFile, runConformance } from '@stride/backend-test-kit';
import { webgpu } from '../src/index.js';
import { createGpu } from './helpers.js';

runConformance({
  backend: () => webgpu({ gpu: createGpu() }),
});
// The support table of the docs (docs/reference/data/support/webgpu.json) must say what this run
// found: `pnpm --filter @stride/docs support` rewrites it.
expectSupportFile('../../../docs/reference/data/support/webgpu.json');
