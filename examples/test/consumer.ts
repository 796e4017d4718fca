import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const examplesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(examplesDir, '..');

/** `@stride/core` → the path of its tarball in `packsDir` (`stride-core-0.1.0.tgz`). */
export function tarballs(packsDir: string): Map<string, string> {
  const byName = new Map<string, string>();
  for (const file of readdirSync(packsDir)) {
    const match = /^stride-(.+)-\d+\.\d+\.\d+(?:-[\w.]+)?\.tgz$/.exec(file);
    if (match) byName.set(`@stride/${match[1]}`, join(packsDir, file));
  }
  if (byName.size === 0) throw new Error(`no @stride tarballs in ${packsDir}`);
  return byName;
}

export interface Command {
  status: number | null;
  /** stdout and stderr together, for failure messages. */
  output: string;
}

/** Runs a command to completion; the caller asserts on the status so failures show the output. */
export function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Command {
  const r: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * `run` without blocking the test's thread, so that independent commands (two compilers, a build
 * and a server) can run at the same time.
 */
export function runAsync(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Command> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/**
 * Copies `examples/<name>` into a new folder outside the repository and installs it with npm,
 * every `@stride/*` package coming from its tarball: the direct dependencies are rewritten to
 * the tarballs, and `overrides` send the packages' dependencies on each other there too, where
 * npm would otherwise ask the registry. Returns the folder; `dispose` removes it.
 */
export function installExample(name: string, packsDir: string): { dir: string; dispose(): void } {
  const dir = join(mkdtempSync(join(tmpdir(), `stride-example-${name}-`)), name);
  cpSync(join(examplesDir, name), dir, {
    recursive: true,
    filter: (src) => !['node_modules', 'dist', 'package-lock.json'].includes(basename(src)),
  });
  const packs = tarballs(packsDir);
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const field of ['dependencies', 'devDependencies'] as const) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      const tarball = packs.get(dep);
      if (dep.startsWith('@stride/') && !tarball) throw new Error(`${name}: no tarball for ${dep}`);
      if (tarball) manifest[field][dep] = `file:${tarball}`;
    }
  }
  manifest.overrides = Object.fromEntries([...packs].map(([dep, path]) => [dep, `file:${path}`]));
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  if (install.status !== 0)
    throw new Error(`npm install of examples/${name} failed:\n${install.output}`);
  return { dir, dispose: () => rmSync(dirname(dir), { recursive: true, force: true }) };
}
