import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { packageProject } from '../../vitest.shared.js';

const base = packageProject('@stride/pytorch');
const source = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

// The cluster smoke test runs examples/pytorch-cluster, a consumer project whose `@stride/*`
// imports have no node_modules to resolve through inside the repository: they resolve to the
// packages' sources here, as the source export condition resolves this package's own imports.
export default defineProject({
  ...base,
  resolve: {
    ...base.resolve,
    alias: [
      { find: /^@stride\/core\/node$/, replacement: source('core/src/node/checkpoint.ts') },
      {
        find: /^@stride\/(core|layers|backend-cpu|datasets|pytorch)$/,
        replacement: source('$1/src/index.ts'),
      },
    ],
  },
});
