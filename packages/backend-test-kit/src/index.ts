/**
 * `@stride/backend-test-kit`: the conformance suite every Stride backend must pass.
 *
 * ```ts
 * // test/conformance.test.ts of a backend package
 * import { runConformance } from '@stride/backend-test-kit';
 * import { myBackend } from '../src/index.js';
 * runConformance({ backend: myBackend });
 * ```
 *
 * Calling `runConformance` inside a vitest test file defines the suite's `describe`/`it` blocks:
 * - `kernels`: every kernel of the contract called directly on the backend object with small
 *   known inputs and compared with a plain TypeScript reference (`kernel matmul (transposeB)`,
 *   `kernel reduce (sum over axes [0] of [2,3,4])`, ...), and its storages counted;
 * - `fixtures`: every golden case (values and gradients, computed by PyTorch) run through the
 *   public Stride API on the backend, plus a check that nothing leaks (`memory()` and the
 *   backend's `storageStats()` are the same before and after each case once its tensors are
 *   disposed). A failure lists the kernels the case ran, and the direct kernel checks that
 *   failed among them;
 * - `storages`: `storageStats()` stays flat over a short training loop;
 * - `gradcheck`: float64 finite differences over a grid of ops (when the backend has float64);
 * - `errors`: the bad-input table: each call (or, for index values a device checks, the first
 *   read of its result) throws a `StrideError` naming the function and the offending shapes or
 *   values;
 * - `backend`: random streams, dtype round trips and data reads.
 *
 * Throughout, the backend is seen through a recording proxy (recording.ts) that checks its
 * `storageStats()` around every kernel call, so a storage left behind inside a kernel fails with
 * that kernel's name. `checkBackend(backend)` runs the kernel checks and the training loop
 * without vitest and returns the report, `{ kernel, message }[]`.
 *
 * @packageDocumentation
 */
import {
  add,
  type Backend,
  type BackendPlugin,
  backward,
  type DType,
  gradcheck,
  memory,
  mul,
  noGrad,
  rand,
  randn,
  registerBackend,
  type StorageStats,
  StrideError,
  setBackend,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
} from '@stride/core';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_CHECKS } from './backend-checks.js';
import { runKernelCheck } from './check-backend.js';
import { activeBackendName, withCheckedBackend } from './checked-backend.js';
import { compareTensors, maxAbs, type Tolerance } from './compare.js';
import { ERROR_CASES, errorOf } from './errors.js';
import { decodeTensor, FIXTURES, type FixtureCase } from './fixtures.js';
import { GRADCHECKS, type GradInput } from './gradchecks.js';
import { KERNEL_CHECKS, kernelCheckSkipReason, kernelCheckTitle } from './kernel-checks.js';
import { OPS, type OpOutputs } from './ops.js';
import { type Recorder, recordKernels } from './recording.js';
import { fmtStats, sameStats } from './stats.js';
import { runTrainingLoop, TRAINING_STEPS } from './training-loop.js';

