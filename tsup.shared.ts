import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Options } from 'tsup';

/**
 * How every package builds its JavaScript: ESM only, one bundle per entry. The .d.ts files come
 * from `tsc -b`, which also keeps its build info in dist, so tsup cleans only its own output
 * (stale chunks of an earlier build would otherwise end up in the tarball).
 *
 * Source maps carry their sources inline (esbuild's default), so they work from the tarball,
 * which ships no `src/`.
 */
export function packageBuild(entry: string[] = ['src/index.ts'], extra: Options = {}): Options {
  return {
    entry,
    format: ['esm'],
    target: 'es2022',
    sourcemap: true,
    clean: ['**/*.js', '**/*.js.map', '**/*.cjs', '**/*.d.cts'],
    dts: false,
    onSuccess: async () => writeRequireWrappers(entry),
    ...extra,
  };
}

/**
 * Next to each entry `dist/x.js`, writes `dist/x.cjs` and `dist/x.d.cts` for the `require`
 * export condition.
 *
 * The wrapper is not a CommonJS build: a second copy of core would hold a second backend
 * registry, and a backend registered through one copy would be missing in the other. It loads the
 * ES module itself, so `require` and `import` share one instance. That needs a Node that can
 * require ES modules synchronously (20.19+, 22.12+ by default); elsewhere Node throws
 * ERR_REQUIRE_ESM, which the wrapper turns into a message that says what to do instead.
 */
function writeRequireWrappers(entries: string[]): void {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  for (const entry of entries) {
    // src/node/checkpoint.ts → dist/node/checkpoint.{cjs,d.cts}, loading ./checkpoint.js
    const out = join('dist', relative('src', dirname(entry)));
    const stem = basename(entry).replace(/\.ts$/, '');
    writeFileSync(join(out, `${stem}.cjs`), requireWrapper(specifierOf(manifest, out, stem), stem));
    // The declarations are those of the ES module: require() returns its namespace.
    writeFileSync(join(out, `${stem}.d.cts`), `export * from './${stem}.js';\n`);
  }
}

/** The name users import `dist/<out>/<stem>.js` by, e.g. `@stride/core/node`, from `exports`. */
function specifierOf(manifest: { name: string; exports: object }, out: string, stem: string) {
  const js = `./${join(out, `${stem}.js`)}`;
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const importTarget = target?.import?.default ?? target?.import;
    if (importTarget === js) return `${manifest.name}${subpath.slice(1)}`;
  }
  throw new Error(`${manifest.name}: no export has ${js} as its import target`);
}

function requireWrapper(specifier: string, stem: string): string {
  const advice =
    `${specifier} is an ES module. Load it with \`import\` (from CommonJS: ` +
    `\`await import('${specifier}')\`), or run Node 20.19+ or 22.12+, where require() of ES ` +
    'modules works (it must not be disabled with --no-experimental-require-module).';
  return `'use strict';
// ${specifier} is published as ES modules only. This file lets require() load that same module
// where Node can require ES modules, and explains the alternatives where it cannot.
try {
  module.exports = require('./${stem}.js');
} catch (error) {
  if (error === null || typeof error !== 'object' || error.code !== 'ERR_REQUIRE_ESM') throw error;
  throw new Error(${JSON.stringify(advice)}, { cause: error });
}
`;
}
