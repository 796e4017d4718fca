import { randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Large writes go out in pieces so that no single write call needs the whole file in flight. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Replaces the file at `path` with `data` so that, whatever happens, `path` holds either the
 * old contents or the new ones, never a mix: the data goes to a new temporary file in the same
 * directory (rename is only atomic within one file system), is flushed to disk with fsync, and
 * is then renamed over `path`. On any failure the temporary file is removed and the error is
 * rethrown; the old file was never opened. A process killed mid-write can leave a temporary
 * file behind (named `.<name>.<random>.tmp`), but never a damaged `path`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    // 'wx' fails instead of following a link or reusing a file that someone else created.
    const handle = await open(temp, 'wx');
    try {
      for (let at = 0; at < data.length; ) {
        const { bytesWritten } = await handle.write(
          data,
          at,
          Math.min(CHUNK_BYTES, data.length - at),
          at,
        );
        at += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/**
 * Makes the rename itself durable (the directory entry is what changed). Not every platform
 * can open a directory for fsync (Windows cannot); the file is already in place, so a failure
 * here is not an error.
 */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // See above: best effort.
  }
}
