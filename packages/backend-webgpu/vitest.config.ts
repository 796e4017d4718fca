import { defineProject } from 'vitest/config';
import { packageProject, useSwiftShaderUnlessSet } from '../../vitest.shared.js';

useSwiftShaderUnlessSet();

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
