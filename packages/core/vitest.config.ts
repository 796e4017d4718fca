import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig } from 'vitest/config';
import { packageProject } from '../../vitest.shared.js';

// Core's tests run ops on the CPU backend. backend-cpu depends on core, so core cannot also
// list it as a dependency (turbo rejects the cycle): its source is aliased here instead, and
// in tsconfig.test.json through "paths".
const backendCpu = fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url));

export default defineProject(
  mergeConfig(packageProject('@stride/core'), {
    resolve: { alias: { '@stride/backend-cpu': backendCpu } },
  }),
);
