/**
 * The results of a run as one JSON document: machine and load, runners and their versions, every
 * row with its timing and output check, and each peer's ratio to Stride on the same device.
 */
import type { LoadInfo, MachineInfo } from '../machine.js';
import type { Row, RunnerInfo, TimingPlan } from '../protocol.js';
import { RUNNERS, strideFor } from '../runners/catalogue.js';
import type { Workload } from '../workloads.js';

export const SCHEMA = 'stride-bench/1';

export interface RunnerResult {
  readonly name: string;
  readonly kind: 'stride' | 'peer';
  readonly device: 'cpu' | 'gpu';
  readonly status: 'ran' | 'unavailable';
  readonly reason?: string;
  readonly info?: RunnerInfo;
  /** Wall time of the runner's processes, restarts included. */
  readonly seconds: number;
}

/** A peer's median over Stride's: above 1, Stride is that many times faster. */
export interface Ratio {
  readonly workload: string;
  readonly peer: string;
  readonly stride: string;
  readonly ratio: number;
  /** The peer timed out: Stride is at least this many times faster. */
  readonly lowerBound?: boolean;
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
  readonly notes: readonly string[];
}

/** Throughput of a measured row: GFLOP/s where FLOPs are defined, µs per op where ops are. */
export function addThroughput(row: Row, w: Workload): void {
  const ms = row.timing?.medianMs;
  if (row.status !== 'ok' || ms === undefined || ms <= 0) return;
  if (w.flops) row.gflops = Number((w.flops / (ms * 1e6)).toPrecision(4));
  if (w.ops) row.usPerOp = Number(((ms * 1000) / w.ops).toPrecision(4));
}

/** Each peer row against the Stride row on its device; invalid rows compare nothing. */
export function ratios(rows: readonly Row[]): Ratio[] {
  const out: Ratio[] = [];
  for (const row of rows) {
    const spec = RUNNERS.find((r) => r.name === row.runner);
    if (spec?.kind !== 'peer' || row.check?.status === 'invalid') continue;
    const stride = strideFor(spec.device);
    const ref = rows.find((r) => r.workload === row.workload && r.runner === stride);
    const base = ref?.status === 'ok' ? ref.timing?.medianMs : undefined;
    if (!base) continue;
    const round = (x: number): number => Number(x.toPrecision(4));
    if (row.status === 'ok' && row.timing) {
      out.push({
        workload: row.workload,
        peer: row.runner,
        stride,
        ratio: round(row.timing.medianMs / base),
      });
    } else if (row.status === 'timeout' && row.limitMs) {
      const ratio = round(row.limitMs / base);
      out.push({ workload: row.workload, peer: row.runner, stride, ratio, lowerBound: true });
    }
  }
  return out;
}
