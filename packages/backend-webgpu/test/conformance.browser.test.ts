// The conformance suite on WebGPU in headless Chromium (navigator.gpu), the same suite that
// conformance.test.ts runs in Node through Dawn.
import { runConformance } from '@stride/backend-test-kit';
import { webgpu } from '../src/index.js';

runConformance({ backend: () => webgpu() });
