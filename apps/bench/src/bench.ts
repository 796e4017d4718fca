/**
 * A benchmark run: generate the inputs once, run each runner in its own child process, one at a
 * time, check every row's outputs against Stride's, and write the results, table and chart.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOutputs } from './check.js';
import { generateInputs, type InputSpec, writeInputs } from './inputs.js';
import { machineInfo, machineSlug, sampleLoad } from './machine.js';
import {
  type BenchOptions,
  STRIDE_MIN_ROW_TIMEOUT_MS,
  timingPlan,
  WHOLE_RUN_TIMEOUT_MS,
} from './options.js';
import type { Job, Row } from './protocol.js';
import { renderChart } from './report/chart.js';
import { formatMs } from './report/format.js';
import {
  addThroughput,
  type Results,
  type RunnerResult,
  ratios,
  SCHEMA,
} from './report/results.js';
import { formatTable } from './report/table.js';
import { RUNNERS, type RunnerSpec } from './runners/catalogue.js';
import { supervise } from './supervisor.js';
import { childEnv, isNoAdapter, vulkanFallback } from './vulkan.js';
import { selectWorkloads, type Workload } from './workloads.js';

const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));

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
    const rows: Row[] = [];
    const runnerResults: RunnerResult[] = [];
    // Settled by the first GPU runner, then kept: both GPU runners must use the same device.
    let vulkan: { icd: string | null } | null = null;
    for (const spec of runners) {
      log(spec.name);
      const started = performance.now();
      const job: Job = {
        runner: spec.name,
        workloads: toRun.filter((w) => spec.kind === 'stride' || !w.strideOnly),
        inputs,
        outputsDir: join(temp, 'outputs', spec.name),
        plan: {
          samples: plan.samples,
          minSampleMs: plan.minSampleMs,
          rowBudgetMs: plan.rowBudgetMs,
        },
        threads: machine.cores,
        quick: o.quick,
        skipEmulatedGpu: o.quick && !o.named.includes(spec.name),
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
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      const base = { name: spec.name, kind: spec.kind, device: spec.device, seconds };
      log(`  (${seconds} s)`);
      if (outcome.unavailable) {
        log(`  not run: ${outcome.unavailable}`);
        runnerResults.push({ ...base, status: 'unavailable', reason: outcome.unavailable });
        continue;
      }
      runnerResults.push({
        ...base,
        status: 'ran',
        ...(outcome.info ? { info: outcome.info } : {}),
      });
      if (spec.kind === 'stride' && o.quick) {
        for (const w of workloads.filter((x) => x.fullOnly)) {
          rows.push({
            workload: w.id,
            runner: spec.name,
            status: 'skipped',
            reason: 'full run only',
          });
        }
      }
      rows.push(...outcome.rows);
    }

    const order = (r: Row): number =>
      workloads.findIndex((w) => w.id === r.workload) * 100 +
      RUNNERS.findIndex((x) => x.name === r.runner);
    rows.sort((a, b) => order(a) - order(b));
    checkRows(rows, toRun, join(temp, 'outputs'));
    for (const row of rows) {
      const w = workloads.find((x) => x.id === row.workload);
      if (w) addThroughput(row, w);
    }
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
      ratios: ratios(rows),
      notes: [
        ...NOTES,
        ...(ran('tfjs-webgpu')
          ? [
              'tfjs-backend-webgpu keeps its default WEBGPU_CPU_FORWARD: small tensors whose data is on the CPU are computed there.',
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