export { type CheckBackendOptions, checkBackend, runKernelCheck } from './check-backend.js';
export type { Tolerance } from './compare.js';
export { compareTensors, DEFAULT_ATOL_SCALE, DEFAULT_RTOL, maxAbs } from './compare.js';
export { ERROR_CASES, type ErrorCase, errorOf } from './errors.js';
export {
  type DecodedTensor,
  decodeBase64,
  decodeTensor,
  FIXTURES,
  type FixtureCase,
  type FixtureFile,
  type FixtureTensor,
} from './fixtures.js';
export { GRADCHECKS, type GradcheckCase, type GradInput } from './gradchecks.js';
export {
  KERNEL_CHECKS,
  type KernelCheck,
  kernelCheckSkipReason,
  kernelCheckTitle,
} from './kernel-checks.js';
export { KernelKit } from './kernel-kit.js';
export { OPS, type OpFn, type OpInputs, type OpOutputs } from './ops.js';
export { type KernelFinding, type Recorder, recordKernels } from './recording.js';
export {
  type ConformanceSupport,
  conformanceSupport,
  expectSupportFile,
  formatSupport,
  type OpSupport,
  type SupportCount,
} from './support.js';
export { runTrainingLoop, TRAINING_STEPS, trainingLoopFindings } from './training-loop.js';

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /**
   * Makes the backend under test: a `Backend`, a `BackendPlugin` (initialised through
   * `setBackend`), or a promise of either. Called once, in `beforeAll`.
   */
  backend: () => Backend | BackendPlugin | Promise<Backend | BackendPlugin>;
  /** Shown in the suite's title; defaults to nothing (vitest shows the file name anyway). */
  name?: string;
  /**
   * Run the float64 gradcheck grid. Default: whether the backend's `dtypes` include float64.
   * Setting it to true on a backend without float64 makes those tests fail, not skip.
   */
  float64?: boolean;
  /**
   * Per-op tolerance overrides for float32 fixture comparisons, keyed by fixture op name
   * (`'conv2d'`, `'gelu'`, ...) or `'*'` for every op; the op's own entry wins over `'*'`. The
   * default for each tensor is `|a - e| <= atol + rtol * |e|` with `rtol = 1e-5` and
   * `atol = 1e-5 * max|e|` over that expected tensor, or `1e-5 * max|dy|` for a gradient if
   * that is larger (see compare.ts for why). An override's
   * `rtol` replaces 1e-5; its `atol` is absolute and replaces the scaled default. Integer and
   * bool outputs are always compared exactly.
   */
  tolerance?: Readonly<Record<string, Tolerance>>;
  /**
   * Tests to skip (reported as skipped, not hidden). An entry matches a group (`'kernels'`,
   * `'fixtures'`, `'gradcheck'`, `'errors'`, `'backend'`, `'storages'`), a kernel (`'matmul'`:
   * its direct checks), a fixture file (`'conv'`, `'pool'`, ...), an op (`'conv3d'`) or an
   * erroring function (`'crossEntropy'`), a full test name, or a test name prefix followed by a
   * space (`'conv2d #03'`).
   */
  skip?: readonly string[];
}

interface State {
  /** The backend as registered: the recording proxy of `raw`. */
  backend: Backend | null;
  /** The backend under test itself. */
  raw: Backend | null;
  recorder: Recorder | null;
  float64: boolean;
  /** Kernels whose direct checks failed: a fixture failure that ran them points there first. */
  failedKernels: Set<string>;
}

