/**
 * ONNX's own backend node tests for every op the importer claims: each `test_<op>_*` case (the op
 * taken from the model's nodes, not only the name) is imported and run on its data sets, and its
 * outputs compared with ONNX's tolerance (rtol 1e-3, atol 1e-7). A case the importer refuses is
 * listed in REFUSED with the reason, and must be refused with a StrideError naming that op or
 * attribute, so the list cannot go stale. The pass count per op is printed at the end.
 */
import { existsSync } from 'node:fs';
import { memory, StrideError, tidy } from '@stride/core';
import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../src/import/import-onnx.js';
import { supportedOnnxOps } from '../src/import/op-table.js';
import { hostToTensor } from '../src/tensor-proto.js';
import './helpers/backend.js';
import { loadNodeCases, mismatch, NODE_TEST_DIR, type NodeCase } from './helpers/node-cases.js';

/**
 * Cases of claimed ops that the importer refuses, with what the StrideError must say (a pattern
 * naming the op or attribute) and why.
 */
const REFUSED: Readonly<Record<string, { error: RegExp; why: string }>> = {
  ...refuse(
    ['test_batchnorm_epsilon_training_mode', 'test_batchnorm_example_training_mode'],
    /\(BatchNormalization\): attribute training_mode 1 is not supported/,
    'training-mode BatchNormalization (batch statistics and running-statistics outputs)',
  ),
  ...refuse(
    [
      'test_cast_BFLOAT16_to_FLOAT',
      'test_castlike_BFLOAT16_to_FLOAT_expanded',
      'test_castlike_FLOAT_to_BFLOAT16_expanded',
    ],
    /graph input '\w+' has element type BFLOAT16, which Stride cannot hold/,
    'Stride has no bfloat16',
  ),
  ...refuse(
    [
      'test_cast_STRING_to_FLOAT',
      'test_castlike_STRING_to_FLOAT_expanded',
      'test_castlike_FLOAT_to_STRING_expanded',
    ],
    /graph input '\w+' has element type STRING, which Stride cannot hold/,
    'Stride has no strings',
  ),
  ...refuse(
    ['test_cast_DOUBLE_to_FLOAT16', 'test_cast_FLOAT_to_FLOAT16'],
    /\(Cast\): attribute to 10 is not supported/,
    'Stride has no float16 tensors',
  ),
  ...refuse(
    [
      'test_cast_FLOAT16_to_DOUBLE',
      'test_cast_FLOAT16_to_FLOAT',
      'test_castlike_DOUBLE_to_FLOAT16_expanded',
      'test_castlike_FLOAT16_to_DOUBLE_expanded',
      'test_castlike_FLOAT16_to_FLOAT_expanded',
      'test_castlike_FLOAT_to_FLOAT16_expanded',
    ],
    /graph input '\w+' has element type FLOAT16, which Stride cannot hold/,
    'Stride has no float16 tensors, and a float32 one fed to a FLOAT16 input would run at another precision',
  ),
  ...refuse(
    ['test_cast_FLOAT_to_BFLOAT16'],
    /\(Cast\): attribute to 16 is not supported/,
    'Stride has no bfloat16',
  ),
  ...refuse(
    ['test_cast_FLOAT_to_STRING'],
    /\(Cast\): attribute to 8 is not supported/,
    'Stride has no strings',
  ),
  ...refuse(
    ['test_convtranspose_with_kernel'],
    /uses opset 8 of the default domain; the importer reads opsets 13 to 26/,
    'opset 8, and ConvTranspose changed at 11',
  ),
  ...refuse(
    [
      'test_dropout_default_old',
      'test_dropout_random_old',
      'test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn',
      'test_unsqueeze_axis_3',
    ],
    /uses opset 11 of the default domain; the importer reads opsets 13 to 26/,
    'opset 11, and the op changed by 13 (Dropout 12 and 13, Resize 13, Unsqueeze 13)',
  ),
  ...refuse(
    ['test_pow_types_float', 'test_pow_types_int'],
    /uses opset 12 of the default domain; the importer reads opsets 13 to 26/,
    'opset 12, and Pow changed at 13',
  ),
  ...refuse(
    ['test_identity_opt'],
    /graph input 'opt_in' is not a tensor \(optionalType\)/,
    'optional values',
  ),
  ...refuse(
    ['test_identity_sequence'],
    /graph input 'x' is not a tensor \(sequenceType\)/,
    'sequences',
  ),
  ...refuse(
    ['test_maxpool_with_argmax_2d_precomputed_strides'],
    /\(MaxPool\): attribute storage_order 1 is not supported/,
    'column-major Indices',
  ),
  ...refuse(
    ['test_resize_tf_crop_and_resize'],
    /\(Resize\): attribute coordinate_transformation_mode 'tf_crop_and_resize' is not supported/,
    'crop-and-resize with roi and extrapolation',
  ),
  ...refuse(
    [
      'test_training_dropout',
      'test_training_dropout_default',
      'test_training_dropout_default_mask',
      'test_training_dropout_mask',
      'test_training_dropout_zero_ratio',
      'test_training_dropout_zero_ratio_mask',
    ],
    /\(Dropout\): training_mode true is not supported/,
    'random training-mode Dropout (its training_mode is a graph input, so it is refused when the graph runs)',
  ),
};

