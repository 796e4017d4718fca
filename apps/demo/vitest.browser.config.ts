import { defaultServerConditions } from 'vite';
import { defineProject } from 'vitest/config';

// The demo page in a real browser. The tests run in Node and drive Debian's Chromium through
// playwright (see test/browser/chromium.ts); the global setup builds the page with Vite and
// serves it with `vite preview`. The root config lists this file by name, next to the Node
// project of the CLI (vitest.config.ts), which skips `*.browser.test.ts`.
//
// Its files share the root's workers with every other Node project (each file opens its own
// browser). A project with `fileParallelism: false` would be put in a group of its own that
// vitest runs only after all the others, with the machine otherwise idle.
export default defineProject({
  // The tests themselves run Stride in Node too (to check what the page downloads), from the
  // packages' sources like every other Node test.
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    name: '@stride/demo:page',
    include: ['test/browser/**/*.browser.test.ts'],
    globalSetup: ['test/browser/serve-page.ts'],
    // Training on SwiftShader runs every shader on one CPU thread: slow, not stuck.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
