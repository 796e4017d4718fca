/**
 * Op tracing: `traceOps(tracer, body)` runs `body` as usual and tells `tracer` about every op it
 * runs, at the level the user wrote it (`conv2d`, `relu`, `add`), with the op's arguments after
 * checking (padding resolved to per-side pairs, strides to one number per axis). An exporter
 * (ONNX) turns such a record into a graph. Core knows nothing of any format.
 *
 * Ops that carry a trace record wrap their body in `traced`; the ops they call inside are not
 * recorded (depth > 0), so a composite such as `linear` is one record, not a matmul and an add.
 * An op without a record of its own is recorded as the recorded ops it is made of, if it is made
 * of them. A tensor made outside any traced op is reported through `created`: as a constant when
 * a creation function of fixed values made it (`tensor`, `zeros`, `arange`, `onesLike`), and
 * otherwise with the public op that made it where it is known (`where`, `randn`), so that an
 * exporter can refuse it by name instead of baking its result into the graph as a constant.
 */
import { engine } from './engine.js';
import { fail } from './errors.js';
import type { Tensor } from './tensor.js';

/** One op as `traceOps` records it. */
export interface TracedOp {
  /** The public function: `'conv'` (1-d, 2-d and 3-d alike), `'relu'`, `'add'`, ... */
  readonly op: string;
  /** Its tensor arguments in the function's order; null for an optional one left out. */
  readonly inputs: readonly (Tensor | null)[];
  /** Its other arguments, checked and normalised (see each op's record). */
  readonly attrs: Readonly<Record<string, unknown>>;
  /** The result. */
  readonly output: Tensor;
}

/** What `traceOps` reports to. */
export interface OpTracer {
  /** An op with a trace record ran. */
  op(record: TracedOp): void;
  /**
   * A tensor was made outside any traced op. With `constant` true, a creation function of fixed
   * values (`fn`: `tensor`, `zeros`, `arange`, …) made it. Otherwise an op without a trace record
   * made it: `fn` names the public op when it is known, else it is null and `after` names the last
   * public op called before it (null if none).
   */
  created(t: Tensor, fn: string | null, constant: boolean, after: string | null): void;
}

interface TraceState {
  readonly tracer: OpTracer;
  /** How many traced ops are running: only the outermost (depth 0) is recorded. */
  depth: number;
  /** The first public op that checked a tensor argument since the last record, at depth 0. */
  caller: string | null;
  /** Whether `caller` is a creation function of fixed values (its tensors are constants). */
  constant: boolean;
  /** The last public op noted at depth 0, for naming what made a tensor when `caller` is lost. */
  last: string | null;
}

/**
 * Runs `body` and reports every op it runs to `tracer` (see `TracedOp`). Traces do not nest, and
 * `body` must be synchronous: the record is of what runs before it returns.
 *
 * @example
 * ```ts
 * const ops: string[] = [];
 * traceOps({ op: (r) => ops.push(r.op), created: () => {} }, () =>
 *   relu(conv2d(randn([1, 1, 5, 5]), randn([2, 1, 3, 3]))),
 * );
 * ops;                                             // ['conv', 'relu']
 * ```
 */
export function traceOps<T>(tracer: OpTracer, body: () => T): T {
  const fn = 'traceOps';
  if (typeof body !== 'function') fail(fn, 'body must be a function');
  if (!tracer || typeof tracer.op !== 'function' || typeof tracer.created !== 'function') {
    fail(fn, 'tracer must be an object with op(record) and created(tensor, fn) methods');
  }
  if (engine.trace !== null) fail(fn, 'a trace is already running; traces do not nest');
  engine.trace = {
    tracer,
    depth: 0,
    caller: null,
    constant: false,
    last: null,
  } satisfies TraceState;
  try {
    const out = body();
    if (out instanceof Promise) {
      fail(fn, 'body returned a Promise; the traced function must be synchronous');
    }
    return out;
  } finally {
    engine.trace = null;
  }
}

/**
 * Runs `body`, the work of public op `op`, and records it when a trace is running and no other
 * traced op encloses it. `inputs` and `attrs` are what the record carries (see `TracedOp`).
 */
export function traced(
  op: string,
  inputs: readonly (Tensor | null)[],
  attrs: Readonly<Record<string, unknown>>,
  body: () => Tensor,
): Tensor {
  const state = engine.trace as TraceState | null;
  if (state === null) return body();
  state.depth++;
  let out: Tensor;
  try {
    out = body();
  } finally {
    state.depth--;
  }
  if (state.depth === 0) {
    state.caller = null;
    state.constant = false;
    state.tracer.op({ op, inputs, attrs, output: out });
  }
  return out;
}

/** Whether `traceOps` is recording: fused ops then run as the ops they fuse, recorded apart. */
export function tracing(): boolean {
  return engine.trace !== null;
}

/** Called as a public op checks its tensor arguments: remembers it as the maker of what follows. */
export function noteCaller(fn: string): void {
  const state = engine.trace as TraceState | null;
  if (state === null || state.depth > 0) return;
  state.last = fn;
  if (state.caller === null) state.caller = fn;
}

/**
 * Runs `body`, a creation function of fixed values (`tensor`, `zeros`, `arange`, `zerosLike`, …):
 * every tensor it makes is reported as a constant.
 */
export function constantMaker<T>(fn: string, body: () => T): T {
  const state = engine.trace as TraceState | null;
  if (state === null || state.depth > 0) return body();
  state.last = fn;
  state.caller = fn;
  state.constant = true;
  try {
    return body();
  } finally {
    state.caller = null;
    state.constant = false;
  }
}

/** Called for every new tensor while a trace runs: reports those made outside traced ops. */
export function noteCreated(t: Tensor): void {
  const state = engine.trace as TraceState | null;
  if (state === null || state.depth > 0) return;
  const { caller, constant } = state;
  // Outside a creation function, the next tensor at depth 0 has a maker of its own.
  if (!constant) state.caller = null;
  state.tracer.created(t, caller, constant, caller === null ? state.last : null);
}
