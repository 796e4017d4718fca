/**
 * The machine a run measured, and its load while it ran: on a shared machine the load decides how
 * far two runs' numbers can be compared.
 */
import os from 'node:os';

export interface MachineInfo {
  readonly hostname: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
}

export interface LoadInfo {
  /** 1-, 5- and 15-minute load averages when the run started and ended. */
  readonly before: readonly number[];
  readonly after: readonly number[];
  /** Highest 1-minute load average seen during the run (sampled every 5 s). */
  readonly max1m: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

const round2 = (xs: number[]): number[] => xs.map((x) => Math.round(x * 100) / 100);

/** Starts sampling the load average; `stop()` returns the summary. */
export function sampleLoad(): { stop(): LoadInfo } {
  const before = round2(os.loadavg());
  let max1m = before[0] as number;
  const timer = setInterval(() => {
    max1m = Math.max(max1m, os.loadavg()[0] as number);
  }, 5000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      const after = round2(os.loadavg());
      return { before, after, max1m: Math.round(Math.max(max1m, after[0] as number) * 100) / 100 };
    },
  };
}

/** A folder name for this machine's results: the date, the CPU and its core count. */
export function machineSlug(m: MachineInfo, date: Date): string {
  const cpu = m.cpu
    .toLowerCase()
    .replace(/\(r\)|\(tm\)|cpu|processor|@.*$/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .split('-')
    .slice(0, 3)
    .join('-');
  return `${date.toISOString().slice(0, 10)}-${cpu || 'cpu'}-${m.cores}cpu`;
}
