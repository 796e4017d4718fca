/**
 * The failure summary of the last fuzz run as Markdown (counts per kind and backend, then per
 * function each distinct failing call with what Stride did and what PyTorch did), from the
 * test-results/fuzz-<backend>.json files the suite writes:
 *
 *     pnpm --filter @stride/fuzz report > fuzz-report.md
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Failure } from '../src/replay.js';

interface Results {
  backend: string;
  seed: number;
  ops: Record<string, { cases: number; failures: Failure[] }>;
}

const dir = fileURLToPath(new URL('../test-results/', import.meta.url));
const runs: Results[] = ['cpu', 'webgpu']
  .map((b) => `${dir}fuzz-${b}.json`)
  .filter((f) => existsSync(f))
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as Results);

const KINDS = ['silent answer', 'wrong value', 'wrong error', 'wrong fn', 'crash', 'hang', 'leak'];
const out: string[] = ['# Fuzz failures', ''];
out.push(`| backend | calls | failing calls | ${KINDS.join(' | ')} |`);
out.push(`|---|---|---|${KINDS.map(() => '---').join('|')}|`);
for (const r of runs) {
  const all = Object.values(r.ops);
  const calls = all.reduce((n, o) => n + o.cases, 0);
  const failures = all.flatMap((o) => o.failures);
  const failing = new Set(failures.map((f) => f.call)).size;
  const counts = KINDS.map((k) => failures.filter((f) => f.kind === k).length);
  out.push(`| ${r.backend} (seed ${r.seed}) | ${calls} | ${failing} | ${counts.join(' | ')} |`);
}
out.push('');

const ops = [...new Set(runs.flatMap((r) => Object.keys(r.ops)))];
for (const op of ops) {
  // One entry per distinct (kind, call, what happened), with the backends it happened on.
  const seen = new Map<string, { f: Failure; backends: string[] }>();
  for (const r of runs) {
    for (const f of r.ops[op]?.failures ?? []) {
      const key = `${f.kind}\u0000${f.call}\u0000${f.stride}`;
      const e = seen.get(key) ?? { f, backends: [] };
      e.backends.push(r.backend);
      seen.set(key, e);
    }
  }
  if (!seen.size) continue;
  out.push(`## ${op}`, '');
  for (const kind of KINDS) {
    const list = [...seen.values()].filter((e) => e.f.kind === kind);
    if (!list.length) continue;
    out.push(`### ${kind} (${list.length})`, '');
    for (const { f, backends } of list) {
      out.push(`- \`${f.call}\` (${backends.join(', ')})`);
      out.push(`  - Stride: ${f.stride}`);
      out.push(`  - PyTorch: ${f.torch}`);
    }
    out.push('');
  }
}
console.log(out.join('\n'));
