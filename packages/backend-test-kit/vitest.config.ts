import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig } from 'vitest/config';
import { packageProject } from '../../vitest.shared.js';

// The kit's own tests run its checks against the CPU backend and against broken backends made
// from it. backend-cpu lists the kit as a dev dependency, so the kit cannot list backend-cpu
// (turbo rejects the cycle): its source is aliased here, and in tsconfig.test.json through
// "paths", as core's tests do.
const backendCpu = fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url));

export default defineProject(
  mergeConfig(packageProject('@stride/backend-test-kit'), {
    resolve: { alias: { '@stride/backend-cpu': backendCpu } },
  }),
);
