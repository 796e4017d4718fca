// Generates docs/reference/benchmarks.md and its charts (docs/reference/benchmarks/*.svg), none
// of them committed, from every run of the benchmark harness in apps/bench/results/<folder>/
// (quick.json, full.json), newest first. The charts are Vega-Lite specifications rendered to SVG
// here, in Node, with no browser and no canvas. `pnpm docs:build` and `pnpm run docs` run this
// script before VitePress, so a results folder committed with `pnpm bench` is on the site at the
// next build.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { esc } from './markdown.mjs';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
export const resultsDir = join(docsDir, '..', 'apps', 'bench', 'results');
export const pagePath = join(docsDir, 'reference', 'benchmarks.md');
export const chartsDir = join(docsDir, 'reference', 'benchmarks');

/** The results documents the harness writes (apps/bench/src/report/results.ts). */
const SCHEMA = 'stride-bench/1';

/** The harness's own colours (apps/bench/src/report/chart.ts), so both charts read alike. */
const COLORS = {
  'stride-cpu': '#1f5fbf',
  'stride-webgpu': '#2bb3c0',
  pytorch: '#e8542f',
  onnxruntime: '#6b6b6b',
  'tfjs-wasm': '#f0a020',
  'tfjs-cpu': '#f5cf7a',
  'tfjs-webgpu': '#9467bd',
};

/**
 * Every run under `dir`: `[{ folder, file, id, results }]`, newest first. A folder holds a
 * quick and a full run (`quick.json`, `full.json`); JSON of another schema is left out.
 */
export function loadRuns(dir = resultsDir) {
  if (!existsSync(dir)) return [];
  const runs = [];
  for (const folder of readdirSync(dir).sort()) {
    const path = join(dir, folder);
    if (!statSync(path).isDirectory()) continue;
    for (const file of readdirSync(path).filter((f) => f.endsWith('.json'))) {
      const results = JSON.parse(readFileSync(join(path, file), 'utf8'));
      if (results.schema !== SCHEMA) continue;
      runs.push({ folder, file, id: `${folder}-${file.replace(/\.json$/, '')}`, results });
    }
  }
  return runs.sort((a, b) => b.results.startedAt.localeCompare(a.results.startedAt));
}

// ---- numbers, as the harness prints them (apps/bench/src/report/format.ts) --------------------

export function formatMs(ms) {
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

export function formatRatio(r) {
  if (r >= 100) return `${Math.round(r)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toPrecision(2)}×`;
}

function formatGflops(g) {
  return g >= 100 ? g.toFixed(0) : g.toPrecision(3);
}

/** `text` with its spaces made non-breaking. */
const nowrap = (text) => text.replace(/ /g, '&nbsp;');

/** A column heading that does not break at its hyphens. */
const runnerHeading = (name) => `<span style="white-space: nowrap">${esc(name)}</span>`;

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}

/** The runners that ran, in the harness's order. */
function ranRunners(r) {
  return r.runners.filter((x) => x.status === 'ran').map((x) => x.name);
}

function workloadsWithRows(r) {
  return r.workloads.filter((w) => r.rows.some((x) => x.workload === w.id));
}

/** The ratio of a peer's row, as the harness computed it: against Stride on the same device. */
function ratioOf(r, workload, runner) {
  const x = r.ratios.find((q) => q.workload === workload && q.peer === runner);
  return x ? `${x.lowerBound ? '&gt;' : ''}${formatRatio(x.ratio)}` : '';
}

function infoText(runner) {
  if (!runner.info) return '';
  return Object.entries(runner.info)
    .map(([k, v]) => (k === 'library' ? String(v) : `${k} ${v}`))
    .join(', ');
}

/** Numbers the reasons of one run's rows, for the notes under its tables. */
function noter() {
  const notes = [];
  const mark = (text) => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return `<sup>${i + 1}</sup>`;
  };
  return { notes, mark };
}

