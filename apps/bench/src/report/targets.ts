/**
 * The performance targets Stride is held to (issue 15), judged on a run's results: GEMM-bound
 * rows as a share of the machine's FMA ceiling, and three whole workloads as Stride's time over a
 * peer's. Each is judged on the median over the rounds; the range is shown beside it.
 */
import type { Row, Spread } from '../protocol.js';
import type { Ratio } from './rounds.js';

export interface TargetSpec {
  readonly workload: string;
  /** `share`: Stride's GFLOP/s over the ceiling, at least `threshold`; `time`: Stride's time over `peer`'s, at most. */
  readonly measure: 'share' | 'time';
  readonly peer?: string;
  readonly threshold: number;
}

export interface Target extends TargetSpec {
  readonly status: 'met' | 'missed' | 'not measured';
  /** The median over the rounds, with its range (absent when not measured). */
  readonly value?: Spread;
  /** Why it was not measured. */
  readonly reason?: string;
}

const passes = ['fwd', 'dx', 'dw'];
const share = (workload: string, threshold: number): TargetSpec => ({
  workload,
  measure: 'share',
  threshold,
});

/**
 * Matmul and the VGG-like and strided convolution passes at 85% of the ceiling or more; LeNet's
 * conv2 passes and fully connected layers at batch 64 at 60%; a LeNet training step at batch 64
 * and time to 99% on MNIST no slower than PyTorch; LeNet inference at batch 256 no slower than
 * onnxruntime.
 */
export const TARGETS: readonly TargetSpec[] = [
  ...['matmul-256', 'matmul-512', 'matmul-1024'].map((w) => share(w, 0.85)),
  ...['strided', 'vgg'].flatMap((c) => passes.map((p) => share(`conv-${c}-${p}`, 0.85))),
  ...passes.map((p) => share(`conv-lenet2-${p}`, 0.6)),
  ...['fc1', 'fc2', 'fc3'].flatMap((fc) => passes.map((p) => share(`${fc}-b64-${p}`, 0.6))),
  { workload: 'lenet-train-b64', measure: 'time', peer: 'pytorch', threshold: 1 },
  { workload: 'lenet-infer-b256', measure: 'time', peer: 'onnxruntime', threshold: 1 },
  { workload: 'mnist-to-99', measure: 'time', peer: 'pytorch', threshold: 1 },
];

/** Stride's time over the peer's, per round: the inverse of each round's ratio. */
function timeOverPeer(r: Ratio): Spread | undefined {
  if (r.lowerBound) return undefined;
  const perRound = (r.perRound ?? [r.ratio]).map((x) => 1 / x);
  const sorted = [...perRound].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const med =
    sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const r4 = (x: number): number => Number(x.toPrecision(4));
  return {
    median: r4(med),
    min: r4(Math.min(...perRound)),
    max: r4(Math.max(...perRound)),
    perRound: perRound.map(r4),
  };
}

/** The targets whose workload the run covered (`--only` may leave some out), judged. */
export function evaluateTargets(
  rows: readonly Row[],
  ratios: readonly Ratio[],
  specs: readonly TargetSpec[] = TARGETS,
): Target[] {
  const covered = specs.filter((t) => rows.some((r) => r.workload === t.workload));
  return covered.map((t): Target => {
    if (t.measure === 'share') {
      const row = rows.find((r) => r.workload === t.workload && r.runner === 'stride-cpu');
      if (!row) return { ...t, status: 'not measured', reason: 'stride-cpu did not run' };
      if (!row.share) {
        const why = row.status === 'ok' ? 'no ceiling measured' : `stride-cpu: ${row.status}`;
        return { ...t, status: 'not measured', reason: why };
      }
      return { ...t, value: row.share, status: row.share.median >= t.threshold ? 'met' : 'missed' };
    }
    const ratio = ratios.find(
      (r) => r.workload === t.workload && r.peer === t.peer && r.stride === 'stride-cpu',
    );
    const value = ratio && timeOverPeer(ratio);
    if (!value) {
      const row = rows.find((r) => r.workload === t.workload && r.runner === t.peer);
      const why = ratio?.lowerBound
        ? `${t.peer} timed out`
        : row
          ? `${t.peer}: ${row.status}`
          : `${t.peer} did not run`;
      return { ...t, status: 'not measured', reason: why };
    }
    return { ...t, value, status: value.median <= t.threshold ? 'met' : 'missed' };
  });
}

/** How a target reads: `≥ 85% of the ceiling`, `≤ 1.0× pytorch's time`. */
export function describeTarget(t: TargetSpec): string {
  return t.measure === 'share'
    ? `≥ ${Math.round(t.threshold * 100)}% of the FMA ceiling`
    : `≤ ${t.threshold.toFixed(1)}× ${t.peer}'s time`;
}

/** A measured value as the report prints it: `71% (65–74%)`, `1.32× (1.20–1.41×)`. */
export function formatTargetValue(t: Target): string {
  const v = t.value;
  if (!v) return '';
  if (t.measure === 'share') {
    const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
    return v.perRound.length > 1 ? `${pct(v.median)} (${pct(v.min)}–${pct(v.max)})` : pct(v.median);
  }
  const x = (n: number): string => n.toFixed(2);
  return v.perRound.length > 1 ? `${x(v.median)}× (${x(v.min)}–${x(v.max)}×)` : `${x(v.median)}×`;
}
