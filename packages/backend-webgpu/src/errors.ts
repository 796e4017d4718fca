/**
 * What went wrong on the GPU, kept until it can be reported. WebGPU reports most failures
 * asynchronously (device loss, validation and out-of-memory errors arrive as promises or
 * events), but a kernel call is synchronous, so a failure is recorded here and thrown as a
 * `StrideError` naming the kernel at the next kernel call or read.
 * - Device loss is permanent: every later call throws, naming the kernel that was called.
 * - Any other error is thrown once (the first one recorded), then cleared, so a program that
 *   catches it can go on.
 */
import { StrideError } from '@stride/core';

export interface LostInfo {
  readonly reason: string;
  readonly message: string;
}

export class GpuErrors {
  private lostInfo: LostInfo | null = null;
  private pending: StrideError | null = null;

  get lost(): LostInfo | null {
    return this.lostInfo;
  }

  markLost(reason: string, message: string): void {
    this.lostInfo ??= { reason, message };
  }

  /** Keeps `error` to be thrown later; the first error wins, as later ones often follow from it. */
  record(error: StrideError): void {
    this.pending ??= error;
  }

  /** The error a call to `kernel` raises now that the device is lost. */
  lostError(kernel: string): StrideError {
    const info = this.lostInfo;
    const why = info ? `${info.reason}${info.message ? `: ${info.message}` : ''}` : 'unknown';
    return new StrideError(
      kernel,
      `the WebGPU device was lost (${why}), and every tensor on it with it; re-initialise the ` +
        'webgpu backend (a new webgpu().init()) and create the tensors again',
    );
  }

  /** Throws the device-lost error, or the pending error (once), if there is one. */
  check(kernel: string): void {
    if (this.lostInfo) throw this.lostError(kernel);
    const error = this.pending;
    if (error) {
      this.pending = null;
      throw error;
    }
  }
}
