/**
 * ONNX's backend node tests (Debian's libonnx-testdata): each case is a folder with model.onnx
 * and test_data_set_N folders of input_K.pb and output_K.pb files. This module finds the cases, names the op each one
 * tests, and compares outputs with ONNX's backend-test tolerance.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { type ModelProto, ModelProtoSchema } from '../../src/gen/onnx_pb.js';
import { decodeTensorProto, type HostTensor, hostNumbers } from '../../src/tensor-proto.js';

/** Where Debian's libonnx-testdata puts the node tests. */
export const NODE_TEST_DIR = '/usr/share/libonnx-testdata/data/node';

/** One case: its folder name, the op it tests, every op in its graph, and its data sets. */
export interface NodeCase {
  readonly name: string;
  readonly op: string;
  readonly ops: readonly string[];
  readonly model: Uint8Array;
  /** The opset the case was stamped with when it is run at opset 13 instead, else 0. */
  readonly stamped: number;
  /** Reads the data sets (lazily: some hold element types Stride cannot read). */
  readonly sets: () => { inputs: HostTensor[]; outputs: HostTensor[] }[];
}

/** Test-name spellings of op types that differ from the op type lowercased. */
const ALIASES: Readonly<Record<string, string>> = {
  BatchNormalization: 'batchnorm',
  InstanceNormalization: 'instancenorm',
};

/**
 * The opset versions at which each claimed op's schema changed, up to 13 (onnx.defs
 * `get_schema(op, v).since_version` of ONNX 1.12). Many node tests were stamped with the opset
 * of their time (Conv's with 11, MaxPool's with 12): a node of an op whose schema did not change
 * between that opset and 13 is the same node at opset 13, so such a case is run at opset 13.
 * The importer itself reads opsets 13 and up only; a case whose op did change stays as it is
 * and is refused by opset.
 */
const SCHEMA_VERSIONS: Readonly<Record<string, readonly number[]>> = {
  Abs: [1, 6, 13],
  Add: [1, 6, 7, 13],
  AveragePool: [1, 7, 10, 11],
  BatchNormalization: [1, 6, 7, 9],
  Cast: [1, 6, 9, 13],
  Ceil: [1, 6, 13],
  Clip: [1, 6, 11, 12, 13],
  Concat: [1, 4, 11, 13],
  Constant: [1, 9, 11, 12, 13],
  ConstantOfShape: [9],
  Conv: [1, 11],
  ConvTranspose: [1, 11],
  Div: [1, 6, 7, 13],
  Dropout: [1, 6, 7, 10, 12, 13],
  Elu: [1, 6],
  Erf: [9, 13],
  Exp: [1, 6, 13],
  Flatten: [1, 9, 11, 13],
  Floor: [1, 6, 13],
  Gather: [1, 11, 13],
  Gelu: [],
  Gemm: [1, 6, 7, 9, 11, 13],
  GlobalAveragePool: [1],
  GlobalMaxPool: [1],
  Identity: [1, 13],
  InstanceNormalization: [1, 6],
  LayerNormalization: [],
  LeakyRelu: [1, 6],
  Log: [1, 6, 13],
  LogSoftmax: [1, 11, 13],
  MatMul: [1, 9, 13],
  MaxPool: [1, 8, 10, 11, 12],
  Mul: [1, 6, 7, 13],
  Neg: [1, 6, 13],
  Pad: [1, 2, 11, 13],
  Pow: [1, 7, 12, 13],
  Reciprocal: [1, 6, 13],
  ReduceMax: [1, 11, 12, 13],
  ReduceMean: [1, 11, 13],
  ReduceMin: [1, 11, 12, 13],
  ReduceSum: [1, 11, 13],
  Relu: [1, 6, 13],
  Reshape: [1, 5, 13],
  Resize: [10, 11, 13],
  Selu: [1, 6],
  Shape: [1, 13],
  Sigmoid: [1, 6, 13],
  Slice: [1, 10, 11, 13],
  Softmax: [1, 11, 13],
  Softplus: [1],
  Sqrt: [1, 6, 13],
  Squeeze: [1, 11, 13],
  Sub: [1, 6, 7, 13],
  Tanh: [1, 6, 13],
  Transpose: [1, 13],
  Unsqueeze: [1, 11, 13],
};

