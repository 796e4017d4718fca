/**
 * Runs one case on the active backend and judges it: a throw must be a StrideError naming the
 * function called; a result where PyTorch raised is a silent answer; a result where PyTorch
 * returned must match its shapes, dtypes and values; every tensor made for the call is freed.
 */
import * as core from '@stride/core';
import * as datasets from '@stride/datasets';
import * as layers from '@stride/layers';
import * as optimizers from '@stride/optimizers';
import {
  type Arg,
  type Case,
  decodeNum,
  showCall,
  type TensorDesc,
  type TorchOutcome,
  type TorchTensor,
} from './describe.js';
import type { OpSpec } from './ops.js';

/** How a case went wrong. */
export type FailureKind =
  | 'silent answer'
  | 'wrong value'
  | 'wrong error'
  | 'wrong fn'
  | 'crash'
  | 'hang'
  | 'leak';

export interface Failure {
  kind: FailureKind;
  call: string;
  /** What Stride did. */
  stride: string;
  /** What PyTorch did. */
  torch: string;
}

/** A read that takes this long is taken for a hang (SwiftShader reads take milliseconds). */
const READ_LIMIT_MS = 20_000;

function typedArray(type: string, v: number[]): unknown {
  const C = (globalThis as unknown as Record<string, new (a: unknown[]) => unknown>)[type];
  if (!C) throw new Error(`unknown typed array ${type}`);
  return new C(type.startsWith('Big') ? v.map((x) => BigInt(x)) : v);
}

const TYPED_OF = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

function makeTensor(t: TensorDesc, made: core.Tensor[]): core.Tensor {
  const data = new TYPED_OF[t.dtype](t.data.map(decodeNum));
  const x = core.tensor(data, { shape: t.shape, dtype: t.dtype });
  made.push(x);
  if (t.grad) x.requiresGrad = true;
  if (t.disposed) x.dispose();
  return x;
}

/** The JavaScript value an argument description stands for (tensors are created on the active backend). */
export function materialise(a: Arg, made: core.Tensor[]): unknown {
  switch (a.k) {
    case 'n':
      return decodeNum(a.v);
    case 's':
    case 'b':
      return a.v;
    case 'null':
      return null;
    case 'undef':
    case 'hole':
      return undefined;
    case 'big':
      return BigInt(a.v);
    case 'fn':
      return () => 0;
    case 'a': {
      const out: unknown[] = new Array(a.items.length);
      a.items.forEach((item, i) => {
        if (item.k !== 'hole') out[i] = materialise(item, made);
      });
      return out;
    }
    case 'o':
      return Object.fromEntries(a.entries.map(([key, v]) => [key, materialise(v, made)]));
    case 'typed':
      return typedArray(a.type, a.v);
    case 'mod':
      return new layers.ReLU();
    case 't':
      return makeTensor(a, made);
  }
}

/** Every tensor in a result, in order (null where an optional result is absent). */
export function resultTensors(value: unknown, depth = 0): (core.Tensor | null)[] {
  if (value instanceof core.Tensor) return [value];
  if (value === null) return [null];
  if (depth > 4 || value === undefined || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v) => resultTensors(v, depth + 1));
  if (value instanceof Map) return [...value.values()].flatMap((v) => resultTensors(v, depth + 1));
  return Object.values(value).flatMap((v) => resultTensors(v, depth + 1));
}

