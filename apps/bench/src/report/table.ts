/** The printed report: one block per workload, one line per runner, reasons as footnotes. */
import type { Row } from '../protocol.js';
import { formatGflops, formatMs, formatRatio } from './format.js';
import type { Results } from './results.js';

const COLS = [16, 11, 11, 12, 10] as const;

function line(cells: readonly string[]): string {
  const [name, ...rest] = cells;
  const padded = rest.map((c, i) => (i < COLS.length - 1 ? c.padStart(COLS[i + 1] as number) : c));
  return `  ${(name ?? '').padEnd(COLS[0])}${padded.slice(0, 4).join('')}  ${padded[4] ?? ''}`;
}

function throughput(row: Row): string {
  if (row.gflops !== undefined) return formatGflops(row.gflops);
  if (row.usPerOp !== undefined) return `${row.usPerOp.toPrecision(3)} µs/op`;
  const acc = row.extra?.testAccuracy;
  if (typeof acc === 'number') return `${(acc * 100).toFixed(2)}%`;
  return '';
}

export function formatTable(r: Results): string {
  const out: string[] = [];
  const when = r.startedAt.replace('T', ' ').slice(0, 16);
  const m = r.machine;
  out.push(
    `Stride benchmark, ${r.mode} run, ${when} UTC: ${m.cpu}, ${m.cores} cores, Node ${m.node}`,
  );
  out.push(
    `Load average (1 min): ${r.load.before[0]} at the start, ${r.load.after[0]} at the end, ` +
      `${r.load.max1m} at most.`,
  );
  for (const runner of r.runners) {
    const info = runner.info
      ? Object.entries(runner.info)
          .map(([k, v]) => (k === 'library' ? String(v) : `${k} ${v}`))
          .join(', ')
      : '';
    out.push(
      runner.status === 'ran'
        ? `  ${runner.name}: ${info}`
        : `  ${runner.name}: not run (${runner.reason})`,
    );
  }
  out.push('');
  out.push(
    'Medians of steady-state calls; warm-up is the first call alone. "Stride ×" is the peer\'s',
  );
  out.push(
    "median over Stride's on the same device (above 1: Stride is faster); under 1.3× is noise here.",
  );
  out.push('');
  out.push(line(['runner', 'warm-up', 'median', 'GFLOP/s', 'Stride ×', 'check']));

  const notes: string[] = [];
  const note = (text: string): string => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return `[${i + 1}]`;
  };
  for (const w of r.workloads) {
    const rows = r.rows.filter((x) => x.workload === w.id);
    if (rows.length === 0) continue;
    out.push(w.title);
    for (const row of rows) {
      const ratio = r.ratios.find((x) => x.workload === w.id && x.peer === row.runner);
      const ratioText = ratio ? `${ratio.lowerBound ? '>' : ''}${formatRatio(ratio.ratio)}` : '';
      if (row.status !== 'ok' || !row.timing) {
        const text = `${row.status}${row.reason ? ` ${note(`${row.runner}: ${row.reason}`)}` : ''}`;
        out.push(line([row.runner, '', '', '', ratioText, text]));
        continue;
      }
      const t = row.timing;
      const c = row.check;
      let check = '';
      if (c?.status === 'reference') check = 'ref';
      else if (c?.status === 'valid') check = 'ok';
      else if (c?.status === 'invalid')
        check = `INVALID ${note(`${row.runner} on ${w.id}: ${c.detail ?? ''}${c.relError !== undefined ? `, relative error ${c.relError}` : ''}`)}`;
      else if (c?.status === 'unchecked') check = '—';
      // Few samples make a shakier median; a workload measured whole has one by nature.
      const few = t.warmupMs !== undefined && t.samplesMs.length < 3;
      const samples = few ? ` (n=${t.samplesMs.length})` : '';
      const epochs = row.extra?.epochs === undefined ? '' : `at ${row.extra.epochs} epochs`;
      out.push(
        line([
          row.runner,
          t.warmupMs === undefined ? '' : formatMs(t.warmupMs),
          formatMs(t.medianMs),
          throughput(row),
          ratioText,
          check + samples + epochs,
        ]),
      );
    }
  }
  if (notes.length > 0) {
    out.push('');
    notes.forEach((n, i) => {
      out.push(`[${i + 1}] ${n}`);
    });
  }
  for (const n of r.notes) out.push(n);
  return out.join('\n');
}
