import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'es2022',
  sourcemap: true,
  // dist also holds the .d.ts files and build info written by `tsc -b`.
  clean: false,
  dts: false,
});
