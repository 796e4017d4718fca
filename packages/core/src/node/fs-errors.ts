/**
 * Operating-system errors in words a user can act on. Node's own messages name the system call
 * and, for a save, the temporary file (`open '.model.safetensors.…tmp'`), which the user never
 * asked for; these say what went wrong and keep the error code for searching and scripts.
 */

const WORDS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EBUSY: 'the file is busy or locked',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'a file of that name already exists',
  EFBIG: 'the file is too large for the file system',
  EIO: 'input/output error (a failing disk or a lost network drive?)',
  EISDIR: 'it is a directory',
  ELOOP: 'too many levels of symbolic links (a loop?)',
  EMFILE: 'too many open files in this process',
  ENAMETOOLONG: 'the file name is too long',
  ENFILE: 'too many open files in the system',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on the device',
  ENOTDIR: 'a part of the path is not a directory',
  ENOTEMPTY: 'it is a directory that is not empty',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EXDEV: 'the temporary file and the target are on different file systems',
};

/** The error's `code` (`'ENOENT'`), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `no space left on the device (ENOSPC)` for a known code, else the error's own message
 * (which for Node's errors also starts with the code).
 */
export function describeOsError(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined && Object.hasOwn(WORDS, code)) return `${WORDS[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}
