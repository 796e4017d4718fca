import { defaultClientConditions, defaultServerConditions } from 'vite';
import { configDefaults, type UserWorkspaceConfig } from 'vitest/config';

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
