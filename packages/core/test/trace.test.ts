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
  indexSelect,
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
  topk,
  traceOps,
  where,
  zeros,
  zerosLike,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

interface Made {
  fn: string | null;
  constant: boolean;
  after: string | null;
}

function record(body: () => Tensor): {
  ops: TracedOp[];
  created: [Tensor, Made][];
  out: Tensor;
} {
  const ops: TracedOp[] = [];
  const created: [Tensor, Made][] = [];
  const tracer: OpTracer = {
    op: (r) => ops.push(r),
    created: (t, fn, constant, after) => created.push([t, { fn, constant, after }]),
  };
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

  it('reports constants, and the tensors of ops without a record by name', () => {
    const x = randn([4]);
    let c: Tensor | undefined;
    let z: Tensor | undefined;
    let w: Tensor | undefined;
    let r: Tensor | undefined;
    const { ops, created } = record(() => {
      c = tensor([1, 2, 3, 4], { dtype: 'float32' });
      z = zerosLike(x);
      w = where(gt(x, 0), x, c);
      r = randn([4]);
      return add(add(w, c), add(z, r));
    });
    expect(ops.map((o) => o.op)).toEqual(['gt', 'add', 'add', 'add']);
    const made = (t: Tensor | undefined) => created.find(([u]) => u === t)?.[1];
    expect(made(c)).toEqual({ fn: 'tensor', constant: true, after: null });
    expect(made(z)).toEqual({ fn: 'zerosLike', constant: true, after: null });
    expect(made(w)).toEqual({ fn: 'where', constant: false, after: null });
    // Random values are no constant of the model.
    expect(made(r)).toEqual({ fn: 'randn', constant: false, after: null });
  });

  it('records indexSelect; what an op without a record makes is never a constant', () => {
    const x = randn([3, 4]);
    const { ops } = record(() => indexSelect(x, 1, tensor([2, 0])));
    expect(ops.map((o) => o.op)).toEqual(['indexSelect']);
    expect(ops[0]?.attrs).toEqual({ axis: 1 });
    const { created } = record(() => topk(x, 2).values);
    const unnamed = created.filter(([, m]) => !m.constant);
    expect(unnamed.length).toBeGreaterThan(0);
    // Named by the op or, inside a composite, by an op it called (topk slices).
    for (const [, m] of unnamed) expect(typeof (m.fn ?? m.after)).toBe('string');
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
