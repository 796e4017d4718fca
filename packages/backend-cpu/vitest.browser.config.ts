import { defineProject } from 'vitest/config';
import { chromiumProject } from '../../vitest.shared.js';

// The WebAssembly kernels in headless Chromium: relaxed SIMD and Web Workers over shared memory.
export default defineProject(chromiumProject('@stride/backend-cpu'));
