import { defineProject } from 'vitest/config';
import { chromiumProject } from '../../vitest.shared.js';

// WebGPU through `navigator.gpu` in headless Chromium. SwiftShader runs every shader on one CPU
// thread: the suite is slow, not stuck (as in the Node project).
export default defineProject(chromiumProject('@stride/backend-webgpu'));