/** A zero-argument call of the case's function, and what to free afterwards. */
function prepare(spec: OpSpec, c: Case, made: core.Tensor[]): () => unknown {
  const values = c.args.map((a) => materialise(a, made));
  const lib = spec.lib;
  const own = spec.call;
  if (own) return () => own(...values);
  if (lib === 'core') {
    const f = (core as unknown as Record<string, (...a: unknown[]) => unknown>)[c.op];
    if (typeof f !== 'function') throw new Error(`@stride/core has no function ${c.op}`);
    if (spec.returnsNumber) return () => numberAsTensor(f(...values));
    return () => f(...values);
  }
  if (lib === 'method') {
    const [self, ...rest] = values;
    const name = c.op.slice('Tensor.'.length);
    if (!(self instanceof core.Tensor)) throw new Error(`${c.op} needs a tensor to be called on`);
    const m = (self as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    if (typeof m !== 'function') throw new Error(`Tensor has no method ${name}`);
    return () => m.apply(self, rest);
  }
  if (lib === 'layers') {
    const C = (layers as unknown as Record<string, new (...a: unknown[]) => layers.Module>)[c.op];
    if (typeof C !== 'function') throw new Error(`@stride/layers has no class ${c.op}`);
    const n = spec.ctorArity ?? values.length;
    return () => {
      const m = new C(...values.slice(0, n));
      ownedModules.push(m);
      return values.length > n ? m.forward(...(values.slice(n) as [core.Tensor])) : [];
    };
  }
  if (lib === 'datasets') return () => callDatasets(c.op, values);
  // Optimizers and schedulers: one parameter with a gradient, a step, and (schedulers) a step of
  // the schedule; the results are the parameter's new values and the learning rate.
  return () => stepOptimizer(spec, c.op, values);
}

/**
 * A dataset reader or class. DataLoader runs over 4 samples of shape [2] and returns its first
 * batch (its tensors are the results).
 */
function callDatasets(op: string, values: unknown[]): unknown {
  const D = datasets as unknown as Record<string, unknown>;
  if (op === 'DataLoader') {
    const ds = new datasets.ArrayDataset(
      new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]),
      [2],
      new Int32Array([0, 1, 0, 1]),
    );
    const loader = new datasets.DataLoader(ds, values[0] as datasets.DataLoaderOptions);
    for (const batch of loader) return batch;
    return [];
  }
  if (op === 'ArrayDataset') {
    return new (D.ArrayDataset as new (...a: unknown[]) => unknown)(...values);
  }
  const f = D[op];
  if (typeof f !== 'function') throw new Error(`@stride/datasets has no function ${op}`);
  return (f as (...a: unknown[]) => unknown)(...values);
}

/** Modules built by the current case, disposed after it. */
const ownedModules: layers.Module[] = [];

/**
 * A size query's number as a 0-d int32 tensor, so that it is compared with PyTorch's like any
 * result; anything else is passed on as it is (and then differs from PyTorch's one result).
 */
function numberAsTensor(v: unknown): unknown {
  return typeof v === 'number' ? core.tensor(new Int32Array([v]), { shape: [] }) : v;
}

function stepOptimizer(spec: OpSpec, op: string, values: unknown[]): unknown {
  const O = optimizers as unknown as Record<string, new (...a: unknown[]) => unknown>;
  if (spec.lib === 'optimizers') {
    const opt = new (O[op] as new (...a: unknown[]) => { step(): void })(...values);
    opt.step();
    return [];
  }
  const p = core.keep(core.ones([2]));
  p.requiresGrad = true;
  try {
    const sgd = new (O.SGD as new (...a: unknown[]) => { param_groups?: unknown })([p], {
      lr: 0.1,
    });
    // The first ctorArity arguments go to the constructor, each one after that to a step
    // (ReduceLROnPlateau's metrics); without more, one step of the schedule.
    const n = spec.ctorArity ?? values.length;
    const sched = new (
      O[op] as new (
        ...a: unknown[]
      ) => { step(v?: unknown): void; getLastLr(): number[] }
    )(sgd, ...values.slice(0, n));
    const steps = values.slice(n);
    if (steps.length === 0) sched.step();
    for (const v of steps) sched.step(v);
    // float32 on every backend (a whole-number rate would otherwise infer int32).
    return core.tensor(new Float32Array(sched.getLastLr()));
  } finally {
    p.dispose();
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error)
    return `${e.name}${e instanceof core.StrideError ? `(fn '${e.fn}')` : ''}: ${e.message}`;
  return `threw ${typeof e} ${String(e)}`;
}

function describeTorch(t: TorchOutcome): string {
  if (t.status === 'raised') return `raised ${t.type}: ${t.message}`;
  if (t.status === 'none') return 'no PyTorch counterpart';
  return `returned ${t.out.map((o) => (o ? `${o.dtype}[${o.shape.join(',')}]` : 'None')).join(', ')}`;
}

async function read(t: core.Tensor): Promise<ArrayLike<number>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError()), READ_LIMIT_MS);
  });
  try {
    return (await Promise.race([t.data(), limit])) as ArrayLike<number>;
  } finally {
    clearTimeout(timer);
  }
}

class HangError extends Error {}

const DTYPE_OK: Record<string, readonly string[]> = {
  float32: ['float32'],
  float64: ['float64'],
  int32: ['int32', 'int64', 'int16', 'int8', 'uint8'],
  bool: ['bool'],
};