function timeCell(r, w, runner, mark) {
  const row = r.rows.find((x) => x.workload === w.id && x.runner === runner);
  if (!row) return '';
  const ratio = ratioOf(r, w.id, runner);
  // A value does not break inside; its ratio goes on a line of its own.
  const withRatio = (text) => (ratio ? `${nowrap(text)}<br>${ratio}` : nowrap(text));
  if (row.status === 'ok' && row.timing) {
    if (row.check?.status === 'invalid') {
      const detail = [
        row.check.detail,
        row.check.relError && `relative error ${row.check.relError}`,
      ]
        .filter(Boolean)
        .join(', ');
      return `${nowrap(formatMs(row.timing.medianMs))}<br>INVALID${mark(`${runner} on ${w.title}: its output differs from Stride's on the CPU (${detail})`)}`;
    }
    return withRatio(formatMs(row.timing.medianMs));
  }
  const note = row.reason ? mark(`${runner}: ${row.reason}`) : '';
  if (row.status === 'timeout' && row.limitMs) {
    return withRatio(
      `&gt; ${formatMs(row.limitMs)}${note || mark(`${runner}: one call took longer than the row's limit; stopped`)}`,
    );
  }
  return `${row.status}${note}`;
}

function throughputCell(r, w, runner) {
  const row = r.rows.find((x) => x.workload === w.id && x.runner === runner);
  if (row?.gflops !== undefined) return formatGflops(row.gflops);
  if (row?.usPerOp !== undefined) return nowrap(`${row.usPerOp.toPrecision(3)} µs/op`);
  return '';
}

/** One run's section of the page; `charts` are the image paths (relative to the page). */
export function renderRun(run, charts = []) {
  const r = run.results;
  const m = r.machine;
  const when = `${r.startedAt.replace('T', ' ').slice(0, 16)} UTC`;
  const runners = ranRunners(r);
  const workloads = workloadsWithRows(r);
  const { notes, mark } = noter();

  // The Node the runners ran on (the harness can start them on another one than its own).
  const nodes = [...new Set(r.runners.map((x) => x.node).filter(Boolean))];
  const runnersNode = nodes.length ? `, Node ${esc(nodes.join(', '))}` : '';
  const ceiling = r.ceiling?.relaxed
    ? [
        `- **FMA ceiling** (WebAssembly, ${r.ceiling.threads} threads): ${formatGflops(r.ceiling.relaxed.median)} GFLOP/s relaxed-SIMD FMA${r.ceiling.simd128 ? `, ${formatGflops(r.ceiling.simd128.median)} SIMD128 mul+add` : ''}; ${r.rounds} rounds`,
      ]
    : [];
  const targets = r.targets?.length
    ? [
        `- **Targets met**: ${r.targets.filter((t) => t.status === 'met').length} of ${r.targets.filter((t) => t.status !== 'not measured').length} measured (${r.targets.length} in all; listed in the results' \`.txt\`)`,
      ]
    : [];
  const out = [
    `## ${r.startedAt.slice(0, 10)}, ${r.mode} run: ${esc(m.cpu)}, ${m.cores} cores${runnersNode}`,
    '',
    `- **Machine**: ${esc(m.cpu)}, ${m.cores} cores, ${m.memoryGiB} GiB, ${esc(m.os)}; Node ${esc(m.node)}`,
    `- **Run**: \`${esc(r.command)}\`, started ${when}, ${r.seconds} s; results in \`apps/bench/results/${run.folder}/${run.file}\``,
    `- **Load average** (1 min): ${r.load.before[0]} at the start, ${r.load.after[0]} at the end, ${r.load.max1m} at most`,
    ...ceiling,
    ...targets,
    '- **Runners**:',
    ...r.runners.map((x) =>
      x.status === 'ran'
        ? `  - \`${x.name}\`: ${esc(infoText(x))}`
        : `  - \`${x.name}\`: not run (${esc(x.reason ?? 'unavailable')})`,
    ),
    '',
    '### Median time per call',
    '',
    table(
      ['Workload', ...runners.map(runnerHeading)],
      workloads.map((w) => [esc(w.title), ...runners.map((x) => timeCell(r, w, x, mark))]),
    ),
  ];
  if (notes.length) {
    out.push(notes.map((n, i) => `<sup>${i + 1}</sup> ${esc(n)}`).join('<br>\n'), '');
  }
  const measured = workloads.filter((w) => runners.some((x) => throughputCell(r, w, x)));
  if (measured.length) {
    out.push(
      '### Throughput',
      '',
      'GFLOP/s where the workload has a FLOP count (a multiply-add is 2), time per op where it',
      'counts ops.',
      '',
      table(
        ['Workload', ...runners.map(runnerHeading)],
        measured.map((w) => [esc(w.title), ...runners.map((x) => throughputCell(r, w, x))]),
      ),
    );
  }
  const extras = r.rows.filter((x) => x.extra && typeof x.extra.testAccuracy === 'number');
  for (const x of extras) {
    const w = r.workloads.find((q) => q.id === x.workload);
    const e = x.extra;
    const facts = [
      `${(e.testAccuracy * 100).toFixed(2)}% test accuracy`,
      e.epochs !== undefined && `${e.epochs} epochs`,
      e.steps !== undefined && `${e.steps} steps`,
    ].filter(Boolean);
    out.push(`${esc(w?.title ?? x.workload)}, \`${x.runner}\`: ${facts.join(', ')}.`, '');
  }
  if (charts.length) {
    out.push('### Charts', '');
    for (const c of charts) out.push(`![${esc(c.alt)}](${c.path})`, '');
  }
  if (r.notes?.length) {
    out.push('### Notes of the run', '', ...r.notes.map((n) => `- ${esc(n)}`), '');
  }
  return out.join('\n');
}

