/**
 * The results of a run as one JSON document: machine and load, runners and their versions, every
 * row with its timing and output check, and each peer's ratio to Stride on the same device.
 */
import type { LoadInfo, MachineInfo } from '../machine.js';
import type { Row, RunnerInfo, Spread, TimingPlan } from '../protocol.js';
import type { Workload } from '../workloads.js';
import type { Ratio } from './rounds.js';
import type { Target } from './targets.js';

export type { Ratio } from './rounds.js';

export const SCHEMA = 'stride-bench/1';

export interface RunnerResult {
  readonly name: string;
  readonly kind: 'stride' | 'peer';
  readonly device: 'cpu' | 'gpu';
  readonly status: 'ran' | 'unavailable';
  readonly reason?: string;
  readonly info?: RunnerInfo;
  /** The Node version its processes ran on (Node runners). */
  readonly node?: string;
  /** Wall time of the runner's processes, restarts included. */
  readonly seconds: number;
}

export interface Results {
  readonly schema: typeof SCHEMA;
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly seconds: number;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly load: LoadInfo;
  readonly plan: TimingPlan & { readonly rowTimeoutMs: number };
  readonly seed: number;
  readonly runners: readonly RunnerResult[];
  readonly workloads: readonly Pick<Workload, 'id' | 'title' | 'kind' | 'flops' | 'ops'>[];
  readonly rows: readonly Row[];
  readonly ratios: readonly Ratio[];
  /** Rounds of the run: each runner's rows were measured this many times, runners alternating. */
  readonly rounds: number;
  /** The FMA ceiling of the run (stride-cpu's ceiling rows), GFLOP/s over the rounds. */
  readonly ceiling?: Ceiling;
  readonly targets: readonly Target[];
  /** Each round's rows, as measured (`rows` holds one per workload and runner). */
  readonly roundRows?: readonly (readonly Row[])[];
  readonly notes: readonly string[];
}

export interface Ceiling {
  /** f32x4 relaxed_madd (one FMA) chains, the ceiling shares are taken of. */
  readonly relaxed?: Spread;
  /** f32x4 mul then add chains: what plain SIMD128 can reach. */
  readonly simd128?: Spread;
  readonly threads?: number;
  readonly chains?: number;
}

/** Throughput of a measured row: GFLOP/s where FLOPs are defined, µs per op where ops are. */
export function addThroughput(row: Row, w: Workload): void {
  const ms = row.timing?.medianMs;
  if (row.status !== 'ok' || ms === undefined || ms <= 0) return;
  // The ceiling's FLOPs depend on the threads it ran on: the runner says.
  const flops = typeof row.extra?.flops === 'number' ? row.extra.flops : w.flops;
  if (flops) row.gflops = Number((flops / (ms * 1e6)).toPrecision(4));
  if (w.ops) row.usPerOp = Number(((ms * 1000) / w.ops).toPrecision(4));
}
