/** The judge itself: each kind of failure is caught, and a correct call passes. */
import { cpu } from '@stride/backend-cpu';
import {
  add,
  fail,
  tensor as makeTensor,
  registerBackend,
  relu,
  setBackend,
  type Tensor,
} from '@stride/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arg, Case, TorchOutcome } from '../src/describe.js';
import type { OpSpec } from '../src/ops.js';
import { runCase } from '../src/replay.js';

registerBackend(cpu());

const x: Arg = { k: 't', shape: [2], dtype: 'float32', data: [-1, 2] };
const raised: TorchOutcome = { status: 'raised', type: 'RuntimeError', message: 'bad' };
const reluOut: TorchOutcome = {
  status: 'ok',
  out: [{ shape: [2], dtype: 'float32', data: [0, 2] }],
};

function judge(call: (...a: unknown[]) => unknown, torch: TorchOutcome, args: Arg[] = [x]) {
  const spec: OpSpec = { op: 'myOp', lib: 'core', gen: fc.constant(args), call };
  const c: Case = { id: 0, op: 'myOp', args, how: 'test' };
  return runCase(spec, c, torch);
}

describe('runCase', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('passes a StrideError named after the called function', async () => {
    expect(await judge(() => fail('myOp', 'no'), raised)).toEqual([]);
  });

  it('passes a StrideError where PyTorch returned', async () => {
    // Stride refuses some calls PyTorch accepts (a clipping maxNorm of 0, a negative etaMin):
    // a clear error is never a wrong answer.
    expect(await judge(() => fail('myOp', 'no'), reluOut)).toEqual([]);
  });

  it('passes a result equal to PyTorch’s', async () => {
    expect(await judge((t) => relu(t as Tensor), reluOut)).toEqual([]);
  });

  it('reports a StrideError naming another function', async () => {
    const f = await judge(() => fail('full', 'no'), raised);
    expect(f.map((e) => [e.kind, e.stride])).toEqual([
      ['wrong fn', "StrideError(fn 'full'): full: no"],
    ]);
  });

  it('reports a TypeError', async () => {
    const f = await judge(() => (undefined as unknown as { a: number }).a, raised);
    expect(f.map((e) => e.kind)).toEqual(['wrong error']);
    expect(f[0]?.stride).toMatch(/^TypeError: /);
  });

  it('reports a result where PyTorch raised', async () => {
    const f = await judge((t) => relu(t as Tensor), raised);
    expect(f.map((e) => [e.kind, e.stride, e.torch])).toEqual([
      ['silent answer', 'returned float32[2] [0,2]', 'raised RuntimeError: bad'],
    ]);
  });

  it('reports a value that differs from PyTorch’s', async () => {
    const f = await judge((t) => add(t as Tensor, 1), reluOut);
    expect(f.map((e) => [e.kind, e.stride])).toEqual([
      [
        'wrong value',
        'result 0: value at flat index 1: 3 vs PyTorch 2 (Stride [0,3], PyTorch [0,2])',
      ],
    ]);
  });

  it('reports a shape or dtype that differs from PyTorch’s', async () => {
    const f = await judge(() => makeTensor([1, 2, 3]), reluOut);
    expect(f.map((e) => e.stride)).toEqual(['result 0: shape [3] vs PyTorch [2]']);
  });

  it('compares a size query’s number as a 0-d integer tensor', async () => {
    const spec: OpSpec = { op: 'numel', lib: 'core', gen: fc.constant([x]), returnsNumber: true };
    const c: Case = { id: 0, op: 'numel', args: [x], how: 'test' };
    const two = (n: number): TorchOutcome => ({
      status: 'ok',
      out: [{ shape: [], dtype: 'int64', data: [n] }],
    });
    expect(await runCase(spec, c, two(2))).toEqual([]);
    const f = await runCase(spec, c, two(3));
    expect(f.map((e) => [e.kind, e.stride])).toEqual([
      ['wrong value', 'result 0: value at flat index 0: 2 vs PyTorch 3 (Stride [2], PyTorch [3])'],
    ]);
  });

  it('gives a scheduler’s arguments past ctorArity to its steps, one each', async () => {
    // Patience 0: the second metric, worse than the first, halves the rate.
    const args: Arg[] = [
      {
        k: 'o',
        entries: [
          ['patience', { k: 'n', v: 0 }],
          ['factor', { k: 'n', v: 0.5 }],
        ],
      },
      { k: 'n', v: 1 },
      { k: 'n', v: 2 },
    ];
    const spec: OpSpec = {
      op: 'ReduceLROnPlateau',
      lib: 'scheduler',
      gen: fc.constant(args),
      ctorArity: 1,
    };
    const c: Case = { id: 0, op: 'ReduceLROnPlateau', args, how: 'test' };
    const lr = (v: number): TorchOutcome => ({
      status: 'ok',
      out: [{ shape: [1], dtype: 'float32', data: [v] }],
    });
    expect(await runCase(spec, c, lr(0.05))).toEqual([]);
    const f = await runCase(spec, c, lr(0.1));
    expect(f.map((e) => e.kind)).toEqual(['wrong value']);
  });

  it('reports tensors left behind by a call that threw', async () => {
    const f = await judge(() => {
      makeTensor([1, 2]);
      fail('myOp', 'no');
    }, raised);
    expect(f.map((e) => [e.kind, e.stride])).toEqual([
      ['leak', '1 tensors, 8 bytes left after throwing'],
    ]);
  });
});