/** The model at opset 13 where every node's schema is the same there (see SCHEMA_VERSIONS). */
function atOpset13(model: ModelProto, bytes: Uint8Array): { bytes: Uint8Array; stamped: number } {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const v = Number(entry?.version ?? 0);
  if (!entry || v >= 13) return { bytes, stamped: 0 };
  const same = (model.graph?.node ?? []).every((n) => {
    const versions = SCHEMA_VERSIONS[n.opType];
    return versions !== undefined && !versions.some((s) => s > v && s <= 13);
  });
  if (!same) return { bytes, stamped: 0 };
  entry.version = 13n;
  return { bytes: toBinary(ModelProtoSchema, model), stamped: v };
}

/** The spellings of an op type in test names: `reducemean` and `reduce_mean`, or an alias. */
function spellings(op: string): string[] {
  const alias = ALIASES[op];
  if (alias) return [alias];
  return [op.toLowerCase(), op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()];
}

/**
 * The op a case tests, or undefined: its only node's op, or, for a graph of several nodes, the
 * op of one of its nodes that the case is named after (`test_<op>` or `test_<op>_...`).
 */
function primaryOp(name: string, ops: readonly string[]): string | undefined {
  if (ops.length === 1) return ops[0] as string;
  const test = name.replace(/^test_/, '').toLowerCase();
  return [...new Set(ops)].find((op) =>
    spellings(op).some((s) => test === s || test.startsWith(`${s}_`)),
  );
}

function readSet(dir: string): { inputs: HostTensor[]; outputs: HostTensor[] } {
  const files = readdirSync(dir);
  const load = (prefix: string) =>
    files
      .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
      .sort((a, b) => Number(a.match(/\d+/)?.[0]) - Number(b.match(/\d+/)?.[0]))
      .map((f) => decodeTensorProto(readFileSync(join(dir, f))));
  return { inputs: load('input_'), outputs: load('output_') };
}

/** Every case whose op is in `claimed`, sorted by name. */
export function loadNodeCases(claimed: ReadonlySet<string>): NodeCase[] {
  const out: NodeCase[] = [];
  for (const name of readdirSync(NODE_TEST_DIR).sort()) {
    const dir = join(NODE_TEST_DIR, name);
    const file = join(dir, 'model.onnx');
    if (!existsSync(file)) continue;
    const original = new Uint8Array(readFileSync(file));
    const proto = fromBinary(ModelProtoSchema, original);
    const ops = proto.graph?.node.map((n) => n.opType) ?? [];
    const op = primaryOp(name, ops);
    if (op === undefined || !claimed.has(op)) continue;
    const sets = () =>
      readdirSync(dir)
        .filter((d) => d.startsWith('test_data_set_'))
        .sort()
        .map((d) => readSet(join(dir, d)));
    const { bytes: model, stamped } = atOpset13(proto, original);
    out.push({ name, op, ops, model, stamped, sets });
  }
  return out;
}

/**
 * Where `actual` differs from `expected` beyond ONNX's backend-test tolerance
 * (|a - e| <= atol + rtol * |e|, NaN matching NaN; integers and bools exactly), or undefined.
 */
export function mismatch(
  actual: { shape: readonly number[]; values: ArrayLike<number> },
  expected: HostTensor,
  rtol = 1e-3,
  atol = 1e-7,
): string | undefined {
  if (actual.shape.join() !== expected.dims.join()) {
    return `shape [${actual.shape.join(',')}], expected [${expected.dims.join(',')}]`;
  }
  const e = hostNumbers(expected);
  const exact = !['float32', 'float64', 'float16'].includes(expected.dtype);
  for (let i = 0; i < e.length; i++) {
    const a = Number(actual.values[i]);
    const x = e[i] as number;
    if (Number.isNaN(x) && Number.isNaN(a)) continue;
    if (a === x) continue;
    if (exact || !(Math.abs(a - x) <= atol + rtol * Math.abs(x))) {
      return `value ${a} at flat index ${i}, expected ${x}`;
    }
  }
  return undefined;
}
