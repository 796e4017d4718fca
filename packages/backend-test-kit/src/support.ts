/**
 * What the conformance suite found for one backend, op by op and kernel by kernel, as plain
 * data: the support table of a backend. `conformanceSupport` reads it off vitest's task tree
 * after the suite ran, so it costs no second run; `expectSupportFile` compares it with a
 * committed JSON file (a vitest file snapshot, rewritten by `vitest run -u`), so a table that
 * says what the backend no longer does fails the backend's own tests.
 */
import type { RunnerTask, RunnerTestCase, RunnerTestSuite } from 'vitest';
import { expect, it } from 'vitest';
import { ERROR_CASES } from './errors.js';
import { FIXTURES, type FixtureCase } from './fixtures.js';
import { GRADCHECKS } from './gradchecks.js';
import { KERNEL_CHECKS, kernelCheckTitle } from './kernel-checks.js';

/** The outcome of a group of conformance tests on one backend. */
export interface SupportCount {
  /** Tests that passed. */
  passed: number;
  /**
   * Tests the suite skipped because the backend lacks what they need, counted by the reason the
   * suite gave (`'the backend has no float64'`, `'the backend has no convBias (an optional
   * kernel)'`). Absent when none was.
   */
  skipped?: Record<string, number>;
  /** Tests that failed. Absent when none did. */
  failed?: number;
  /** Tests that did not run: skipped through `ConformanceOptions.skip`, or filtered out. */
  notRun?: number;
}

/** One public op of the golden fixtures and the gradcheck grid, by dtype. */
export interface OpSupport {
  /** The fixture file the op's cases are in (`'conv'`, `'pool'`, `'loss'`, ...). */
  group: string;
  /**
   * By dtype: the fixture cases (values and gradients against PyTorch) count under the dtype of
   * their first input, float32; the gradcheck grid's cases under float64.
   */
  dtypes: Record<string, SupportCount>;
}

/** What the conformance suites of one test file found, as `conformanceSupport` returns it. */
export interface ConformanceSupport {
  /** The direct kernel checks by kernel (a member of `Backend`), in the contract's order. */
  kernels: Record<string, SupportCount>;
  /** The fixtures and the gradcheck grid by public op (`'conv2d'`, `'maxPool2d'`, ...). */
  ops: Record<string, OpSupport>;
  /** The bad-input table by the function that must throw. */
  errors: Record<string, SupportCount>;
  /** Random streams, dtype round trips and data reads. */
  backend: SupportCount;
  /** `storageStats()` over a short training loop. */
  storages: SupportCount;
}

/** A conformance suite is a top-level `describe` named by `runConformance`. */
const SUITE_TITLE = /^Stride conformance(: |$)/;

function add(count: SupportCount, test: RunnerTestCase): void {
  // `pending` and `note` are what vitest records for a test skipped from inside (its reporter
  // API shows the note as `TestCase.result().note`); the runner's task type leaves them out.
  const result = test.result as
    | (NonNullable<RunnerTestCase['result']> & { pending?: boolean; note?: string })
    | undefined;
  if (result?.state === 'pass') count.passed++;
  else if (result?.state === 'fail') count.failed = (count.failed ?? 0) + 1;
  else if (result?.state === 'skip' && result.pending) {
    // Skipped from inside the test (`ctx.skip(cond, note)`): a capability the backend lacks.
    const why = result.note ?? 'skipped';
    count.skipped ??= {};
    count.skipped[why] = (count.skipped[why] ?? 0) + 1;
  } else count.notRun = (count.notRun ?? 0) + 1;
}

/** A fixture case counts under the dtype of its first input. */
function dtypeOf(c: FixtureCase): string {
  return Object.values(c.inputs)[0]?.dtype ?? 'float32';
}

function tests(task: RunnerTask): RunnerTestCase[] {
  if (task.type === 'test') return [task];
  return task.type === 'suite' ? task.tasks.flatMap(tests) : [];
}

function child(suite: RunnerTestSuite, name: string): RunnerTestSuite | undefined {
  return suite.tasks.find((t): t is RunnerTestSuite => t.type === 'suite' && t.name === name);
}

function countOf(map: Record<string, SupportCount>, key: string): SupportCount {
  map[key] ??= { passed: 0 };
  return map[key];
}

/**
 * Summarises what the conformance suites under `suite` found: pass `ctx.task.file` from a test
 * that runs after them, or the suite an `afterAll` hook receives. Every test of the suites counts
 * once, under its kernel, op (and dtype), erroring function or group. Several conformance suites
 * in one file (one backend in several configurations) add up.
 */
