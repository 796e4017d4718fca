import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/node/checkpoint.js';
import { BASE_MAX_BYTES, STALE_AFTER_MS, tempBase } from '../src/node/temp-files.js';

// The temporary files that saves killed mid-write leave behind, and which of them a later save
// removes: only its own target's, and only those whose writer is known to be gone
// (src/node/temp-files.ts says why each rule is safe).

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-temp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const OTHER_HOST = HOST === '00000000' ? '11111111' : '00000000';

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(child.status).toBe(0);
  return child.pid as number;
}

const temp = (name: string, host: string, pid: number, thread: number) =>
  `.${name}.${host}.${pid}.${thread}.0123abcd.tmp`;

/** Creates each file, modified `ageMs` ago. */
async function leave(names: string[], ageMs = 0): Promise<void> {
  const when = (Date.now() - ageMs) / 1000;
  for (const name of names) {
    await writeFile(join(dir, name), 'half a checkpoint');
    await utimes(join(dir, name), when, when);
  }
}

describe('a save removes the temporary files of earlier saves that were killed', () => {
  it('removes those of dead processes on this machine, at once', async () => {
    const dead = deadPid();
    const target = 'model.safetensors';
    await leave([temp(target, HOST, dead, 0), temp(target, HOST, dead, 3)]);
    await writeFileAtomic(join(dir, target), new Uint8Array([1]));
    expect(await readdir(dir)).toEqual([target]);
  });

  it("removes this pid's own, left by an earlier process with the same pid", async () => {
    // As in a container restarted with its trainer as pid 1 again.
    const target = 'model.safetensors';
    await leave([temp(target, HOST, process.pid, threadId)]);
    await writeFileAtomic(join(dir, target), new Uint8Array([1]));
    expect(await readdir(dir)).toEqual([target]);
  });

  it('keeps those whose writer may be alive until they are an hour old', async () => {
    const target = 'model.safetensors';
    const alive = process.ppid; // the process that started this one exists
    const dead = deadPid();
    const maybeLive = [
      temp(target, HOST, alive, 0), // a live process (or a reused pid)
      temp(target, OTHER_HOST, dead, 0), // another machine: its pids mean nothing here
      temp(target, HOST, process.pid, threadId + 1), // another thread of this process
      `.${target}.0b9c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4.tmp`, // an older Stride's name
    ];
    await leave(maybeLive, STALE_AFTER_MS - 60_000);
    await writeFileAtomic(join(dir, target), new Uint8Array([1]));
    expect((await readdir(dir)).sort()).toEqual([...maybeLive, target].sort());

    await leave(maybeLive, STALE_AFTER_MS + 60_000);
    await writeFileAtomic(join(dir, target), new Uint8Array([2]));
    expect(await readdir(dir)).toEqual([target]);
  });

  it("never touches other targets' temporary files, nor look-alikes", async () => {
    const dead = deadPid();
    const others = [
      temp('model.safetensors.bak', HOST, dead, 0), // another target
      temp('other.safetensors', HOST, dead, 0),
      temp('model', HOST, dead, 0), // a prefix of the name
      `.model.safetensors.${HOST}.${dead}.0.0123abcd.tmp.part`, // not ending in .tmp
      `.model.safetensors.${HOST}.${dead}.0.0123ABCD.tmp`, // not lower-case hex
      `.model.safetensors.${HOST}.${dead}.0.1.0123abcd.tmp`, // one part too many
      `.model.safetensors.${HOST}.0.0.0123abcd.tmp`, // pid 0 is no process
      `model.safetensors.${HOST}.${dead}.0.0123abcd.tmp`, // not hidden
    ];
    await leave(others, 10 * STALE_AFTER_MS);
    // A directory with a temporary file's name is not one.
    await mkdir(join(dir, temp('model.safetensors', HOST, dead, 0)));
    await writeFileAtomic(join(dir, 'model.safetensors'), new Uint8Array([1]));
    expect((await readdir(dir)).sort()).toEqual(
      [...others, temp('model.safetensors', HOST, dead, 0), 'model.safetensors'].sort(),
    );
  });

  it('finds the temporary files of a long name, which are named after a hash of it', async () => {
    const target = `${'é'.repeat(120)}.safetensors`; // 252 bytes
    const base = tempBase(target);
    expect(base).not.toBe(target);
    await leave([temp(base, HOST, deadPid(), 0)]);
    await writeFileAtomic(join(dir, target), new Uint8Array([1]));
    expect(await readdir(dir)).toEqual([target]);
  });
});

describe('temporary file names', () => {
  it('fit in 255 bytes for every legal name, splitting no character', () => {
    // The longest suffix a temporary name can have: host, pid and thread at their widest.
    const suffix = '.ffffffff.4294967295.4294967295.ffffffff.tmp';
    for (const char of ['m', 'é', '中', '🙂']) {
      for (let bytes = 1; bytes <= 255; bytes++) {
        const count = Math.floor(bytes / Buffer.byteLength(char));
        if (count === 0) continue;
        const name = char.repeat(count);
        const base = tempBase(name);
        expect(Buffer.byteLength(`.${base}${suffix}`)).toBeLessThanOrEqual(255);
        expect(base.includes('\ufffd')).toBe(false);
        if (Buffer.byteLength(name) <= BASE_MAX_BYTES) expect(base).toBe(name);
        else expect(base).toMatch(new RegExp(`^${char}+~[0-9a-f]{8}$`, 'u'));
      }
    }
  });

  it('tell apart long names that differ only at the end', () => {
    const a = tempBase(`${'x'.repeat(240)}-epoch-1.safetensors`);
    const b = tempBase(`${'x'.repeat(240)}-epoch-2.safetensors`);
    expect(a).not.toBe(b);
    expect(a.slice(0, -8)).toBe(b.slice(0, -8));
  });
});
