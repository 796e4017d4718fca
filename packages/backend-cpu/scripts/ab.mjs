// Runs scripts/speed.ts alternately on two builds of this package (A: a baseline bundle, B: the
// sources) and prints, per workload, the median GFLOP/s of each over the rounds and their ratio.
// Alternating matters on a shared machine: load from other processes hits both sides alike.
//
//   node packages/backend-cpu/scripts/ab.mjs --base <bundle.js> [--rounds 5] [--only REGEX]
//     [--threads 1 --cpu-time] [--tile 4x8|6x8]
//
// A baseline bundle: `esbuild src/index.ts --bundle --format=esm --platform=node
// --external:@stride/core --outfile=node_modules/.ab-base/index.js`, made before the change.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const base = resolve(flag('--base', join(here, '../node_modules/.ab-base/index.js')));
const rounds = Number(flag('--rounds', '5'));
const only = flag('--only', '.');
const threads = flag('--threads');
// A fixed tile: left to the startup timing, either side may draw the other tile on a loaded machine.
const tile = flag('--tile');
const tsx = pathToFileURL(
  createRequire(join(here, '../../../apps/bench/package.json')).resolve('tsx'),
).href.replace(/cjs\/index\.cjs$/, 'esm/index.mjs');

function run(module) {
  const args = ['--conditions=source', '--import', tsx, join(here, 'speed.ts'), '--only', only];
  if (module) args.push('--module', pathToFileURL(module).href);
  if (threads) args.push('--threads', threads);
  if (tile) args.push('--tile', tile);
  if (argv.includes('--cpu-time')) args.push('--cpu-time');
  const out = execFileSync(process.execPath, args, { cwd: join(here, '..'), encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

const results = { A: new Map(), B: new Map() };
const loads = [loadavg()[0]];
for (let r = 0; r < rounds; r++) {
  for (const [side, module] of r % 2 === 0
    ? [
        ['A', base],
        ['B', null],
      ]
    : [
        ['B', null],
        ['A', base],
      ]) {
    for (const row of run(module)) {
      const list = results[side].get(row.id) ?? [];
      list.push(row.gflops ?? 1000 / row.ms);
      results[side].set(row.id, list);
    }
  }
  loads.push(loadavg()[0]);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`load averages (1 min) during the run: ${loads.map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${'workload'.padEnd(26)} ${'A'.padStart(8)} ${'B'.padStart(8)}   B/A`);
for (const [id, a] of results.A) {
  const b = results.B.get(id) ?? [];
  const ma = median(a);
  const mb = median(b);
  console.log(
    `${id.padEnd(26)} ${ma.toFixed(2).padStart(8)} ${mb.toFixed(2).padStart(8)}  ${(mb / ma).toFixed(2)}`,
  );
}
