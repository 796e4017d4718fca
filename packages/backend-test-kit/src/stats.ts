import type { StorageStats } from '@stride/core';

/** Whether two `storageStats()` readings agree in count and bytes. */
export function sameStats(a: StorageStats, b: StorageStats): boolean {
  return a.count === b.count && a.bytes === b.bytes;
}

/** `12 storages, 4096 bytes`, for messages. */
export function fmtStats(s: StorageStats): string {
  return `${s.count} storages, ${s.bytes} bytes`;
}
