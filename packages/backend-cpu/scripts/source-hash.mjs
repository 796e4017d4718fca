// A short hash of the AssemblyScript sources, stored with the binaries built from them so that
// a test can tell when they are stale.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'assembly');

export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of readdirSync(sourceDir).sort()) {
    hash.update(file).update(readFileSync(join(sourceDir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}
