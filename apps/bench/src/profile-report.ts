/**
 * The arithmetic of `pnpm run profile` (profile.ts): V8 CPU profiles of every thread summed by
 * function over a window of time, WebAssembly functions named from a name map, and the sums
 * grouped into what a convolution or matrix product spends its time on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Where a function's samples are counted: the summary's groups, in the order printed. */
export const GROUPS: readonly [string, (name: string) => boolean][] = [
  ['GEMM micro-kernel', (n) => /^(multiplyPanels|sgemmInPlace|tileProbe) \(wasm\)$/.test(n)],
  ['packing operands', (n) => /^(packA_|packB_|packShifted|packWeights) \(wasm\)$/.test(n)],
  ['im2col / col2im', (n) => /^(im2col|col2im) \(wasm\)$/.test(n)],
  ['zero-padded planes', (n) => /^(padUnit|padPlanes) \(wasm\)$/.test(n)],
  ['filter-gradient dot products', (n) => n === 'directFilterGradUnit (wasm)'],
  ['other kernels', (n) => n.endsWith(' (wasm)')],
  ['waiting for other threads', (n) => /^(\(idle\)|run \(runtime\.ts\)|strideWorker .*)$/.test(n)],
  ['garbage collection', (n) => n === '(garbage collector)'],
  ['JavaScript', () => true],
];

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
export interface ChildResult {
  id: string;
  calls: number;
  ms: number;
  backend: string;
  window: [number, number];
}

/**
 * A frame's name in the report: a WebAssembly function by its name in `wasm` (index to name, as
 * wasm-names.mjs prints them) with " (wasm)", JavaScript as "function (file)", V8's own entries
 * such as "(idle)" and "(garbage collector)" as they are.
 */
export function label(frame: ProfileNode['callFrame'], wasm: Record<string, string>): string {
  if (frame.url.startsWith('wasm://')) {
    const index = /^\$?wasm-function\[(\d+)\]$/.exec(frame.functionName)?.[1];
    const name = (index !== undefined ? wasm[index] : undefined) ?? frame.functionName;
    return `${name.replace(/^.*\//, '')} (wasm)`;
  }
  if (!frame.url) return frame.functionName || '(anonymous)';
  return `${frame.functionName || '(anonymous)'} (${basename(frame.url)})`;
}

/** The profiles V8 wrote into `dir` (`--cpu-prof-dir`), one per thread. */
export function readProfiles(dir: string): CpuProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
}

/**
 * Microseconds of samples inside `window` (on the profiles' clock), by label, summed over the
 * threads' profiles; `threads` counts those with samples in it.
 */
export function selfTimes(
  profiles: readonly CpuProfile[],
  window: [number, number],
  wasm: Record<string, string>,
): { times: Map<string, number>; threads: number } {
  const times = new Map<string, number>();
  let threads = 0;
  for (const p of profiles) {
    const labels = new Map(p.nodes.map((n) => [n.id, label(n.callFrame, wasm)]));
    let t = p.startTime;
    let counted = false;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] as number;
      // A sample stands for the time until the next one.
      const span = (p.timeDeltas[i + 1] as number | undefined) ?? 0;
      if (t < window[0] || t + span > window[1]) continue;
      const name = labels.get(p.samples[i] as number) as string;
      times.set(name, (times.get(name) ?? 0) + span);
      counted = true;
    }
    if (counted) threads++;
  }
  return { times, threads };
}

/**
 * The text for one workload: thread time per call and its share by group, and within each group
 * its four largest functions that have at least 1% of all the time.
 */
export function report(r: ChildResult, times: Map<string, number>, threads: number): string {
  const total = [...times.values()].reduce((a, b) => a + b, 0);
  const share = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const perCall = (us: number): string => `${(us / r.calls).toFixed(0).padStart(6)} µs`;
  const grouped = new Map<string, number>();
  const members = new Map<string, [string, number][]>();
  for (const [name, us] of times) {
    const group = (GROUPS.find(([, test]) => test(name)) as [string, unknown])[0];
    grouped.set(group, (grouped.get(group) ?? 0) + us);
    members.set(group, [...(members.get(group) ?? []), [name, us]]);
  }
  const lines = [
    `${r.id}: ${(r.ms * 1000).toFixed(0)} µs per call (mean of ${r.calls}), ${threads} threads sampled; thread time per call and its share:`,
  ];
  for (const [group] of GROUPS) {
    const us = grouped.get(group);
    if (!us || us / total < 0.005) continue;
    lines.push(`  ${group.padEnd(30)} ${perCall(us)} ${share(us)}`);
    const top = (members.get(group) ?? []).sort((a, b) => b[1] - a[1]).slice(0, 4);
    for (const [name, t] of top) {
      if (t / total >= 0.01 && name !== group) {
        lines.push(`    ${name.slice(0, 44).padEnd(44)} ${share(t)}`);
      }
    }
  }
  return lines.join('\n');
}
