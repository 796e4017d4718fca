import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { configDefaults, type UserWorkspaceConfig } from 'vitest/config';
import { chromiumLaunchOptions } from './chromium.shared.js';

/**
 * The vitest project of one package, run from the root (`pnpm test`) or from the package.
 * Projects inherit nothing from the root config, so everything a package needs is here.
 */
export function packageProject(name: string): UserWorkspaceConfig {
  return {
    // Resolve `@stride/*` to `src/index.ts` through the "source" export condition, so tests
    // run against the sources without a build. Vite keeps separate conditions for the client
    // (browser tests) and SSR (Node tests) environments, and setting them replaces its
    // defaults, hence the spreads.
    resolve: { conditions: ['source', ...defaultClientConditions] },
    ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
    test: {
      name,
      include: ['test/**/*.test.ts'],
      // `*.browser.test.ts` files run in Chromium, in a package's separate browser project
      // (vitest.browser.config.ts); Node has no `navigator.gpu` to run them with.
      exclude: [...configDefaults.exclude, 'test/**/*.browser.test.ts'],
      // Relaxed SIMD on, as in the CLI and the benchmark (vitest.node-setup.ts says why).
      setupFiles: [fileURLToPath(new URL('./vitest.node-setup.ts', import.meta.url))],
      // Measured on 2 cores: threads start faster than forks. The Dawn addon (`webgpu`)
      // loads in a worker thread too.
      pool: 'threads',
      // Files run in parallel on 2 shared cores: a training test that takes 3 s alone can take
      // several times that under load. Timing belongs to the benchmarks, not to the tests.
      testTimeout: 60_000,
    },
  };
}

/**
 * Dawn reads VK_ICD_FILENAMES once, in the process that loads it, and a worker thread's
 * `process.env` is a copy it never sees: a project whose tests use WebGPU in Node calls this from
 * its config, before vitest starts workers. SwiftShader (Debian's `chromium` package) is the
 * Vulkan driver when no GPU is present; a value already set (a real GPU's driver) wins.
 */
export function useSwiftShaderUnlessSet(): void {
  process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
}

/**
 * The `*.browser.test.ts` files of a package, in real headless Chromium, next to its Node project
 * (vitest.config.ts). The root config lists each package's vitest.browser.config.ts by name: a
 * folder in `projects` only finds `vitest.config.*`.
 *
 * Chromium is Debian's, started as chromium.shared.ts says. The page is cross-origin isolated, as
 * a page that wants SharedArrayBuffer (WebAssembly threads) must be.
 */
export function chromiumProject(name: string, testTimeout = 60_000): UserWorkspaceConfig {
  return {
    resolve: packageProject(name).resolve,
    server: {
      // The orchestrator and its test iframes are all served from this server, so
      // `require-corp` blocks nothing they load.
      headers: {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      },
    },
    test: {
      // Project names must be unique, and the Node project has the package's name; the
      // instance's name is the one vitest reports.
      name: `${name}:browser`,
      include: ['test/**/*.browser.test.ts'],
      exclude: configDefaults.exclude,
      testTimeout,
      hookTimeout: testTimeout,
      browser: {
        enabled: true,
        headless: true,
        // One file at a time: the Node projects already keep both cores busy meanwhile.
        fileParallelism: false,
        screenshotFailures: false,
        provider: playwright({ launchOptions: chromiumLaunchOptions }),
        instances: [{ browser: 'chromium', name: `${name} (chromium)` }],
      },
    },
  };
}
