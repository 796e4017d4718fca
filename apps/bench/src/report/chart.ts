/**
 * The results as an SVG bar chart, written by hand (no browser, no canvas): one group of bars
 * per workload, one bar per runner, median time on a log scale, shorter is faster.
 */
import type { Row } from '../protocol.js';
import { formatGflops, formatMs } from './format.js';
import type { Results } from './results.js';
import { describeTarget, formatTargetValue } from './targets.js';

const COLORS: Record<string, string> = {
  'stride-cpu': '#1f5fbf',
  'stride-webgpu': '#2bb3c0',
  pytorch: '#e8542f',
  onnxruntime: '#6b6b6b',
  'tfjs-wasm': '#f0a020',
  'tfjs-cpu': '#f5cf7a',
  'tfjs-webgpu': '#9467bd',
};

const WIDTH = 980;
const LABEL_W = 320;
const PLOT_W = 560;
const BAR_H = 10;
const BAR_GAP = 2;
const GROUP_GAP = 10;
const TOP = 78;

const xml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 10^d milliseconds as an axis label: 100 µs, 1 ms, 10 s. */
function decade(d: number): string {
  if (d < 0) return `${10 ** (d + 3)} µs`;
  if (d < 3) return `${10 ** d} ms`;
  return `${10 ** (d - 3)} s`;
}

function barValue(row: Row): number | null {
  if (row.status === 'ok' && row.timing) return row.timing.medianMs;
  if (row.status === 'timeout' && row.limitMs) return row.limitMs;
  return null;
}

export function renderChart(r: Results): string {
  const groups = r.workloads
    .map((w) => ({ w, rows: r.rows.filter((x) => x.workload === w.id) }))
    .filter((g) => g.rows.length > 0);
  const values = groups.flatMap((g) => g.rows.map(barValue).filter((v): v is number => v !== null));
  const lo = Math.floor(Math.log10(Math.min(...values, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...values, 10)));
  const x = (ms: number): number => LABEL_W + ((Math.log10(ms) - lo) / (hi - lo)) * PLOT_W;

  const parts: string[] = [];
  let y = TOP;
  for (const g of groups) {
    const height = g.rows.length * (BAR_H + BAR_GAP);
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + height / 2 + 4}" text-anchor="end">${xml(g.w.title)}</text>`,
    );
    for (const row of g.rows) {
      const color = COLORS[row.runner] ?? '#999';
      const v = barValue(row);
      if (v === null) {
        parts.push(
          `<text x="${LABEL_W + 4}" y="${y + BAR_H - 1}" class="note">${xml(`${row.runner}: ${row.status}`)}</text>`,
        );
      } else {
        const w = Math.max(1, x(v) - LABEL_W);
        const invalid = row.check?.status === 'invalid';
        const timeout = row.status === 'timeout';
        const style = timeout
          ? `fill="${color}" fill-opacity="0.15" stroke="#444" stroke-dasharray="3 2"`
          : `fill="${color}"${invalid ? ' fill-opacity="0.3" stroke="#c00"' : ''}`;
        const label = `${timeout ? '&gt; ' : ''}${xml(formatMs(v))}${invalid ? ' invalid' : ''}`;
        parts.push(
          `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" ${style}><title>${xml(row.runner)}</title></rect>`,
          `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + BAR_H - 1}" class="value">${label}</text>`,
        );
      }
      y += BAR_H + BAR_GAP;
    }
    y += GROUP_GAP;
  }

  const grid: string[] = [];
  for (let d = lo; d <= hi; d++) {
    const gx = x(10 ** d).toFixed(1);
    grid.push(
      `<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${y}" class="grid"/>`,
      `<text x="${gx}" y="${y + 14}" text-anchor="middle" class="axis">${decade(d)}</text>`,
    );
  }
  const runners = [...new Set(r.rows.map((row) => row.runner))];
  const legend = runners.map((name, i) => {
    const lx = 10 + i * 120;
    return (
      `<rect x="${lx}" y="40" width="12" height="12" fill="${COLORS[name] ?? '#999'}"/>` +
      `<text x="${lx + 16}" y="50">${xml(name)}</text>`
    );
  });
  const m = r.machine;
  const title = `Stride vs peers, ${r.mode} run ${r.startedAt.slice(0, 10)}: median time per call (log scale, shorter is faster)`;
  const nodes = [...new Set(r.runners.map((x) => x.node).filter((n) => n !== undefined))];
  const ceiling = r.ceiling?.relaxed
    ? `; FMA ceiling ${formatGflops(r.ceiling.relaxed.median)} GFLOP/s`
    : '';
  const subtitle = `${m.cpu}, ${m.cores} cores, Node ${nodes.join(', ') || m.node}, ${r.rounds} round${r.rounds > 1 ? 's' : ''}, load ${r.load.before[0]}–${r.load.max1m}${ceiling}; dashed: stopped at the row's time limit`;
  // The targets, under the chart: one line each.
  const targetLines: string[] = [];
  let ty = y + 34;
  if (r.targets.length > 0) {
    targetLines.push(
      `<text x="10" y="${ty}" font-weight="bold">Targets (median over the rounds)</text>`,
    );
    for (const t of r.targets) {
      ty += 14;
      const color = t.status === 'met' ? '#1a7f37' : t.status === 'missed' ? '#c00' : '#888';
      const text = `${t.workload}: ${describeTarget(t)}: ${formatTargetValue(t) || '—'} ${t.status}`;
      targetLines.push(`<text x="10" y="${ty}" fill="${color}">${xml(text)}</text>`);
    }
  }
  const height = ty + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11" role="img">`,
    `<title>${xml(title)}</title>`,
    '<style>.grid{stroke:#ddd}.axis{fill:#555}.note{fill:#888;font-style:italic}.value{fill:#222}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${xml(title)}</text>`,
    `<text x="10" y="33" class="axis">${xml(subtitle)}</text>`,
    ...legend,
    ...grid,
    ...parts,
    ...targetLines,
    '</svg>',
    '',
  ].join('\n');
}
