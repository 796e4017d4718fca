/**
 * `pnpm profile [--only <pattern>] [--seconds 3] [--node <path|ver>] [--out <file>]`: where the
 * time of Stride's CPU rows goes. Each workload runs alone in a child process under V8's sampling
 * profiler (every thread, the workers included) for a few seconds after a warm-up, and the
 * samples inside the measured window are summed by function: the WebAssembly kernels by name
 * (read from a build of them with a name section, packages/backend-cpu/scripts/wasm-names.mjs),
 * JavaScript by function and file, and the time the threads spent waiting for one another.
 * A profile, not a benchmark: the sampler itself costs a little, and the shares are what count.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeVersion, resolveNode } from './node-binary.js';
import { type ChildResult, readProfiles, report, selfTimes } from './profile-report.js';
import { WORKLOADS } from './workloads.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const WASM_NAMES = join(here, '../../../packages/backend-cpu/scripts/wasm-names.mjs');

function profileOne(
  node: string,
  id: string,
  seconds: number,
  wasmNames: Record<string, Record<string, string>>,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'stride-profile-'));
  try {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const out = execFileSync(
      node,
      [
        '--cpu-prof',
        '--cpu-prof-dir',
        dir,
        '--cpu-prof-interval',
        '250',
        '--import',
        tsx,
        '--conditions=source',
        join(here, 'profile-child.ts'),
        id,
        String(seconds),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`the profile of ${id} printed no result`);
    const result = JSON.parse(line) as ChildResult;
    const variant = result.backend.includes('relaxed') ? 'relaxedShared' : 'simdShared';
    const { times, threads } = selfTimes(
      readProfiles(dir),
      result.window,
      wasmNames[variant] ?? {},
    );
    return report(result, times, threads);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seconds: { type: 'string', default: '3' },
    node: { type: 'string' },
    out: { type: 'string' },
  },
});
const node = values.node ? resolveNode(values.node, (l) => console.error(l)) : process.execPath;
const pattern = new RegExp(values.only ?? '.');
const chosen = WORKLOADS.filter(
  (w) =>
    (pattern.test(w.id) || pattern.test(w.title)) &&
    !['fma-ceiling', 'mnist-to-accuracy', 'adds'].includes(w.kind),
);
const wasmNames = JSON.parse(execFileSync(process.execPath, [WASM_NAMES], { encoding: 'utf8' }));
const sections = [
  `Where the time goes: Stride's CPU backend on ${nodeVersion(node)}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  'Samples of every thread (the caller and the workers) inside the measured calls, summed by',
  'function; "waiting" is a thread spinning or asleep until the others finish their units.',
];
for (const w of chosen) {
  const text = profileOne(node, w.id, Number(values.seconds), wasmNames);
  console.log(`${text}\n`);
  sections.push('', text);
}
// pnpm runs the script in apps/bench: a relative --out is taken from where the command was typed.
if (values.out) {
  writeFileSync(resolve(process.env.INIT_CWD ?? '.', values.out), `${sections.join('\n')}\n`);
}