/** The whole page, from `loadRuns()`'s runs and the chart paths of each (by run id). */
export function renderBenchmarks(runs, chartsOf = () => []) {
  const intro = [
    '# Benchmarks',
    '',
    '<!-- Generated by docs/scripts/benchmarks.mjs from apps/bench/results/*/*.json. -->',
    '',
    'Stride against its peers: the same workloads on the same inputs, in the same run on the same',
    'machine, by the harness in `apps/bench` (its README says what each workload and runner is).',
    'Each section below is one run, newest first, read from the JSON the harness committed under',
    '`apps/bench/results/`.',
    '',
    '- Times are **medians** of steady-state calls, after a separate warm-up call.',
    "- The ratio under a time is the peer's median over Stride's on the same kind of device, as the",
    '  harness computes it: CPU peers against `stride-cpu`, GPU peers against `stride-webgpu`.',
    '  **Above 1×, Stride is faster.** A `>` marks a peer stopped at the time limit.',
    '- Every row is checked against Stride on the CPU; a row whose output differs is marked',
    '  INVALID and gets no ratio.',
    '- On a shared 2-core machine, differences under about 1.3× are noise. A GPU runner on an',
    '  emulated adapter (SwiftShader) says nothing about GPUs.',
    '',
    'To measure your own machine, run `pnpm bench` (or `pnpm bench --quick`) in the repository: see',
    '[Run the benchmarks](../how-to/benchmarks.md).',
    '',
  ];
  if (runs.length === 0) return [...intro, 'No results yet.', ''].join('\n');
  return [...intro, ...runs.map((run) => renderRun(run, chartsOf(run)))].join('\n');
}

// ---- charts -----------------------------------------------------------------------------------

const axisMs = {
  labelExpr:
    "datum.value >= 1000 ? format(datum.value / 1000, '~g') + ' s' : datum.value >= 1 ? format(datum.value, '~g') + ' ms' : format(datum.value * 1000, '~g') + ' µs'",
};

function decades(lo, hi) {
  const out = [];
  for (let d = Math.floor(Math.log10(lo)); d <= Math.ceil(Math.log10(hi)); d++) out.push(10 ** d);
  return out;
}

/** Vega-Lite: each runner's median per workload, grouped bars, log scale. Null when empty. */
export function timeChartSpec(run) {
  const r = run.results;
  const runners = ranRunners(r);
  const titles = workloadsWithRows(r).map((w) => w.title);
  const values = [];
  for (const row of r.rows) {
    const w = r.workloads.find((q) => q.id === row.workload);
    if (!w || !runners.includes(row.runner)) continue;
    if (row.status === 'ok' && row.timing && row.check?.status !== 'invalid') {
      values.push({
        workload: w.title,
        runner: row.runner,
        ms: row.timing.medianMs,
        stopped: false,
      });
    } else if (row.status === 'timeout' && row.limitMs) {
      values.push({ workload: w.title, runner: row.runner, ms: row.limitMs, stopped: true });
    }
  }
  if (values.length === 0) return null;
  const ms = values.map((v) => v.ms);
  const ticks = decades(Math.min(...ms), Math.max(...ms));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Median time per call, ${r.mode} run ${r.startedAt.slice(0, 10)} (log scale, shorter is faster)`,
      subtitle: `${r.machine.cpu}, ${r.machine.cores} cores. Faded: stopped at the row's time limit.`,
      anchor: 'start',
    },
    width: 440,
    // The step is each runner's bar; workloads are set apart by the padding of their bands.
    height: { step: 7 },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'workload',
        type: 'nominal',
        sort: titles,
        title: null,
        scale: { paddingInner: 0.25 },
        axis: { labelLimit: 400 },
      },
      yOffset: { field: 'runner', sort: runners },
      x: {
        field: 'ms',
        type: 'quantitative',
        // Bars on a log scale start at the first decade, not at zero.
        stack: null,
        scale: { type: 'log', domain: [ticks[0], ticks.at(-1)] },
        title: 'median time per call',
        axis: { ...axisMs, values: ticks, grid: true },
      },
      color: {
        field: 'runner',
        sort: runners,
        scale: { domain: runners, range: runners.map((x) => COLORS[x] ?? '#999999') },
        legend: { orient: 'top', title: null, columns: 4 },
      },
      opacity: { condition: { test: 'datum.stopped', value: 0.35 }, value: 1 },
    },
    config: { font: 'sans-serif', background: 'white' },
  };
}

