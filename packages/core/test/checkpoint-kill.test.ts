import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/node/checkpoint.js';
import { compileForChild } from './node-child.js';

// The crash that no mock can stand in for: a process that saves in a loop, killed with SIGKILL
// at 20 points in its saves. The checkpoint must be whole every time, old or new; the temporary
// files of killed saves must not pile up, and the next save must remove them.

const KILLS = 20;
/** Large enough that most kills land mid-write or mid-fsync. */
const SIZE = 8 << 20;

let dir: string;
let script: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stride-kill-'));
  const compiled = join(dir, 'compiled');
  await mkdir(compiled);
  await compileForChild('node/atomic-write.ts', compiled);
  script = join(compiled, 'save-loop.js');
  await writeFile(
    script,
    `import { writeFileAtomic } from './node/atomic-write.js';
    const [target, size] = process.argv.slice(2);
    const versions = [0xaa, 0xbb].map((v) => new Uint8Array(Number(size)).fill(v));
    for (let i = 0; ; i++) {
      process.stdout.write('saving\\n');
      await writeFileAtomic(target, versions[i % 2]);
    }`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Resolves once the child has printed `count` lines; rejects if it exits first. */
function linesFrom(child: ChildProcess, count: number): Promise<void> {
  let seen = 0;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) seen++;
      if (seen >= count) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the saving process exited (${code}): ${stderr}`)));
  });
}

describe('saves killed with SIGKILL', () => {
  it(`leave the checkpoint whole every time (${KILLS} kills) and no temporary files behind`, async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    const target = join(out, 'model.safetensors');
    const versions = [0xaa, 0xbb].map((v) => Buffer.alloc(SIZE, v));
    await writeFile(target, versions[0] as Buffer);

    let damaged = 0;
    let killedMidSave = 0;
    let mostTemps = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = spawn(process.execPath, [script, target, String(SIZE)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // Into the first, second or third save, then a few milliseconds more: kills at varied
      // points of the write, the fsync and the rename.
      await linesFrom(child, 1 + (k % 3));
      await sleep((k % 5) * 3);
      child.kill('SIGKILL');
      await exited;

      const now = await readFile(target);
      if (!versions.some((v) => v.equals(now))) damaged++;
      const temps = (await readdir(out)).filter((name) => name !== 'model.safetensors');
      if (temps.length > 0) killedMidSave++;
      mostTemps = Math.max(mostTemps, temps.length);
    }
    expect(damaged).toBe(0);
    // The kills did land inside saves...
    expect(killedMidSave).toBeGreaterThan(0);
    // ...and each new process's first save removed what the one killed before it left (at most
    // its own file and, if killed before that cleanup, its predecessor's).
    expect(mostTemps).toBeLessThanOrEqual(2);

    await writeFileAtomic(target, versions[1] as Buffer);
    expect(await readdir(out)).toEqual(['model.safetensors']);
    expect((await readFile(target)).equals(versions[1] as Buffer)).toBe(true);
  }, 180_000);
});
