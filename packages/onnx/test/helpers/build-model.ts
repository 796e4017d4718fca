/** Small ONNX models built in the tests, for the cases no exporter writes. */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as A,
  type AttributeProto,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from '../../src/gen/onnx_pb.js';

/** An attribute: numbers become INT or FLOAT (by `float`), arrays INTS or FLOATS, strings STRING. */
export function attribute(
  name: string,
  value: number | number[] | string,
  float = false,
): AttributeProto {
  if (typeof value === 'string') {
    return create(AttributeProtoSchema, {
      name,
      type: A.STRING,
      s: new TextEncoder().encode(value),
    });
  }
  if (Array.isArray(value)) {
    return float
      ? create(AttributeProtoSchema, { name, type: A.FLOATS, floats: value })
      : create(AttributeProtoSchema, { name, type: A.INTS, ints: value.map(BigInt) });
  }
  return float
    ? create(AttributeProtoSchema, { name, type: A.FLOAT, f: value })
    : create(AttributeProtoSchema, { name, type: A.INT, i: BigInt(value) });
}

/** A node. */
export function node(
  opType: string,
  input: string[],
  output: string[],
  attrs: AttributeProto[] = [],
  extra: { name?: string; domain?: string } = {},
): NodeProto {
  return create(NodeProtoSchema, { opType, input, output, attribute: attrs, ...extra });
}

/** A float32 tensor value-info of the given dims (strings are named, dynamic dims). */
export function floatInput(name: string, dims: (number | string)[], elemType = 1): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType,
          shape: {
            dim: dims.map((d) =>
              typeof d === 'string'
                ? { value: { case: 'dimParam' as const, value: d } }
                : { value: { case: 'dimValue' as const, value: BigInt(d) } },
            ),
          },
        },
      },
    },
  });
}

/** A float32 initializer. */
export function floatInit(name: string, dims: number[], values: number[]): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: 1,
    floatData: values,
  });
}

/** An int64 initializer. */
export function int64Init(name: string, dims: number[], values: number[]): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: 7,
    int64Data: values.map(BigInt),
  });
}

/** A DOUBLE initializer. */
export function doubleInit(name: string, dims: number[], values: number[]): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: 11,
    doubleData: values,
  });
}

/** A FLOAT16 initializer of the given IEEE half-precision bit patterns (0x3c00 is 1). */
export function float16Init(name: string, dims: number[], bits: number[]): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: 10,
    rawData: new Uint8Array(Uint16Array.from(bits).buffer),
  });
}

/** The bytes of a model of one graph. */
export function modelBytes(parts: {
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: string[];
  initializers?: TensorProto[];
  opset?: number;
  domain?: string;
}): Uint8Array {
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      irVersion: 8n,
      producerName: 'stride-tests',
      opsetImport: [{ domain: parts.domain ?? '', version: BigInt(parts.opset ?? 17) }],
      graph: create(GraphProtoSchema, {
        name: 'g',
        node: parts.nodes,
        input: parts.inputs,
        output: parts.outputs.map((name) => create(ValueInfoProtoSchema, { name })),
        initializer: parts.initializers ?? [],
      }),
    }),
  );
}