/** Defines the conformance suite for one backend (call it at the top level of a test file). */
export function runConformance(options: ConformanceOptions): void {
  const state: State = {
    backend: null,
    raw: null,
    recorder: null,
    float64: false,
    failedKernels: new Set(),
  };
  const skip = options.skip ?? [];
  const skipped = (...keys: string[]): boolean =>
    skip.some((s) => keys.some((k) => k === s || k.startsWith(`${s} `)));
  const title = options.name ? `Stride conformance: ${options.name}` : 'Stride conformance';

  describe(title, () => {
    let previous: string | null = null;
    beforeAll(async () => {
      previous = activeBackendName();
      const made = await options.backend();
      // The suite runs on the recording proxy of the backend, whether ready or a plugin.
      const record = (raw: Backend): Backend => {
        state.raw = raw;
        state.recorder = recordKernels(raw);
        return state.recorder.backend;
      };
      if (isPlugin(made)) {
        registerBackend({
          name: made.name,
          ...(made.priority === undefined ? {} : { priority: made.priority }),
          init: async () => record(await made.init()),
        });
      } else {
        registerBackend(record(made));
      }
      const backend = await setBackend(made.name);
      state.backend = backend;
      state.float64 = options.float64 ?? backend.dtypes.includes('float64');
    });
    // Later suites in the same file see the backend that was active before this one.
    afterAll(async () => {
      if (previous !== null && previous !== state.backend?.name) await setBackend(previous);
    });

    // First, so that a fixture failure can point at the kernel checks that failed.
    describe('kernels', () => {
      for (const c of KERNEL_CHECKS) {
        const title = kernelCheckTitle(c);
        const test = skipped('kernels', c.kernel, title) ? it.skip : it;
        test(title, async (ctx) => {
          const raw = state.raw as Backend;
          const why = kernelCheckSkipReason(c, raw);
          ctx.skip(why !== null, why ?? '');
          const found = await runKernelCheck(raw, c);
          if (found.length > 0) {
            for (const f of found) state.failedKernels.add(f.kernel);
            assert.fail(found.map((f) => f.message).join('\n'));
          }
        });
      }
    });

    describe('fixtures', () => {
      for (const [file, doc] of Object.entries(FIXTURES)) {
        describe(file, () => {
          for (const c of doc.cases) {
            const test = skipped('fixtures', file, c.op, c.name) ? it.skip : it;
            test(c.name, async () => {
              const problem = await runFixture(c, toleranceFor(options.tolerance, c.op), state);
              if (problem) assert.fail(problem);
            });
          }
        });
      }
    });

    describe('storages', () => {
      const name = `storageStats() stays flat over ${TRAINING_STEPS} training steps`;
      const test = skipped('storages', name) ? it.skip : it;
      test(name, () => {
        const found = runTrainingLoop(state.raw as Backend, state.recorder as Recorder);
        if (found.length > 0) assert.fail(found.map((f) => f.message).join('\n'));
      });
    });

    describe('gradcheck (float64)', () => {
      for (const g of GRADCHECKS) {
        const test = skipped('gradcheck', g.op, g.name) ? it.skip : it;
        test(g.name, async (ctx) => {
          ctx.skip(!state.float64, 'the backend has no float64');
          await runGradcheck(g.name, g.op, g.args, g.inputs, state);
        });
      }
    });

    describe('errors', () => {
      for (const e of ERROR_CASES) {
        const name = `${e.fn}: ${e.name}`;
        const test = skipped('errors', e.fn, name) ? it.skip : it;
        test(name, async () => {
          const before = snapshot(state);
          // From the call, or from the next read where the device checks index values.
          const thrown = await errorOf(e);
          expect(thrown, 'expected a StrideError').toBeInstanceOf(StrideError);
          const err = thrown as StrideError;
          expect(err.fn, err.message).toBe(e.fn);
          expect(err.message.startsWith(`${e.fn}: `), err.message).toBe(true);
          expect(err.message).toMatch(e.message);
          expectNoLeak(before, 'the failed call', state);
        });
      }
    });

    describe('backend', () => {
      for (const check of BACKEND_CHECKS) {
        const test = skipped('backend', check.name) ? it.skip : it;
        test(check.name, async (ctx) => {
          if (check.needs === 'float64') ctx.skip(!state.float64, 'the backend has no float64');
          if (check.needs === 'readSync') {
            ctx.skip(!state.backend?.readSync, 'the backend cannot read synchronously');
          }
          const before = snapshot(state);
          await check.run(state.backend as Backend);
          expectNoLeak(before, check.name, state);
        });
      }
    });
  });
}

/**
 * Runs the fixture case called `caseName` (e.g. `'conv1d #00'`, a name or its prefix up to a
 * space) on `backend` through the recording proxy, as the suite does, and returns its failure
 * message (null when it passed), which lists the kernels the case ran and, first, those of them
 * whose direct kernel checks fail. Registers the proxy under the backend's name for the
 * case; afterwards `backend` itself is registered again and the backend that was active before
 * is active again.
 */
export async function checkFixture(
  backend: Backend,
  caseName: string,
  tolerance: Tolerance = {},
): Promise<string | null> {
  const c = Object.values(FIXTURES)
    .flatMap((f) => f.cases)
    .find((f) => f.name === caseName || f.name.startsWith(`${caseName} `));
  if (!c) throw new Error(`checkFixture: no fixture case named '${caseName}'`);
  const recorder = recordKernels(backend);
  const state: State = {
    backend: recorder.backend,
    raw: backend,
    recorder,
    float64: backend.dtypes.includes('float64'),
    failedKernels: new Set(),
  };
  return withCheckedBackend(recorder, async () => {
    const problem = await runFixture(c, tolerance, state);
    if (problem === null) return null;
    // Which of the kernels it ran fail their direct checks: the message then points there.
    for (const kernel of recorder.kernelsRun()) {
      for (const k of KERNEL_CHECKS) {
        if (k.kernel !== kernel || kernelCheckSkipReason(k, backend) !== null) continue;
        if ((await runKernelCheck(backend, k)).length > 0) state.failedKernels.add(kernel);
      }
    }
    return state.failedKernels.size > 0 ? await runFixture(c, tolerance, state) : problem;
  });
}

