/**
 * Direct checks of every kernel of the contract (backend.ts of @stride/core): each calls one
 * kernel on the backend object with small known inputs and compares what it returns with a
 * value worked out by hand or by the plain TypeScript reference (reference.ts). When a model
 * gives a wrong gradient, these say which kernel is wrong, where the fixtures can only say which
 * op. Titles read `kernel <name> (<case>)`.
 */
import {
  type Backend,
  type BinaryOp,
  type ConvParams,
  type CrossEntropyParams,
  type DType,
  type KernelTensor,
  normalAt,
  OPTIONAL_KERNELS,
  type PoolParams,
  type ReduceOp,
  type Shape,
  type UnaryOp,
  uniformAt,
} from '@stride/core';
import type { Tolerance } from './compare.js';
import { distinct, eighths, hostArray, type KernelKit } from './kernel-kit.js';
import {
  avgDivisors,
  convTriples,
  indices,
  matmulRef,
  poolWindows,
  reduceRef,
  sizeOf,
  softmaxRef,
  stridesOf,
} from './reference.js';

/** One direct check of one kernel (see `KERNEL_CHECKS`). */
export interface KernelCheck {
  /** The kernel under test: a member of `Backend`. */
  readonly kernel: string;
  /** What this case covers, e.g. `'transposeB'`. */
  readonly name: string;
  /** A capability the check needs (skipped without it); an optional kernel is needed implicitly. */
  readonly needs?: 'float64' | 'readSync';
  /**
   * Runs the check with a fresh kit (the runner frees it afterwards); rejects with what is wrong
   * when the kernel's result differs from the reference.
   */
  readonly run: (kit: KernelKit) => Promise<void>;
}

/** `kernel <name> (<case>)`: the title of a check and the start of its failure messages. */
export function kernelCheckTitle(c: KernelCheck): string {
  return `kernel ${c.kernel} (${c.name})`;
}

function check(
  kernel: string,
  name: string,
  run: KernelCheck['run'],
  needs?: KernelCheck['needs'],
): KernelCheck {
  return needs ? { kernel, name, run, needs } : { kernel, name, run };
}

function fail(message: string): never {
  throw new Error(message);
}

/** Calls `Backend[kernel]` by name, so a missing optional kernel reads as a clear failure. */
function call<K extends keyof Backend>(b: Backend, kernel: K): NonNullable<Backend[K]> {
  const fn = b[kernel];
  if (typeof fn !== 'function') fail(`the backend has no ${String(kernel)}`);
  return fn as NonNullable<Backend[K]>;
}

// ---- storage --------------------------------------------------------------------------------

const ROUND_TRIPS: readonly { dtype: DType; values: number[]; needs?: 'float64' }[] = [
  { dtype: 'float32', values: [0, -0, 1.5, -2.25, 0.1, 3.4e38, Infinity, -Infinity, NaN] },
  { dtype: 'int32', values: [-2147483648, -1, 0, 1, 2147483647, 123456789] },
  { dtype: 'bool', values: [1, 0, 0, 1, 1] },
  { dtype: 'float64', values: [0.1, -0, 1e300, Math.PI, NaN, 2 ** 53 + 2], needs: 'float64' },
];

