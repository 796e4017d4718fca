/**
 * `backend.counters()`: cumulative counts of the work the WebGPU backend asks of the device.
 * Timings on a software GPU (SwiftShader) say little about a real one, but these counts are the
 * same on every device, so tests can hold them and a regression fails.
 */

/** Cumulative counts since the backend started, or since an earlier reading (see `diff`). */
export interface WebGpuCounters {
  /** Compute dispatches recorded. */
  readonly dispatches: number;
  /** Buffer-to-buffer copies and clears recorded (a read's copy to its staging buffer included). */
  readonly copies: number;
  /** Queue submissions. */
  readonly submits: number;
  /**
   * Bytes of tensor data written from the host (`upload`: inputs, parameters, constants). A small
   * tensor kept on the host (`hostMaxElements`) counts when a GPU kernel first reads it.
   */
  readonly uploadBytes: number;
  /** Bytes of uniform words written from the host (kernel shapes and scalars). */
  readonly uniformBytes: number;
  /** Compute pipelines created (each distinct shader once; later uses are cache hits). */
  readonly pipelines: number;
  /** Bind groups created (repeated launches with the same buffers reuse theirs). */
  readonly bindGroups: number;
  /** GPU buffers created (the pool serves every repeated size after the first). */
  readonly buffers: number;
}

/** `now − before`, field by field: the counts of the work done between two readings. */
export function diffCounters(now: WebGpuCounters, before: WebGpuCounters): WebGpuCounters {
  return {
    dispatches: now.dispatches - before.dispatches,
    copies: now.copies - before.copies,
    submits: now.submits - before.submits,
    uploadBytes: now.uploadBytes - before.uploadBytes,
    uniformBytes: now.uniformBytes - before.uniformBytes,
    pipelines: now.pipelines - before.pipelines,
    bindGroups: now.bindGroups - before.bindGroups,
    buffers: now.buffers - before.buffers,
  };
}
