import { defineProject } from 'vitest/config';
import { packageProject } from '../../vitest.shared.js';

// Dawn reads VK_ICD_FILENAMES once, in the process that loads it, and a worker thread's
// `process.env` is a copy it never sees: the variable must be set here, before vitest starts its
// workers. SwiftShader (Debian's `chromium` package) is the Vulkan driver when no GPU is present;
// a value already set (a real GPU's driver) wins.
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';

const project = packageProject('@stride/backend-webgpu');

export default defineProject({
  ...project,
  test: {
    ...project.test,
    // SwiftShader runs every shader on one CPU thread: the suite is slow, not stuck.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