function toleranceFor(overrides: ConformanceOptions['tolerance'], opName: string): Tolerance {
  return { ...overrides?.['*'], ...overrides?.[opName] };
}

function isPlugin(b: Backend | BackendPlugin): b is BackendPlugin {
  return typeof (b as BackendPlugin).init === 'function' && !('upload' in b);
}

interface Snapshot {
  readonly memory: ReturnType<typeof memory>;
  readonly storages: StorageStats | null;
}

/** Core's live tensors and the backend's own storages, to compare after a case. */
function snapshot(state: State): Snapshot {
  return { memory: memory(), storages: state.raw?.storageStats() ?? null };
}

/**
 * The leak a case left, or null: live tensors and bytes (core's `memory()`) and the backend's
 * storages (`storageStats()`) must be back where they were. `kernels` names what the case ran.
 */
function leakOf(before: Snapshot, what: string, state: State, kernels = ''): string | null {
  const after = snapshot(state);
  const leaked = after.memory.numTensors - before.memory.numTensors;
  const bytes = after.memory.numBytes - before.memory.numBytes;
  if (leaked !== 0 || bytes !== 0) {
    return `${what} leaked ${leaked} tensors and ${bytes} bytes (memory() before and after)${kernels}`;
  }
  if (before.storages && after.storages && !sameStats(before.storages, after.storages)) {
    return (
      `${what}: the backend holds ${fmtStats(after.storages)} after every tensor was disposed, ` +
      `${fmtStats(before.storages)} before (storageStats())${kernels}`
    );
  }
  return null;
}

/** Fails unless live tensors, bytes and the backend's storages are back where they were. */
function expectNoLeak(before: Snapshot, what: string, state: State): void {
  const problem = leakOf(before, what, state);
  if (problem) assert.fail(problem);
}

async function readTensor(
  t: Tensor,
): Promise<{ shape: readonly number[]; dtype: DType; values: TypedArray }> {
  return { shape: t.shape, dtype: t.dtype, values: await t.data() };
}

/**
 * Runs one fixture case: forward with the inputs the fixture differentiates marked
 * `requiresGrad`, compare every output, then backward from `grads.dy` (or from the scalar `y`)
 * and compare each input's `.grad`. Everything created is disposed, and `memory()` and the
 * backend's `storageStats()` must be exactly where they started. Returns the failure message
 * (null when the case passed): a storage a kernel left behind first, naming the kernel, then
 * wrong values, each followed by the kernels the case ran.
 */
async function runFixture(
  c: FixtureCase,
  tolerance: Tolerance,
  state: State,
): Promise<string | null> {
  const fn = OPS[c.op];
  if (!fn) return `no mapping from fixture op '${c.op}' to a Stride call (ops.ts)`;
  state.recorder?.reset();
  const before = snapshot(state);
  const inputs: Record<string, Tensor> = {};
  let outputs: OpOutputs = {};
  const problems: string[] = [];
  const hasGrads = Object.keys(c.grads).length > 0;
  try {
    for (const [name, t] of Object.entries(c.inputs)) {
      const d = decodeTensor(t, `${c.name}: input ${name}`);
      const requiresGrad = `d${name}` in c.grads;
      inputs[name] = tensor(d.values, { shape: d.shape, dtype: d.dtype, requiresGrad });
    }
    outputs = tidy(() => (hasGrads ? fn(inputs, c.args) : noGrad(() => fn(inputs, c.args))));
    for (const [name, t] of Object.entries(c.outputs)) {
      const out = outputs[name];
      if (!out) {
        problems.push(`output ${name}: the call returned no such output`);
        continue;
      }
      const p = compareTensors(`output ${name}`, await readTensor(out), decodeTensor(t), tolerance);
      if (p) problems.push(p);
    }
    if (hasGrads && outputs.y) {
      const y = outputs.y;
      const dyFixture = c.grads.dy;
      let dyScale = 0;
      if (dyFixture) {
        const d = decodeTensor(dyFixture);
        dyScale = maxAbs(d.values);
        const dy = tensor(d.values, { shape: d.shape, dtype: d.dtype });
        try {
          tidy(() => backward(y, dy));
        } finally {
          dy.dispose();
        }
      } else {
        tidy(() => backward(y));
      }
      for (const [key, t] of Object.entries(c.grads)) {
        if (key === 'dy') continue;
        const input = inputs[key.slice(1)];
        if (!input) {
          problems.push(`grad ${key}: the fixture has no input ${key.slice(1)}`);
          continue;
        }
        const expected = decodeTensor(t);
        // No gradient at all is the same as a zero gradient (PyTorch's allow_unused).
        const actual = input.grad
          ? await readTensor(input.grad)
          : { shape: input.shape, dtype: input.dtype, values: new Float32Array(input.size) };
        const p = compareTensors(`grad ${key}`, actual, expected, tolerance, dyScale);
        if (p) problems.push(p);
      }
    }
  } catch (e) {
    // An op that throws (a kernel's own error) still gets the kernels it ran listed.
    problems.push(`threw ${(e as Error).message}`);
  } finally {
    for (const t of Object.values(outputs)) t.dispose();
    for (const t of Object.values(inputs)) t.dispose();
  }
  const ran = state.recorder?.kernelsRun() ?? [];
  const kernels = ran.length > 0 ? ` (kernels run: ${ran.join(', ')})` : '';
  const lines = (state.recorder?.findings() ?? []).map((f) => f.message);
  lines.push(...problems.map((p) => `${p}${kernels}`));
  const leak = leakOf(before, c.name, state, kernels);
  if (leak && lines.length === 0) lines.push(leak);
  const suspects = ran.filter((k) => state.failedKernels.has(k));
  if (lines.length > 0 && suspects.length > 0) {
    lines.unshift(`the direct checks of ${suspects.join(', ')} failed: look there first`);
  }
  return lines.length > 0 ? `${c.name}\n  ${lines.join('\n  ')}` : null;
}

