/**
 * Runs one runner's job in a child process and watches it. A call that outlives its row's
 * time limit cannot be interrupted from inside (JavaScript kernels are synchronous), so the
 * child is killed, the row recorded as a timeout, and a fresh child carries on with the rest.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Job, Message, Row, RunnerInfo } from './protocol.js';
import type { RunnerSpec } from './runners/catalogue.js';
import { family, type Workload } from './workloads.js';

export interface SuperviseOptions {
  /** Where job files are written. */
  readonly tempDir: string;
  readonly rowTimeoutMs: (w: Workload) => number;
  /** Time allowed to load the libraries and find a device. */
  readonly startTimeoutMs: number;
  readonly onRow: (row: Row) => void;
  readonly onNote: (text: string) => void;
  /** Pass the child's stdout and stderr through. */
  readonly verbose: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** The Node binary of Node runners (`--node`); this process's by default. */
  readonly node?: string;
}

export interface Outcome {
  readonly info?: RunnerInfo;
  readonly unavailable?: string;
  readonly rows: Row[];
}

interface ChildResult {
  hello?: RunnerInfo;
  unavailable?: string;
  rows: Row[];
  /** The row that was running when the child was killed or died. */
  stopped?: { workload: string; status: 'timeout' | 'error'; reason: string; limitMs?: number };
  /** The child ended before saying hello. */
  failed?: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);

function command(spec: RunnerSpec, jobFile: string, node: string): [string, string[]] {
  if (spec.process === 'python') {
    return ['/usr/bin/python3', [join(here, '..', 'python', 'torch_worker.py'), jobFile]];
  }
  // tsx's loader runs the TypeScript child; "source" resolves @stride/* to their sources.
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return [node, ['--import', tsx, '--conditions=source', join(here, 'child.ts'), jobFile]];
}

function runChild(
  spec: RunnerSpec,
  job: Job,
  jobFile: string,
  o: SuperviseOptions,
): Promise<ChildResult> {
  writeFileSync(jobFile, JSON.stringify(job));
  const [cmd, args] = command(spec, jobFile, o.node ?? process.execPath);
  const result: ChildResult = { rows: [] };
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: o.env });
    } catch (e) {
      resolve({ ...result, failed: (e as Error).message });
      return;
    }
    let tail = '';
    const keep = (chunk: Buffer): void => {
      if (o.verbose) process.stderr.write(chunk);
      tail = (tail + chunk.toString()).slice(-2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    let current: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, onFire: () => void): void => {
      clearTimeout(timer);
      timer = setTimeout(onFire, ms);
    };
    arm(o.startTimeoutMs, () => {
      result.failed = `no answer within ${o.startTimeoutMs / 1000} s of starting`;
      child.kill('SIGKILL');
    });

    const handle = (m: Message): void => {
      if (m.type === 'hello') {
        result.hello = m.info;
        clearTimeout(timer);
      } else if (m.type === 'unavailable') {
        result.unavailable = m.reason;
        clearTimeout(timer);
      } else if (m.type === 'start') {
        current = m.workload;
        const w = job.workloads.find((x) => x.id === m.workload) as Workload;
        const ms = o.rowTimeoutMs(w);
        arm(ms, () => {
          result.stopped = {
            workload: m.workload,
            status: 'timeout',
            reason: `one call took over ${ms / 1000} s (the row's limit); stopped`,
            limitMs: ms,
          };
          child.kill('SIGKILL');
        });
      } else if (m.type === 'note') {
        o.onNote(m.text);
      } else if (m.type === 'row') {
        clearTimeout(timer);
        current = null;
        result.rows.push(m.row);
        o.onRow(m.row);
      }
    };
    let pending = '';
    const channel = child.stdio[3] as NodeJS.ReadableStream;
    channel.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim()) handle(JSON.parse(line) as Message);
      }
    });
    child.on('error', (e) => {
      result.failed ??= e.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const why = `exited (${signal ?? `code ${code}`})${tail ? `: ${lastLine(tail)}` : ''}`;
      if (current && !result.stopped) {
        result.stopped = { workload: current, status: 'error', reason: `the process ${why}` };
      }
      if (!result.hello && !result.unavailable) result.failed ??= `the process ${why}`;
      resolve(result);
    });
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

/**
 * After a timeout, the rows of the same family that are no smaller are skipped: each would cost
 * the full limit and a restart to show the same thing.
 */
function skipLarger(
  remaining: readonly Workload[],
  stoppedId: string,
  spec: RunnerSpec,
  o: SuperviseOptions,
): Row[] {
  const stopped = remaining.find((w) => w.id === stoppedId);
  if (!stopped?.flops) return [];
  const rows: Row[] = [];
  for (const w of remaining) {
    if (w.id === stoppedId || family(w) !== family(stopped) || (w.flops ?? 0) < stopped.flops) {
      continue;
    }
    const reason = `not tried: ${stopped.id}, a smaller ${family(w)} workload, took over the limit`;
    const row: Row = { workload: w.id, runner: spec.name, status: 'skipped', reason };
    rows.push(row);
    o.onRow(row);
  }
  return rows;
}

/** Runs `job` to the end, restarting the child after each row that stopped it. */
export async function supervise(spec: RunnerSpec, job: Job, o: SuperviseOptions): Promise<Outcome> {
  const rows: Row[] = [];
  let info: RunnerInfo | undefined;
  let remaining = [...job.workloads];
  for (let attempt = 0; remaining.length > 0; attempt++) {
    const jobFile = join(o.tempDir, `job-${spec.name}-${attempt}.json`);
    const r = await runChild(spec, { ...job, workloads: remaining }, jobFile, o);
    rows.push(...r.rows);
    if (attempt === 0 && r.unavailable) return { unavailable: r.unavailable, rows };
    if (attempt === 0 && r.failed && !r.hello) return { unavailable: r.failed, rows };
    if (!r.hello) {
      // A restart after a stopped row failed: the rest cannot run.
      for (const w of remaining) {
        const reason = `the runner did not restart: ${r.unavailable ?? r.failed}`;
        const row: Row = { workload: w.id, runner: spec.name, status: 'error', reason };
        rows.push(row);
        o.onRow(row);
      }
      break;
    }
    info ??= r.hello;
    if (r.stopped) {
      const row: Row = {
        workload: r.stopped.workload,
        runner: spec.name,
        status: r.stopped.status,
        reason: r.stopped.reason,
        ...(r.stopped.limitMs ? { limitMs: r.stopped.limitMs } : {}),
      };
      rows.push(row);
      o.onRow(row);
      if (r.stopped.status === 'timeout')
        rows.push(...skipLarger(remaining, r.stopped.workload, spec, o));
    }
    const done = new Set(rows.map((x) => x.workload));
    const left = remaining.filter((w) => !done.has(w.id));
    if (!r.stopped && left.length > 0) {
      // Ended without a word about these: record that rather than loop.
      for (const w of left) {
        const row: Row = {
          workload: w.id,
          runner: spec.name,
          status: 'error',
          reason: 'never ran',
        };
        rows.push(row);
        o.onRow(row);
      }
      break;
    }
    remaining = left;
  }
  return info ? { info, rows } : { rows };
}
