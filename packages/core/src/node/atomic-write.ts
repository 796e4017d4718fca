import type { Stats } from 'node:fs';
import {
  access,
  constants,
  type FileHandle,
  lstat,
  open,
  readlink,
  realpath,
  rename,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fail, StrideError } from '../errors.js';
import { showValue } from '../options.js';
import { describeOsError, errorCode } from './fs-errors.js';
import { checkPath } from './path-arg.js';
import { newTempPath, releaseTempPath, removeAbandonedTemps, tempBase } from './temp-files.js';

/** Large writes go out in pieces so that no single write call needs the whole file in flight. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** As Linux: more links than this in a row is a loop. */
const MAX_LINK_HOPS = 40;

/**
 * Replaces the file at `path` with `data` so that, whatever happens, `path` holds either the
 * old contents or the new ones, never a mix: the data goes to a new temporary file in the same
 * directory (rename is only atomic within one file system), is flushed to disk with fsync, and
 * is then renamed over `path`. On any failure the temporary file is removed and a `StrideError`
 * says why; the old file was never opened for writing. A process killed mid-write leaves its
 * temporary file (`.<name>.….tmp`), never a damaged `path`; a later save to `path` removes it:
 * at once when it was written on this machine by a process that is gone, else once it is an
 * hour old (temp-files.ts says why).
 *
 * As writing in place would: a symbolic link at `path` stays a link and its target gets the
 * data; an existing file keeps its permission bits (and its owner, where the process may give
 * files away, as root may); a file this process may not write (`chmod a-w`) is refused, as
 * `open` refuses it. Unlike writing in place, other hard links to the old file keep the old
 * contents.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const fn = 'writeFileAtomic';
  checkPath(fn, path);
  if (!(data instanceof Uint8Array)) {
    fail(fn, `data must be a Uint8Array, got ${showValue(data)}`);
  }
  await replaceFile(fn, path, data);
}

/** `writeFileAtomic` for the public function `fn`, whose name its errors carry. */
export async function replaceFile(fn: string, path: string, data: Uint8Array): Promise<void> {
  const problem = (detail: string, cause?: unknown): StrideError => {
    const error = new StrideError(
      fn,
      `could not write ${path} (the previous file, if any, is unchanged): ${detail}`,
    );
    if (cause !== undefined) error.cause = cause;
    return error;
  };

  let target: string;
  let existing: Stats | undefined;
  try {
    ({ target, existing } = await resolveLinks(path));
  } catch (error) {
    throw problem(describeOsError(error), error);
  }
  const it = target === path ? 'it' : `its target ${target}`;
  if (existing !== undefined) {
    if (existing.isDirectory()) throw problem(`${it} is a directory (EISDIR)`);
    if (!existing.isFile()) throw problem(`${it} is not a regular file but ${kindOf(existing)}`);
    try {
      await access(target, constants.W_OK);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EACCES' || code === 'EPERM') {
        throw problem(`${it} is read-only for this user (${code})`, error);
      }
      throw problem(describeOsError(error), error);
    }
  }

  const dir = dirname(target);
  const base = tempBase(basename(target));
  await removeAbandonedTemps(dir, base);
  const temp = newTempPath(dir, base);
  let stage: 'create' | 'write' | 'rename' = 'create';
  try {
    // 'wx' fails instead of following a link or reusing a file that someone else created. An
    // existing file's mode from the start, so its contents are never more readable than it.
    const handle = await open(temp, 'wx', existing ? existing.mode & 0o777 : 0o666);
    stage = 'write';
    try {
      if (existing !== undefined) await keepOwnerAndMode(handle, existing);
      for (let at = 0; at < data.length; ) {
        const length = Math.min(CHUNK_BYTES, data.length - at);
        at += (await handle.write(data, at, length, at)).bytesWritten;
      }
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    await handle.close();
    stage = 'rename';
    await rename(temp, target);
  } catch (error) {
    if (stage !== 'create') await unlink(temp).catch(() => undefined);
    throw problem(explain(stage, error, dir, it), error);
  } finally {
    releaseTempPath(temp);
  }
  await syncDirectory(dir);
}

/** What went wrong, in the words of the step that failed. */
function explain(stage: 'create' | 'write' | 'rename', error: unknown, dir: string, it: string) {
  const code = errorCode(error);
  if (stage === 'create') {
    if (code === 'ENOENT') return `the directory ${dir} does not exist (ENOENT)`;
    if (code === 'ENOTDIR') return `a part of ${dir} is not a directory (ENOTDIR)`;
    if (code === 'EACCES' || code === 'EPERM') {
      return `no permission to create a file in ${dir} (${code})`;
    }
  }
  if (stage === 'rename') {
    if (code === 'ENOENT') {
      return 'its temporary file was removed by someone else before it could replace the file (ENOENT)';
    }
    if (code === 'EACCES' || code === 'EPERM') return `no permission to replace ${it} (${code})`;
  }
  return describeOsError(error);
}

/**
 * Follows symbolic links at `path` (not in the directories above it, which the rename goes
 * through anyway) to the file that holds the data, which need not exist yet: a link to a missing
 * file gets one, as `open` would create it.
 */
async function resolveLinks(path: string): Promise<{ target: string; existing?: Stats }> {
  let target = path;
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    let stats: Stats;
    try {
      stats = await lstat(target);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { target };
      throw error;
    }
    if (!stats.isSymbolicLink()) return { target, existing: stats };
    // A relative link is relative to the directory that holds it, as the kernel reads it;
    // that directory's real path first, so that `..` in the link means what it means there.
    target = resolve(await realpath(dirname(target)), await readlink(target));
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'a special file';
}

/**
 * The new file takes the old one's permission bits and, where allowed, its owner. The owner
 * first: changing it clears set-user-ID bits, which the mode then restores. Only root may give a
 * file to another user, so otherwise the new file is this user's, as any file it creates.
 */
async function keepOwnerAndMode(handle: FileHandle, existing: Stats): Promise<void> {
  if (
    process.getuid !== undefined &&
    process.getgid !== undefined &&
    (existing.uid !== process.getuid() || existing.gid !== process.getgid())
  ) {
    await handle.chown(existing.uid, existing.gid).catch(() => undefined);
  }
  await handle.chmod(existing.mode & 0o7777);
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
