/**
 * The Node binary the harness starts its Node runners on (`--node`): a path, or a version that is
 * fetched once from the npm registry, where `node-<platform>-<arch>@<version>` ships the official
 * binary inside its tarball, into `node_modules/.cache/node/<version>/` (outside git). Run as a
 * script, `tsx src/node-binary.ts <version>` fetches it and prints its path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const NODE_CACHE = join(BENCH_ROOT, 'node_modules', '.cache', 'node');

const VERSION = /^v?(\d+\.\d+\.\d+)$/;

/** Where a fetched version's binary lies. */
export function cachedNode(version: string): string {
  return join(NODE_CACHE, version, 'package', 'bin', 'node');
}

/** `npm pack` the version's package into the cache and unpack it; returns the binary's path. */
export function fetchNode(version: string, log: (line: string) => void = console.log): string {
  const bin = cachedNode(version);
  if (existsSync(bin)) return bin;
  const dir = join(NODE_CACHE, version);
  mkdirSync(dir, { recursive: true });
  const pkg = `node-${process.platform}-${process.arch}@${version}`;
  log(`fetching ${pkg} from the npm registry into ${dir}`);
  execFileSync('npm', ['pack', pkg, '--pack-destination', dir], { stdio: 'ignore' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${pkg} wrote no tarball to ${dir}`);
  execFileSync('tar', ['xzf', join(dir, tarball), '-C', dir]);
  rmSync(join(dir, tarball));
  if (!existsSync(bin)) throw new Error(`${pkg} has no bin/node`);
  return bin;
}

/** The binary `--node` names: a version (fetched when missing) or a path to an executable. */
export function resolveNode(spec: string, log?: (line: string) => void): string {
  const version = VERSION.exec(spec)?.[1];
  if (version) return fetchNode(version, log);
  const path = resolve(spec);
  if (!existsSync(path)) throw new Error(`--node: no file at ${path}`);
  return path;
}

/** `node --version` of a binary, e.g. `v24.22.3`. */
export function nodeVersion(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const version = process.argv[2];
  if (!version || !VERSION.test(version)) {
    console.error('usage: tsx src/node-binary.ts <version>, e.g. 24.22.3');
    process.exitCode = 2;
  } else {
    console.log(fetchNode(version.replace(/^v/, ''), (l) => console.error(l)));
  }
}
