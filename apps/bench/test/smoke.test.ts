/**
 * The harness is a tool, not a test: nothing here looks at how fast anything is. This runs the
 * real command on one small workload (Stride's CPU backend and one quick peer) and checks that
 * the results it writes are well formed; and that the output check catches a wrong result.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputs } from '../src/check.js';
import type { Results } from '../src/report/results.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const temp = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('pnpm bench', () => {
  it('runs a tiny configuration and writes valid results', async () => {
    const out = join(temp, 'results');
    const args = ['--quick', '--only', '^matmul-256$', '--backends', 'cpu', '--rounds', '2'];
    await promisify(execFile)(
      process.execPath,
      [
        '--import',
        tsx,
        '--conditions=source',
        'src/main.ts',
        ...args,
        '--peers',
        'onnxruntime',
        '--out',
        out,
        '--node',
        process.execPath,
      ],
      { cwd: root },
    );
    const r = JSON.parse(readFileSync(join(out, 'quick.json'), 'utf8')) as Results;
    expect(r.schema).toBe('stride-bench/1');
    expect(r.mode).toBe('quick');
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.load.before).toHaveLength(3);
    // A GEMM row brings the ceiling it is reported against.
    expect(r.workloads.map((w) => w.id)).toEqual([
      'fma-ceiling-relaxed',
      'fma-ceiling-simd128',
      'matmul-256',
    ]);
    expect(r.runners.map((x) => x.name)).toEqual(['stride-cpu', 'onnxruntime']);
    expect(r.runners[0]?.node).toBe(process.version);
    expect(r.rounds).toBe(2);
    expect(r.roundRows).toHaveLength(2);
    expect(r.roundRows?.[1]?.every((x) => x.round === 2)).toBe(true);
    expect(r.ceiling?.relaxed?.perRound).toHaveLength(2);
    expect(r.ceiling?.threads).toBeGreaterThan(0);
    expect(r.targets.map((t) => t.workload)).toEqual(['matmul-256']);

    const stride = r.rows.find((x) => x.runner === 'stride-cpu' && x.workload === 'matmul-256');
    expect(stride?.status).toBe('ok');
    expect(stride?.check?.status).toBe('reference');
    expect(stride?.timing?.warmupMs).toBeGreaterThan(0);
    expect(stride?.timing?.medianMs).toBeGreaterThan(0);
    expect(stride?.timing?.samplesMs.length).toBeGreaterThan(0);
    expect(stride?.gflops).toBeGreaterThan(0);
    expect(stride?.rounds?.medianMs).toHaveLength(2);
    expect(stride?.share?.perRound).toHaveLength(2);
    // Each round's share is over the ceiling measured in that round.
    r.roundRows?.forEach((rows, i) => {
      const gflops = rows.find((x) => x.runner === 'stride-cpu' && x.workload === 'matmul-256')
        ?.gflops as number;
      const ceiling = r.ceiling?.relaxed?.perRound[i] as number;
      expect(stride?.share?.perRound[i]).toBeCloseTo(gflops / ceiling, 3);
    });

    // The peer may be unavailable on some machine; where it ran, it was checked and compared.
    const peer = r.rows.find((x) => x.runner === 'onnxruntime' && x.workload === 'matmul-256');
    if (peer?.status === 'ok') {
      expect(peer.check?.status).toBe('valid');
      expect(r.ratios).toEqual([
        expect.objectContaining({
          workload: 'matmul-256',
          peer: 'onnxruntime',
          stride: 'stride-cpu',
        }),
      ]);
      expect(r.ratios[0]?.perRound).toHaveLength(2);
    }
    expect(readFileSync(join(out, 'quick.svg'), 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
    const txt = readFileSync(join(out, 'quick.txt'), 'utf8');
    expect(txt).toContain('matmul 256³');
    expect(txt).toContain('FMA ceiling (WebAssembly, ');
    expect(txt).toMatch(/Targets .*\n {2}matmul-256 +≥ 85% of the FMA ceiling/);
  });

  it('marks outputs that differ beyond float32 rounding as invalid', () => {
    const write = (dir: string, values: number[]): string => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'y.bin'), new Uint8Array(Float32Array.from(values).buffer));
      return dir;
    };
    const ref = write(join(temp, 'ref'), [1, -2, 3, 4]);
    const close = write(join(temp, 'close'), [1, -2, 3, 4 + 1e-6]);
    const off = write(join(temp, 'off'), [1, -2, 3.01, 4]);
    expect(checkOutputs(close, ref, 'stride-cpu').status).toBe('valid');
    expect(checkOutputs(off, ref, 'stride-cpu')).toMatchObject({
      status: 'invalid',
      detail: 'worst: y',
    });
  });
});
