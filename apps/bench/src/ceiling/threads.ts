/**
 * The FMA ceiling on several threads at once: one worker per thread, each with its own instance
 * of the ceiling kernel (src/ceiling/kernel.ts), all started together for each call. A call
 * ends when the slowest worker ends, as a multithreaded GEMM does.
 */
import { Worker } from 'node:worker_threads';
import { type CeilingVariant, ceilingModule, DEFAULT_CHAINS, resultOffset } from './kernel.js';

/**
 * The worker's code, plain JavaScript evaluated as CommonJS, so it needs no loader. Before it
 * says it is ready it calls the kernel for about 100 ms in short calls, so that V8 has replaced
 * the baseline (Liftoff) code with the optimized code that is then timed.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const module = new WebAssembly.Module(workerData.bytes);
const { run, memory } = new WebAssembly.Instance(module).exports;
const view = new Float32Array(memory.buffer);
view.set(workerData.params);
const until = performance.now() + workerData.warmMs;
while (performance.now() < until) run(1000);
parentPort.on('message', (n) => {
  run(n);
  parentPort.postMessage(view.slice(workerData.from, workerData.to));
});
parentPort.postMessage('ready');
`;

export interface CeilingPool {
  readonly threads: number;
  readonly chains: number;
  /** Runs `n` iterations on every thread; resolves with each thread's chains (4 lanes each). */
  run(n: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export async function startCeilingPool(
  variant: CeilingVariant,
  threads: number,
  o: { chains?: number; m?: number; c?: number; warmMs?: number } = {},
): Promise<CeilingPool> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`startCeilingPool: threads must be a positive integer, got ${threads}`);
  }
  const chains = o.chains ?? DEFAULT_CHAINS;
  const m = o.m ?? 0.5;
  const c = o.c ?? 1;
  const workerData = {
    bytes: ceilingModule(variant, chains),
    params: [m, m, m, m, c, c, c, c],
    from: resultOffset(0) / 4,
    to: resultOffset(chains) / 4,
    warmMs: o.warmMs ?? 100,
  };
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData }),
  );
  const next = (w: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const onMessage = (v: unknown): void => {
        w.off('error', onError);
        resolve(v);
      };
      const onError = (e: Error): void => {
        w.off('message', onMessage);
        reject(e);
      };
      w.once('message', onMessage);
      w.once('error', onError);
    });
  try {
    await Promise.all(workers.map(next));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return {
    threads,
    chains,
    run: (n) => {
      const done = workers.map(next) as Promise<Float32Array>[];
      for (const w of workers) w.postMessage(n);
      return Promise.all(done);
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