/** A small stable hash of a name, so every grid case draws its own reproducible inputs. */
function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function makeInput(spec: GradInput, seed: number): { t: Tensor; diff: boolean } {
  const s = Array.isArray(spec)
    ? { shape: spec as readonly number[] }
    : (spec as Exclude<GradInput, readonly number[]>);
  if (s.values) {
    return {
      t: tensor(Int32Array.from(s.values), { shape: s.shape, dtype: 'int32' }),
      diff: false,
    };
  }
  const range = s.range;
  const t = range
    ? tidy(() => add(mul(rand(s.shape, { seed, dtype: 'float64' }), range[1] - range[0]), range[0]))
    : randn(s.shape, { seed, dtype: 'float64' });
  return { t, diff: !s.fixed };
}

/**
 * Float64 `gradcheck` of one grid case: the differentiated inputs are the arguments, the rest
 * (targets, running statistics, class weights) are held fixed. The op's `y` is the function.
 */
async function runGradcheck(
  name: string,
  opName: string,
  args: Readonly<Record<string, unknown>>,
  specs: Readonly<Record<string, GradInput>>,
  state: State,
): Promise<void> {
  const fn = OPS[opName];
  if (!fn) assert.fail(`no mapping for op '${opName}' (ops.ts)`);
  const before = snapshot(state);
  const made = Object.entries(specs).map(
    ([k, spec], i) => [k, makeInput(spec, seedOf(name) + i)] as const,
  );
  const diffNames = made.filter(([, m]) => m.diff).map(([k]) => k);
  const fixed = Object.fromEntries(made.filter(([, m]) => !m.diff).map(([k, m]) => [k, m.t]));
  try {
    const result = await gradcheck(
      (...xs: Tensor[]) =>
        tidy(() => {
          const inputs: Record<string, Tensor> = { ...fixed };
          diffNames.forEach((k, i) => {
            inputs[k] = xs[i] as Tensor;
          });
          return fn(inputs, args).y as Tensor;
        }),
      made.filter(([, m]) => m.diff).map(([, m]) => m.t),
    );
    if (!result.ok) {
      const w = result.worst;
      const where = w
        ? ` at ${diffNames[w.input]}[${w.index}]: analytic ${w.analytic}, numeric ${w.numeric}`
        : '';
      assert.fail(
        `${name}: gradient differs from finite differences (max error ${result.maxError})${where}`,
      );
    }
  } finally {
    for (const [, m] of made) m.t.dispose();
  }
  expectNoLeak(before, name, state);
}