/** Vega-Lite: each peer's ratio to Stride per workload, log scale, 1× marked. Null when none. */
export function ratioChartSpec(run) {
  const r = run.results;
  const titles = workloadsWithRows(r).map((w) => w.title);
  const peers = [...new Set(r.ratios.map((x) => x.peer))];
  const values = r.ratios.map((x) => ({
    workload: r.workloads.find((w) => w.id === x.workload)?.title ?? x.workload,
    peer: x.peer,
    ratio: x.ratio,
    stopped: Boolean(x.lowerBound),
  }));
  if (values.length === 0) return null;
  const ratios = values.map((v) => v.ratio);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Peer median over Stride's, ${r.mode} run ${r.startedAt.slice(0, 10)} (log scale)`,
      subtitle:
        'Right of 1×: Stride is faster. Hollow: the peer was stopped, Stride is at least that much faster.',
      anchor: 'start',
    },
    width: 440,
    height: { step: 18 },
    data: { values },
    layer: [
      {
        mark: { type: 'rule', color: '#888888', strokeDash: [4, 3] },
        encoding: { x: { datum: 1 } },
      },
      ...[false, true].map((stopped) => ({
        transform: [{ filter: stopped ? 'datum.stopped' : '!datum.stopped' }],
        mark: { type: 'point', size: 60, strokeWidth: 2, filled: !stopped, opacity: 1 },
        encoding: {
          y: {
            field: 'workload',
            type: 'nominal',
            sort: titles,
            title: null,
            axis: { labelLimit: 400 },
          },
          x: {
            field: 'ratio',
            type: 'quantitative',
            scale: { type: 'log' },
            title: "peer's median / Stride's median",
            axis: {
              values: decades(Math.min(...ratios, 1), Math.max(...ratios, 1)),
              labelExpr: "format(datum.value, '~g') + '×'",
              grid: true,
            },
          },
          color: {
            field: 'peer',
            sort: peers,
            scale: { domain: peers, range: peers.map((x) => COLORS[x] ?? '#999999') },
            legend: { orient: 'top', title: null, columns: 4 },
          },
        },
      })),
    ],
    config: { font: 'sans-serif', background: 'white' },
  };
}

/** Renders a Vega-Lite specification to SVG text. */
export async function renderSvg(spec) {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Each run's charts: `{ run id: [{ file, alt, spec }] }`. */
export function chartsFor(runs) {
  const out = {};
  for (const run of runs) {
    const r = run.results;
    const what = `${r.mode} run of ${r.startedAt.slice(0, 10)}`;
    out[run.id] = [
      {
        file: `${run.id}-time.svg`,
        alt: `Median time per call, ${what}`,
        spec: timeChartSpec(run),
      },
      {
        file: `${run.id}-ratio.svg`,
        alt: `Peer median over Stride's, ${what}`,
        spec: ratioChartSpec(run),
      },
    ].filter((c) => c.spec);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = loadRuns();
  const charts = chartsFor(runs);
  rmSync(chartsDir, { recursive: true, force: true });
  mkdirSync(chartsDir, { recursive: true });
  for (const list of Object.values(charts)) {
    for (const c of list) writeFileSync(join(chartsDir, c.file), await renderSvg(c.spec));
  }
  const page = renderBenchmarks(runs, (run) =>
    (charts[run.id] ?? []).map((c) => ({ alt: c.alt, path: `./benchmarks/${c.file}` })),
  );
  writeFileSync(pagePath, page);
  const n = Object.values(charts).flat().length;
  console.log(`benchmarks: reference/benchmarks.md from ${runs.length} runs, ${n} charts`);
}
