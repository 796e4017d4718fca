/** The targets table: which targets exist, and how each is judged from a run's rows and ratios. */
import { describe, expect, it } from 'vitest';
import type { Row } from '../src/protocol.js';
import { ratiosOverRounds, spread } from '../src/report/rounds.js';
import { evaluateTargets, formatTargetValue, TARGETS } from '../src/report/targets.js';
import { WORKLOADS } from '../src/workloads.js';

const ok = (workload: string, runner: string, ms: number, extra: Partial<Row> = {}): Row => ({
  workload,
  runner,
  status: 'ok',
  timing: { medianMs: ms, minMs: ms, maxMs: ms, samplesMs: [ms], callsPerSample: 1 },
  ...extra,
});

describe('TARGETS', () => {
  it("lists the issue's targets, each on a workload the harness measures", () => {
    const ids = new Set(WORKLOADS.map((w) => w.id));
    for (const t of TARGETS) expect(ids.has(t.workload), t.workload).toBe(true);
    const at = (threshold: number) =>
      TARGETS.filter((t) => t.measure === 'share' && t.threshold === threshold).map(
        (t) => t.workload,
      );
    expect(at(0.85)).toEqual([
      'matmul-256',
      'matmul-512',
      'matmul-1024',
      'conv-strided-fwd',
      'conv-strided-dx',
      'conv-strided-dw',
      'conv-vgg-fwd',
      'conv-vgg-dx',
      'conv-vgg-dw',
    ]);
    expect(at(0.6)).toEqual([
      'conv-lenet2-fwd',
      'conv-lenet2-dx',
      'conv-lenet2-dw',
      ...['fc1', 'fc2', 'fc3'].flatMap((f) => ['fwd', 'dx', 'dw'].map((p) => `${f}-b64-${p}`)),
    ]);
    expect(TARGETS.filter((t) => t.measure === 'time')).toEqual([
      { workload: 'lenet-train-b64', measure: 'time', peer: 'pytorch', threshold: 1 },
      { workload: 'lenet-infer-b256', measure: 'time', peer: 'onnxruntime', threshold: 1 },
      { workload: 'mnist-to-99', measure: 'time', peer: 'pytorch', threshold: 1 },
    ]);
  });
});

describe('evaluateTargets', () => {
  it('judges a share on its median over the rounds, at or above the threshold', () => {
    const rows = [
      ok('matmul-1024', 'stride-cpu', 1, { share: spread([0.9, 0.8, 0.86]) }),
      ok('matmul-512', 'stride-cpu', 1, { share: spread([0.84, 0.9, 0.7]) }),
      ok('conv-lenet2-fwd', 'stride-cpu', 1, { share: spread([0.6]) }),
      ok('conv-vgg-fwd', 'stride-cpu', 1),
    ];
    const t = evaluateTargets(rows, []);
    expect(t.map((x) => [x.workload, x.status])).toEqual([
      ['matmul-512', 'missed'],
      ['matmul-1024', 'met'],
      ['conv-vgg-fwd', 'not measured'],
      ['conv-lenet2-fwd', 'met'],
    ]);
    expect(t[2]?.reason).toBe('no ceiling measured');
    expect(formatTargetValue(t[1] as never)).toBe('86% (80%–90%)');
  });

  it("judges Stride's time over the peer's per round, met at 1.0× or less", () => {
    // Per-round peer/Stride ratios 1.25, 0.8, 2 → Stride/peer 0.8, 1.25, 0.5 → median 0.8.
    const rounds: Row[][] = [
      [ok('lenet-train-b64', 'stride-cpu', 8), ok('lenet-train-b64', 'pytorch', 10)],
      [ok('lenet-train-b64', 'stride-cpu', 10), ok('lenet-train-b64', 'pytorch', 8)],
      [ok('lenet-train-b64', 'stride-cpu', 5), ok('lenet-train-b64', 'pytorch', 10)],
      [],
    ];
    rounds[0]?.push(
      ok('lenet-infer-b256', 'stride-cpu', 3),
      ok('lenet-infer-b256', 'onnxruntime', 2),
    );
    const rows = rounds.flat();
    const t = evaluateTargets(rows, ratiosOverRounds(rounds));
    const train = t.find((x) => x.workload === 'lenet-train-b64');
    expect(train?.status).toBe('met');
    expect(train?.value).toEqual({ median: 0.8, min: 0.5, max: 1.25, perRound: [0.8, 1.25, 0.5] });
    expect(formatTargetValue(train as never)).toBe('0.80× (0.50–1.25×)');
    const infer = t.find((x) => x.workload === 'lenet-infer-b256');
    expect(infer?.status).toBe('missed');
    expect(infer?.value?.median).toBe(1.5);
    expect(formatTargetValue(infer as never)).toBe('1.50×');
  });

  it('says why a target was not measured, and leaves out workloads the run did not cover', () => {
    const rows: Row[] = [
      ok('mnist-to-99', 'stride-cpu', 1000),
      { workload: 'mnist-to-99', runner: 'pytorch', status: 'timeout', limitMs: 480_000 },
      ok('lenet-infer-b256', 'stride-cpu', 3),
    ];
    const t = evaluateTargets(rows, ratiosOverRounds([rows]));
    expect(t.map((x) => [x.workload, x.status, x.reason])).toEqual([
      ['lenet-infer-b256', 'not measured', 'onnxruntime did not run'],
      ['mnist-to-99', 'not measured', 'pytorch timed out'],
    ]);
  });
});
