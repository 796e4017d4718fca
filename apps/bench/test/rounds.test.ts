/**
 * The arithmetic of rounds: a peer's ratio is taken within each round and reported as the median
 * of the rounds' ratios with its range; a row's share of the ceiling is over the ceiling of its
 * own round; the table's row is the round with the median time.
 */
import { describe, expect, it } from 'vitest';
import type { Row } from '../src/protocol.js';
import {
  combineRounds,
  median,
  ratiosOverRounds,
  roundRatios,
  sharesOverRounds,
  spread,
} from '../src/report/rounds.js';
import { formatRatioSpread, formatShare } from '../src/report/table.js';

const ok = (workload: string, runner: string, ms: number, extra: Partial<Row> = {}): Row => ({
  workload,
  runner,
  status: 'ok',
  timing: { medianMs: ms, minMs: ms, maxMs: ms, samplesMs: [ms], callsPerSample: 1 },
  ...extra,
});

describe('median and spread', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(/no values/);
  });

  it('keeps the rounds in order with the median and range', () => {
    expect(spread([1.5, 0.9, 1.2])).toEqual({
      median: 1.2,
      min: 0.9,
      max: 1.5,
      perRound: [1.5, 0.9, 1.2],
    });
  });
});

describe('ratios over rounds', () => {
  const rounds: Row[][] = [
    [ok('mm', 'stride-cpu', 10), ok('mm', 'pytorch', 20), ok('mm', 'onnxruntime', 5)],
    [ok('mm', 'stride-cpu', 20), ok('mm', 'pytorch', 20), ok('mm', 'onnxruntime', 12)],
    [ok('mm', 'stride-cpu', 10), ok('mm', 'pytorch', 15), ok('mm', 'onnxruntime', 4)],
  ];

  it('divides within each round: the peer over Stride on the same device', () => {
    expect(roundRatios(rounds[0] as Row[])).toEqual([
      { workload: 'mm', peer: 'pytorch', stride: 'stride-cpu', ratio: 2 },
      { workload: 'mm', peer: 'onnxruntime', stride: 'stride-cpu', ratio: 0.5 },
    ]);
  });

  it("reports the median of the rounds' ratios, not the ratio of the medians", () => {
    const r = ratiosOverRounds(rounds);
    // pytorch: 2, 1, 1.5 → median 1.5; the medians' ratio would be 20 / 10 = 2.
    expect(r.find((x) => x.peer === 'pytorch')).toEqual({
      workload: 'mm',
      peer: 'pytorch',
      stride: 'stride-cpu',
      ratio: 1.5,
      min: 1,
      max: 2,
      perRound: [2, 1, 1.5],
    });
    expect(r.find((x) => x.peer === 'onnxruntime')).toMatchObject({
      ratio: 0.5,
      min: 0.4,
      max: 0.6,
    });
  });

  it('gives an invalid row no ratio, and keeps a timeout a lower bound', () => {
    const r = ratiosOverRounds([
      [
        ok('mm', 'stride-cpu', 10),
        ok('mm', 'pytorch', 20, { check: { status: 'invalid' } }),
        { workload: 'mm', runner: 'tfjs-cpu', status: 'timeout', limitMs: 20_000 },
      ],
    ]);
    expect(r).toEqual([
      { workload: 'mm', peer: 'tfjs-cpu', stride: 'stride-cpu', ratio: 2000, lowerBound: true },
    ]);
  });

  it('formats the median with its range', () => {
    const [r] = ratiosOverRounds(rounds);
    expect(formatRatioSpread(r as never)).toBe('1.5× (1.0–2.0)');
    expect(formatRatioSpread({ workload: 'mm', peer: 'p', stride: 's', ratio: 3.14 })).toBe('3.1×');
    expect(
      formatRatioSpread({ workload: 'mm', peer: 'p', stride: 's', ratio: 250, lowerBound: true }),
    ).toBe('>250×');
  });
});

describe('combining rounds into one row', () => {
  it("shows the round with the median time and lists every round's median", () => {
    const rows = combineRounds([
      [ok('mm', 'stride-cpu', 12, { round: 1 })],
      [ok('mm', 'stride-cpu', 30, { round: 2 })],
      [{ workload: 'mm', runner: 'stride-cpu', status: 'error', reason: 'x', round: 3 }],
      [ok('mm', 'stride-cpu', 9, { round: 4 })],
    ]);
    expect(rows).toHaveLength(1);
    // ok rounds: 9, 12, 30 → 12 (round 1).
    expect(rows[0]?.round).toBe(1);
    expect(rows[0]?.rounds).toEqual({ medianMs: [12, 30, null, 9] });
  });

  it('keeps a row that never succeeded as its first round', () => {
    const rows = combineRounds([
      [{ workload: 'mm', runner: 'tfjs-cpu', status: 'timeout', limitMs: 1, round: 1 }],
    ]);
    expect(rows).toEqual([
      { workload: 'mm', runner: 'tfjs-cpu', status: 'timeout', limitMs: 1, round: 1 },
    ]);
  });
});

describe('shares of the ceiling', () => {
  it("divides each round's GFLOP/s by that round's ceiling, for CPU rows of GEMM workloads", () => {
    const rounds: Row[][] = [
      [
        ok('mm', 'stride-cpu', 1, { gflops: 80 }),
        ok('mm', 'stride-webgpu', 1, { gflops: 5 }),
        ok('pool', 'stride-cpu', 1, { gflops: 3 }),
      ],
      [ok('mm', 'stride-cpu', 1, { gflops: 60 })],
      [ok('mm', 'stride-cpu', 1, { gflops: 90 })],
    ];
    const ceilings = [100, 50, 120];
    const shares = sharesOverRounds(
      rounds,
      (w) => w === 'mm',
      (i) => ceilings[i],
    );
    expect([...shares.keys()]).toEqual(['mm\u0000stride-cpu']);
    const s = shares.get('mm\u0000stride-cpu');
    expect(s).toEqual({ median: 0.8, min: 0.75, max: 1.2, perRound: [0.8, 1.2, 0.75] });
    expect(formatShare(s as never)).toBe('80% (75–120)');
    expect(formatShare(spread([0.456]))).toBe('46%');
  });

  it('skips a round without a ceiling', () => {
    const shares = sharesOverRounds(
      [[ok('mm', 'stride-cpu', 1, { gflops: 50 })], [ok('mm', 'stride-cpu', 1, { gflops: 70 })]],
      () => true,
      (i) => (i === 0 ? undefined : 100),
    );
    expect(shares.get('mm\u0000stride-cpu')?.perRound).toEqual([0.7]);
  });
});
