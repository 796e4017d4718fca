import { defineProject } from 'vitest/config';
import { packageProject, useSwiftShaderUnlessSet } from '../../vitest.shared.js';

// The WebGPU training test runs on Dawn in Node.
useSwiftShaderUnlessSet();

export default defineProject(packageProject('@stride/demo'));
