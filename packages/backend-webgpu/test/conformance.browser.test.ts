// The conformance suite on WebGPU in headless Chromium (navigator.gpu), the same suite that
// conformance.test.ts runs in Node through Dawn.
import { expectSupportFile, runConformance } from '@stride/backend-test-kit';
import { webgpu } from '../src/index.js';

runConformance({ backend: () => webgpu() });
// The support table of the docs (docs/reference/data/support/webgpu.json) must say what this run
// found: `pnpm --filter @stride/docs support` rewrites it.
expectSupportFile('../../../docs/reference/data/support/webgpu.json');
