/**
 * What the exporter knows while a forward pass is traced: the ONNX name of every tensor the graph
 * has seen (graph inputs, parameters, constants, node outputs), the tensors that came from ops it
 * cannot export, and, with `dynamicBatch`, the probe: the same forward pass traced at one more
 * sample, which says which dims follow the batch size and which stay put.
 */
import { type DType, fail, fmtShape, type Tensor, type TracedOp } from '@stride/core';
import { type GraphBuilder, type HostData, hostArray } from './graph-builder.js';

/** A tensor of the graph: its ONNX name. */
export interface Value {
  readonly name: string;
}

/** Who made a tensor the exporter cannot export: an op by name, or the last op before it. */
export interface Maker {
  readonly fn: string | null;
  readonly after: string | null;
}

type Values = ArrayLike<number> | ArrayLike<boolean>;

/** An argument of an op in the probe trace. */
export interface ProbeInput {
  readonly tensor: Tensor;
  readonly shape: readonly number[];
  /** The values of a tensor the graph will hold as a constant, read as the probe ran. */
  readonly data: Promise<Values> | null;
}

/** An op of the probe trace. */
export interface ProbeOp {
  readonly op: string;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly inputs: readonly (ProbeInput | null)[];
  readonly outShape: readonly number[];
}

/** The forward pass traced at the example's batch size plus one. */
export interface Probe {
  /** Each graph input's shape there. */
  readonly inputShapes: ReadonlyMap<Tensor, readonly number[]>;
  readonly ops: readonly ProbeOp[];
}

/** A tensor whose values become an initializer once they have been read. */
interface PendingInitializer {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: Promise<Values>;
}

const FN = 'exportOnnx';

export class ExportContext {
  readonly values = new Map<Tensor, Value>();
  /** Tensors made by an op without an ONNX mapping. */
  readonly untraced = new Map<Tensor, Maker>();
  readonly #pending: PendingInitializer[] = [];
  /** Each value's shape in the probe trace. */
  readonly #probeShapes = new Map<Tensor, readonly number[]>();
  /** Where each argument was first seen: [op index, argument index]. */
  readonly #firstSeen = new Map<Tensor, readonly [number, number]>();
  /** Constants whose values must not change with the batch size: checked once read. */
  readonly #sameValues: { what: string; a: Promise<Values>; b: Promise<Values> }[] = [];
  #op = -1;
  #constants = 0;

  constructor(
    readonly graph: GraphBuilder,
    readonly opset: number,
    /** State-dict names of the model's parameters and buffers. */
    readonly paramNames: ReadonlyMap<Tensor, string>,
    readonly probe: Probe | null,
  ) {}

  /** Registers `t` as the graph value `name`. */
  define(t: Tensor, name: string): void {
    this.values.set(t, { name });
  }

  /** Registers graph input `t` under `name`. */
  defineInput(t: Tensor, name: string): void {
    this.define(t, name);
    const shape = this.probe?.inputShapes.get(t);
    if (shape) this.#probeShapes.set(t, shape);
  }