export function conformanceSupport(suite: Readonly<RunnerTestSuite>): ConformanceSupport {
  const byTitle = new Map(KERNEL_CHECKS.map((c) => [kernelCheckTitle(c), c.kernel]));
  const fixtureCase = new Map(
    Object.entries(FIXTURES).flatMap(([file, doc]) => doc.cases.map((c) => [c.name, { file, c }])),
  );
  const fileOfOp = new Map<string, string>();
  for (const { file, c } of fixtureCase.values()) if (!fileOfOp.has(c.op)) fileOfOp.set(c.op, file);
  const gradcheckOp = new Map(GRADCHECKS.map((g) => [g.name, g.op]));
  const errorFn = new Map(ERROR_CASES.map((e) => [`${e.fn}: ${e.name}`, e.fn]));

  const out: ConformanceSupport = {
    kernels: {},
    ops: {},
    errors: {},
    backend: { passed: 0 },
    storages: { passed: 0 },
  };
  // The kit's own order, so that the JSON of two runs differs only where their results do.
  for (const c of KERNEL_CHECKS) out.kernels[c.kernel] ??= { passed: 0 };
  const opCount = (op: string, dtype: string): SupportCount => {
    out.ops[op] ??= { group: fileOfOp.get(op) ?? 'other', dtypes: {} };
    return countOf(out.ops[op].dtypes, dtype);
  };
  for (const { c } of fixtureCase.values()) opCount(c.op, dtypeOf(c));
  for (const g of GRADCHECKS) opCount(g.op, 'float64');
  for (const e of ERROR_CASES) out.errors[e.fn] ??= { passed: 0 };

  const suites = suite.tasks.filter(
    (t): t is RunnerTestSuite => t.type === 'suite' && SUITE_TITLE.test(t.name),
  );
  for (const s of suites) {
    const under = (name: string): RunnerTestCase[] => {
      const group = child(s, name);
      return group ? tests(group) : [];
    };
    for (const t of under('kernels')) {
      const kernel = byTitle.get(t.name);
      if (kernel) add(countOf(out.kernels, kernel), t);
    }
    for (const t of under('fixtures')) {
      const found = fixtureCase.get(t.name);
      if (found) add(opCount(found.c.op, dtypeOf(found.c)), t);
    }
    for (const t of under('gradcheck (float64)')) {
      const op = gradcheckOp.get(t.name);
      if (op) add(opCount(op, 'float64'), t);
    }
    for (const t of under('errors')) {
      const fn = errorFn.get(t.name);
      if (fn) add(countOf(out.errors, fn), t);
    }
    for (const t of under('backend')) add(out.backend, t);
    for (const t of under('storages')) add(out.storages, t);
  }
  return out;
}

/**
 * `support` as the JSON text `expectSupportFile` compares: an object on one line where it fits in
 * 100 columns, else one member a line, two-space indents, a final newline (as Biome formats JSON).
 */
export function formatSupport(support: ConformanceSupport): string {
  return `${formatJson(support, '', 0)}\n`;
}

/** `value` as JSON on one line, objects spaced as Biome spaces them. */
function inlineJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(', ')} }`;
}

/** `value` as JSON, starting after `lead` characters of a line indented by `indent`. */
function formatJson(value: unknown, indent: string, lead: number): string {
  const inline = inlineJson(value);
  // A comma may follow: an object on one line must fit in 100 columns with it.
  if (value === null || typeof value !== 'object' || lead + inline.length + 1 <= 100) {
    return inline;
  }
  const inner = `${indent}  `;
  const lines = Object.entries(value).map(([k, v]) => {
    const key = `${inner}${JSON.stringify(k)}: `;
    return `${key}${formatJson(v, inner, key.length)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** Every count of `support`, whatever it is under. */
function allCounts(support: ConformanceSupport): SupportCount[] {
  return [
    ...Object.values(support.kernels),
    ...Object.values(support.ops).flatMap((o) => Object.values(o.dtypes)),
    ...Object.values(support.errors),
    support.backend,
    support.storages,
  ];
}

/**
 * Defines one test, to be called after `runConformance` at the top level of the same file: it
 * runs after the suite, summarises what the file's conformance suites found
 * (`conformanceSupport`) and compares its JSON (`formatSupport`) with the file at `path`,
 * relative to the test file, as a vitest file snapshot. A run that finds something the file
 * does not say fails with the difference; `vitest run -u` rewrites the file. The test skips
 * itself while a conformance test fails (the failure says more than the table) or when none ran.
 *
 * ```ts
 * runConformance({ backend: () => myBackend() });
 * expectSupportFile('../support/my-backend.json');
 * ```
 */
export function expectSupportFile(path: string): void {
  const shown = path.replace(/^(\.\.?\/)+/, '');
  it(`${shown} says what the conformance suite found`, async (ctx) => {
    const support = conformanceSupport(ctx.task.file);
    const counts = allCounts(support);
    const failed = counts.reduce((n, c) => n + (c.failed ?? 0), 0);
    ctx.skip(
      failed > 0,
      `${failed} conformance tests failed: the table is compared once they pass`,
    );
    const ran = counts.some((c) => c.passed > 0 || c.failed || c.skipped);
    ctx.skip(!ran, 'no conformance test ran');
    await expect(
      formatSupport(support),
      `${shown} does not say what this run found; \`vitest run -u\` rewrites it`,
    ).toMatchFileSnapshot(path);
  });
}
