/**
 * Builds an ONNX graph node by node: unique value names, attributes typed as ONNX wants them,
 * initializers from host arrays, and the ModelProto around it all.
 */
import { create } from '@bufbuild/protobuf';
import { type DType, TYPED_ARRAY } from '@stride/core';
import {
  type AttributeProto,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  type GraphProto,
  GraphProtoSchema,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  type TensorProto,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from '../gen/onnx_pb.js';

/** An attribute value: an int, a float (a number that is not an integer, or `{ float }`), ints, a string. */
export type AttrValue = number | { readonly float: number } | readonly number[] | string;

/** The ONNX element type of each Stride dtype. */
export const ONNX_TYPE: Readonly<Record<DType, TensorProto_DataType>> = {
  float32: TensorProto_DataType.FLOAT,
  float64: TensorProto_DataType.DOUBLE,
  int32: TensorProto_DataType.INT32,
  bool: TensorProto_DataType.BOOL,
};

/** Host data of an initializer. */
export type HostData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** A dim of a declared input or output: a size, or the name of a size chosen at run time. */
export type Dim = number | string;

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  readonly #used = new Set<string>();
  readonly #opCounts = new Map<string, number>();

  /** A value name not used yet: `base`, else `base_1`, `base_2`, ... */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.#used.has(name); i++) name = `${base}_${i}`;
    this.#used.add(name);
    return name;
  }

  /** Claims `name` exactly (a graph input, output or parameter name); false if it is taken. */
  claim(name: string): boolean {
    if (this.#used.has(name)) return false;
    this.#used.add(name);
    return true;
  }

  /**
   * Adds a node and returns the names of its outputs (`outputs` given names them; otherwise
   * one fresh output, named after the node).
   */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, AttrValue | undefined>> = {},
    outputs?: readonly string[],
  ): string[] {
    const k = this.#opCounts.get(opType) ?? 0;
    this.#opCounts.set(opType, k + 1);
    const name = `${opType}_${k}`;
    const outs = outputs ? [...outputs] : [this.fresh(`${name}_output`)];
    const attribute: AttributeProto[] = [];
    for (const [key, v] of Object.entries(attrs)) {
      if (v !== undefined) attribute.push(attr(key, v));
    }
    this.nodes.push(
      create(NodeProtoSchema, { opType, name, input: [...inputs], output: outs, attribute }),
    );
    return outs;
  }

  /** Adds an initializer named exactly `name` (already claimed). */
  initializer(name: string, dtype: DType | 'int64', dims: readonly number[], data: HostData): void {
    const onnxType = dtype === 'int64' ? TensorProto_DataType.INT64 : ONNX_TYPE[dtype];
    this.initializers.push(
      create(TensorProtoSchema, {
        name,
        dims: dims.map((d) => BigInt(d)),
        dataType: onnxType,
        rawData: littleEndianBytes(data),
      }),
    );
  }

  /** A fresh int64 initializer (shapes, axes, pads) and its name. */
  int64s(
    base: string,
    values: readonly number[],
    dims: readonly number[] = [values.length],
  ): string {
    const name = this.fresh(base);
    this.initializer(
      name,
      'int64',
      dims,
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
    return name;
  }

  /** A fresh scalar (or 1-element) initializer of `dtype`, and its name. */
  scalar(base: string, dtype: DType, value: number, dims: readonly number[] = []): string {
    const name = this.fresh(base);
    this.initializer(name, dtype, dims, hostArray(dtype, [value]));
    return name;
  }

  /** A fresh initializer of `dtype` filled with `value`, and its name. */
  filled(base: string, dtype: DType, value: number, length: number): string {
    const name = this.fresh(base);
    this.initializer(
      name,
      dtype,
      [length],
      hostArray(dtype, new Array<number>(length).fill(value)),
    );
    return name;
  }

  /** Declares a graph input or output. */
  value(kind: 'input' | 'output', name: string, dtype: DType, dims: readonly Dim[]): void {
    const shape = create(TensorShapeProtoSchema, {
      dim: dims.map((d) =>
        create(TensorShapeProto_DimensionSchema, {
          value:
            typeof d === 'number'
              ? { case: 'dimValue', value: BigInt(d) }
              : { case: 'dimParam', value: d },
        }),
      ),
    });
    const type = create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, { elemType: ONNX_TYPE[dtype], shape }),
      },
    });
    (kind === 'input' ? this.inputs : this.outputs).push(
      create(ValueInfoProtoSchema, { name, type }),
    );
  }

  /** The model: this graph under the default domain at `opset`. */
  model(opset: number, graphName: string, producerVersion: string): ModelProto {
    const graph: GraphProto = create(GraphProtoSchema, {
      name: graphName,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    });
    return create(ModelProtoSchema, {
      irVersion: BigInt(irVersionFor(opset)),
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
      producerName: 'stride',
      producerVersion,
      graph,
    });
  }
}

/**
 * The IR version that goes with each opset, as ONNX's own version table pairs them (a runtime
 * refuses a model whose IR version is older than its opset needs).
 */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function attr(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') {
    return create(AttributeProtoSchema, {
      name,
      type: AttributeProto_AttributeType.STRING,
      s: new TextEncoder().encode(v),
    });
  }
  if (typeof v === 'object' && !Array.isArray(v)) {
    return create(AttributeProtoSchema, {
      name,
      type: AttributeProto_AttributeType.FLOAT,
      f: (v as { float: number }).float,
    });
  }
  if (Array.isArray(v)) {
    return create(AttributeProtoSchema, {
      name,
      type: AttributeProto_AttributeType.INTS,
      ints: v.map((i) => BigInt(i)),
    });
  }
  const n = v as number;
  if (Number.isInteger(n)) {
    return create(AttributeProtoSchema, {
      name,
      type: AttributeProto_AttributeType.INT,
      i: BigInt(n),
    });
  }
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: n });
}

/** A typed array of `dtype` holding `values` (bool as bytes 0/1, as ONNX stores it). */
export function hostArray(dtype: DType, values: ArrayLike<number>): HostData {
  if (dtype === 'bool') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  return TYPED_ARRAY[dtype].from(values) as HostData;
}

/** The little-endian bytes of `data` (ONNX's raw_data), copied. */
function littleEndianBytes(data: HostData): Uint8Array {
  const bytes = new Uint8Array(data.byteLength);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return bytes;
  // A big-endian host: swap each element's bytes.
  const width = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  return bytes;
}
