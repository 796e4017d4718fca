import { CONTROL, EPOCH, FAILED, FINISHED, SLEEPING, STOP } from './layout.js';

/**
 * The loop every worker runs, as source text so that the same code starts a Node worker thread
 * (`eval`) and a browser Web Worker (a Blob URL) without a separate file to bundle. A worker
 * instantiates the kernels over the shared memory, then sleeps on the epoch word; each new epoch
 * is a published job, and it calls `work`, which claims units until none are left. After a job
 * it spins for up to `spinMs` before it sleeps: during a training step jobs follow each other
 * within a fraction of a millisecond, and a wake-up call was measured at tens to hundreds of
 * microseconds on the caller's side. (A longer spin, 2 ms, measured slower: the spinning thread
 * competes with the caller's own work.) A sleeping worker counts itself in SLEEPING, so the
 * caller wakes it only then;
 * a job published between the count and the wait is not missed, since Atomics.wait returns at
 * once when the epoch has already moved.
 */
const WORKER_LOOP = `
function strideWorker(module, memory, tid, spinMs) {
  const work = new WebAssembly.Instance(module, { env: { memory } }).exports.work;
  const words = new Int32Array(memory.buffer, ${CONTROL}, 8);
  let seen = Atomics.load(words, ${EPOCH});
  for (;;) {
    const until = performance.now() + spinMs;
    for (let i = 0; Atomics.load(words, ${EPOCH}) === seen; i++) {
      if ((i & 1023) === 0 && performance.now() > until) break;
    }
    if (Atomics.load(words, ${EPOCH}) === seen) {
      Atomics.add(words, ${SLEEPING}, 1);
      Atomics.wait(words, ${EPOCH}, seen);
      Atomics.sub(words, ${SLEEPING}, 1);
    }
    seen = Atomics.load(words, ${EPOCH});
    if (Atomics.load(words, ${STOP}) !== 0) return;
    try {
      work(${CONTROL}, tid);
    } catch (e) {
      Atomics.store(words, ${FAILED}, 1);
      Atomics.add(words, ${FINISHED}, 1 << 30);
      Atomics.notify(words, ${FINISHED});
    }
  }
}
`;

const SPIN_MS = 0.3;

export interface WorkerHandle {
  terminate(): unknown;
}

type NodeWorkerThreads = {
  Worker: new (
    source: string,
    options: { eval: true; workerData: unknown },
  ) => WorkerHandle & {
    unref(): void;
    on(event: 'error', listener: (error: unknown) => void): unknown;
  };
};

/**
 * Told when a worker fails to start: `worker` is null when its constructor threw (nothing was
 * started), else the worker whose error arrived, which the caller ends and stops counting.
 */
export type WorkerFailure = (worker: WorkerHandle | null, error: unknown) => void;

function nodeWorkerThreads(): NodeWorkerThreads | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (p?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined) ?? null;
}

/** Cores this runtime reports, for the default thread count. */
export function availableCores(): number {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = p?.getBuiltinModule?.('node:os') as
    | { availableParallelism?: () => number }
    | undefined;
  const cores = os?.availableParallelism?.() ?? globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, cores);
}

/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `count` workers over `memory` (thread ids 1..count; the caller is thread 0), or returns
 * null where this runtime has no way to start threads. Workers start asynchronously; until one is
 * running the caller simply claims every unit itself, so a worker that never starts costs speed,
 * never a result. A constructor that throws (a Content-Security-Policy that blocks blob: workers,
 * in some browsers) ends the starting; an error a worker raises later (the same policy, in others,
 * or a failure inside the worker before its loop runs) arrives as an event. Both go to
 * `onFailure`.
 */
export function startWorkers(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  count: number,
  onFailure: WorkerFailure,
): WorkerHandle[] | null {
  const workers: WorkerHandle[] = [];
  const node = nodeWorkerThreads();
  if (node) {
    const source = `${WORKER_LOOP}
const { workerData: d } = require('node:worker_threads');
strideWorker(d.module, d.memory, d.tid, d.spinMs);`;
    for (let tid = 1; tid <= count; tid++) {
      try {
        const worker = new node.Worker(source, {
          eval: true,
          workerData: { module, memory, tid, spinMs: SPIN_MS },
        });
        // Without a listener, a worker's error would be thrown in this thread as uncaught.
        worker.on('error', (error) => onFailure(worker, error));
        // A sleeping worker must not keep the process alive.
        worker.unref();
        workers.push(worker);
      } catch (error) {
        onFailure(null, error);
        break;
      }
    }
    return workers;
  }
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined') return null;
  const url = URL.createObjectURL(
    new Blob([`${WORKER_LOOP}\nonmessage = (e) => strideWorker(...e.data);`], {
      type: 'text/javascript',
    }),
  );
  for (let tid = 1; tid <= count; tid++) {
    try {
      const worker = new Worker(url);
      worker.addEventListener('error', (event) => {
        // A blocked or failing script reaches the page as an ErrorEvent; keep it off the console's
        // "uncaught" path, since the warning says what happened.
        event.preventDefault();
        // A refused or unloadable script gives a bare Event, without a message.
        onFailure(worker, event.message || 'its blob: script was refused or could not load');
      });
      worker.postMessage([module, memory, tid, SPIN_MS]);
      workers.push(worker);
    } catch (error) {
      onFailure(null, error);
      break;
    }
  }
  return workers;
}

/** Wakes the workers with the stop flag set and ends them. */
export function stopWorkers(words: Int32Array, workers: WorkerHandle[]): void {
  Atomics.store(words, STOP, 1);
  Atomics.add(words, EPOCH, 1);
  Atomics.notify(words, EPOCH);
  for (const w of workers) w.terminate();
}
