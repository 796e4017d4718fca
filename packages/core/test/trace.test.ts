/**
 * traceOps: what an exporter sees of a forward pass. Ops are recorded at the level the user called
 * them, with checked arguments; the ops inside a composite are not; tensors made outside traced
 * ops are reported as constants or by the op that made them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  add,
  avgPool2d,
  batchNorm,
  conv2d,
  cumsum,
  flatten,
  gt,
  linear,
  maxPool2d,
  memory,
  type OpTracer,
  ones,
  randn,
  relu,
  type Tensor,
  type TracedOp,
  tensor,
  tidy,
  traceOps,
  where,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

function record(body: () => Tensor): {
  ops: TracedOp[];
  created: [Tensor, string | null][];
  out: Tensor;
} {
  const ops: TracedOp[] = [];
  const created: [Tensor, string | null][] = [];
  const tracer: OpTracer = { op: (r) => ops.push(r), created: (t, fn) => created.push([t, fn]) };
  const out = traceOps(tracer, body);
  return { ops, created, out };
}

describe('traceOps', () => {
  it('records each op the user called, with its checked arguments and its output', () => {
    const x = randn([2, 3, 8, 8]);
    const w = randn([4, 3, 3, 3]);
    const b = zeros([4]);
    const { ops, created, out } = record(() =>
      flatten(maxPool2d(relu(conv2d(x, w, { bias: b, padding: [[1, 0], 2], stride: 2 })), 2), 1),
    );
    expect(ops.map((r) => r.op)).toEqual(['conv', 'relu', 'maxPool', 'flatten']);
    const conv = ops[0] as TracedOp;
    expect(conv.inputs).toEqual([x, w, b]);
    expect(conv.attrs).toEqual({
      stride: [2, 2],
      padBefore: [1, 2],
      padAfter: [0, 2],
      dilation: [1, 1],
      groups: 1,
    });
    expect(ops[1]?.inputs[0]).toBe(conv.output);
    expect(ops[2]?.attrs).toEqual({
      kernel: [2, 2],
      stride: [2, 2],
      padding: [0, 0],
      dilation: [1, 1],
      ceilMode: false,
    });
    expect(ops[3]?.attrs).toEqual({ startDim: 1, endDim: 3 });
    expect(ops[3]?.output).toBe(out);
    // Everything was made inside traced ops.
    expect(created).toEqual([]);
  });

  it('records a composite once (linear is not a matmul and an add) and numbers as attributes', () => {
    const x = randn([5, 3]);
    const { ops } = record(() => add(linear(x, randn([2, 3]), zeros([2])), 0.5));
    expect(ops.map((r) => r.op)).toEqual(['linear', 'add']);
    expect(ops[1]?.inputs[1]).toBeNull();
    expect(ops[1]?.attrs).toEqual({ a: undefined, b: 0.5 });
  });

  it('records batch norm and average pooling with the options that change their values', () => {
    const x = randn([2, 3, 5, 5]);
    const { ops } = record(() =>
      avgPool2d(batchNorm(x, zeros([3]), ones([3]), { eps: 1e-3 }).output, {
        kernelSize: 2,
        ceilMode: true,
        countIncludePad: false,
        padding: 1,
      }),
    );
    expect(ops.map((r) => r.op)).toEqual(['batchNorm', 'avgPool']);
    expect(ops[0]?.attrs).toEqual({ training: false, momentum: 0.1, eps: 1e-3 });
    expect(ops[1]?.attrs).toMatchObject({
      ceilMode: true,
      countIncludePad: false,
      padding: [1, 1],
    });
  });

  it('reports constants without a maker and ops without a record by name', () => {
    const x = randn([4]);
    let c: Tensor | undefined;
    let w: Tensor | undefined;
    const { ops, created } = record(() => {
      c = tensor([1, 2, 3, 4], { dtype: 'float32' });
      w = where(gt(x, 0), x, c);
      return add(w, c);
    });
    expect(ops.map((r) => r.op)).toEqual(['gt', 'add']);
    expect(created.find(([t]) => t === c)?.[1]).toBeNull();
    expect(created.find(([t]) => t === w)?.[1]).toBe('where');
  });

  it('records an op without a record of its own as the recorded ops it is made of', () => {
    const { ops } = record(() => cumsum(randn([4]), 0));
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.map((r) => r.op)).not.toContain('cumsum');
  });

  it('leaves no trace behind: ops after it record nothing and run as before', () => {
    const before = memory().numTensors;
    tidy(() => {
      record(() => relu(randn([3])));
      expect(relu(tensor([-1, 2], { dtype: 'float32' })).arraySync()).toEqual([0, 2]);
    });
    expect(memory().numTensors).toBe(before);
  });

  it('refuses nesting, an async body and a bad tracer, and ends the trace on a throw', () => {
    const tracer: OpTracer = { op: () => {}, created: () => {} };
    expect(
      errorOf('traceOps', () => traceOps(tracer, () => traceOps(tracer, () => randn([1])))),
    ).toMatch(/traceOps: a trace is already running/);
    expect(
      errorOf('traceOps', () =>
        traceOps(tracer, (async () => randn([1])) as unknown as () => Tensor),
      ),
    ).toMatch(/traceOps: body returned a Promise/);
    expect(errorOf('traceOps', () => traceOps({} as OpTracer, () => randn([1])))).toMatch(
      /traceOps: tracer must be an object with op\(record\) and created\(tensor, fn\) methods/,
    );
    expect(
      errorOf('sub', () => traceOps(tracer, () => tensor([true], { dtype: 'bool' }).sub(1))),
    ).toMatch(/subtraction with a bool tensor/);
    // The failed traces above ended: a new one starts.
    expect(record(() => relu(randn([2]))).ops.length).toBe(1);
  });
});