  /**
   * Starts op `r`: with a probe, checks that the probe ran the same op with the same arguments
   * (a reshape's shape aside), so that the graph written here also holds at the other batch size.
   */
  beginOp(r: TracedOp): void {
    const k = ++this.#op;
    r.inputs.forEach((t, i) => {
      if (t && !this.#firstSeen.has(t)) this.#firstSeen.set(t, [k, i]);
    });
    if (!this.probe) return;
    const p = this.probe.ops[k];
    if (!p || p.op !== r.op) {
      fail(
        FN,
        `with dynamicBatch the model must run the same ops at every batch size, but op ${k + 1} is ${r.op} here and ${p ? p.op : 'missing'} at one more sample; export without dynamicBatch`,
      );
    }
    const { shape: _a, ...mine } = r.attrs as Record<string, unknown>;
    const { shape: _b, ...theirs } = p.attrs as Record<string, unknown>;
    if (
      (r.op !== 'reshape' && JSON.stringify(r.attrs) !== JSON.stringify(p.attrs)) ||
      JSON.stringify(mine) !== JSON.stringify(theirs)
    ) {
      fail(
        FN,
        `with dynamicBatch, ${r.op} (op ${k + 1}, output ${fmtShape(r.output.shape)}) takes other arguments at one more sample (${JSON.stringify(r.attrs)} here, ${JSON.stringify(p.attrs)} there), so one graph cannot serve both; export without dynamicBatch`,
      );
    }
  }

  /** Ends op `r`: its output's shape at the other batch size is the probe's. */
  endOp(r: TracedOp): void {
    const p = this.probe?.ops[this.#op];
    if (p) this.#probeShapes.set(r.output, p.outShape);
  }

  /** The probe's arguments of the op being emitted, or null without a probe. */
  probeAttrs(r: TracedOp): Readonly<Record<string, unknown>> | null {
    const p = this.probe?.ops[this.#op];
    return p && p.op === r.op ? p.attrs : null;
  }

  /** `t`'s shape at the other batch size, or null without a probe. */
  probeShape(t: Tensor): readonly number[] | null {
    if (!this.probe) return null;
    return this.#probeShapes.get(t) ?? t.shape;
  }

  /**
   * Dims `from` to `to` of argument `i` of op `r`, which the op writes into the graph as fixed
   * numbers: refused where they follow the batch size.
   */
  fixedDims(r: TracedOp, i: number, from: number, to?: number): number[] {
    const t = r.inputs[i] as Tensor;
    const dims = t.shape.slice(from, to);
    const other = this.probeShape(t)?.slice(from, to);
    if (other?.some((d, j) => d !== dims[j])) {
      fail(
        FN,
        `${r.op} needs dims ${fmtShape(dims)} of its input ${fmtShape(t.shape)} fixed, but with dynamicBatch they follow the batch size (${fmtShape(other)} at one more sample); export without dynamicBatch`,
      );
    }
    return dims;
  }

  /**
   * The graph value of `t`, an argument of the op `op` records: a value seen before, else a
   * parameter, buffer or constant, which becomes an initializer. A tensor from an op that has no
   * ONNX mapping is refused, by that op's name.
   */
  input(t: Tensor, op: string): Value {
    const known = this.values.get(t);
    if (known) return known;
    const maker = this.untraced.get(t);
    if (maker !== undefined) {
      const who =
        maker.fn !== null
          ? `${maker.fn} has no ONNX mapping`
          : `an op without an ONNX mapping${maker.after ? ` (the last op called before it was ${maker.after})` : ''}`;
      fail(
        FN,
        `${who}: its result ${fmtShape(t.shape)} feeds ${op}; compute it with ops that export (see the list in @stride/onnx's README), or outside the model`,
      );
    }
    if (t.isDisposed) {
      fail(FN, `${op} takes a tensor ${fmtShape(t.shape)} that was disposed`);
    }
    const param = this.paramNames.get(t);
    let name: string;
    if (param !== undefined && this.graph.claim(param)) name = param;
    else name = this.graph.fresh(param ?? `constant_${this.#constants++}`);
    // Start the read now: a constant made inside the forward pass may be disposed by its tidy
    // before the trace ends, and the read takes the values as they are when it starts.
    const data = t.data() as Promise<Values>;
    this.#pending.push({ name, dtype: t.dtype, dims: [...t.shape], data });
    if (param === undefined) this.#checkConstant(t, op, data);
    const value = { name };
    this.values.set(t, value);
    return value;
  }

  /** Names of `t` as `input` gives it; an absent optional argument (null) is `''`. */
  name(t: Tensor | null | undefined, op: string): string {
    return t ? this.input(t, op).name : '';
  }

  /** With a probe: a constant must be the same tensor there, or one of equal shape and values. */
  #checkConstant(t: Tensor, op: string, data: Promise<Values>): void {
    if (!this.probe) return;
    const [k, i] = this.#firstSeen.get(t) ?? [-1, -1];
    const there = this.probe.ops[k]?.inputs[i];
    if (!there || there.tensor === t) return;
    const what = `a constant ${fmtShape(t.shape)} that ${op} takes`;
    if (there.shape.length !== t.rank || there.shape.some((d, j) => d !== t.shape[j])) {
      fail(
        FN,
        `with dynamicBatch, ${what} is ${fmtShape(there.shape)} at one more sample: it follows the batch size, which a constant of the graph cannot; compute it from the input with ops that export, or export without dynamicBatch`,
      );
    }
    if (there.data) this.#sameValues.push({ what, a: data, b: there.data });
  }

  /** Writes every initializer whose values were read, once the probe's constants agree. */
  async finish(): Promise<void> {
    for (const { what, a, b } of this.#sameValues) {
      const [x, y] = await Promise.all([a, b]);
      for (let i = 0; i < x.length; i++) {
        if (x[i] !== y[i]) {
          fail(
            FN,
            `with dynamicBatch, ${what} holds other values at one more sample: it follows the batch size, which a constant of the graph cannot; compute it from the input with ops that export, or export without dynamicBatch`,
          );
        }
      }
    }
    for (const p of this.#pending) {
      const data = await p.data;
      this.graph.initializer(p.name, p.dtype, p.dims, toHost(p.dtype, data));
    }
  }
}

function toHost(dtype: DType, data: Values): HostData {
  if (dtype === 'bool') return Uint8Array.from(data as ArrayLike<boolean>, (v) => (v ? 1 : 0));
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array) {
    return data;
  }
  return hostArray(dtype, data as ArrayLike<number>);
}
