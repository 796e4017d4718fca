/** What every runner (Stride on a backend, or a peer library) provides to the child process. */
import type { HostInput } from '../inputs.js';
import type { Prepared } from '../measure.js';
import type { Job, Row, RunnerInfo } from '../protocol.js';
import type { Workload } from '../workloads.js';

export interface Runner {
  /** Library versions and settings, recorded with the results. */
  readonly info: RunnerInfo;
  /** Why this runner cannot compute `w` at all, or null when it can. */
  unsupported(w: Workload): string | null;
  /** Uploads inputs and builds what `w` needs; measuring starts after. */
  prepare(w: Workload, inputs: Map<string, HostInput>): Promise<Prepared>;
  /** A workload that is not a repeated call (time to accuracy) is measured whole, here. */
  runWhole?(w: Workload, job: Job, note: (text: string) => void): Promise<Row>;
}

/** Thrown by a runner factory when the runner cannot run on this machine at all. */
export class Unavailable extends Error {}

/**
 * A library's error for a kernel it lacks. Such a row is recorded with the library's message
 * instead of as a failure: tfjs-backend-wasm has no convolution filter gradient, and Stride's
 * WebGPU backend throws "not implemented" for kernels still being written.
 */
export function isMissingKernel(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /not (yet )?(implemented|registered|supported)|unsupported|no kernel/i.test(message);
}
