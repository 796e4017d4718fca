import { defineConfig } from 'vitest/config';

// `pnpm test` runs every package's project (its own vitest.config.ts) in one process and
// always writes the JSON report that .ci/run reads. A folder in `projects` only finds
// `vitest.config.*`, so browser projects are listed by file.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'examples',
      'docs',
      'packages/backend-cpu/vitest.browser.config.ts',
      'packages/backend-webgpu/vitest.browser.config.ts',
      'apps/demo/vitest.browser.config.ts',
    ],
    passWithNoTests: true,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/results.json' },
  },
});
