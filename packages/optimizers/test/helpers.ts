/**
 * Shared by the tests: the CPU backend, the PyTorch fixtures (see fixtures/README.md), and
 * building the optimizers and schedulers a fixture names.
 */
import { readFileSync } from 'node:fs';
import { cpu } from '@stride/backend-cpu';
import { type DType, registerBackend, StrideError, type Tensor, tensor } from '@stride/core';
import { expect } from 'vitest';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  type AnyOptimizer,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  NAdam,
  OneCycleLR,
  RAdam,
  ReduceLROnPlateau,
  RMSprop,
  SequentialLR,
  SGD,
  StepLR,
} from '../src/index.js';

registerBackend(cpu());

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export interface SchedulerSpec {
  type: string;
  options?: Record<string, unknown>;
}

export interface OptimizerCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  groups: { params: number[]; options: Record<string, unknown> }[] | null;
  mode: 'grads' | 'loss';
  scheduler: SchedulerSpec | null;
  params: FixtureTensor[];
  grads?: (FixtureTensor | null)[][];
  loss?: { scales: FixtureTensor[]; targets: FixtureTensor[]; tilts: FixtureTensor[] };
  /** Parameter values after every step: [step][param] → flat values. */
  float64: number[][][];
  float32: number[][][];
  stateDict: { state: Record<string, FixtureTensor>; paramGroups: Record<string, unknown>[] };
}

export interface SchedulerCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  lrs: number[];
  scheduler: SchedulerSpec;
  steps: number;
  /** What each step is called with (null: nothing): metrics or epochs; absent: nothing at all. */
  args?: (number | null)[];
  /** Rates after construction and after every step: [step][group]. */
  lr: number[][];
  momentum: (number | null)[][];
  stateDict: Record<string, unknown>;
}

export interface ClipCase {
  name: string;
  kind: 'clipGradNorm' | 'clipGradValue';
  args: Record<string, number | string>;
  grads: (FixtureTensor | null)[];
  float64: { total: number | string | null; grads: (number[] | null)[] };
  float32: { total: number | string | null; grads: (number[] | null)[] };
}

function load<T>(file: string): T[] {
  const text = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');
  return (JSON.parse(text) as { cases: T[] }).cases;
}

export const OPTIMIZER_CASES = load<OptimizerCase>('optimizers.json');
export const SCHEDULER_CASES = load<SchedulerCase>('schedulers.json');
export const CLIP_CASES = load<ClipCase>('clip.json');

/** JSON has no infinities; the fixtures write them as strings. */
export function num(v: number | string): number {
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  return v as number;
}

export function fromFixture(t: FixtureTensor, dtype: DType, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(t.data), { shape: t.shape, dtype, requiresGrad });
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures name classes at run time.
type Ctor = new (params: any, options?: any) => AnyOptimizer;
const OPTIMIZERS: Record<string, Ctor> = {
  SGD,
  Adam,
  AdamW,
  RMSprop,
  Adagrad,
  Adadelta,
  NAdam,
  RAdam,
  Adamax,
};

/**
 * The functions the fixtures name (LambdaLR's lrLambda, CyclicLR's scaleFn): the same ones as
 * FUNCTIONS in scripts/make_fixtures.py.
 */
const FUNCTIONS: Record<string, (x: number) => number> = {
  'pow 0.95': (e) => 0.95 ** e,
  'warm-up': (e) => (e < 5 ? (e + 1) / 5 : 0.9 ** (e - 4)),
  'halve every 4': (e) => 0.5 ** Math.floor(e / 4),
  inverse: (x) => 1 / x,
  'slow inverse': (x) => 1 / (1 + x / 10),
};

function named(names: string | string[]): ((x: number) => number) | ((x: number) => number)[] {
  const get = (n: string) => {
    const f = FUNCTIONS[n];
    if (!f) throw new Error(`no function '${n}' in test/helpers.ts`);
    return f;
  };
  return Array.isArray(names) ? names.map(get) : get(names);
}

/** Any scheduler a fixture names: ReduceLROnPlateau is not an LRScheduler. */
export type AnyScheduler = LRScheduler | ReduceLROnPlateau;

export function makeOptimizer(
  name: string,
  params: Tensor[],
  options: Record<string, unknown>,
  groups: OptimizerCase['groups'] = null,
): AnyOptimizer {
  const Cls = OPTIMIZERS[name] as Ctor;
  if (!groups) return new Cls(params, options);
  return new Cls(
    groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.options })),
    options,
  );
}

export function makeScheduler(opt: AnyOptimizer, spec: SchedulerSpec): AnyScheduler {
  // biome-ignore lint/suspicious/noExplicitAny: the fixture's options fit the named class.
  const o = (spec.options ?? {}) as any;
  switch (spec.type) {
    case 'LambdaLR':
      return new LambdaLR(opt, named(o.lrLambda));
    case 'CosineAnnealingWarmRestarts':
      return new CosineAnnealingWarmRestarts(opt, o);
    case 'CyclicLR':
      return new CyclicLR(opt, o.scaleFn ? { ...o, scaleFn: named(o.scaleFn) } : o);
    case 'ReduceLROnPlateau':
      return new ReduceLROnPlateau(opt, o);
    case 'StepLR':
      return new StepLR(opt, o);
    case 'MultiStepLR':
      return new MultiStepLR(opt, o);
    case 'ExponentialLR':
      return new ExponentialLR(opt, o);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, o);
    case 'LinearLR':
      return new LinearLR(opt, o);
    case 'OneCycleLR':
      return new OneCycleLR(opt, o);
    case 'SequentialLR':
      return new SequentialLR(opt, {
        schedulers: (o.schedulers as SchedulerSpec[]).map(
          (s) => makeScheduler(opt, s) as LRScheduler,
        ),
        milestones: o.milestones,
      });
    default:
      throw new Error(`unknown scheduler ${spec.type}`);
  }
}

/** |actual − expected| ≤ atol + rtol·|expected|, element by element, with the worst reported. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/**
 * The message of the StrideError `run` throws; fails the test if it throws nothing or anything
 * else (a TypeError would mean an unchecked input).
 */
export function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (!(e instanceof StrideError)) throw new Error(`expected a StrideError, got ${String(e)}`);
    return e.message;
  }
  throw new Error('expected a StrideError, but nothing was thrown');
}

/** `errorOf` for a promise: the message of the StrideError it rejects with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (!(e instanceof StrideError)) throw new Error(`expected a StrideError, got ${String(e)}`);
    return e.message;
  }
  throw new Error('expected a StrideError, but the promise resolved');
}