function refuse(names: string[], error: RegExp, why: string) {
  return Object.fromEntries(names.map((n) => [n, { error, why }]));
}

const present = existsSync(NODE_TEST_DIR);
if (!present) {
  console.warn(
    `node-tests: skipped, ${NODE_TEST_DIR} is missing; install Debian's libonnx-testdata (scripts/system-deps.sh does)`,
  );
}

const claimed = new Set(supportedOnnxOps());
const cases: NodeCase[] = present ? loadNodeCases(claimed) : [];
const tally = new Map<string, { passed: number; refused: number }>();

function count(op: string, key: 'passed' | 'refused'): void {
  const t = tally.get(op) ?? { passed: 0, refused: 0 };
  t[key]++;
  tally.set(op, t);
}

/** Imports and runs a case; returns the first mismatch, or undefined when every output matches. */
function runCase(c: NodeCase): string | undefined {
  const model = importOnnx(c.model);
  try {
    for (const [s, set] of c.sets().entries()) {
      const problem = tidy(() => {
        const inputs = set.inputs.map((t) => hostToTensor(t));
        const outputs = model.run(...inputs);
        for (const [k, expected] of set.outputs.entries()) {
          const y = outputs[k];
          if (!y) return `output ${k} is missing`;
          const m = mismatch({ shape: y.shape, values: y.dataSync() }, expected);
          if (m) return `data set ${s}, output ${k} '${model.outputNames[k]}': ${m}`;
        }
        return undefined;
      });
      if (problem) return problem;
    }
    return undefined;
  } finally {
    model.dispose();
  }
}

describe.skipIf(!present)('ONNX backend node tests', () => {
  it('finds cases for the claimed ops', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  for (const c of cases) {
    const refusal = REFUSED[c.name];
    it(`${c.name} (${c.op})`, () => {
      const before = memory().numTensors;
      if (refusal) {
        let error: unknown;
        try {
          runCase(c);
        } catch (e) {
          error = e;
        }
        expect(error, `${c.name} is listed as refused but ran`).toBeInstanceOf(StrideError);
        expect((error as StrideError).message).toMatch(refusal.error);
        count(c.op, 'refused');
      } else {
        expect(runCase(c)).toBeUndefined();
        count(c.op, 'passed');
      }
      expect(memory().numTensors).toBe(before);
    });
  }

  it('lists no refusal for a case that does not exist', () => {
    const names = new Set(cases.map((c) => c.name));
    expect(Object.keys(REFUSED).filter((n) => !names.has(n))).toEqual([]);
  });

  afterAll(() => {
    const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
    const lines = rows.map(([op, t]) => `| ${op} | ${t.passed} | ${t.refused} |`);
    const total = rows.reduce((n, [, t]) => n + t.passed, 0);
    console.log(
      [
        'ONNX node tests per op (passed / refused by name):',
        '| op | passed | refused |',
        '|---|---|---|',
        ...lines,
        `total passed: ${total}`,
      ].join('\n'),
    );
  });
});
