import { defineProject } from 'vitest/config';
import { packageProject, useSwiftShaderUnlessSet } from '../../vitest.shared.js';

// The WebGPU file runs on Dawn, with SwiftShader where there is no GPU.
useSwiftShaderUnlessSet();

const project = packageProject('@stride/fuzz');

export default defineProject({
  ...project,
  test: {
    ...project.test,
    // One test per fuzzed function; on WebGPU (SwiftShader) a function's cases compile several
    // shaders on one CPU thread. Slow, not stuck.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
