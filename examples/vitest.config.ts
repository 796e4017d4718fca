import { defineProject } from 'vitest/config';

// The examples as a consumer meets them: the global setup builds and packs every package once,
// and each test installs one example from those tarballs into a folder outside the repository
// (no workspace links) and runs it.
export default defineProject({
  test: {
    name: '@stride/examples',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/pack.ts'],
    // npm installs, bundler builds and a browser: minutes on a loaded 2-core machine, not hung.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
