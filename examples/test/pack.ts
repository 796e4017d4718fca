import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { repoRoot } from './consumer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder that holds one `.tgz` per published package, as `pnpm pack` writes them. */
    packsDir: string;
  }
}

/**
 * Builds every package (turbo: JavaScript with tsup, `.d.ts` with tsc) and packs each one, as a
 * release would, into a temporary folder that the example tests install from.
 */
export default function setup(project: TestProject): () => void {
  const packsDir = mkdtempSync(join(tmpdir(), 'stride-packs-'));
  // Only the published packages: the apps and the docs site have builds of their own (tens of
  // seconds each) that no tarball needs, and a private package (the fuzz suite) is never packed.
  const filters = publishedPackages().flatMap((dir) => ['--filter', `./packages/${dir}`]);
  execFileSync('pnpm', ['--silent', 'build', ...filters], { cwd: repoRoot, stdio: 'pipe' });
  execFileSync('pnpm', ['--silent', '-r', ...filters, 'pack', '--pack-destination', packsDir], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  project.provide('packsDir', packsDir);
  return () => rmSync(packsDir, { recursive: true, force: true });
}

/** The folders under packages/ whose package.json is not marked private. */
function publishedPackages(): string[] {
  const root = join(repoRoot, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((dir) => {
      try {
        const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
        return manifest.private !== true;
      } catch {
        return false;
      }
    });
}
