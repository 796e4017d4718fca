/**
 * A worker thread that uses the backend can be terminated while GPU work is in flight without
 * taking the process down. Dawn's Node binding aborts the whole process when a worker ends with
 * an error-scope promise unresolved, so the backend leaves none pending outside debug mode. The
 * workers run in a child process: a regression here would otherwise end the test run itself.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('worker teardown', () => {
  it('survives workers terminated right after allocating GPU buffers', async () => {
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', 'test/fixtures/terminate-workers.ts'],
      { cwd: packageDir, env: process.env },
    ).catch((e: { code?: number; signal?: string; stderr?: string }) => e);
    expect(run).toMatchObject({ stdout: 'survived 6 rounds\n' });
  });
});
