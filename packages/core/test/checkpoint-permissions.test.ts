import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors, writeFileAtomic } from '../src/node/checkpoint.js';
import { compileForChild } from './node-child.js';

// Files this user may not read or write. Root may do anything, so as root the operations run
// in a child process as the unprivileged user 65534 (nobody); otherwise they run here.

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

type Op = { op: 'write' | 'load'; path: string };

let dir: string;
let entry: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-permissions-'));
  await chmod(dir, 0o755);
  if (ROOT) {
    const compiled = join(dir, 'compiled');
    await mkdir(compiled);
    entry = await compileForChild('node/checkpoint.ts', compiled);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Each operation's error message, or 'ok', as this user or, as root, as nobody. */
async function attempt(ops: Op[]): Promise<string[]> {
  if (!ROOT) {
    const results: string[] = [];
    for (const { op, path } of ops) {
      const run =
        op === 'write' ? writeFileAtomic(path, new Uint8Array([1])) : loadSafetensors(path);
      results.push(
        await run.then(
          () => 'ok',
          (e: Error) => e.message,
        ),
      );
    }
    return results;
  }
  const script = `
    import { loadSafetensors, writeFileAtomic } from ${JSON.stringify(entry)};
    const results = [];
    for (const { op, path } of ${JSON.stringify(ops)}) {
      const run = op === 'write' ? writeFileAtomic(path, new Uint8Array([1])) : loadSafetensors(path);
      results.push(await run.then(() => 'ok', (e) => e.message));
    }
    console.log(JSON.stringify(results));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { uid: NOBODY, gid: NOBODY, cwd: dir },
  );
  return JSON.parse(stdout) as string[];
}

describe('checkpoint files this user may not touch', () => {
  it('refuses a read-only file, as open does, and says so', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777); // anyone may create and rename here...
    const path = join(shared, 'best.safetensors');
    await writeFile(path, 'precious');
    await chmod(path, 0o444); // ...but this file is read-only
    expect(await attempt([{ op: 'write', path }])).toEqual([
      `writeFileAtomic: could not write ${path} (the previous file, if any, is unchanged): it is read-only for this user (EACCES)`,
    ]);
    expect(await readFile(path, 'utf8')).toBe('precious');
    expect(await readdir(shared)).toEqual(['best.safetensors']);
  });

  it('names a directory it may not create files in, and a file it may not read', async () => {
    const closed = join(dir, 'closed');
    await mkdir(closed);
    await chmod(closed, 0o755);
    const secret = join(dir, 'secret.safetensors');
    await writeFile(secret, 'x');
    await chmod(secret, ROOT ? 0o600 : 0o000);
    if (!ROOT) await chmod(closed, 0o555);
    expect(
      await attempt([
        { op: 'write', path: join(closed, 'model.safetensors') },
        { op: 'load', path: secret },
      ]),
    ).toEqual([
      `writeFileAtomic: could not write ${join(closed, 'model.safetensors')} (the previous file, if any, is unchanged): no permission to create a file in ${closed} (EACCES)`,
      `loadSafetensors: no permission to read ${secret} (EACCES)`,
    ]);
    expect(await readdir(closed)).toEqual([]);
  });

  it.skipIf(!ROOT)(
    "says when a sticky directory keeps it from replacing another user's file",
    async () => {
      const sticky = join(dir, 'sticky');
      await mkdir(sticky);
      await chmod(sticky, 0o1777); // as /tmp: only a file's owner may rename over it
      const path = join(sticky, 'model.safetensors');
      await writeFile(path, 'root');
      await chmod(path, 0o666);
      expect(await attempt([{ op: 'write', path }])).toEqual([
        `writeFileAtomic: could not write ${path} (the previous file, if any, is unchanged): no permission to replace it (EPERM)`,
      ]);
      expect(await readFile(path, 'utf8')).toBe('root');
      expect(await readdir(sticky)).toEqual(['model.safetensors']);
    },
  );
});
