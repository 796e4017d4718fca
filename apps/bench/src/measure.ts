/**
 * Timing of one row: the first call alone (warm-up), then samples of repeated calls. Each sample
 * ends with a sync, so a GPU's queued work is counted, and is divided by its number of calls.
 */
import type { Timing, TimingPlan } from './protocol.js';

/** A workload made ready on one runner: inputs uploaded, models built, nothing measured yet. */
export interface Prepared {
  /** Runs (or queues) one call; its result replaces the previous call's. */
  step(): void | Promise<void>;
  /** Resolves when every call so far has finished (a read-back on a GPU). */
  sync(): Promise<void>;
  /** The named results of the calls so far, as float32 in Stride's layouts, for the check. */
  outputs(): Promise<Record<string, Float32Array>>;
  dispose(): void | Promise<void>;
  /** Facts recorded with the row (`flops` of one call, where the workload cannot know them). */
  extra?(): Record<string, number | string>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Measures `p`. `afterFirst` runs between the first call and the rest, untimed: the check reads
 * the first call's results there (a training step's first update, before any other).
 */
export async function measure(
  p: Prepared,
  plan: TimingPlan,
  afterFirst: () => Promise<void>,
): Promise<Timing> {
  const now = (): number => performance.now();
  let t = now();
  await p.step();
  await p.sync();
  const warmupMs = now() - t;
  await afterFirst();

  const start = now();
  t = now();
  await p.step();
  await p.sync();
  const once = now() - t;
  const callsPerSample = Math.max(1, Math.ceil(plan.minSampleMs / Math.max(once, 1e-3)));
  // A call long enough to be a sample by itself is one.
  const samplesMs: number[] = callsPerSample === 1 ? [once] : [];
  while (
    samplesMs.length < plan.samples &&
    (samplesMs.length === 0 || now() - start < plan.rowBudgetMs)
  ) {
    t = now();
    for (let i = 0; i < callsPerSample; i++) await p.step();
    await p.sync();
    samplesMs.push((now() - t) / callsPerSample);
  }
  return {
    warmupMs,
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    samplesMs,
    callsPerSample,
  };
}
