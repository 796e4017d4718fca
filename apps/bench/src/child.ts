/**
 * One runner in its own process: `child.ts <job.json>`. Each peer gets a fresh process, so its
 * threads, memory and global state never meet another's. Messages go out on file descriptor 3.
 */
import { mkdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readInputs } from './inputs.js';
import { measure, type Prepared } from './measure.js';
import type { Job, Message, Row } from './protocol.js';
import { isMissingKernel, type Runner, Unavailable } from './runners/runner.js';
import type { Workload } from './workloads.js';

const FACTORIES: Record<string, (job: Job) => Promise<Runner>> = {
  'stride-cpu': async () => (await import('./runners/stride.js')).strideCpu(),
  'stride-webgpu': async (job) => (await import('./runners/stride.js')).strideWebgpu(job),
  onnxruntime: async (job) => (await import('./runners/onnx.js')).onnxruntime(job.threads),
  'tfjs-wasm': async (job) => (await import('./runners/tfjs.js')).tfjs('wasm', job),
  'tfjs-cpu': async (job) => (await import('./runners/tfjs.js')).tfjs('cpu', job),
  'tfjs-webgpu': async (job) => (await import('./runners/tfjs.js')).tfjs('webgpu', job),
};

const send = (m: Message): void => {
  writeSync(3, `${JSON.stringify(m)}\n`);
};

/** The first line of an error, short enough for a table cell and a JSON field. */
export function describeError(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

function writeOutputs(dir: string, outputs: Record<string, Float32Array>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(outputs)) {
    writeFileSync(
      join(dir, `${name}.bin`),
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }
}

async function runRow(runner: Runner, w: Workload, job: Job): Promise<Row> {
  const base = { workload: w.id, runner: job.runner };
  const reason = runner.unsupported(w);
  if (reason) return { ...base, status: 'unsupported', reason };
  let prepared: Prepared | null = null;
  try {
    if (w.kind === 'mnist-to-accuracy') {
      if (!runner.runWhole) return { ...base, status: 'unsupported', reason: 'not measured here' };
      return await runner.runWhole(w, job, (text) => send({ type: 'note', text }));
    }
    const p = await runner.prepare(w, readInputs(job.inputs[w.id] ?? []));
    prepared = p;
    const timing = await measure(p, job.plan, async () =>
      writeOutputs(join(job.outputsDir, w.id), await p.outputs()),
    );
    const extra = p.extra?.();
    return { ...base, status: 'ok', timing, ...(extra ? { extra } : {}) };
  } catch (e) {
    if (isMissingKernel(e)) {
      // Stride's own gaps are work in progress (skipped); a peer's are what it offers.
      const status = job.runner.startsWith('stride-') ? 'skipped' : 'unsupported';
      return { ...base, status, reason: describeError(e) };
    }
    return { ...base, status: 'error', reason: describeError(e) };
  } finally {
    try {
      await prepared?.dispose();
    } catch {
      // A failed clean-up must not hide the row's result.
    }
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Job;
  const factory = FACTORIES[job.runner];
  if (!factory) throw new Error(`unknown runner ${job.runner}`);
  let runner: Runner;
  try {
    runner = await factory(job);
  } catch (e) {
    send({ type: 'unavailable', reason: e instanceof Unavailable ? e.message : describeError(e) });
    return;
  }
  // The Node that ran the rows: the harness can start its children on another one (--node).
  send({ type: 'hello', info: { ...runner.info, node: process.version } });
  for (const w of job.workloads) {
    send({ type: 'start', workload: w.id });
    send({ type: 'row', row: await runRow(runner, w, job) });
  }
}

// Explicit exits: GPU devices and thread pools may keep the event loop alive.
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
