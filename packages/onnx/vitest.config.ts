import { defineProject } from 'vitest/config';
import { packageProject, useSwiftShaderUnlessSet } from '../../vitest.shared.js';

// The WebGPU export test runs on Dawn, with SwiftShader where there is no GPU.
useSwiftShaderUnlessSet();

export default defineProject(packageProject('@stride/onnx'));
