import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `pnpm docs:build` builds the site as a reader's machine would: the API reference from the
// packages' sources with TypeDoc, then every page with VitePress (which fails on a dead internal
// link). The built files are then checked page by page.

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(docsDir, '..');
const dist = join(docsDir, '.vitepress', 'dist');

const learnPages = readdirSync(join(docsDir, 'learn'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `learn/${name.replace(/\.md$/, '.html')}`);
const packages = readdirSync(join(repoRoot, 'packages')).filter((p) =>
  existsSync(join(repoRoot, 'packages', p, 'src', 'index.ts')),
);

describe('pnpm docs:build', () => {
  it('builds every page of the site', { timeout: 180_000 }, async () => {
    // Vitest sets NODE_ENV=test, which would make Vite bundle Vue's development build.
    const env = { ...process.env, NODE_ENV: 'production' };
    const { stdout } = await promisify(execFile)('pnpm', ['--silent', 'docs:build'], {
      cwd: repoRoot,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toMatch(/build complete/);

    const expected = [
      'index.html',
      'getting-started.html',
      'how-to/index.html',
      'reference/index.html',
      'reference/architecture.html',
      ...learnPages,
      'reference/api/index.html',
      ...packages.map((p) => `reference/api/@stride/${p}.html`),
    ];
    expect(learnPages.length).toBeGreaterThan(0);
    expect(packages.length).toBe(7);
    expect(expected.filter((page) => !existsSync(join(dist, page)))).toEqual([]);
  });
});
