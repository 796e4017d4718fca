import { createHash, randomBytes } from 'node:crypto';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * The temporary files of atomic saves, and the removal of those that killed saves left behind.
 *
 * A save writes `.<name>.<host>.<pid>.<thread>.<random>.tmp` beside its target: `host` is a
 * hash of this machine's host name, `pid` and `thread` say which process and worker thread
 * writes it. A process killed mid-save (kill -9, out of memory, power loss) cannot remove its
 * temporary file, which can be as large as the checkpoint; the next save to the same target
 * removes it, and only it:
 *
 * - Only names of this exact form for this target; nothing else in the directory.
 * - Never a file a save of this thread is writing now (`inFlight`).
 * - Written on this machine by a process that no longer exists (`kill(pid, 0)` answers ESRCH):
 *   removed at once. A dead process can never rename it.
 * - Written on this machine with this process's pid and thread, yet not being written now: an
 *   earlier process had the same pid, as on every restart of a container whose entry point is
 *   always pid 1. Removed at once.
 * - Anything else: written on another machine sharing the file system (its pids mean nothing
 *   here), by a process that exists (perhaps a pid reused since), by another thread of this
 *   process, or by an older Stride (`.<name>.<uuid>.tmp`): removed only when not modified for
 *   `STALE_AFTER_MS`. A live save writes without pause and renames right after its fsync, so an
 *   hour without a write means it is gone. Were it merely stalled that long, it would fail its
 *   rename cleanly and the target would be left as it was: removing a live writer's file can
 *   cost that save, never a checkpoint.
 */

/** Most file systems (ext4, XFS, Btrfs, APFS; NTFS counts UTF-16 units) allow 255 per name. */
const NAME_MAX_BYTES = 255;
/** `.` + `.<8 hex>.<pid ≤ 10 digits>.<thread ≤ 10 digits>.<8 hex>.tmp` at their longest. */
const OVERHEAD_BYTES = 1 + (1 + 8) + (1 + 10) + (1 + 10) + (1 + 8) + 4;
/** The longest target name used as is in temporary names; longer ones are shortened. */
export const BASE_MAX_BYTES = NAME_MAX_BYTES - OVERHEAD_BYTES;
/** How long a temporary file whose writer cannot be checked must sit unmodified. */
export const STALE_AFTER_MS = 60 * 60 * 1000;

const HOST = sha256(hostname()).slice(0, 8);
const HEX8 = /^[0-9a-f]{8}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Temporary files that saves of this thread are writing now. */
const inFlight = new Set<string>();

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The target's name as it appears in its temporary files: as is when short enough, else its
 * first bytes (whole UTF-8 characters) and a hash of the whole name, so that every legal name,
 * up to 255 bytes, gets a temporary name that is legal too. It depends on the name only, so
 * every process finds the same temporary files for the same target.
 */
export function tempBase(name: string): string {
  if (Buffer.byteLength(name) <= BASE_MAX_BYTES) return name;
  const budget = BASE_MAX_BYTES - 9; // `~` and 8 hex digits of the hash
  let prefix = '';
  let bytes = 0;
  for (const char of name) {
    const size = Buffer.byteLength(char);
    if (bytes + size > budget) break;
    prefix += char;
    bytes += size;
  }
  return `${prefix}~${sha256(name).slice(0, 8)}`;
}

/** A new temporary path for a target whose `tempBase` is `base`, marked as being written. */
export function newTempPath(dir: string, base: string): string {
  const random = randomBytes(4).toString('hex');
  const path = join(dir, `.${base}.${HOST}.${process.pid}.${threadId}.${random}.tmp`);
  inFlight.add(path);
  return path;
}

/** The save that wrote `path` is over (renamed or removed). */
export function releaseTempPath(path: string): void {
  inFlight.delete(path);
}

/** Who wrote a temporary file, as far as its name says. */
interface Writer {
  host?: string;
  pid?: number;
  thread?: number;
}

/** The writer of `name` if it is a temporary file of the target `base`, else undefined. */
function parseTempName(name: string, base: string): Writer | undefined {
  const head = `.${base}.`;
  if (!name.startsWith(head) || !name.endsWith('.tmp')) return undefined;
  const middle = name.slice(head.length, -'.tmp'.length);
  if (UUID.test(middle)) return {};
  const [host, pid, thread, random, ...rest] = middle.split('.');
  if (rest.length > 0 || !HEX8.test(host ?? '') || !HEX8.test(random ?? '')) return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(pid ?? '') || !/^(0|[1-9][0-9]{0,9})$/.test(thread ?? '')) {
    return undefined;
  }
  return { host, pid: Number(pid), thread: Number(thread) };
}

/** Whether a process with this pid exists on this machine; unsure counts as yes. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function abandoned(writer: Writer, modifiedMs: number): boolean {
  if (writer.host === HOST && writer.pid !== undefined) {
    if (writer.pid === process.pid) {
      if (writer.thread === threadId) return true;
    } else if (!processExists(writer.pid)) {
      return true;
    }
  }
  return Date.now() - modifiedMs > STALE_AFTER_MS;
}

/**
 * Removes the temporary files in `dir` of the target `base` whose saves are over (see above).
 * Best effort: a file that cannot be listed, checked or removed is left, and the save goes on.
 */
export async function removeAbandonedTemps(dir: string, base: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const writer = parseTempName(name, base);
    const path = join(dir, name);
    if (writer === undefined || inFlight.has(path)) continue;
    try {
      const stats = await lstat(path);
      if (stats.isFile() && abandoned(writer, stats.mtimeMs)) await unlink(path);
    } catch {
      // Removed meanwhile by another save, or not ours to remove: either way, leave it.
    }
  }
}
