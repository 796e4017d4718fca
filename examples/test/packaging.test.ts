import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { examplesDir, installExample, repoRoot, run, tarballs } from './consumer.js';

// What npm users get from each tarball: the files in it, what attw and publint say about its
// manifest and types, and what require() does with it.
const packsDir = inject('packsDir');
const packs = [...tarballs(packsDir)];

/** The paths inside a tarball, without npm's `package/` prefix. */
function fileList(tarball: string): string[] {
  const list = run('tar', ['tzf', tarball], examplesDir);
  expect(list.status, list.output).toBe(0);
  return list.output
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));
}

function packedManifest(tarball: string) {
  const read = run('tar', ['xzf', tarball, '-O', 'package/package.json'], examplesDir);
  expect(read.status, read.output).toBe(0);
  return JSON.parse(read.output);
}

/** Every `types` file the manifest's `exports` name, e.g. `dist/index.d.ts`, `dist/index.d.cts`. */
function typesFiles(exports: unknown): string[] {
  if (exports === null || typeof exports !== 'object') return [];
  return Object.entries(exports).flatMap(([key, value]) =>
    key === 'types' && typeof value === 'string' ? [value.replace(/^\.\//, '')] : typesFiles(value),
  );
}

describe.each(packs)('%s tarball', (name, tarball) => {
  it('holds what a consumer runs and reads, and nothing from the build or the tests', () => {
    const files = fileList(tarball);
    const unwanted = files.filter((f) =>
      /^(src|assembly|scripts|test)\/|\.tsbuildinfo$|\.test\.|\.d\.ts\.map$/.test(f),
    );
    expect(unwanted, `${name} ships files consumers never use`).toEqual([]);
    const manifest = packedManifest(tarball);
    const required = ['README.md', 'LICENSE', 'package.json', ...typesFiles(manifest.exports)];
    expect(
      required.filter((f) => !files.includes(f)),
      `${name} lacks files: ${files.join(', ')}`,
    ).toEqual([]);
    // The source condition is for the workspace only: it names src/, which is not shipped.
    expect(JSON.stringify(manifest.exports)).not.toContain('"source"');
    expect(manifest.engines?.node).toBe('>=20');
  });

  it('has no problems that attw finds (node16 profile)', () => {
    const attw = run(
      join(examplesDir, 'node_modules/.bin/attw'),
      ['--profile', 'node16', '--format', 'ascii', tarball],
      examplesDir,
    );
    expect(attw.status, attw.output).toBe(0);
  });

  it('has no problems that publint finds, suggestions included', async () => {
    const data = readFileSync(tarball);
    const tarballBytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const { messages, pkg } = await publint({ pack: { tarball: tarballBytes }, strict: true });
    const problems = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('the fixtures of the test kit', () => {
  it('ship once, as the files the bundle imports', () => {
    const tarball = tarballs(packsDir).get('@stride/backend-test-kit') as string;
    const files = fileList(tarball);
    expect(files.filter((f) => f.startsWith('fixtures/')).length).toBeGreaterThan(0);
    const bundle = run('tar', ['xzf', tarball, '-O', 'package/dist/index.js'], examplesDir);
    // Inlined fixtures would make the bundle over a megabyte; as imports it is a few dozen KB.
    expect(bundle.output.length).toBeLessThan(300_000);
    expect(bundle.output).toContain(`from "../fixtures/conv.json" with { type: "json" }`);
  });
});

describe('require() from CommonJS', () => {
  let consumer: { dir: string; dispose(): void };
  beforeAll(() => {
    consumer = installExample('readme-runner', packsDir);
  });
  afterAll(() => consumer?.dispose());

  const entries = packs.flatMap(([name, tarball]) =>
    Object.keys(packedManifest(tarball).exports)
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => `${name}${subpath.slice(1)}`),
  );

  it.each(entries)('%s loads the ES module where Node can require it', (specifier) => {
    // The test kit imports vitest, which is installed in the consumer like any peer dependency.
    const script = `const m = require(${JSON.stringify(specifier)}); console.log(Object.keys(m).length);`;
    const r = run(process.execPath, ['-e', script], consumer.dir);
    expect(r.status, r.output).toBe(0);
    expect(Number(r.output.trim().split('\n').at(-1))).toBeGreaterThan(0);
  });

  it('gives the module instance import() gives, so there is one backend registry', () => {
    const script = `
      const core = require('@stride/core');
      const { cpu } = require('@stride/backend-cpu');
      core.registerBackend(cpu({ threads: 1 }));
      import('@stride/core').then(async (esm) => {
        if (esm.registerBackend !== core.registerBackend) throw new Error('two copies of core');
        await esm.setBackend('cpu');
        console.log(esm.tensor([1, 2]).add(1).dataSync().join(','));
      });`;
    const r = run(process.execPath, ['-e', script], consumer.dir);
    expect(r.status, r.output).toBe(0);
    // Only the first line: the CPU backend may add a warning about this Node's SIMD support.
    expect(r.output.split('\n')[0]).toBe('2,3');
  });

  it.each(entries)('%s explains what to do where require() of ES modules is off', (specifier) => {
    const script = `require(${JSON.stringify(specifier)})`;
    const r = run(
      process.execPath,
      ['--no-experimental-require-module', '-e', script],
      consumer.dir,
    );
    expect(r.status, r.output).not.toBe(0);
    expect(r.output).toContain(`${specifier} is an ES module. Load it with \`import\``);
    expect(r.output).toContain('Node 20.19+ or 22.12+');
  });
});

describe('pnpm -r publish --dry-run', () => {
  it('packs the seven packages and publishes none of the private workspace packages', () => {
    // The build ran in the global setup; prepack would only rebuild the same files.
    const r = run(
      'pnpm',
      ['-r', 'publish', '--dry-run', '--no-git-checks', '--ignore-scripts'],
      repoRoot,
    );
    expect(r.status, r.output).toBe(0);
    const published = [...r.output.matchAll(/📦 (@?[\w/.-]+)@/g)].map((m) => m[1]).sort();
    expect(published, r.output).toEqual(packs.map(([name]) => name).sort());
  });
});
