import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the docs' scripts, without type declarations
import * as bench from '../scripts/benchmarks.mjs';

// The benchmarks page (reference/benchmarks.md) and its charts are made at build time by
// scripts/benchmarks.mjs from every results file of apps/bench/results. These tests check the
// page against the committed results.

interface Row {
  workload: string;
  runner: string;
  status: string;
  timing?: { medianMs: number };
  gflops?: number;
  check?: { status: string };
}
interface Run {
  id: string;
  folder: string;
  file: string;
  results: {
    startedAt: string;
    mode: string;
    machine: { cpu: string; node: string };
    runners: { name: string; status: string }[];
    workloads: { id: string; title: string }[];
    rows: Row[];
    ratios: { workload: string; peer: string; ratio: number; lowerBound?: boolean }[];
  };
}

const runs: Run[] = bench.loadRuns();
const charts = bench.chartsFor(runs) as Record<string, { file: string; alt: string }[]>;
const markdown: string = bench.renderBenchmarks(runs, (run: Run) =>
  (charts[run.id] ?? []).map((c) => ({ alt: c.alt, path: `./benchmarks/${c.file}` })),
);

/**
 * The part of the page under a run's heading, up to the next run's. Found by its results file,
 * which is the run's own: two runs of a day (on two Node versions, say) share a heading's start.
 */
function sectionOf(run: Run): string {
  const r = run.results;
  const heading = `## ${r.startedAt.slice(0, 10)}, ${r.mode} run:`;
  const file = markdown.indexOf(`results in \`apps/bench/results/${run.folder}/${run.file}\``);
  expect(file, `${run.folder}/${run.file}`).toBeGreaterThanOrEqual(0);
  const start = markdown.lastIndexOf('\n## ', file) + 1;
  expect(markdown.startsWith(heading, start), heading).toBe(true);
  const next = markdown.indexOf('\n## ', start + heading.length);
  return markdown.slice(start, next < 0 ? undefined : next);
}

describe('reference/benchmarks.md', () => {
  it('reads every results file of apps/bench/results, newest first', () => {
    const committed = runs.map((r) => `${r.folder}/${r.file}`);
    expect(committed.length).toBeGreaterThan(0);
    for (const name of committed) {
      const path = join(bench.resultsDir, name);
      expect(JSON.parse(readFileSync(path, 'utf8')).schema).toBe('stride-bench/1');
    }
    const started = runs.map((r) => r.results.startedAt);
    expect(started).toEqual([...started].sort().reverse());
    const order = runs.map((r) => markdown.indexOf(`results/${r.folder}/${r.file}`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('gives each run its machine, Node version and a row of medians per workload', () => {
    for (const run of runs) {
      const r = run.results;
      const section = sectionOf(run);
      expect(section).toContain(r.machine.cpu);
      expect(section).toContain(`Node ${r.machine.node}`);
      const ran = r.runners.filter((x) => x.status === 'ran').map((x) => x.name);
      for (const w of r.workloads.filter((q) => r.rows.some((x) => x.workload === q.id))) {
        const row = section.split('\n').find((l) => l.startsWith(`| ${w.title} |`));
        expect(row, w.title).toBeDefined();
        const cells = (row as string).split(' | ');
        expect(cells.length, w.title).toBe(1 + ran.length);
        for (const x of r.rows.filter((q) => q.workload === w.id && q.status === 'ok')) {
          if (!x.timing) continue;
          expect(row, `${w.id} ${x.runner}`).toContain(
            bench.formatMs(x.timing.medianMs).replace(/ /g, '&nbsp;'),
          );
        }
        for (const q of r.ratios.filter((x) => x.workload === w.id)) {
          const bound = q.lowerBound ? '&gt;' : '';
          expect(row, `${w.id} ${q.peer}`).toContain(`<br>${bound}${bench.formatRatio(q.ratio)}`);
        }
      }
    }
  });

  it('shows the GFLOP/s of the rows that have them, and two charts per run', () => {
    for (const run of runs) {
      const section = sectionOf(run);
      for (const x of run.results.rows.filter((q) => q.gflops !== undefined)) {
        const w = run.results.workloads.find((q) => q.id === x.workload);
        const row = section
          .slice(section.indexOf('### Throughput'))
          .split('\n')
          .find((l) => l.startsWith(`| ${w?.title} |`));
        expect(row, `${x.workload} ${x.runner}`).toBeDefined();
      }
      expect(charts[run.id]?.length).toBe(2);
      for (const c of charts[run.id] ?? []) expect(section).toContain(`(./benchmarks/${c.file})`);
    }
  });

  it("charts every runner's median and every ratio of a run", () => {
    // The specifications only: the build renders them (Vega in Node, a second or so).
    for (const run of runs) {
      const r = run.results;
      const [time, ratio] = (charts[run.id] ?? []) as unknown as {
        spec: { data: { values: { workload: string }[] } };
      }[];
      const measured = r.rows.filter(
        (x) => (x.status === 'ok' && x.check?.status !== 'invalid') || x.status === 'timeout',
      );
      expect(time?.spec.data.values.length).toBe(measured.length);
      expect(ratio?.spec.data.values.length).toBe(r.ratios.length);
      const titles = new Set(time?.spec.data.values.map((v) => v.workload));
      for (const x of measured) {
        expect(titles).toContain(r.workloads.find((w) => w.id === x.workload)?.title);
      }
    }
  });

  it('says so when there is no run', () => {
    expect(bench.renderBenchmarks([])).toContain('No results yet.');
  });
});

describe('the docs build', () => {
  it('makes the support and benchmarks pages before VitePress builds or serves the site', () => {
    const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
    const scripts = JSON.parse(readFileSync(join(docsDir, 'package.json'), 'utf8')).scripts;
    for (const name of ['build', 'dev']) {
      const steps = (scripts[name] as string).split(' && ');
      const vitepress = steps.findIndex((s) => s.startsWith('vitepress'));
      for (const script of ['node scripts/support.mjs', 'node scripts/benchmarks.mjs']) {
        expect(steps.indexOf(script), `${name}: ${script}`).toBeGreaterThanOrEqual(0);
        expect(steps.indexOf(script), `${name}: ${script}`).toBeLessThan(vitepress);
      }
    }
  });
});
