/**
 * Element types at import. ONNX gives some inputs of an op one type variable (both operands of
 * Add, Sub, Mul and Div; Gemm's A, B and C; ...), and a model that breaks that rule is invalid:
 * onnxruntime refuses to load it. Core would run it anyway, promoting float32 and float64, and so
 * answer something the model does not define. The ONNX element type of every value is inferred
 * here from the initializers, the declared inputs and each op's type rule, and a node whose
 * same-type inputs differ is refused at import. Where a type cannot be inferred, or is FLOAT
 * (which runs as float32, or float64 in a model converted with `to('float64')`, so that a float64
 * tensor fed to a float32 model would meet float32 weights), the node compares the dtypes it
 * meets when it runs.
 */
import { fail } from '@stride/core';
import { type HostTensor, onnxTypeCode, onnxTypeName } from '../tensor-proto.js';
import type { Attrs } from './attributes.js';

const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;

/** The inputs of each op that ONNX's schema types with one variable T, by input index. */
const SAME_TYPE: Readonly<Record<string, readonly number[] | 'all'>> = {
  Add: [0, 1],
  Sub: [0, 1],
  Mul: [0, 1],
  Div: [0, 1],
  MatMul: [0, 1],
  Gemm: [0, 1, 2],
  Clip: [0, 1, 2],
  Conv: [0, 1, 2],
  ConvTranspose: [0, 1, 2],
  InstanceNormalization: [0, 1, 2],
  LayerNormalization: [0, 1, 2],
  Pad: [0, 2],
  Concat: 'all',
};

/** Ops whose first output has the element type of their first input. */
const LIKE_FIRST_INPUT = new Set([
  'Abs',
  'Add',
  'AveragePool',
  'BatchNormalization',
  'Ceil',
  'Clip',
  'Concat',
  'Conv',
  'ConvTranspose',
  'Div',
  'Dropout',
  'Elu',
  'Erf',
  'Exp',
  'Flatten',
  'Floor',
  'Gather',
  'Gelu',
  'Gemm',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Identity',
  'InstanceNormalization',
  'LayerNormalization',
  'LeakyRelu',
  'Log',
  'LogSoftmax',
  'MatMul',
  'MaxPool',
  'Mul',
  'Neg',
  'Pad',
  'Pow',
  'Reciprocal',
  'ReduceMax',
  'ReduceMean',
  'ReduceMin',
  'ReduceSum',
  'Relu',
  'Reshape',
  'Resize',
  'Selu',
  'Sigmoid',
  'Slice',
  'Softmax',
  'Softplus',
  'Sqrt',
  'Squeeze',
  'Sub',
  'Tanh',
  'Transpose',
  'Unsqueeze',
]);

/** The element type code of a host tensor (an initializer or a tensor attribute). */
export function typeOfHost(t: HostTensor): number {
  return onnxTypeCode(t.dtype);
}

/**
 * The element types of a node's outputs, where its op's type rule gives them from the input
 * types and attributes; undefined where it does not.
 */
function outputTypes(
  opType: string,
  attrs: Attrs,
  inputs: readonly (number | undefined)[],
): (number | undefined)[] {
  const first = inputs[0];
  switch (opType) {
    case 'Shape':
      return [INT64];
    case 'Cast':
      return [typeof attrs.to === 'number' ? attrs.to : undefined];
    case 'Constant': {
      const v = attrs.value;
      if (v !== undefined) return [typeOfHost(v as HostTensor)];
      return [attrs.value_float !== undefined || attrs.value_floats !== undefined ? FLOAT : INT64];
    }
    case 'ConstantOfShape':
      return [attrs.value === undefined ? FLOAT : typeOfHost(attrs.value as HostTensor)];
    case 'MaxPool':
      return [first, INT64];
    case 'Dropout':
      return [first, BOOL];
    case 'LayerNormalization':
      // Mean and InvStdDev are of stash_type, which the importer accepts only as FLOAT.
      return [first, FLOAT, FLOAT];
    default:
      return LIKE_FIRST_INPUT.has(opType) ? [first] : [];
  }
}

/**
 * Checks a node's same-type inputs against the known types in `types`, failing `importOnnx` with
 * the node, op and both types when two differ, and records its outputs' types. Returns the
 * indices of the same-type inputs to check when the node runs (some of their types are not
 * known, or they are FLOAT), or undefined when nothing is left to check.
 */
export function checkNodeTypes(
  fn: string,
  label: string,
  opType: string,
  attrs: Attrs,
  inputs: readonly string[],
  outputs: readonly string[],
  types: Map<string, number>,
): readonly number[] | undefined {
  const rule = SAME_TYPE[opType];
  const present = (rule === 'all' ? inputs.map((_, k) => k) : (rule ?? [])).filter(
    (k) => (inputs[k] ?? '') !== '',
  );
  let known: { k: number; type: number } | undefined;
  let unknown = false;
  for (const k of present) {
    const type = types.get(inputs[k] as string);
    if (type === undefined) {
      unknown = true;
      continue;
    }
    if (known === undefined) {
      known = { k, type };
    } else if (known.type !== type) {
      fail(
        fn,
        `${label}: input ${known.k} '${inputs[known.k]}' is ${onnxTypeName(known.type)} but input ${k} '${inputs[k]}' is ${onnxTypeName(type)}; ONNX's ${opType} needs both of one element type (insert a Cast)`,
      );
    }
  }
  const inTypes = inputs.map((name) => (name === '' ? undefined : types.get(name)));
  outputTypes(opType, attrs, inTypes).forEach((type, k) => {
    const name = outputs[k];
    if (name && type !== undefined) types.set(name, type);
  });
  return present.length > 1 && (unknown || known?.type === FLOAT) ? present : undefined;
}
