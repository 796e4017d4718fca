import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StrideError } from '../src/index.js';
import { writeFileAtomic } from '../src/node/checkpoint.js';

// What a save does to what is already at the path, compared with writing in place as
// torch.save does: links stay links, modes and owners stay, long names work.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-links-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string) => new TextEncoder().encode(text);

async function failure(path: string, data: Uint8Array = bytes('new')): Promise<string> {
  const error = await writeFileAtomic(path, data).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StrideError);
  return (error as StrideError).message;
}

describe('writeFileAtomic through symbolic links', () => {
  it('writes to the target of a link and keeps the link', async () => {
    await mkdir(join(dir, 'runs'));
    const real = join(dir, 'runs', 'epoch-9.safetensors');
    await writeFile(real, 'old');
    const link = join(dir, 'latest.safetensors');
    await symlink('runs/epoch-9.safetensors', link);

    await writeFileAtomic(link, bytes('new'));
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('runs/epoch-9.safetensors');
    expect(await readFile(real, 'utf8')).toBe('new');
    // The temporary file went beside the real file and is gone.
    expect(await readdir(dir)).toEqual(['latest.safetensors', 'runs']);
    expect(await readdir(join(dir, 'runs'))).toEqual(['epoch-9.safetensors']);
  });

  it('follows a chain of links, relative to the directory of each', async () => {
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    await writeFile(join(dir, 'b', 'model'), 'old');
    await symlink('../b/model', join(dir, 'a', 'link2'));
    await symlink('a/link2', join(dir, 'link1'));
    await writeFileAtomic(join(dir, 'link1'), bytes('new'));
    expect(await readlink(join(dir, 'link1'))).toBe('a/link2');
    expect(await readlink(join(dir, 'a', 'link2'))).toBe('../b/model');
    expect(await readFile(join(dir, 'b', 'model'), 'utf8')).toBe('new');
    expect(await readdir(join(dir, 'b'))).toEqual(['model']);
  });

  it('creates the missing target of a dangling link, as open would', async () => {
    const link = join(dir, 'model.safetensors');
    await symlink('elsewhere.safetensors', link);
    await writeFileAtomic(link, bytes('new'));
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'elsewhere.safetensors'), 'utf8')).toBe('new');
  });

  it('refuses a loop of links and a link to a directory, creating nothing', async () => {
    await symlink('b', join(dir, 'a'));
    await symlink('a', join(dir, 'b'));
    expect(await failure(join(dir, 'a'))).toBe(
      `writeFileAtomic: could not write ${join(dir, 'a')} (the previous file, if any, is unchanged): too many levels of symbolic links (a loop?) (ELOOP)`,
    );
    await mkdir(join(dir, 'sub'));
    await symlink('sub', join(dir, 'to-dir'));
    expect(await failure(join(dir, 'to-dir'))).toBe(
      `writeFileAtomic: could not write ${join(dir, 'to-dir')} (the previous file, if any, is unchanged): its target ${join(dir, 'sub')} is a directory (EISDIR)`,
    );
    expect(await readdir(dir)).toEqual(['a', 'b', 'sub', 'to-dir']);
    expect(await readdir(join(dir, 'sub'))).toEqual([]);
  });
});

describe('writeFileAtomic and permissions', () => {
  it('keeps the mode of the file it replaces, also through a link', async () => {
    for (const mode of [0o600, 0o640, 0o755, 0o444]) {
      const path = join(dir, `m${mode.toString(8)}`);
      await writeFile(path, 'old');
      await chmod(path, mode);
      if (mode === 0o444 && process.getuid?.() !== 0) continue; // refused: see below
      await writeFileAtomic(path, bytes('new'));
      expect((await stat(path)).mode & 0o7777).toBe(mode);
      expect(await readFile(path, 'utf8')).toBe('new');
    }
    const real = join(dir, 'secret');
    await writeFile(real, 'old');
    await chmod(real, 0o600);
    await symlink('secret', join(dir, 'link'));
    await writeFileAtomic(join(dir, 'link'), bytes('new'));
    expect((await stat(real)).mode & 0o777).toBe(0o600);
    expect((await lstat(join(dir, 'link'))).isSymbolicLink()).toBe(true);
  });

  it('gives a new file the mode any new file gets (the umask applies)', async () => {
    const reference = join(dir, 'reference');
    await writeFile(reference, '');
    await writeFileAtomic(join(dir, 'model'), bytes('new'));
    expect((await stat(join(dir, 'model'))).mode).toBe((await stat(reference)).mode);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'keeps the owner when it may give files away (as root)',
    async () => {
      const path = join(dir, 'theirs');
      await writeFile(path, 'old');
      await chown(path, 65534, 65534);
      await chmod(path, 0o4640); // the set-user-ID bit that a change of owner would clear
      await writeFileAtomic(path, bytes('new'));
      const after = await stat(path);
      expect([after.uid, after.gid, after.mode & 0o7777]).toEqual([65534, 65534, 0o4640]);
      expect(await readFile(path, 'utf8')).toBe('new');
    },
  );
});

describe('writeFileAtomic and long names', () => {
  it('saves under any legal name: 233 and 255 bytes, multi-byte characters', async () => {
    const names = [
      `${'m'.repeat(230)}.pt`, // 233, the name of the report
      `${'m'.repeat(222)}.safetensors`, // 234
      'x'.repeat(255),
      `${'é'.repeat(126)}abc`, // 255 bytes in UTF-8, 129 characters
      `${'🙂'.repeat(63)}abc`, // 255 bytes, 4 bytes per character
    ];
    for (const name of names) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      await writeFileAtomic(join(dir, name), bytes(name));
      await writeFileAtomic(join(dir, name), bytes(`${name}!`)); // and replaces it
      expect(await readFile(join(dir, name), 'utf8')).toBe(`${name}!`);
    }
    expect((await readdir(dir)).sort()).toEqual([...names].sort());
  });

  it('reports a name that is too long for the file system', async () => {
    const path = join(dir, 'x'.repeat(256));
    expect(await failure(path)).toBe(
      `writeFileAtomic: could not write ${path} (the previous file, if any, is unchanged): the file name is too long (ENAMETOOLONG)`,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeFileAtomic arguments', () => {
  it('takes a path and a Uint8Array', async () => {
    expect(await failure('')).toBe("writeFileAtomic: path must be a non-empty string, got ''");
    expect(await failure(join(dir, 'x'), 'text' as unknown as Uint8Array)).toBe(
      "writeFileAtomic: data must be a Uint8Array, got 'text'",
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
