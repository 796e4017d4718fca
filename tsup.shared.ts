import type { Options } from 'tsup';

/**
 * How every package builds its JavaScript: ESM only, one bundle per entry. The .d.ts files come
 * from `tsc -b`, which also keeps its build info in dist, so tsup must not clean dist.
 */
export function packageBuild(entry: string[] = ['src/index.ts']): Options {
  return { entry, format: ['esm'], target: 'es2022', sourcemap: true, clean: false, dts: false };
}