/** Why Stride's tensor differs from PyTorch's, or null. */
function compare(s: core.Tensor, data: ArrayLike<number>, t: TorchTensor): string | null {
  if (s.shape.join(',') !== t.shape.join(',')) {
    return `shape [${s.shape.join(',')}] vs PyTorch [${t.shape.join(',')}]`;
  }
  if (!DTYPE_OK[s.dtype]?.includes(t.dtype)) return `dtype ${s.dtype} vs PyTorch ${t.dtype}`;
  if (!t.data) return null;
  const float = s.dtype === 'float32' || s.dtype === 'float64';
  const tol = s.dtype === 'float32' ? 1e-4 : 1e-9;
  for (let i = 0; i < t.data.length; i++) {
    const want = decodeNum(t.data[i] as number);
    const got = Number(data[i]);
    const same =
      Object.is(got, want) ||
      got === want ||
      (float && Number.isNaN(got) && Number.isNaN(want)) ||
      (float && Number.isFinite(want) && Math.abs(got - want) <= tol * (1 + Math.abs(want)));
    if (!same) {
      return `value at flat index ${i}: ${got} vs PyTorch ${want} (Stride ${fmtData(data)}, PyTorch ${fmtData(t.data.map((v) => decodeNum(v as number)))})`;
    }
  }
  return null;
}

function fmtData(d: ArrayLike<number>): string {
  const a = Array.from(d).slice(0, 8).map(Number);
  return `[${a.join(',')}${d.length > 8 ? ',…' : ''}]`;
}

/** Runs a case and returns its failures (none when it passed). */
export async function runCase(spec: OpSpec, c: Case, torch: TorchOutcome): Promise<Failure[]> {
  const fns = spec.fns ?? [c.op];
  const call = showCall(c);
  const failures: Failure[] = [];
  const fail = (kind: FailureKind, stride: string): void => {
    failures.push({ kind, call, stride, torch: describeTorch(torch) });
  };
  const before = core.memory();
  const made: core.Tensor[] = [];
  let results: (core.Tensor | null)[] = [];
  let thrown: unknown;
  let returned = false;
  try {
    const run = prepare(spec, c, made);
    let value: unknown;
    try {
      // Some readers are async (parseIdx): their rejection is judged like a throw.
      value = await run();
    } catch (e) {
      thrown = e;
    }
    if (thrown === undefined) {
      results = resultTensors(value);
      const datas: ArrayLike<number>[] = [];
      try {
        for (const r of results) if (r) datas.push(await read(r));
        returned = true;
      } catch (e) {
        thrown = e;
      }
      if (returned) {
        if (torch.status === 'raised') {
          fail(
            'silent answer',
            `returned ${results.map((r) => (r ? `${r.dtype}[${r.shape.join(',')}] ${fmtData(datas[results.indexOf(r)] ?? [])}` : 'null')).join(', ') || 'nothing'}`,
          );
        } else if (torch.status === 'ok') {
          const present = results.filter((r): r is core.Tensor => r !== null);
          const want = torch.out;
          if (
            results.length !== want.length ||
            results.some((r, i) => (r === null) !== (want[i] === null))
          ) {
            fail(
              'wrong value',
              `returned ${results.length} results (${results.map((r) => (r ? 'tensor' : 'null')).join(', ')})`,
            );
          } else {
            let j = 0;
            results.forEach((r, i) => {
              if (!r) return;
              const why = compare(r, datas[j++] as ArrayLike<number>, want[i] as TorchTensor);
              if (why) fail('wrong value', `result ${i}: ${why}`);
            });
          }
          void present;
        }
      }
    }
  } catch (e) {
    // Making the arguments failed: a fuzz harness bug, reported as such.
    fail('crash', `harness could not build the call: ${describeError(e)}`);
  }
  if (thrown !== undefined) {
    if (thrown instanceof HangError)
      fail('hang', `a result was still unread after ${READ_LIMIT_MS} ms`);
    else if (thrown instanceof core.StrideError) {
      // Whatever PyTorch did: Stride refuses some calls PyTorch accepts (a clipping maxNorm of 0,
      // a negative etaMin, a NaN clamp bound), and a clear error is never a wrong answer.
      if (!fns.includes(thrown.fn)) fail('wrong fn', describeError(thrown));
    } else if (thrown instanceof WebAssembly.RuntimeError) fail('crash', describeError(thrown));
    else fail('wrong error', describeError(thrown));
  }
  for (const r of results) r?.dispose();
  for (const m of ownedModules.splice(0)) m.dispose();
  for (const t of made) t.dispose();
  const after = core.memory();
  if (after.numTensors !== before.numTensors || after.numBytes !== before.numBytes) {
    fail(
      'leak',
      `${after.numTensors - before.numTensors} tensors, ${after.numBytes - before.numBytes} bytes left after ${thrown === undefined ? 'returning' : 'throwing'}`,
    );
  }
  return failures;
}
