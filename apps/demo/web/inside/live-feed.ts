import type { ArrayDataset } from '@stride/datasets';
import type { DemoState } from '../state.js';
import type { InsideSnapshot } from './training-snapshot.js';

/** The MNIST test image the live view follows through the network: a 7. */
export const PROBE_INDEX = 0;

/** Steps between two refreshes of the live view, unless the reader picks another. */
export const DEFAULT_EVERY = 10;

export interface Probe {
  /** 28×28 row-major, ink in [0, 1]. */
  image: Float32Array;
  label: number;
}

/** The probe digit from the MNIST test split. */
export function probeOf(test: ArrayDataset): Probe {
  const { x, y } = test.getBatch([PROBE_INDEX]);
  return { image: Float32Array.from(x), label: Number(y[0]) };
}

export interface RunInfo {
  /** 'cpu' or 'webgpu'. */
  device: string;
  batchSize: number;
  /** The optimizer, in words. */
  optimizer: string;
}

/**
 * The line between the training panel and the live view of the look-inside panel: the training
 * panel says when a run starts and stops and hands over every snapshot; the live view sets how
 * often it wants one and can ask for a run to start or stop. Events: 'start', 'snapshot', 'stop',
 * 'request-start', 'request-stop'.
 */
export class LiveFeed extends EventTarget {
  /** Steps between two snapshots; the training loop reads it at every step. */
  every = DEFAULT_EVERY;
  running: RunInfo | null = null;
  /** The probe of the current or last run. */
  probe: Probe | null = null;
  latest: InsideSnapshot | null = null;
  /** Steps of the last run that ended, or null. */
  stoppedAt: number | null = null;

  start(info: RunInfo, probe: Probe): void {
    this.running = info;
    this.probe = probe;
    this.latest = null;
    this.stoppedAt = null;
    this.dispatchEvent(new Event('start'));
  }

  publish(s: InsideSnapshot): void {
    this.latest = s;
    this.dispatchEvent(new Event('snapshot'));
  }

  stop(steps: number): void {
    this.running = null;
    this.stoppedAt = steps;
    this.dispatchEvent(new Event('stop'));
  }

  /** Asks the training panel to start a run with its current settings (or to stop it). */
  request(what: 'start' | 'stop'): void {
    this.dispatchEvent(new Event(`request-${what}`));
  }
}

const feeds = new WeakMap<DemoState, LiveFeed>();

/** The page's one feed (one per state). */
export function liveFeed(state: DemoState): LiveFeed {
  let feed = feeds.get(state);
  if (!feed) {
    feed = new LiveFeed();
    feeds.set(state, feed);
  }
  return feed;
}
