/**
 * Rounds: a run measures every runner's rows several times, the runners alternating within each
 * round, because on a shared machine the load drifts by more than the differences measured. A
 * peer's ratio to Stride is taken within each round (both measured minutes apart at most), and
 * reported as the median of the rounds' ratios with their range; likewise a row's share of the
 * FMA ceiling measured in the same round.
 */
import type { Row, Spread } from '../protocol.js';
import { RUNNERS, strideFor } from '../runners/catalogue.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round4 = (x: number): number => Number(x.toPrecision(4));

/** Median, minimum and maximum of per-round values (kept, in round order). */
export function spread(perRound: readonly number[]): Spread {
  return {
    median: round4(median(perRound)),
    min: round4(Math.min(...perRound)),
    max: round4(Math.max(...perRound)),
    perRound: perRound.map(round4),
  };
}

/** A peer's median over Stride's: above 1, Stride is that many times faster. */
export interface Ratio {
  readonly workload: string;
  readonly peer: string;
  readonly stride: string;
  /** The median of the rounds' ratios. */
  readonly ratio: number;
  /** The rounds' smallest and largest ratio, and each round's (absent for a lower bound). */
  readonly min?: number;
  readonly max?: number;
  readonly perRound?: readonly number[];
  /** The peer timed out: Stride is at least this many times faster. */
  readonly lowerBound?: boolean;
}

/** Each peer row against the Stride row on its device within one round; invalid rows compare nothing. */
export function roundRatios(rows: readonly Row[]): Ratio[] {
  const out: Ratio[] = [];
  for (const row of rows) {
    const spec = RUNNERS.find((r) => r.name === row.runner);
    if (spec?.kind !== 'peer' || row.check?.status === 'invalid') continue;
    const stride = strideFor(spec.device);
    const ref = rows.find((r) => r.workload === row.workload && r.runner === stride);
    const base = ref?.status === 'ok' ? ref.timing?.medianMs : undefined;
    if (!base) continue;
    if (row.status === 'ok' && row.timing) {
      out.push({
        workload: row.workload,
        peer: row.runner,
        stride,
        ratio: round4(row.timing.medianMs / base),
      });
    } else if (row.status === 'timeout' && row.limitMs) {
      const ratio = round4(row.limitMs / base);
      out.push({ workload: row.workload, peer: row.runner, stride, ratio, lowerBound: true });
    }
  }
  return out;
}

/**
 * The ratios of a run from its rounds' rows: per workload and peer, the median of the rounds'
 * ratios and their range. A lower bound (a timeout, measured in the first round only) stays one.
 */
export function ratiosOverRounds(rounds: readonly (readonly Row[])[]): Ratio[] {
  const groups = new Map<string, Ratio[]>();
  for (const rows of rounds) {
    for (const r of roundRatios(rows)) {
      const key = `${r.workload}\u0000${r.peer}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
  }
  const out: Ratio[] = [];
  for (const list of groups.values()) {
    const first = list[0] as Ratio;
    const bound = list.find((r) => r.lowerBound);
    if (bound) {
      out.push(bound);
      continue;
    }
    const s = spread(list.map((r) => r.ratio));
    out.push({ ...first, ratio: s.median, min: s.min, max: s.max, perRound: s.perRound });
  }
  return out;
}

/**
 * One row per workload and runner for the table: a copy of the round whose median is the
 * median of the rounds' (the lower one of the middle two for an even count), with every round's
 * median attached; a row that was never `ok` is its first round's.
 */
export function combineRounds(rounds: readonly (readonly Row[])[]): Row[] {
  const keys: string[] = [];
  const byKey = new Map<string, Row[]>();
  rounds.forEach((rows, i) => {
    for (const row of rows) {
      const key = `${row.workload}\u0000${row.runner}`;
      if (!byKey.has(key)) {
        keys.push(key);
        byKey.set(key, []);
      }
      (byKey.get(key) as Row[])[i] = row;
    }
  });
  return keys.map((key) => {
    const list = byKey.get(key) as (Row | undefined)[];
    const ok = list.filter((r): r is Row => r?.status === 'ok' && r.timing !== undefined);
    if (ok.length === 0) return { ...(list.find((r) => r !== undefined) as Row) };
    const sorted = [...ok].sort(
      (a, b) => (a.timing?.medianMs as number) - (b.timing?.medianMs as number),
    );
    const pick = sorted[(sorted.length - 1) >> 1] as Row;
    if (rounds.length === 1) return { ...pick };
    const medianMs = Array.from({ length: rounds.length }, (_, i) => {
      const r = list[i];
      return r?.status === 'ok' && r.timing ? r.timing.medianMs : null;
    });
    return { ...pick, rounds: { medianMs } };
  });
}

/**
 * Shares of the ceiling: each CPU row of a GEMM-bound workload, its GFLOP/s over the ceiling
 * measured in the same round (`ceilingOf(round)`), as a spread over the rounds.
 */
export function sharesOverRounds(
  rounds: readonly (readonly Row[])[],
  isGemm: (workload: string) => boolean,
  ceilingOf: (round: number) => number | undefined,
): Map<string, Spread> {
  const per = new Map<string, number[]>();
  rounds.forEach((rows, i) => {
    const ceiling = ceilingOf(i);
    if (!ceiling) return;
    for (const row of rows) {
      const device = RUNNERS.find((r) => r.name === row.runner)?.device;
      if (device !== 'cpu' || row.gflops === undefined || !isGemm(row.workload)) continue;
      if (row.check?.status === 'invalid') continue;
      const key = `${row.workload}\u0000${row.runner}`;
      per.set(key, [...(per.get(key) ?? []), row.gflops / ceiling]);
    }
  });
  return new Map([...per].map(([k, v]) => [k, spread(v)]));
}
