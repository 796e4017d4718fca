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
 * - `fixtures`: every golden case (values and gradients, computed by PyTorch) run through the
 *   public Stride API on the backend, plus a check that nothing leaks (`memory()` is the same
 *   before and after each case once its tensors are disposed);
 * - `gradcheck`: float64 finite differences over a grid of ops (when the backend has float64);
 * - `errors`: the bad-input table: each call throws a `StrideError` naming the function and the
 *   offending shapes or values;
 * - `backend`: random streams, dtype round trips and data reads.
 */
import {
  add,
  type Backend,
  type BackendPlugin,
  backward,
  type DType,
  getBackend,
  gradcheck,
  memory,
  mul,
  noGrad,
  rand,
  randn,
  registerBackend,
  StrideError,
  setBackend,
  type Tensor,
  type TypedArray,
  tensor,
  tidy,
} from '@stride/core';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_CHECKS } from './backend-checks.js';
import { compareTensors, maxAbs, type Tolerance } from './compare.js';
import { ERROR_CASES } from './errors.js';
import { decodeTensor, FIXTURES, type FixtureCase } from './fixtures.js';
import { GRADCHECKS, type GradInput } from './gradchecks.js';
import { OPS, type OpOutputs } from './ops.js';

export type { Tolerance } from './compare.js';
export { compareTensors, DEFAULT_ATOL_SCALE, DEFAULT_RTOL, maxAbs } from './compare.js';
export { ERROR_CASES, type ErrorCase } from './errors.js';
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
export { OPS, type OpFn, type OpInputs, type OpOutputs } from './ops.js';

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
   * Tests to skip (reported as skipped, not hidden). An entry matches a group (`'fixtures'`,
   * `'gradcheck'`, `'errors'`, `'backend'`), a fixture file (`'conv'`, `'pool'`, ...), an op
   * (`'conv3d'`) or an erroring function (`'crossEntropy'`), a full test name, or a test name
   * prefix followed by a space (`'conv2d #03'`).
   */
  skip?: readonly string[];
}

interface State {
  backend: Backend | null;
  float64: boolean;
}

/** Defines the conformance suite for one backend (call it at the top level of a test file). */
export function runConformance(options: ConformanceOptions): void {
  const state: State = { backend: null, float64: false };
  const skip = options.skip ?? [];
  const skipped = (...keys: string[]): boolean =>
    skip.some((s) => keys.some((k) => k === s || k.startsWith(`${s} `)));
  const title = options.name ? `Stride conformance: ${options.name}` : 'Stride conformance';

  describe(title, () => {
    let previous: string | null = null;
    beforeAll(async () => {
      previous = activeBackendName();
      const made = await options.backend();
      registerBackend(made);
      const backend = await setBackend(made.name);
      state.backend = backend;
      state.float64 = options.float64 ?? backend.dtypes.includes('float64');
    });
    // Later suites in the same file see the backend that was active before this one.
    afterAll(async () => {
      if (previous !== null && previous !== state.backend?.name) await setBackend(previous);
    });

    describe('fixtures', () => {
      for (const [file, doc] of Object.entries(FIXTURES)) {
        describe(file, () => {
          for (const c of doc.cases) {
            const test = skipped('fixtures', file, c.op, c.name) ? it.skip : it;
            test(c.name, () => runFixture(c, toleranceFor(options.tolerance, c.op)));
          }
        });
      }
    });

    describe('gradcheck (float64)', () => {
      for (const g of GRADCHECKS) {
        const test = skipped('gradcheck', g.op, g.name) ? it.skip : it;
        test(g.name, async (ctx) => {
          ctx.skip(!state.float64, 'the backend has no float64');
          await runGradcheck(g.name, g.op, g.args, g.inputs);
        });
      }
    });

    describe('errors', () => {
      for (const e of ERROR_CASES) {
        const name = `${e.fn}: ${e.name}`;
        const test = skipped('errors', e.fn, name) ? it.skip : it;
        test(name, (ctx) => {
          // Range checks of index values need a synchronous read (see errors.ts).
          ctx.skip(
            e.needsSyncRead === true && !state.backend?.readSync,
            'the backend cannot read synchronously, so index ranges are not checked',
          );
          const before = memory();
          let thrown: unknown;
          try {
            tidy(e.run);
          } catch (error) {
            thrown = error;
          }
          expect(thrown, 'expected a StrideError').toBeInstanceOf(StrideError);
          const err = thrown as StrideError;
          expect(err.fn, err.message).toBe(e.fn);
          expect(err.message.startsWith(`${e.fn}: `), err.message).toBe(true);
          expect(err.message).toMatch(e.message);
          expectNoLeak(before, 'the failed call');
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
          const before = memory();
          await check.run(state.backend as Backend);
          expectNoLeak(before, check.name);
        });
      }
    });
  });
}

/** The active backend's name, or null when none is active yet. */
function activeBackendName(): string | null {
  try {
    return getBackend().name;
  } catch {
    return null;
  }
}

function toleranceFor(overrides: ConformanceOptions['tolerance'], opName: string): Tolerance {
  return { ...overrides?.['*'], ...overrides?.[opName] };
}

/** Fails unless live tensors and bytes are back where they were. */
function expectNoLeak(before: ReturnType<typeof memory>, what: string): void {
  const after = memory();
  const leaked = after.numTensors - before.numTensors;
  const bytes = after.numBytes - before.numBytes;
  if (leaked !== 0 || bytes !== 0) {
    assert.fail(`${what} leaked ${leaked} tensors and ${bytes} bytes (memory() before and after)`);
  }
}

async function readTensor(
  t: Tensor,
): Promise<{ shape: readonly number[]; dtype: DType; values: TypedArray }> {
  return { shape: t.shape, dtype: t.dtype, values: await t.data() };
}

/**
 * Runs one fixture case: forward with the inputs the fixture differentiates marked
 * `requiresGrad`, compare every output, then backward from `grads.dy` (or from the scalar `y`)
 * and compare each input's `.grad`. Everything created is disposed, and `memory()` must be
 * exactly where it started.
 */
async function runFixture(c: FixtureCase, tolerance: Tolerance): Promise<void> {
  const fn = OPS[c.op];
  if (!fn) assert.fail(`no mapping from fixture op '${c.op}' to a Stride call (ops.ts)`);
  const before = memory();
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
  } finally {
    for (const t of Object.values(outputs)) t.dispose();
    for (const t of Object.values(inputs)) t.dispose();
  }
  if (problems.length > 0) assert.fail(`${c.name}\n  ${problems.join('\n  ')}`);
  expectNoLeak(before, c.name);
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
): Promise<void> {
  const fn = OPS[opName];
  if (!fn) assert.fail(`no mapping for op '${opName}' (ops.ts)`);
  const before = memory();
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
  expectNoLeak(before, name);
}
