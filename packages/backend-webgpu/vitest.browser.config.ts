import { playwright } from '@vitest/browser-playwright';
import { configDefaults, defineProject } from 'vitest/config';
import { packageProject } from '../../vitest.shared.js';

// The package's tests in real headless Chromium (WebGPU through `navigator.gpu`), next to its
// Node project (vitest.config.ts). The root config lists this file by name: a folder in
// `projects` only finds `vitest.config.*`.
//
// Debian's `chromium` is used instead of a browser downloaded by playwright: this machine reaches
// only the npm registry and apt, and Debian's build ships SwiftShader, a Vulkan driver on the CPU,
// so WebGPU works without a GPU.
const base = packageProject('@stride/backend-webgpu');

export default defineProject({
  resolve: base.resolve,
  server: {
    // Cross-origin isolation, so that later tests can use SharedArrayBuffer (and precise
    // timers). The orchestrator and its test iframes are all served from this server, so
    // `require-corp` blocks nothing they load.
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  test: {
    // Project names must be unique, and the Node project is '@stride/backend-webgpu'; the
    // instance's name is the one vitest reports.
    name: '@stride/backend-webgpu:browser',
    include: ['test/**/*.browser.test.ts'],
    exclude: configDefaults.exclude,
    // SwiftShader runs every shader on one CPU thread: the suite is slow, not stuck (as in the
    // Node project).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      // One file at a time: the Node projects already keep both cores busy while this one
      // runs, and parallel pages measured no faster here.
      fileParallelism: false,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            // WebGPU is off by default on Linux; this enables it (SwiftShader here, a real
            // adapter where there is a GPU).
            '--enable-unsafe-webgpu',
            // CI runs as root, where Chromium refuses to start with its sandbox.
            '--no-sandbox',
            // Nothing outside this machine can be reached: keep Chromium from trying.
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-quic',
          ],
        },
      }),
      instances: [{ browser: 'chromium', name: '@stride/backend-webgpu (chromium)' }],
    },
  },
});
