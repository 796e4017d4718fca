import { expectSupportFile, runConformance } from '@stride/backend-test-kit';
import { create } from 'webgpu';
import { webgpu } from '../src/index.js';

runConformance({
  backend: () => webgpu({ gpu: create([]) }),
});
// The support table of the docs (docs/reference/data/support/webgpu.json) must say what this run
// found: `pnpm --filter @stride/docs support` rewrites it.
expectSupportFile('../../../docs/reference/data/support/webgpu.json');
