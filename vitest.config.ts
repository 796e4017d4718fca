import { defineConfig } from 'vitest/config';

// `pnpm test` runs every package's project (its own vitest.config.ts) in one process and
// always writes the JSON report that .ci/run reads.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    passWithNoTests: true,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/results.json' },
  },
});
