import { defineProject } from 'vitest/config';

// The demo page in a real browser. The tests run in Node and drive Debian's Chromium through
// playwright (see test/browser/chromium.ts); the global setup builds the page with Vite and
// serves it with `vite preview`. The root config lists this file by name, next to the Node
// project of the CLI (vitest.config.ts), which skips `*.browser.test.ts`.
export default defineProject({
  test: {
    name: '@stride/demo:page',
    include: ['test/browser/**/*.browser.test.ts'],
    globalSetup: ['test/browser/serve-page.ts'],
    // Each file opens its own browser; one at a time leaves a core for the other projects.
    fileParallelism: false,
    // Training on SwiftShader runs every shader on one CPU thread: slow, not stuck.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
