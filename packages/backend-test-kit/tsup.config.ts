import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

// The fixtures stay files that dist/index.js imports (`../fixtures/*.json` resolves the same from
// dist/ as from src/), so the tarball carries the megabyte of golden values once rather than
// inlined in the bundle, again in its source map, and as the files.
export default defineConfig(
  packageBuild(['src/index.ts'], {
    // es2022 predates import attributes, and esbuild drops `with { type: 'json' }` for it, which
    // Node requires on a JSON import.
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'import-attributes': true };
    },
    esbuildPlugins: [
      {
        name: 'external-fixtures',
        setup(build) {
          build.onResolve({ filter: /^\.\.\/fixtures\/.*\.json$/ }, (args) => ({
            path: args.path,
            external: true,
          }));
        },
      },
    ],
  }),
);