function sameBits(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  if (got.length !== want.length) fail(`${what}: ${got.length} elements, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const g = got[i] as number;
    if (!Object.is(g, w)) fail(`${what}: element ${i} is ${g}, expected ${w}`);
  }
}

function typedArrayOf(dtype: DType): string {
  return {
    float32: 'Float32Array',
    float64: 'Float64Array',
    int32: 'Int32Array',
    bool: 'Uint8Array',
  }[dtype];
}

const storageChecks: KernelCheck[] = [
  ...ROUND_TRIPS.map((r) =>
    check(
      'upload',
      `${r.dtype} values come back bit for bit`,
      async (kit) => {
        const t = kit.tensor(r.values, [r.values.length], r.dtype);
        const want = r.dtype === 'float32' ? r.values.map(Math.fround) : r.values;
        sameBits('read after upload', await kit.read(t), want);
      },
      r.needs,
    ),
  ),
  ...ROUND_TRIPS.map((r) =>
    check(
      'read',
      `${r.dtype}: a new ${typedArrayOf(r.dtype)} of the size asked for each time`,
      async (kit) => {
        const t = kit.tensor(r.values, [r.values.length], r.dtype);
        const first = await kit.read(t);
        if (first.constructor.name !== typedArrayOf(r.dtype)) {
          fail(`returned a ${first.constructor.name}, expected a ${typedArrayOf(r.dtype)}`);
        }
        if (first.length !== r.values.length)
          fail(`returned ${first.length} elements, expected ${r.values.length}`);
        first.fill(7);
        const want = r.dtype === 'float32' ? r.values.map(Math.fround) : r.values;
        sameBits('a second read after changing the first result', await kit.read(t), want);
      },
      r.needs,
    ),
  ),
  check(
    'readSync',
    'agrees with read',
    async (kit) => {
      const values = [1.5, -2, 3, 4.25];
      const t = kit.tensor(values, [4]);
      sameBits('readSync', call(kit.backend, 'readSync')(t.storage, 'float32', 4), values);
      const i = kit.tensor([7, -8], [2], 'int32');
      sameBits('readSync int32', call(kit.backend, 'readSync')(i.storage, 'int32', 2), [7, -8]);
    },
    'readSync',
  ),
  ...(['float32', 'int32', 'bool', 'float64'] as const).map((dtype) =>
    check(
      'free',
      `${dtype}: storageStats() drops by the storage`,
      async (kit) => {
        const b = kit.backend;
        const before = b.storageStats();
        const s = b.upload(hostArray([1, 0, 3, 1, 5, 0], dtype), dtype);
        const during = b.storageStats();
        b.free(s);
        const after = b.storageStats();
        if (during.count !== before.count + 1) {
          fail(
            `an upload of 6 ${dtype} raised storageStats().count from ${before.count} to ${during.count}, expected ${before.count + 1}`,
          );
        }
        if (after.count !== before.count || after.bytes !== before.bytes) {
          fail(
            `freeing one ${dtype} storage left storageStats() at ${after.count} storages, ` +
              `${after.bytes} bytes (before the upload: ${before.count}, ${before.bytes}): it was not released`,
          );
        }
      },
      dtype === 'float64' ? 'float64' : undefined,
    ),
  ),
  check('storageStats', 'counts an upload and its bytes until it is freed', async (kit) => {
    const b = kit.backend;
    const before = b.storageStats();
    const s = b.upload(new Float32Array(100), 'float32');
    const during = b.storageStats();
    b.free(s);
    if (during.count - before.count !== 1) {
      fail(`an upload changed count by ${during.count - before.count}, expected 1`);
    }
    if (during.bytes - before.bytes < 400) {
      fail(
        `an upload of 100 float32 added ${during.bytes - before.bytes} bytes, expected at least 400`,
      );
    }
    const count = b.storageStats().count;
    if (count !== before.count) fail(`count is ${count} after free, expected ${before.count}`);
  }),
];

// ---- creation -------------------------------------------------------------------------------

const creationChecks: KernelCheck[] = [
  check('fill', 'float32, int32 (truncated) and bool (x != 0)', async (kit) => {
    const b = kit.backend;
    await kit.expectValues(
      'float32',
      kit.result(b.fill(5, 'float32', 2.5), [5], 'float32'),
      [2.5, 2.5, 2.5, 2.5, 2.5],
    );
    await kit.expectValues(
      'int32 3.7',
      kit.result(b.fill(3, 'int32', 3.7), [3], 'int32'),
      [3, 3, 3],
    );
    await kit.expectValues(
      'int32 -3.7',
      kit.result(b.fill(2, 'int32', -3.7), [2], 'int32'),
      [-3, -3],
    );
    await kit.expectValues('bool 2', kit.result(b.fill(2, 'bool', 2), [2], 'bool'), [1, 1]);
    await kit.expectValues(
      'zeros',
      kit.result(b.fill(4, 'float32', 0), [4], 'float32'),
      [0, 0, 0, 0],
    );
    await kit.expectValues('size 0', kit.result(b.fill(0, 'float32', 1), [0], 'float32'), []);
  }),
  check('random', 'uniform: element i is uniformAt(seed, offset + i)', async (kit) => {
    const t = kit.result(kit.backend.random(300, 'float32', 'uniform', 1234, 77), [300], 'float32');
    const want = Array.from({ length: 300 }, (_, i) => uniformAt(1234, 77 + i));
    await kit.expectValues('uniform', t, want, { atol: 0, rtol: 1e-7 });
  }),
  check('random', 'normal: element i is normalAt(seed, offset + i)', async (kit) => {
    const t = kit.result(kit.backend.random(300, 'float32', 'normal', 99, 5), [300], 'float32');
    const want = Array.from({ length: 300 }, (_, i) => normalAt(99, 5 + i));
    // A GPU evaluates Box-Muller's log/sqrt/cos in float32 (as the backend checks allow).
    await kit.expectValues('normal', t, want, { atol: 1e-4, rtol: 1e-4 });
  }),
];

// ---- element-wise -------------------------------------------------------------------------

const X = [-2.5, -1.5, -0.5, -0.25, 0, 0.25, 0.5, 1.5, 2.5, 3];
const POSITIVE = [0.25, 0.5, 1, 1.5, 2, 4];

function halfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const FLOAT_UNARY: readonly [UnaryOp, (v: number) => number, number[]][] = [
  ['neg', (v) => -v, X],
  ['abs', Math.abs, X],
  ['sign', Math.sign, X],
  ['square', (v) => v * v, X],
  ['exp', Math.exp, X],
  ['log', Math.log, POSITIVE],
  ['log1p', Math.log1p, POSITIVE],
  ['expm1', Math.expm1, X],
  ['sqrt', Math.sqrt, POSITIVE],
  ['rsqrt', (v) => 1 / Math.sqrt(v), POSITIVE],
  ['reciprocal', (v) => 1 / v, POSITIVE],
  ['sin', Math.sin, X],
  ['cos', Math.cos, X],
  ['tan', Math.tan, X],
  ['tanh', Math.tanh, X],
  ['sigmoid', (v) => 1 / (1 + Math.exp(-v)), X],
  ['floor', Math.floor, X],
  ['ceil', Math.ceil, X],
  ['round', halfEven, X],
  ['trunc', Math.trunc, X],
  ['relu', (v) => Math.max(v, 0), X],
];

const INT_UNARY: readonly [UnaryOp, (v: number) => number][] = [
  ['neg', (v) => -v],
  ['abs', Math.abs],
  ['sign', Math.sign],
  ['square', (v) => v * v],
  ['relu', (v) => Math.max(v, 0)],
];

const unaryChecks: KernelCheck[] = [
  ...FLOAT_UNARY.map(([op, f, xs]) =>
    check('unary', `${op} float32`, async (kit) => {
      const t = kit.tensor(xs, [2, xs.length / 2]);
      const out = kit.result(kit.backend.unary(op, t), t.shape, 'float32');
      // Transcendental functions are allowed a few float32 ulps (GPUs approximate them).
      await kit.expectValues(op, out, xs.map(f), { rtol: 2e-6, atol: 1e-6 });
    }),
  ),
  check('unary', 'int32 neg abs sign square relu', async (kit) => {
    const xs = [-7, -1, 0, 1, 5, 100];
    const t = kit.tensor(xs, [6], 'int32');
    for (const [op, f] of INT_UNARY) {
      await kit.expectValues(op, kit.result(kit.backend.unary(op, t), [6], 'int32'), xs.map(f));
    }
  }),
  check('unary', 'not (bool) and isnan (float32 to bool)', async (kit) => {
    const t = kit.tensor([1, 0, 1], [3], 'bool');
    await kit.expectValues('not', kit.result(kit.backend.unary('not', t), [3], 'bool'), [0, 1, 0]);
    const f = kit.tensor([1, NaN, -Infinity, 0], [4]);
    await kit.expectValues(
      'isnan',
      kit.result(kit.backend.unary('isnan', f), [4], 'bool'),
      [0, 1, 0, 0],
    );
  }),
  check('unary', 'size 0', async (kit) => {
    const t = kit.tensor([], [0, 3]);
    await kit.expectValues('neg', kit.result(kit.backend.unary('neg', t), [0, 3], 'float32'), []);
  }),
];

/** `a op b` broadcast to `outShape` by the reference: index arithmetic over both shapes. */
function broadcastRef(
  a: ArrayLike<number>,
  aShape: Shape,
  b: ArrayLike<number>,
  bShape: Shape,
  outShape: Shape,
  f: (x: number, y: number) => number,
): number[] {
  const at = (v: ArrayLike<number>, shape: Shape, idx: number[]): number => {
    const offset = outShape.length - shape.length;
    const s = stridesOf(shape);
    let flat = 0;
    shape.forEach((d, i) => {
      flat += (d === 1 ? 0 : (idx[i + offset] as number)) * (s[i] as number);
    });
    return v[flat] as number;
  };
  const out: number[] = [];
  for (const idx of indices(outShape)) out.push(f(at(a, aShape, idx), at(b, bShape, idx)));
  return out;
}

const FLOAT_BINARY: readonly [BinaryOp, (x: number, y: number) => number][] = [
  ['add', (x, y) => x + y],
  ['sub', (x, y) => x - y],
  ['mul', (x, y) => x * y],
  ['div', (x, y) => x / y],
  ['maximum', Math.max],
  ['minimum', Math.min],
  ['mod', (x, y) => x - Math.floor(x / y) * y],
  ['eq', (x, y) => Number(x === y)],
  ['ne', (x, y) => Number(x !== y)],
  ['lt', (x, y) => Number(x < y)],
  ['le', (x, y) => Number(x <= y)],
  ['gt', (x, y) => Number(x > y)],
  ['ge', (x, y) => Number(x >= y)],
];
const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

const binaryChecks: KernelCheck[] = [
  ...FLOAT_BINARY.map(([op, f]) =>
    check('binary', `${op} float32, [2,3] with [3] and [2,1] with [1,3]`, async (kit) => {
      const a = [-2.5, -1, 0, 0.5, 1.5, 3];
      const b = [1.5, -2, 0.5];
      const dtype = COMPARISONS.has(op) ? 'bool' : 'float32';
      const ta = kit.tensor(a, [2, 3]);
      const tb = kit.tensor(b, [3]);
      await kit.expectValues(
        `${op} [2,3] [3]`,
        kit.result(kit.backend.binary(op, ta, tb, [2, 3]), [2, 3], dtype),
        broadcastRef(a, [2, 3], b, [3], [2, 3], f),
      );
      const col = kit.tensor([2, -0.5], [2, 1]);
      const row = kit.tensor(b, [1, 3]);
      await kit.expectValues(
        `${op} [2,1] [1,3]`,
        kit.result(kit.backend.binary(op, col, row, [2, 3]), [2, 3], dtype),
        broadcastRef([2, -0.5], [2, 1], b, [1, 3], [2, 3], f),
      );
    }),
  ),
  check('binary', 'pow float32 and int32', async (kit) => {
    const a = kit.tensor([2, 0.5, 3, 1.5], [4]);
    const e = kit.tensor([3, 2, 0, 2], [4]);
    await kit.expectValues(
      'float32',
      kit.result(kit.backend.binary('pow', a, e, [4]), [4], 'float32'),
      [8, 0.25, 1, 2.25],
    );
    const ai = kit.tensor([2, -3, 5], [3], 'int32');
    const ei = kit.tensor([10, 3, 0], [3], 'int32');
    await kit.expectValues(
      'int32',
      kit.result(kit.backend.binary('pow', ai, ei, [3]), [3], 'int32'),
      [1024, -27, 1],
    );
  }),
  check('binary', 'int32 add mul mod (sign of the divisor)', async (kit) => {
    const a = kit.tensor([7, -7, 7, -7], [4], 'int32');
    const b = kit.tensor([3, 3, -3, -3], [4], 'int32');
    await kit.expectValues(
      'add',
      kit.result(kit.backend.binary('add', a, b, [4]), [4], 'int32'),
      [10, -4, 4, -10],
    );
    await kit.expectValues(
      'mul',
      kit.result(kit.backend.binary('mul', a, b, [4]), [4], 'int32'),
      [21, -21, -21, 21],
    );
    await kit.expectValues(
      'mod',
      kit.result(kit.backend.binary('mod', a, b, [4]), [4], 'int32'),
      [1, 2, -2, -1],
    );
  }),
  check('binary', 'maximum and minimum propagate NaN', async (kit) => {
    const a = kit.tensor([NaN, 1, 2], [3]);
    const b = kit.tensor([0, NaN, 3], [3]);
    for (const op of ['maximum', 'minimum'] as const) {
      const got = await kit.read(kit.result(kit.backend.binary(op, a, b, [3]), [3], 'float32'));
      const want = op === 'maximum' ? 3 : 2;
      if (!Number.isNaN(got[0]) || !Number.isNaN(got[1]) || got[2] !== want) {
        fail(
          `${op} of [NaN, 1, 2] and [0, NaN, 3] gave [${Array.from(got)}], expected [NaN, NaN, ${want}]`,
        );
      }
    }
  }),
  check('binary', 'and or xor on bool', async (kit) => {
    const a = kit.tensor([0, 0, 1, 1], [4], 'bool');
    const b = kit.tensor([0, 1, 0, 1], [4], 'bool');
    for (const [op, want] of [
      ['and', [0, 0, 0, 1]],
      ['or', [0, 1, 1, 1]],
      ['xor', [0, 1, 1, 0]],
    ] as const) {
      await kit.expectValues(op, kit.result(kit.backend.binary(op, a, b, [4]), [4], 'bool'), want);
    }
  }),
  check('where', 'cond [2,1], a [1,3], b [2,3]', async (kit) => {
    const cond = kit.tensor([1, 0], [2, 1], 'bool');
    const a = kit.tensor([1, 2, 3], [1, 3]);
    const b = kit.tensor([-1, -2, -3, -4, -5, -6], [2, 3]);
    await kit.expectValues(
      'where',
      kit.result(kit.backend.where(cond, a, b, [2, 3]), [2, 3], 'float32'),
      [1, 2, 3, -4, -5, -6],
    );
  }),
  check('cast', 'float32 to int32 truncates, anything to bool is x != 0', async (kit) => {
    const f = kit.tensor([-1.7, 1.7, 2.5, -0.5, 0, 3], [6]);
    await kit.expectValues(
      'to int32',
      kit.result(kit.backend.cast(f, 'int32'), [6], 'int32'),
      [-1, 1, 2, 0, 0, 3],
    );
    await kit.expectValues(
      'to bool',
      kit.result(kit.backend.cast(f, 'bool'), [6], 'bool'),
      [1, 1, 1, 1, 0, 1],
    );
    const i = kit.tensor([-3, 0, 7], [3], 'int32');
    await kit.expectValues(
      'int32 to float32',
      kit.result(kit.backend.cast(i, 'float32'), [3], 'float32'),
      [-3, 0, 7],
    );
    const bo = kit.tensor([1, 0], [2], 'bool');
    await kit.expectValues(
      'bool to float32',
      kit.result(kit.backend.cast(bo, 'float32'), [2], 'float32'),
      [1, 0],
    );
  }),
];

// ---- reductions ---------------------------------------------------------------------------

const CUBE: Shape = [2, 3, 4];
const AXES: readonly (readonly number[])[] = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];

async function expectReduce(kit: KernelKit, op: ReduceOp, axes: readonly number[]): Promise<void> {
  const x = eighths(24, 7 + axes.length);
  const t = kit.tensor(x, CUBE);
  const want = reduceRef(op, x, CUBE, axes);
  const dtype = op === 'argmax' || op === 'argmin' ? 'int32' : 'float32';
  await kit.expectValues(
    `${op} over axes [${axes}] of [${CUBE}]`,
    kit.result(kit.backend.reduce(op, t, axes), want.shape, dtype),
    want.values,
  );
}

const reduceChecks: KernelCheck[] = [
  ...AXES.map((axes) =>
    check('reduce', `sum over axes [${axes}] of [2,3,4]`, (kit) => expectReduce(kit, 'sum', axes)),
  ),
  ...(['max', 'min', 'prod'] as const).flatMap((op) =>
    [[0], [1], [2], [0, 2]].map((axes) =>
      check('reduce', `${op} over axes [${axes}] of [2,3,4]`, (kit) => expectReduce(kit, op, axes)),
    ),
  ),
  ...(['argmax', 'argmin'] as const).flatMap((op) =>
    [[0], [1], [2]].map((axes) =>
      check('reduce', `${op} over axis ${axes[0]} of [2,3,4] (first of ties)`, (kit) =>
        expectReduce(kit, op, axes),
      ),
    ),
  ),
  check('reduce', 'int32 sum over axis 0, and an empty axis sums to 0', async (kit) => {
    const t = kit.tensor([1, -2, 3, 4, 5, -6], [2, 3], 'int32');
    await kit.expectValues(
      'int32',
      kit.result(kit.backend.reduce('sum', t, [0]), [1, 3], 'int32'),
      [5, 3, -3],
    );
    const e = kit.tensor([], [0, 3]);
    await kit.expectValues(
      'empty',
      kit.result(kit.backend.reduce('sum', e, [0]), [1, 3], 'float32'),
      [0, 0, 0],
    );
  }),
  ...[0, 1, 2].flatMap((axis) =>
    [false, true].map((log) =>
      check(
        'softmax',
        `${log ? 'log-softmax' : 'softmax'} along axis ${axis} of [2,3,4]`,
        async (kit) => {
          const x = eighths(24, 3 + axis).map((v) => v * 4);
          const t = kit.tensor(x, CUBE);
          const out = kit.result(kit.backend.softmax(t, axis, log), CUBE, 'float32');
          await kit.expectValues(`axis ${axis}`, out, softmaxRef(x, CUBE, axis, log), {
            rtol: 1e-5,
            atol: 1e-6,
          });
        },
      ),
    ),
  ),
];

// ---- matmul -------------------------------------------------------------------------------

function matmulCheck(
  name: string,
  transposeA: boolean,
  transposeB: boolean,
  ba = 2,
  bb = 2,
): KernelCheck {
  return check('matmul', name, async (kit) => {
    const [m, k, n] = [3, 5, 4];
    const aShape = transposeA ? [ba, k, m] : [ba, m, k];
    const bShape = transposeB ? [bb, n, k] : [bb, k, n];
    const a = eighths(sizeOf(aShape), 11);
    const b = eighths(sizeOf(bShape), 12);
    const want = matmulRef(a, aShape, b, bShape, transposeA, transposeB);
    const out = kit.backend.matmul(
      kit.tensor(a, aShape),
      kit.tensor(b, bShape),
      transposeA,
      transposeB,
    );
    await kit.expectValues(
      `a [${aShape}] b [${bShape}]`,
      kit.result(out, want.shape, 'float32'),
      want.values,
    );
  });
}

const matmulChecks: KernelCheck[] = [
  matmulCheck('plain', false, false),
  matmulCheck('transposeA', true, false),
  matmulCheck('transposeB', false, true),
  matmulCheck('transposeA and transposeB', true, true),
  matmulCheck('a batch of 1 broadcast against 2', false, false, 1, 2),
  matmulCheck('b batch of 1 broadcast against 2, transposeB', false, true, 2, 1),
  check('matmul', 'int32', async (kit) => {
    const a = kit.tensor([1, 2, 3, 4, 5, 6], [1, 2, 3], 'int32');
    const b = kit.tensor([1, -1, 2, 0, -3, 1], [1, 3, 2], 'int32');
    // [[1,2,3],[4,5,6]] times [[1,-1],[2,0],[-3,1]].
    await kit.expectValues(
      'int32',
      kit.result(kit.backend.matmul(a, b, false, false), [1, 2, 2], 'int32'),
      [-4, 2, -4, 2],
    );
  }),
  check('matmul', 'an empty inner dimension gives zeros', async (kit) => {
    const a = kit.tensor([], [1, 2, 0]);
    const b = kit.tensor([], [1, 0, 3]);
    await kit.expectValues(
      'K = 0',
      kit.result(kit.backend.matmul(a, b, false, false), [1, 2, 3], 'float32'),
      [0, 0, 0, 0, 0, 0],
    );
  }),
];

// ---- layout -------------------------------------------------------------------------------

const M23 = [1, 2, 3, 4, 5, 6];

const layoutChecks: KernelCheck[] = [
  check('strided', 'transpose [2,3] → [3,2]', async (kit) => {
    const out = kit.backend.strided(kit.tensor(M23, [2, 3]), [3, 2], [1, 3], 0);
    await kit.expectValues('transpose', kit.result(out, [3, 2], 'float32'), [1, 4, 2, 5, 3, 6]);
  }),
  check(
    'strided',
    'expand a row (stride 0), flip (negative stride), a stepped slice',
    async (kit) => {
      const x = kit.tensor(M23, [2, 3]);
      await kit.expectValues(
        'expand',
        kit.result(kit.backend.strided(x, [2, 3], [0, 1], 3), [2, 3], 'float32'),
        [4, 5, 6, 4, 5, 6],
      );
      await kit.expectValues(
        'flip',
        kit.result(kit.backend.strided(x, [2, 3], [3, -1], 2), [2, 3], 'float32'),
        [3, 2, 1, 6, 5, 4],
      );
      await kit.expectValues(
        'step 2',
        kit.result(kit.backend.strided(x, [2, 2], [3, 2], 0), [2, 2], 'float32'),
        [1, 3, 4, 6],
      );
      const i = kit.tensor(M23, [6], 'int32');
      await kit.expectValues(
        'int32',
        kit.result(kit.backend.strided(i, [3], [2], 1), [3], 'int32'),
        [2, 4, 6],
      );
    },
  ),
  check('stridedWrite', 'a [2,2] block into [3,4] at row 1, column 1', async (kit) => {
    const base = kit.tensor(
      Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    const src = kit.tensor([-1, -2, -3, -4], [2, 2]);
    const out = kit.backend.stridedWrite(base, src, [4, 1], 5);
    await kit.expectValues(
      'write',
      kit.result(out, [3, 4], 'float32'),
      [0, 1, 2, 3, 4, -1, -2, 7, 8, -3, -4, 11],
    );
    // The base itself is unchanged: kernels never change their inputs.
    await kit.expectValues(
      'base afterwards',
      base,
      Array.from({ length: 12 }, (_, i) => i),
    );
  }),
  check('concat', 'along axis 0, 1 and the last axis', async (kit) => {
    const a = kit.tensor(M23, [2, 3]);
    const b = kit.tensor([7, 8, 9], [1, 3]);
    await kit.expectValues('axis 0', kit.result(kit.backend.concat([a, b], 0), [3, 3], 'float32'), [
      ...M23,
      7,
      8,
      9,
    ]);
    const c = kit.tensor([10, 20], [2, 1]);
    await kit.expectValues(
      'axis 1',
      kit.result(kit.backend.concat([a, c, a], 1), [2, 7], 'float32'),
      [1, 2, 3, 10, 1, 2, 3, 4, 5, 6, 20, 4, 5, 6],
    );
    const x = kit.tensor([1, 2, 3, 4], [2, 1, 2]);
    const y = kit.tensor([5, 6], [2, 1, 1]);
    await kit.expectValues(
      'last axis',
      kit.result(kit.backend.concat([x, y], 2), [2, 1, 3], 'float32'),
      [1, 2, 5, 3, 4, 6],
    );
  }),
  check('gather', 'along axis 1 and axis 0', async (kit) => {
    const x = kit.tensor(M23, [2, 3]);
    const i1 = kit.tensor([2, 0, 1, 1], [2, 2], 'int32');
    await kit.expectValues(
      'axis 1',
      kit.result(kit.backend.gather(x, 1, i1), [2, 2], 'float32'),
      [3, 1, 5, 5],
    );
    const i0 = kit.tensor([1, 0, 1], [1, 3], 'int32');
    await kit.expectValues(
      'axis 0',
      kit.result(kit.backend.gather(x, 0, i0), [1, 3], 'float32'),
      [4, 2, 6],
    );
  }),
  check('scatterAdd', 'repeated indices accumulate, along axis 1 and axis 0', async (kit) => {
    const base = kit.tensor([1, 1, 1, 1, 1, 1], [2, 3]);
    const i1 = kit.tensor([0, 0, 2, 1], [2, 2], 'int32');
    const src = kit.tensor([10, 20, 30, 40], [2, 2]);
    await kit.expectValues(
      'axis 1',
      kit.result(kit.backend.scatterAdd(base, 1, i1, src), [2, 3], 'float32'),
      [31, 1, 1, 1, 41, 31],
    );
    const i0 = kit.tensor([1, 1, 0], [1, 3], 'int32');
    const s0 = kit.tensor([5, 6, 7], [1, 3]);
    await kit.expectValues(
      'axis 0',
      kit.result(kit.backend.scatterAdd(base, 0, i0, s0), [2, 3], 'float32'),
      [1, 1, 8, 6, 7, 1],
    );
  }),
];

// ---- convolution ----------------------------------------------------------------------------

interface ConvCase {
  readonly name: string;
  readonly x: Shape;
  readonly w: Shape;
  readonly params: ConvParams;
}

const CONV_CASES: readonly ConvCase[] = [
  {
    name: '1-d, stride 2, padding 1, dilation 2',
    x: [2, 2, 9],
    w: [3, 2, 3],
    params: { stride: [2], padBefore: [1], padAfter: [1], dilation: [2], groups: 1 },
  },
  {
    name: '2-d, 2 groups, padding 1 before and 0 after',
    x: [1, 4, 5, 4],
    w: [2, 2, 3, 2],
    params: { stride: [1, 2], padBefore: [1, 1], padAfter: [0, 0], dilation: [1, 1], groups: 2 },
  },
  {
    name: '3-d, 1×2×2 kernel',
    x: [1, 1, 2, 3, 3],
    w: [2, 1, 1, 2, 2],
    params: {
      stride: [1, 1, 1],
      padBefore: [0, 0, 0],
      padAfter: [0, 0, 0],
      dilation: [1, 1, 1],
      groups: 1,
    },
  },
];

/** The forward output and both gradients of a case by the reference, with `dy` given. */
function convReference(c: ConvCase, x: number[], w: number[], dy: (n: number) => number[]) {
  const y: number[] = [];
  const yShape = convTriples(c.x, c.w, c.params, () => {});
  const dyv = dy(sizeOf(yShape));
  y.length = sizeOf(yShape);
  y.fill(0);
  const dx = new Array<number>(x.length).fill(0);
  const dw = new Array<number>(w.length).fill(0);
  convTriples(c.x, c.w, c.params, (xi, wi, yi) => {
    y[yi] = (y[yi] as number) + (x[xi] as number) * (w[wi] as number);
    dx[xi] = (dx[xi] as number) + (dyv[yi] as number) * (w[wi] as number);
    dw[wi] = (dw[wi] as number) + (x[xi] as number) * (dyv[yi] as number);
  });
  return { yShape, y, dy: dyv, dx, dw };
}

function convChecks(): KernelCheck[] {
  return CONV_CASES.flatMap((c, i) => {
    const x = eighths(sizeOf(c.x), 20 + i);
    const w = eighths(sizeOf(c.w), 30 + i);
    const ref = convReference(c, x, w, (n) => eighths(n, 40 + i));
    return [
      check('conv', c.name, async (kit) => {
        const out = kit.backend.conv(kit.tensor(x, c.x), kit.tensor(w, c.w), c.params);
        await kit.expectValues('y', kit.result(out, ref.yShape, 'float32'), ref.y);
      }),
      check('convBackwardInput', c.name, async (kit) => {
        const out = kit.backend.convBackwardInput(
          kit.tensor(ref.dy, ref.yShape),
          kit.tensor(w, c.w),
          c.x,
          c.params,
        );
        await kit.expectValues('dx', kit.result(out, c.x, 'float32'), ref.dx);
      }),
      check('convBackwardFilter', c.name, async (kit) => {
        const out = kit.backend.convBackwardFilter(
          kit.tensor(x, c.x),
          kit.tensor(ref.dy, ref.yShape),
          c.w,
          c.params,
        );
        await kit.expectValues('dw', kit.result(out, c.w, 'float32'), ref.dw);
      }),
      check('convBias', c.name, async (kit) => {
        const outC = c.w[0] as number;
        const bias = eighths(outC, 50 + i);
        const plane = sizeOf(ref.yShape) / (ref.yShape[0] as number) / outC;
        const want = ref.y.map((v, k) => v + (bias[Math.floor(k / plane) % outC] as number));
        const out = call(kit.backend, 'convBias')(
          kit.tensor(x, c.x),
          kit.tensor(w, c.w),
          kit.tensor(bias, [outC]),
          c.params,
        );
        await kit.expectValues('y', kit.result(out, ref.yShape, 'float32'), want);
      }),
      check('convBiasRelu', c.name, async (kit) => {
        const outC = c.w[0] as number;
        const bias = eighths(outC, 50 + i);
        const plane = sizeOf(ref.yShape) / (ref.yShape[0] as number) / outC;
        const relu = (v: number): number => Math.max(v, 0);
        const withBias = ref.y.map((v, k) =>
          relu(v + (bias[Math.floor(k / plane) % outC] as number)),
        );
        const fused = call(kit.backend, 'convBiasRelu');
        const xt = kit.tensor(x, c.x);
        const wt = kit.tensor(w, c.w);
        const out = fused(xt, wt, kit.tensor(bias, [outC]), c.params);
        await kit.expectValues('y', kit.result(out, ref.yShape, 'float32'), withBias);
        const plain = fused(xt, wt, null, c.params);
        await kit.expectValues(
          'y without a bias',
          kit.result(plain, ref.yShape, 'float32'),
          ref.y.map(relu),
        );
      }),
    ];
  });
}

// ---- pooling ------------------------------------------------------------------------------

function poolParams(
  x: Shape,
  kernel: number[],
  stride: number[],
  padding: number[],
  countIncludePad = true,
): PoolParams {
  const outSize = kernel.map(
    (k, i) =>
      Math.floor(((x[i + 2] as number) + 2 * (padding[i] as number) - k) / (stride[i] as number)) +
      1,
  );
  return { kernel, stride, padding, dilation: kernel.map(() => 1), outSize, countIncludePad };
}

const POOL_X: Shape = [2, 1, 5, 5];
/** Overlapping 3×3 windows with padding: gradients accumulate where windows share an input. */
const POOL: PoolParams = poolParams(POOL_X, [3, 3], [2, 2], [1, 1]);

function maxPoolReference(x: number[], shape: Shape, p: PoolParams) {
  const { yShape, windows } = poolWindows(shape, p);
  const planeSize = sizeOf(shape.slice(2));
  const values: number[] = [];
  const indices: number[] = [];
  for (const win of windows) {
    let best = win[0] as number;
    for (const xi of win) if ((x[xi] as number) > (x[best] as number)) best = xi;
    values.push(x[best] as number);
    indices.push(best % planeSize);
  }
  return { yShape, values, indices, windows };
}

const poolChecks: KernelCheck[] = [
  check('maxPool', '3×3 windows, stride 2, padding 1: values and plane indices', async (kit) => {
    const x = distinct(50);
    const ref = maxPoolReference(x, POOL_X, POOL);
    const out = kit.backend.maxPool(kit.tensor(x, POOL_X), POOL);
    await kit.expectValues('values', kit.result(out.values, ref.yShape, 'float32'), ref.values);
    await kit.expectValues('indices', kit.result(out.indices, ref.yShape, 'int32'), ref.indices);
  }),
  check('maxPool', '1-d, kernel 2', async (kit) => {
    const shape = [1, 2, 6];
    const p = poolParams(shape, [2], [2], [0]);
    const x = [1, 5, 3, 2, -1, 0, 4, 4, -2, 8, 0, -3];
    const ref = maxPoolReference(x, shape, p);
    const out = kit.backend.maxPool(kit.tensor(x, shape), p);
    await kit.expectValues('values', kit.result(out.values, ref.yShape, 'float32'), ref.values);
    await kit.expectValues(
      'indices (first of ties)',
      kit.result(out.indices, ref.yShape, 'int32'),
      ref.indices,
    );
  }),
  check('maxPoolValues', '3×3 windows, stride 2, padding 1; and 2×2 windows', async (kit) => {
    const x = distinct(50);
    const ref = maxPoolReference(x, POOL_X, POOL);
    const out = call(kit.backend, 'maxPoolValues')(kit.tensor(x, POOL_X), POOL);
    await kit.expectValues('values', kit.result(out, ref.yShape, 'float32'), ref.values);
    // 2×2 windows over 8×10 planes, the shape backends often take a fast path for.
    const shape = [2, 3, 8, 10];
    const p = poolParams(shape, [2, 2], [2, 2], [0, 0]);
    const y = distinct(480);
    const ref2 = maxPoolReference(y, shape, p);
    const out2 = call(kit.backend, 'maxPoolValues')(kit.tensor(y, shape), p);
    await kit.expectValues('2×2 values', kit.result(out2, ref2.yShape, 'float32'), ref2.values);
  }),
  check('maxPoolBackward', 'overlapping windows accumulate into dx', async (kit) => {
    const x = distinct(50);
    const ref = maxPoolReference(x, POOL_X, POOL);
    const dy = eighths(ref.values.length, 60);
    const dx = new Array<number>(50).fill(0);
    const planeSize = 25;
    ref.indices.forEach((idx, k) => {
      const plane = Math.floor(k / (ref.values.length / 2));
      dx[plane * planeSize + idx] = (dx[plane * planeSize + idx] as number) + (dy[k] as number);
    });
    const out = kit.backend.maxPoolBackward(
      kit.tensor(dy, ref.yShape),
      kit.tensor(ref.indices, ref.yShape, 'int32'),
      POOL_X,
      POOL,
    );
    await kit.expectValues('dx', kit.result(out, POOL_X, 'float32'), dx);
  }),
  ...[true, false].flatMap((countIncludePad) => {
    const p = { ...POOL, countIncludePad };
    const what = countIncludePad ? 'padding counted' : 'padding not counted';
    const x = eighths(50, 70);
    const { yShape, windows } = poolWindows(POOL_X, p);
    const div = avgDivisors(POOL_X, p);
    const y = windows.map(
      (win, k) => win.reduce((s, xi) => s + (x[xi] as number), 0) / (div[k] as number),
    );
    const dy = eighths(y.length, 71);
    const dx = new Array<number>(50).fill(0);
    windows.forEach((win, k) => {
      for (const xi of win) dx[xi] = (dx[xi] as number) + (dy[k] as number) / (div[k] as number);
    });
    return [
      check('avgPool', `3×3 windows, stride 2, padding 1, ${what}`, async (kit) => {
        await kit.expectValues(
          'y',
          kit.result(kit.backend.avgPool(kit.tensor(x, POOL_X), p), yShape, 'float32'),
          y,
        );
      }),
      check('avgPoolBackward', `3×3 windows, stride 2, padding 1, ${what}`, async (kit) => {
        const out = kit.backend.avgPoolBackward(kit.tensor(dy, yShape), POOL_X, p);
        await kit.expectValues('dx', kit.result(out, POOL_X, 'float32'), dx);
      }),
    ];
  }),
];

// ---- optional fused kernels ---------------------------------------------------------------

const fusedChecks: KernelCheck[] = [
  check('reluBackward', 'dy where x > 0, else 0 (NaN too)', async (kit) => {
    const dy = kit.tensor([1, 2, 3, 4, 5], [5]);
    const x = kit.tensor([-1, 0, 0.5, NaN, 2], [5]);
    await kit.expectValues(
      'dx',
      kit.result(call(kit.backend, 'reluBackward')(dy, x), [5], 'float32'),
      [0, 0, 3, 0, 5],
    );
  }),
  check('sgdStep', 'param + direction·(−lr), the product rounded before the sum', async (kit) => {
    const n = 7;
    const base = eighths(n, 84);
    const dir = eighths(n, 85).map((v) => v * 3.7);
    const lr = 0.013;
    const f = Math.fround;
    const expected = base.map((b, i) => f(b + f((dir[i] as number) * f(-lr))));
    const out = call(kit.backend, 'sgdStep')(kit.tensor(base, [n]), kit.tensor(dir, [n]), lr);
    await kit.expectValues('param', kit.result(out, [n], 'float32'), expected);
  }),
  check(
    'adamStep',
    'one step of every element, rounded as the separate kernels round',
    async (kit) => {
      const n = 6;
      const base = eighths(n, 80);
      const grad = eighths(n, 81);
      const m = eighths(n, 82).map((v) => v / 4);
      const v = eighths(n, 83).map((x) => Math.abs(x) / 8);
      const h = {
        beta1: 0.9,
        beta2: 0.999,
        stepSize: 0.01 / (1 - 0.9 ** 3),
        biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** 3),
        eps: 1e-8,
      };
      const f = Math.fround;
      const m2 = m.map((mi, i) => f(f(mi * f(h.beta1)) + f((grad[i] as number) * f(1 - h.beta1))));
      const v2 = v.map((vi, i) =>
        f(f(vi * f(h.beta2)) + f(f((grad[i] as number) * f(1 - h.beta2)) * (grad[i] as number))),
      );
      const p2 = base.map((b, i) =>
        f(
          b +
            f(
              f((m2[i] as number) * f(-h.stepSize)) /
                f(f(f(Math.sqrt(v2[i] as number)) / f(h.biasCorrection2Sqrt)) + f(h.eps)),
            ),
        ),
      );
      const out = call(kit.backend, 'adamStep')(
        kit.tensor(base, [n]),
        kit.tensor(grad, [n]),
        kit.tensor(m, [n]),
        kit.tensor(v, [n]),
        h,
      );
      await kit.expectValues('param', kit.result(out.param, [n], 'float32'), p2);
      await kit.expectValues('expAvg', kit.result(out.expAvg, [n], 'float32'), m2);
      await kit.expectValues('expAvgSq', kit.result(out.expAvgSq, [n], 'float32'), v2);
    },
  ),
  check('sort', 'stable rows, both directions; NaN largest, -Infinity smallest', async (kit) => {
    // Ties in the first row; NaNs (which a value comparison cannot read back) in the second.
    const x = kit.tensor([2, -1, 2, 0.5, -1, 3, 1, NaN, -Infinity, 1, NaN, 0], [2, 6]);
    const up = call(kit.backend, 'sort')(x, false);
    kit.result(up.values, [2, 6], 'float32');
    await kit.expectValues(
      'ascending indices',
      kit.result(up.indices, [2, 6], 'int32'),
      [1, 4, 3, 0, 2, 5, 2, 5, 0, 3, 1, 4],
    );
    const down = call(kit.backend, 'sort')(x, true);
    kit.result(down.values, [2, 6], 'float32');
    await kit.expectValues(
      'descending indices',
      kit.result(down.indices, [2, 6], 'int32'),
      [5, 0, 2, 3, 1, 4, 1, 4, 0, 3, 5, 2],
    );
    const row = call(kit.backend, 'sort')(kit.tensor([2, -1, 2, 0.5, -1, 3], [1, 6]), false);
    kit.result(row.indices, [1, 6], 'int32');
    await kit.expectValues(
      'ascending values',
      kit.result(row.values, [1, 6], 'float32'),
      [-1, -1, 0.5, 2, 2, 3],
    );
  }),
  check('sort', 'int32 along the last of three axes, descending', async (kit) => {
    const out = call(kit.backend, 'sort')(
      kit.tensor([3, 7, 7, 0, -2, 0], [2, 1, 3], 'int32'),
      true,
    );
    await kit.expectValues(
      'values',
      kit.result(out.values, [2, 1, 3], 'int32'),
      [7, 7, 3, 0, 0, -2],
    );
    await kit.expectValues(
      'indices',
      kit.result(out.indices, [2, 1, 3], 'int32'),
      [1, 2, 0, 0, 2, 1],
    );
  }),
];

// ---- fused cross-entropy ------------------------------------------------------------------

/**
 * Cross-entropy of class indices in float64, the contract's formula: per row the log-softmax
 * with the maximum taken out, the loss −(1 − ε)·logp[t] − (ε / C)·Σ logp, and its gradient
 * g·(softmax − (1 − ε)·onehot − ε / C); ignored rows give 0.
 */
function crossEntropyRef(
  x: readonly number[],
  target: readonly number[],
  classes: number,
  p: CrossEntropyParams,
  dy: readonly number[],
): { loss: number[]; dx: number[] } {
  const rows = target.length;
  const losses: number[] = [];
  const dx: number[] = [];
  const counted = target.filter((t) => t !== p.ignoreIndex).length;
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * classes, (r + 1) * classes);
    const t = target[r] as number;
    if (t === p.ignoreIndex) {
      losses.push(0);
      dx.push(...row.map(() => 0));
      continue;
    }
    const m = Math.max(...row);
    const shift = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    const logp = row.map((v) => v - shift);
    const all = logp.reduce((a, v) => a + v, 0);
    losses.push(-(1 - p.smoothing) * (logp[t] as number) - (p.smoothing / classes) * all);
    const g =
      p.reduction === 'none'
        ? (dy[r] as number)
        : p.reduction === 'sum'
          ? (dy[0] as number)
          : (dy[0] as number) / counted;
    dx.push(
      ...logp.map(
        (v, c) => g * (Math.exp(v) - (c === t ? 1 - p.smoothing : 0) - p.smoothing / classes),
      ),
    );
  }
  const total = losses.reduce((a, v) => a + v, 0);
  const loss = p.reduction === 'none' ? losses : [p.reduction === 'sum' ? total : total / counted];
  return { loss, dx };
}

/** `expectValues`, except that a NaN expected (a mean over no rows) must be read as NaN. */
async function expectLoss(
  kit: KernelKit,
  what: string,
  t: KernelTensor,
  expected: readonly number[],
  tolerance: Tolerance = {},
): Promise<void> {
  if (!expected.some(Number.isNaN)) return kit.expectValues(what, t, expected, tolerance);
  const got = Array.from(await kit.read(t));
  if (!got.every(Number.isNaN)) throw new Error(`${what}: got [${got}], expected NaN (0 / 0)`);
}

const crossEntropyChecks: KernelCheck[] = (
  [
    ['mean', -100, 0, 'mean over 5 rows of 4 classes'],
    ['mean', 2, 0, 'mean, rows with target 2 ignored (not in the divisor)'],
    ['sum', -1, 0.2, 'sum with label smoothing 0.2 and a row ignored'],
    ['none', 1, 0.1, 'none with label smoothing 0.1, ignored rows giving 0'],
    ['mean', 0, 0, 'mean with every row ignored: NaN, and a zero gradient'],
  ] as const
).flatMap(([reduction, ignoreIndex, smoothing, what]) => {
  const classes = 4;
  const everyIgnored = ignoreIndex === 0;
  const target = everyIgnored ? [0, 0, 0, 0, 0] : [3, 0, 2, 1, ignoreIndex === -1 ? -1 : 2];
  const rows = target.length;
  // Logits far from 0 in one row, to show the maximum is taken out before exp.
  const x = eighths(rows * classes, 90).map((v, i) => (i < classes ? v * 40 : v));
  const p: CrossEntropyParams = { ignoreIndex, smoothing, reduction };
  const dy = reduction === 'none' ? eighths(rows, 91) : [0.75];
  const ref = crossEntropyRef(x, target, classes, p, dy);
  const yShape = reduction === 'none' ? [rows] : [];
  const tol = { rtol: 1e-5, atol: 1e-6 };
  return [
    check('crossEntropy', what, async (kit) => {
      const out = call(kit.backend, 'crossEntropy')(
        kit.tensor(x, [rows, classes]),
        kit.tensor(target, [rows], 'int32'),
        p,
      );
      await expectLoss(kit, 'loss', kit.result(out, yShape, 'float32'), ref.loss, tol);
    }),
    check('crossEntropyBackward', what, async (kit) => {
      const out = call(kit.backend, 'crossEntropyBackward')(
        kit.tensor(dy, yShape),
        kit.tensor(x, [rows, classes]),
        kit.tensor(target, [rows], 'int32'),
        p,
      );
      await kit.expectValues('dx', kit.result(out, [rows, classes], 'float32'), ref.dx, tol);
    }),
  ];
});

crossEntropyChecks.push(
  check('crossEntropy', 'no rows: none [], sum 0, mean NaN', async (kit) => {
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const p = { ignoreIndex: -100, smoothing: 0, reduction };
      const out = call(kit.backend, 'crossEntropy')(
        kit.tensor([], [0, 3]),
        kit.tensor([], [0], 'int32'),
        p,
      );
      const shape = reduction === 'none' ? [0] : [];
      const want = reduction === 'none' ? [] : reduction === 'sum' ? [0] : [NaN];
      await expectLoss(kit, reduction, kit.result(out, shape, 'float32'), want);
    }
  }),
);

/** Every direct kernel check, in the order of the contract. */
export const KERNEL_CHECKS: readonly KernelCheck[] = [
  ...storageChecks,
  ...creationChecks,
  ...unaryChecks,
  ...binaryChecks,
  ...reduceChecks,
  ...matmulChecks,
  ...layoutChecks,
  ...convChecks(),
  ...poolChecks,
  ...fusedChecks,
  ...crossEntropyChecks,
];

/** Kernels a backend may leave out (core's list): their checks are skipped when it does. */
const OPTIONAL = new Set<string>(OPTIONAL_KERNELS);

/**
 * Why `c` does not apply to `backend` (an optional kernel it leaves out, a dtype or capability it
 * lacks), or null when it applies.
 */
export function kernelCheckSkipReason(c: KernelCheck, backend: Backend): string | null {
  if (
    OPTIONAL.has(c.kernel) &&
    typeof (backend as unknown as Record<string, unknown>)[c.kernel] !== 'function'
  ) {
    return `the backend has no ${c.kernel} (an optional kernel)`;
  }
  if (c.needs === 'float64' && !backend.dtypes.includes('float64'))
    return 'the backend has no float64';
  if (c.needs === 'readSync' && typeof backend.readSync !== 'function')
    return 'the backend cannot read synchronously';
  return null;
}
