/**
 * What the exporter knows while a forward pass is traced: the ONNX name of every tensor the graph
 * has seen (graph inputs, parameters, constants, node outputs), which axis of it is the batch
 * when the batch may vary, and the tensors that came from ops it cannot export.
 */
import { type DType, fail, fmtShape, type Tensor } from '@stride/core';
import { type GraphBuilder, type HostData, hostArray } from './graph-builder.js';

/** A tensor of the graph: its ONNX name, and which of its axes is the batch (null: none). */
export interface Value {
  readonly name: string;
  readonly batchAxis: number | null;
}

/** A tensor whose values become an initializer once they have been read. */
interface PendingInitializer {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: Promise<ArrayLike<number> | ArrayLike<boolean>>;
}

export class ExportContext {
  readonly values = new Map<Tensor, Value>();
  /** Tensors made by an op without an ONNX mapping, with that op's name. */
  readonly untraced = new Map<Tensor, string>();
  readonly #pending: PendingInitializer[] = [];
  #constants = 0;

  constructor(
    readonly graph: GraphBuilder,
    readonly opset: number,
    readonly dynamicBatch: boolean,
    /** State-dict names of the model's parameters and buffers. */
    readonly paramNames: ReadonlyMap<Tensor, string>,
  ) {}

  /** Registers `t` as the graph value `name`. */
  define(t: Tensor, name: string, batchAxis: number | null): void {
    this.values.set(t, { name, batchAxis });
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
      fail(
        'exportOnnx',
        `${maker} has no ONNX mapping: its result ${fmtShape(t.shape)} feeds ${op}; compute it with ops that export (see the list in @stride/onnx's README), or outside the model`,
      );
    }
    if (t.isDisposed) {
      fail('exportOnnx', `${op} takes a tensor ${fmtShape(t.shape)} that was disposed`);
    }
    const param = this.paramNames.get(t);
    let name: string;
    if (param !== undefined && this.graph.claim(param)) name = param;
    else name = this.graph.fresh(param ?? `constant_${this.#constants++}`);
    // Start the read now: a constant made inside the forward pass may be disposed by its tidy
    // before the trace ends, and the read takes the values as they are when it starts.
    this.#pending.push({ name, dtype: t.dtype, dims: [...t.shape], data: t.data() });
    const value = { name, batchAxis: null };
    this.values.set(t, value);
    return value;
  }

  /** Names of `t` as `input` gives it; an absent optional argument (null) is `''`. */
  name(t: Tensor | null | undefined, op: string): string {
    return t ? this.input(t, op).name : '';
  }

  /** Writes every initializer whose values were read. */
  async finish(): Promise<void> {
    for (const p of this.#pending) {
      const data = await p.data;
      this.graph.initializer(p.name, p.dtype, p.dims, toHost(p.dtype, data));
    }
  }
}

function toHost(dtype: DType, data: ArrayLike<number> | ArrayLike<boolean>): HostData {
  if (dtype === 'bool') return Uint8Array.from(data as ArrayLike<boolean>, (v) => (v ? 1 : 0));
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array) {
    return data;
  }
  return hostArray(dtype, data as ArrayLike<number>);
}
