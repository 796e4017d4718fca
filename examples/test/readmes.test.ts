import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installExample, repoRoot, run } from './consumer.js';

// Every ```js block of the root README and of each package README runs, as written, in a project
// where the packages are installed from their tarballs: a README example that stops working
// fails here rather than for the first reader who pastes it.

/**
 * Whether a package is published: a private one (the fuzz suite) is never installed from a
 * tarball, so its README is for this repository's developers and has no example to run here.
 */
function isPublished(dir: string): boolean {
  const manifest = join(repoRoot, 'packages', dir, 'package.json');
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).private !== true;
}

const readmes = [
  join(repoRoot, 'README.md'),
  join(repoRoot, 'docs', 'reference', 'architecture.md'),
  ...readdirSync(join(repoRoot, 'packages'))
    .filter(isPublished)
    .map((p) => join(repoRoot, 'packages', p, 'README.md')),
].filter((path) => existsSync(path));

/** The ```js code blocks of a markdown file, with the line each starts on. */
function jsBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  for (const match of markdown.matchAll(/^```js\n([\s\S]*?)^```$/gm)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    blocks.push({ line, code: match[1] as string });
  }
  return blocks;
}

const examples = readmes.flatMap((path) =>
  jsBlocks(readFileSync(path, 'utf8')).map(({ line, code }) => ({
    where: `${relative(repoRoot, path)}:${line}`,
    code,
  })),
);

// Dawn finds no Vulkan driver on a machine without a GPU unless pointed at SwiftShader; without
// either, the WebGPU example falls back to the CPU backend and still runs.
const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const env =
  process.env.VK_ICD_FILENAMES || !existsSync(swiftShader) ? {} : { VK_ICD_FILENAMES: swiftShader };

describe('README examples', () => {
  let consumer: { dir: string; dispose(): void };
  beforeAll(() => {
    consumer = installExample('readme-runner', inject('packsDir'));
  });
  afterAll(() => consumer?.dispose());

  it('are found in every package README', () => {
    expect(readmes.length).toBe(12);
    const withoutExample = readmes.filter(
      (path) => !examples.some((e) => e.where.startsWith(`${relative(repoRoot, path)}:`)),
    );
    expect(withoutExample).toEqual([]);
  });

  it.each(examples)('$where runs as an .mjs file', ({ where, code }) => {
    const name = `readme-${where.replace(/[^\w]+/g, '-')}`;
    // The test kit's conformance example is a vitest test file, and runs as one.
    const isTest = code.includes('runConformance(');
    const file = `${name}${isTest ? '.test' : ''}.mjs`;
    writeFileSync(join(consumer.dir, file), code);
    const r = isTest
      ? run(join(consumer.dir, 'node_modules/.bin/vitest'), ['run', file], consumer.dir, env)
      : run(process.execPath, [file], consumer.dir, env);
    expect(r.status, `${where}:\n${r.output}`).toBe(0);
  });
});
