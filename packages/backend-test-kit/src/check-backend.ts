/**
 * The kit's checks as plain functions that return what they found, without vitest: so that a
 * backend author (or the kit's own tests, with deliberately broken backends) can run them and
 * look at the report. `runConformance` turns the same checks into tests.
 */
import type { Backend } from '@stride/core';
import {
  KERNEL_CHECKS,
  type KernelCheck,
  kernelCheckSkipReason,
  kernelCheckTitle,
} from './kernel-checks.js';
import { KernelKit } from './kernel-kit.js';
import { type KernelFinding, recordKernels } from './recording.js';
import { fmtStats, sameStats } from './stats.js';
import { trainingLoopFindings } from './training-loop.js';

export type { KernelFinding } from './recording.js';

/**
 * Runs one direct kernel check on `backend` through the recording proxy and returns what went
 * wrong: a wrong value, a storage left behind inside a kernel, or storages of the check still
 * held once it freed everything. Empty when the check passed; each message starts with
 * `kernel <name>`.
 */
export async function runKernelCheck(backend: Backend, c: KernelCheck): Promise<KernelFinding[]> {
  const recorder = recordKernels(backend);
  const kit = new KernelKit(recorder.backend);
  const title = kernelCheckTitle(c);
  const found: KernelFinding[] = [];
  const before = backend.storageStats();
  try {
    await c.run(kit);
  } catch (e) {
    found.push({ kernel: c.kernel, message: `${title}: ${(e as Error).message}` });
  } finally {
    try {
      kit.dispose();
    } catch (e) {
      found.push({ kernel: 'free', message: `kernel free: ${(e as Error).message} (in ${title})` });
    }
  }
  // A storage left behind inside a kernel, named by the proxy, comes before any wrong value it
  // may have caused.
  found.unshift(
    ...recorder.findings().map((f) => ({ ...f, message: `${f.message} (in ${title})` })),
  );
  const after = backend.storageStats();
  if (recorder.findings().length === 0 && !sameStats(before, after)) {
    found.push({
      kernel: c.kernel,
      message: `${title}: storageStats() is ${fmtStats(after)} after every storage of the check was freed, ${fmtStats(before)} before`,
    });
  }
  return found;
}

/** Options of `checkBackend`. */
export interface CheckBackendOptions {
  /** Also run the short training loop through core's ops (registers the backend). Default true. */
  readonly trainingLoop?: boolean;
}

/**
 * Every direct kernel check that applies to `backend` (optional kernels it has, float64 if it
 * stores it), then a short training loop whose storages must stay flat from step to step.
 * Returns every problem found, each attributed to a kernel (`'backend'` when none is to blame);
 * an empty report means the backend passed.
 *
 * The training loop runs through core's ops, so it registers the backend (through the recording
 * proxy) and makes it active for the loop; the backend that was active before is active again
 * afterwards.
 */
export async function checkBackend(
  backend: Backend,
  options: CheckBackendOptions = {},
): Promise<KernelFinding[]> {
  const found: KernelFinding[] = [];
  // The proxy reports the same fault once per check it shows up in (a `free` that keeps int32
  // storages, in every check with an int32): the report keeps the first of each.
  const seen = new Set<string>();
  for (const c of KERNEL_CHECKS) {
    if (kernelCheckSkipReason(c, backend) !== null) continue;
    for (const f of await runKernelCheck(backend, c)) {
      const fromProxy = / \(in kernel .*\)$/;
      if (fromProxy.test(f.message)) {
        const key = f.message.replace(fromProxy, '').replace(/\d+/g, '#');
        if (seen.has(key)) continue;
        seen.add(key);
      }
      found.push(f);
    }
  }
  if (options.trainingLoop ?? true) found.push(...(await trainingLoopFindings(backend)));
  return found;
}
