import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ConformanceSupport,
  conformanceSupport,
  FIXTURES,
  formatSupport,
} from '@stride/backend-test-kit';
import type { RunnerTestCase, RunnerTestSuite } from 'vitest';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the docs' scripts, without type declarations
import * as page from '../scripts/support.mjs';

// The support page (reference/support.md) is made at build time by scripts/support.mjs from
// reference/data/support/<backend>.json, which each backend's conformance tests compare with
// what the suite found there (`expectSupportFile`). These tests check the page against the data,
// and the summary those tests write against a made-up run.

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Backend {
  readonly name: string;
  readonly title: string;
  readonly support: ConformanceSupport;
}
const backends: Backend[] = page.loadSupport();
const markdown: string = page.renderSupport(backends);

describe('the support data', () => {
  it('has a file for the CPU and the WebGPU backend, CPU first', () => {
    expect(backends.map((b) => b.name).slice(0, 2)).toEqual(['cpu', 'webgpu']);
  });

  it('is written as the kit formats it, so that a run that finds the same rewrites nothing', () => {
    for (const b of backends) {
      const file = join(docsDir, 'reference', 'data', 'support', `${b.name}.json`);
      expect(formatSupport(b.support)).toBe(readFileSync(file, 'utf8'));
    }
  });

  it('puts every kernel and every op group in a group of the page', () => {
    const grouped = Object.values(page.KERNEL_GROUPS as Record<string, string[]>).flat();
    for (const b of backends) {
      expect(Object.keys(b.support.kernels).filter((k) => !grouped.includes(k))).toEqual([]);
      const groups = Object.values(b.support.ops).map((o) => o.group);
      expect(groups.filter((g) => !(g in page.OP_GROUPS))).toEqual([]);
    }
  });
});

describe('reference/support.md', () => {
  it('has a row for every op and every kernel, with a cell per backend', () => {
    const columns = 2 + backends.length;
    for (const b of backends) {
      for (const name of [...Object.keys(b.support.ops), ...Object.keys(b.support.kernels)]) {
        const row = markdown.split('\n').find((l) => l.includes(`| \`${name}\` |`));
        expect(row, name).toBeDefined();
        // Op rows: name, cases, backends; kernel rows: group, name, checks, backends.
        expect((row as string).split(' | ').length, name).toBeGreaterThanOrEqual(columns);
      }
    }
  });

  it('says each reason a backend gave for what it lacks', () => {
    const reasons = new Set<string>();
    for (const b of backends) {
      const counts = [
        ...Object.values(b.support.kernels),
        ...Object.values(b.support.ops).flatMap((o) => Object.values(o.dtypes)),
        ...Object.values(b.support.errors),
        b.support.backend,
        b.support.storages,
      ];
      for (const c of counts) for (const r of Object.keys(c.skipped ?? {})) reasons.add(r);
    }
    expect(reasons.size).toBeGreaterThan(0);
    for (const r of reasons) expect(markdown.toLowerCase()).toContain(r.toLowerCase());
  });

  it('marks a count as passed, unsupported, partial or failing', () => {
    const notes = { mark: (reasons: string[]) => (reasons.length ? '<sup>1</sup>' : '') };
    expect(page.statusOf({ passed: 3 }, notes)).toBe('✓');
    expect(page.statusOf({ passed: 0, skipped: { 'no float64': 2 } }, notes)).toBe('—<sup>1</sup>');
    expect(page.statusOf({ passed: 3, skipped: { 'no float64': 1 } }, notes)).toBe(
      '✓ 3 of 4, — 1<sup>1</sup>',
    );
    expect(page.statusOf({ passed: 1, failed: 1 }, notes)).toBe('✗ 1 of 2 fail, ✓ 1 of 2');
  });
});

/** A made-up test of a vitest task tree. */
function test(name: string, result: RunnerTestCase['result']): RunnerTestCase {
  return { type: 'test', name, result } as RunnerTestCase;
}
function suite(name: string, tasks: (RunnerTestCase | RunnerTestSuite)[]): RunnerTestSuite {
  return { type: 'suite', name, tasks } as RunnerTestSuite;
}

describe('conformanceSupport', () => {
  it('counts each test under its kernel or op: passed, skipped with the reason, failed, not run', () => {
    const [first, second] = (FIXTURES.conv?.cases ?? []).filter((c) => c.op === 'conv2d');
    const file = suite('file', [
      suite('Stride conformance: a', [
        suite('kernels', [
          test('kernel matmul (int32)', { state: 'pass' }),
          test('kernel convBias (1-d, stride 2, padding 1, dilation 2)', {
            state: 'skip',
            pending: true,
            note: 'the backend has no convBias (an optional kernel)',
          }),
        ]),
        suite('fixtures', [
          suite('conv', [
            test(first?.name ?? '', { state: 'fail' }),
            test(second?.name ?? '', undefined),
          ]),
        ]),
      ]),
      suite('another describe', [test('kernel matmul (int32)', { state: 'pass' })]),
    ]);
    const found = conformanceSupport(file);
    expect(found.kernels.matmul).toEqual({ passed: 1 });
    expect(found.kernels.convBias).toEqual({
      passed: 0,
      skipped: { 'the backend has no convBias (an optional kernel)': 1 },
    });
    expect(found.kernels.conv).toEqual({ passed: 0 });
    expect(found.ops.conv2d).toEqual({
      group: 'conv',
      dtypes: { float32: { passed: 0, failed: 1, notRun: 1 }, float64: { passed: 0 } },
    });
  });
});
