/** The printed report: one block per workload, one line per runner, reasons as footnotes. */
import type { Row, Spread } from '../protocol.js';
import { formatGflops, formatMs, formatRatio } from './format.js';
import type { Results } from './results.js';
import type { Ratio } from './rounds.js';
import { describeTarget, formatTargetValue } from './targets.js';

/** Widths: runner, warm-up, median, GFLOP/s, share of the ceiling, ratio; then the check. */
const COLS = [16, 11, 11, 10, 17, 19] as const;

function line(cells: readonly string[]): string {
  const [name, ...rest] = cells;
  const numeric = COLS.length - 1;
  const padded = rest.map((c, i) => (i < numeric ? c.padStart(COLS[i + 1] as number) : c));
  return `  ${(name ?? '').padEnd(COLS[0])}${padded.slice(0, numeric).join('')}  ${padded[numeric] ?? ''}`.trimEnd();
}

/** A share of the ceiling: `71%`, with the rounds' range when there are several: `71% (65–74)`. */
export function formatShare(s: Spread): string {
  const pct = (x: number): string => (x * 100).toFixed(0);
  return s.perRound.length > 1
    ? `${pct(s.median)}% (${pct(s.min)}–${pct(s.max)})`
    : `${pct(s.median)}%`;
}

/** A ratio: the median of the rounds, with their range when there are several: `1.2× (1.1–1.4)`. */
export function formatRatioSpread(r: Ratio): string {
  if (r.lowerBound) return `>${formatRatio(r.ratio)}`;
  const range =
    r.min !== undefined && r.max !== undefined && (r.perRound?.length ?? 1) > 1
      ? ` (${formatRatio(r.min).slice(0, -1)}–${formatRatio(r.max).slice(0, -1)})`
      : '';
  return `${formatRatio(r.ratio)}${range}`;
}

function formatSpreadGflops(s: Spread): string {
  return s.perRound.length > 1
    ? `${formatGflops(s.median)} GFLOP/s (${formatGflops(s.min)}–${formatGflops(s.max)})`
    : `${formatGflops(s.median)} GFLOP/s`;
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
    `Stride benchmark, ${r.mode} run, ${when} UTC: ${m.cpu}, ${m.cores} cores, harness on Node ${m.node}`,
  );
  const nodes = [...new Set(r.runners.map((x) => x.node).filter((n) => n !== undefined))];
  if (nodes.length > 0) out.push(`Node runners on Node ${nodes.join(', ')}.`);
  out.push(
    r.rounds > 1
      ? `${r.rounds} rounds: every runner's rows measured once per round, runners alternating.`
      : 'One round.',
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
  const c = r.ceiling;
  if (c) {
    const parts = [
      c.relaxed && `relaxed-SIMD f32x4 FMA ${formatSpreadGflops(c.relaxed)}`,
      c.simd128 && `SIMD128 f32x4 mul+add ${formatSpreadGflops(c.simd128)}`,
    ].filter(Boolean);
    out.push(
      `FMA ceiling (WebAssembly, ${c.threads ?? '?'} threads, ${c.chains ?? '?'} independent chains each): ${parts.join('; ')}.`,
    );
  }
  out.push('');
  out.push(
    'Medians of steady-state calls; warm-up is the first call alone. "% ceiling" is GFLOP/s over the',
  );
  out.push(
    'relaxed-SIMD FMA ceiling of the same round. "Stride ×" is the peer\'s median over Stride\'s on the',
  );
  out.push(
    "same device (above 1: Stride is faster), the median of the rounds' ratios (their range).",
  );
  out.push(
    r.rounds > 1
      ? 'A row shows the round whose median is the median of the rounds.'
      : 'Under 1.3× is noise on this kind of machine; more --rounds give a range.',
  );
  out.push('');
  out.push(line(['runner', 'warm-up', 'median', 'GFLOP/s', '% ceiling', 'Stride ×', 'check']));

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
      const ratioText = ratio ? formatRatioSpread(ratio) : '';
      if (row.status !== 'ok' || !row.timing) {
        const text = `${row.status}${row.reason ? ` ${note(`${row.runner}: ${row.reason}`)}` : ''}`;
        out.push(line([row.runner, '', '', '', '', ratioText, text]));
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
          row.share ? formatShare(row.share) : '',
          ratioText,
          check + samples + epochs,
        ]),
      );
    }
  }
  if (r.targets.length > 0) {
    out.push('');
    out.push(
      'Targets (Stride on the CPU; judged on the median over the rounds, range in brackets):',
    );
    const width = Math.max(...r.targets.map((t) => t.workload.length));
    for (const t of r.targets) {
      const status = t.status === 'not measured' ? `not measured (${t.reason})` : t.status;
      out.push(
        `  ${t.workload.padEnd(width)}  ${describeTarget(t).padEnd(30)}  ${formatTargetValue(t).padEnd(20)}  ${status}`,
      );
    }
    const met = r.targets.filter((t) => t.status === 'met').length;
    const measured = r.targets.filter((t) => t.status !== 'not measured').length;
    out.push(`  ${met} of ${measured} measured targets met (${r.targets.length} in all).`);
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
