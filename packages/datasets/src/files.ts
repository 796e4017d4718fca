import { fail } from './fail.js';
import { type Chunks, NotFound, openSource } from './source.js';

/** A file found in a dataset directory. */
export interface FoundFile {
  name: string;
  /** The file's bytes, read as they are consumed. */
  chunks: Chunks;
}

/**
 * Opens the first of `names` (each also tried with `.gz`) that exists in `dir`: a directory
 * path in Node, or a base URL. If none does, the error lists what was tried and adds `hint`
 * (where to get the files).
 */
export async function openFirst(
  fn: string,
  dir: string | URL,
  names: readonly string[],
  hint: string,
): Promise<FoundFile> {
  const tried: string[] = [];
  for (const name of names) {
    for (const candidate of [name, `${name}.gz`]) {
      const location = join(dir, candidate);
      tried.push(String(location));
      try {
        return { name: String(location), chunks: await openSource(fn, location) };
      } catch (error) {
        if (!(error instanceof NotFound)) throw error;
      }
    }
  }
  fail(
    fn,
    `expected ${names[0]} (or ${names[0]}.gz) in ${String(dir)}, found no such file (tried ${tried.join(', ')}). ${hint}`,
  );
}

function join(dir: string | URL, name: string): string | URL {
  if (dir instanceof URL) return new URL(name, dir.href.endsWith('/') ? dir : `${dir.href}/`);
  return `${dir.replace(/[\\/]+$/, '')}/${name}`;
}
