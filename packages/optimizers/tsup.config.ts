import { defineConfig } from 'tsup';

export default defineConfig({
  // ./node (checkpoint files) is a separate entry so that the main one stays browser-safe;
  // code both share goes to a common chunk, so there is one Tensor class.
  entry: ['src/index.ts', 'src/node/checkpoint.ts'],
  format: ['esm'],
  target: 'es2022',
  sourcemap: true,
  // dist also holds the .d.ts files and build info written by `tsc -b`.
  clean: false,
  dts: false,
});
