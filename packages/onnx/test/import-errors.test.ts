/**
 * What `importOnnx` refuses, at import and not at the first run, and how `forward` checks its
 * inputs: every refusal is a StrideError naming the node, op, attribute or input. Also the
 * ops no exporter of the fixtures writes (Gelu of opset 20) and initializer names that are not
 * property paths.
 */
import { memory, randn, type Tensor, tensor, tidy, zeros } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/import/import-onnx.js';
import { MAX_OPSET, supportedOnnxOps } from '../src/import/op-table.js';
import { errorOf } from './helpers/backend.js';
import {
  attribute,
  doubleInit,
  float16Init,
  floatInit,
  floatInput,
  int64Init,
  modelBytes,
  node,
} from './helpers/build-model.js';

/** A model of one Relu, or of the given node reading `x` and writing `y`. */
function oneNode(n = node('Relu', ['x'], ['y']), opset = 17, inits: never[] = []): Uint8Array {
  return modelBytes({
    nodes: [n],
    inputs: [floatInput('x', ['batch', 3])],
    outputs: ['y'],
    initializers: inits,
    opset,
  });
}

describe('importOnnx refuses, naming what', () => {
  it('bytes that are not an ONNX model, and options it does not know', () => {
    expect(errorOf(() => importOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff])))).toMatch(
      /^importOnnx: the bytes are not an ONNX model \(4 bytes; the protobuf decoder says: /,
    );
    expect(errorOf(() => importOnnx(new Uint8Array()))).toBe(
      'importOnnx: bytes is empty, not an ONNX model',
    );
    expect(errorOf(() => importOnnx('model.onnx' as never))).toBe(
      'importOnnx: bytes must be a Uint8Array (the contents of a .onnx file), got string',
    );
    // A truncated model: its last bytes cut off.
    const bytes = oneNode();
    expect(errorOf(() => importOnnx(bytes.subarray(0, bytes.length - 3)))).toMatch(
      /^importOnnx: the bytes are not an ONNX model/,
    );
    expect(errorOf(() => importOnnx(oneNode(), { devcie: 'cpu' } as never))).toMatch(
      /^importOnnx: unknown option 'devcie'/,
    );
  });

  it('opsets outside 13 to the newest onnxruntime 1.30 reads, and other domains', () => {
    expect(errorOf(() => importOnnx(oneNode(undefined, 12)))).toBe(
      `importOnnx: the model uses opset 12 of the default domain; the importer reads opsets 13 to ${MAX_OPSET} (convert it with onnx.version_converter.convert_version(model, 13))`,
    );
    expect(errorOf(() => importOnnx(oneNode(undefined, MAX_OPSET + 1)))).toBe(
      `importOnnx: the model uses opset ${MAX_OPSET + 1} of the default domain; the importer reads opsets 13 to ${MAX_OPSET}`,
    );
    expect(importOnnx(oneNode(undefined, MAX_OPSET)).opset).toBe(MAX_OPSET);
    expect(importOnnx(oneNode(undefined, 13)).opset).toBe(13);
    const custom = oneNode(node('Relu', ['x'], ['y'], [], { name: 'r', domain: 'com.microsoft' }));
    expect(errorOf(() => importOnnx(custom))).toBe(
      "importOnnx: node #0 'r' (Relu) is in domain 'com.microsoft', which the importer does not support (only the default ONNX domain)",
    );
  });

  it('an unsupported op, by node and op', () => {
    const message = errorOf(() =>
      importOnnx(oneNode(node('Einsum', ['x'], ['y'], [], { name: 'e1' }))),
    );
    expect(message).toMatch(
      /^importOnnx: node #0 'e1' \(Einsum\): op Einsum is not supported \(the importer supports Abs, Add, /,
    );
    expect(supportedOnnxOps()).toContain('ConvTranspose');
  });

  it('an unknown attribute, an attribute of the wrong type, and an unsupported value', () => {
    const conv = (attrs: ReturnType<typeof attribute>[]) =>
      modelBytes({
        nodes: [node('Conv', ['x', 'w'], ['y'], attrs, { name: 'c1' })],
        inputs: [floatInput('x', [1, 1, 4, 4])],
        initializers: [floatInit('w', [1, 1, 1, 1], [1])],
        outputs: ['y'],
      });
    expect(errorOf(() => importOnnx(conv([attribute('padding', [1, 1, 1, 1])])))).toBe(
      "importOnnx: node #0 'c1' (Conv): attribute padding is not supported by the importer's Conv (it supports auto_pad, dilations, kernel_shape, pads, strides, group)",
    );
    expect(errorOf(() => importOnnx(conv([attribute('strides', 2)])))).toBe(
      "importOnnx: node #0 'c1' (Conv): attribute strides must be of type ints, got int",
    );
    expect(errorOf(() => importOnnx(conv([attribute('auto_pad', 'SAME')])))).toBe(
      "importOnnx: node #0 'c1' (Conv): attribute auto_pad 'SAME' is not supported (supported: 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID')",
    );
    expect(
      errorOf(() =>
        importOnnx(conv([attribute('auto_pad', 'VALID'), attribute('pads', [1, 1, 1, 1])])),
      ),
    ).toBe(
      "importOnnx: node #0 'c1' (Conv): attribute pads cannot be combined with auto_pad 'VALID'",
    );
    const pad = modelBytes({
      nodes: [node('Pad', ['x', 'p'], ['y'], [attribute('mode', 'wrap')], { name: 'pad0' })],
      inputs: [floatInput('x', [2, 3])],
      initializers: [int64Init('p', [4], [0, 1, 0, 1])],
      outputs: ['y'],
      opset: 19,
    });
    expect(errorOf(() => importOnnx(pad))).toBe(
      "importOnnx: node #0 'pad0' (Pad): attribute mode 'wrap' is not supported (supported: 'constant', 'reflect', 'edge')",
    );
    const resize = oneNode(
      node('Resize', ['x'], ['y'], [attribute('antialias', 1)], { name: 'up' }),
      18,
    );
    expect(errorOf(() => importOnnx(resize))).toBe(
      "importOnnx: node #0 'up' (Resize): attribute antialias 1 is not supported (supported: 0)",
    );
  });

  it('outputs it does not compute, inputs not defined before use, and wrong input counts', () => {
    const bn = modelBytes({
      nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'rm', 'rv'])],
      inputs: [floatInput('x', [1, 2])],
      initializers: ['s', 'b', 'm', 'v'].map((n) => floatInit(n, [2], [1, 1])),
      outputs: ['y'],
    });
    expect(errorOf(() => importOnnx(bn))).toBe(
      "importOnnx: node #0 (BatchNormalization): output 1 ('rm') is not supported (the importer computes only the first output)",
    );
    const order = modelBytes({
      nodes: [node('Relu', ['h'], ['y'], [], { name: 'second' }), node('Relu', ['x'], ['h'])],
      inputs: [floatInput('x', [2])],
      outputs: ['y'],
    });
    expect(errorOf(() => importOnnx(order))).toBe(
      "importOnnx: node #0 'second' (Relu): input 0 'h' is not a graph input, an initializer or an output of an earlier node (nodes must be in topological order)",
    );
    expect(errorOf(() => importOnnx(oneNode(node('Add', ['x'], ['y']))))).toBe(
      "importOnnx: node #0 (Add) has 1 inputs; the importer's Add takes 2",
    );
    const missingOut = modelBytes({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [floatInput('x', [2])],
      outputs: ['z'],
    });
    expect(errorOf(() => importOnnx(missingOut))).toBe(
      "importOnnx: graph output 'z' is not computed by any node",
    );
  });
});

describe('importOnnx refuses invalid graphs that onnxruntime refuses', () => {
  it('a name defined twice', () => {
    const twice = modelBytes({
      nodes: [
        node('LeakyRelu', ['x'], ['y'], [attribute('alpha', 0.3, true)], { name: 'leaky' }),
        node('Relu', ['x'], ['y']),
      ],
      inputs: [floatInput('x', [2, 3])],
      outputs: ['y'],
    });
    expect(errorOf(() => importOnnx(twice))).toBe(
      "importOnnx: node #1 (Relu): output 0 'y' is already defined by node #0 'leaky' (LeakyRelu) (every name in a graph is defined once)",
    );
    const shadow = modelBytes({
      nodes: [node('Relu', ['x'], ['w'])],
      inputs: [floatInput('x', [3])],
      initializers: [floatInit('w', [3], [1, 2, 3])],
      outputs: ['w'],
    });
    expect(errorOf(() => importOnnx(shadow))).toBe(
      "importOnnx: node #0 (Relu): output 0 'w' is already defined by initializer 'w' (every name in a graph is defined once)",
    );
  });

  it('inputs ONNX gives one element type, of different types, naming node, op and types', () => {
    const add = (w: ReturnType<typeof floatInit>) =>
      modelBytes({
        nodes: [node('Add', ['x', 'w'], ['y'], [], { name: 'plus' })],
        inputs: [floatInput('x', [2, 3])],
        initializers: [w],
        outputs: ['y'],
      });
    expect(errorOf(() => importOnnx(add(doubleInit('w', [2, 3], [1, 1, 1, 1, 1, 1]))))).toBe(
      "importOnnx: node #0 'plus' (Add): input 0 'x' is FLOAT but input 1 'w' is DOUBLE; ONNX's Add needs both of one element type (insert a Cast)",
    );
    expect(errorOf(() => importOnnx(add(float16Init('w', [3], [0x3c00, 0x3c00, 0x3c00]))))).toBe(
      "importOnnx: node #0 'plus' (Add): input 0 'x' is FLOAT but input 1 'w' is FLOAT16; ONNX's Add needs both of one element type (insert a Cast)",
    );
    // Types of node outputs are inferred: a Cast's from its `to`, Shape's INT64.
    const cast = modelBytes({
      nodes: [
        node('Cast', ['x'], ['d'], [attribute('to', 11)]),
        node('Relu', ['d'], ['r']),
        node('Mul', ['x', 'r'], ['y']),
      ],
      inputs: [floatInput('x', [3])],
      outputs: ['y'],
    });
    expect(errorOf(() => importOnnx(cast))).toBe(
      "importOnnx: node #2 (Mul): input 0 'x' is FLOAT but input 1 'r' is DOUBLE; ONNX's Mul needs both of one element type (insert a Cast)",
    );
    const shape = modelBytes({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Concat', ['s', 'x'], ['y'], [attribute('axis', 0)]),
      ],
      inputs: [floatInput('x', [3])],
      outputs: ['y'],
    });
    expect(errorOf(() => importOnnx(shape))).toBe(
      "importOnnx: node #1 (Concat): input 0 's' is INT64 but input 1 'x' is FLOAT; ONNX's Concat needs both of one element type (insert a Cast)",
    );
  });

  it('runs a graph whose types agree: a DOUBLE initializer added to a Cast to DOUBLE', () => {
    const model = importOnnx(
      modelBytes({
        nodes: [node('Cast', ['x'], ['d'], [attribute('to', 11)]), node('Add', ['d', 'w'], ['y'])],
        inputs: [floatInput('x', [2])],
        initializers: [doubleInit('w', [2], [0.1, 0.2])],
        outputs: ['y'],
      }),
    );
    const y = model(tensor([1, 2], { dtype: 'float32' }));
    expect(y.dtype).toBe('float64');
    expect(Array.from(y.dataSync() as Float64Array)).toEqual([1.1, 2.2]);
    y.dispose();
    model.dispose();
  });

  it('a graph input of an element type Stride cannot hold, FLOAT16 included', () => {
    const half = modelBytes({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [floatInput('x', [2, 3], 10)],
      outputs: ['y'],
    });
    expect(errorOf(() => importOnnx(half))).toBe(
      "importOnnx: graph input 'x' has element type FLOAT16, which Stride cannot hold (it has no float16 tensors; float32 ones would compute at another precision)",
    );
  });
});

describe('OnnxModel.forward checks its inputs', () => {
  const model = importOnnx(
    modelBytes({
      nodes: [node('Add', ['a', 'b'], ['y'])],
      inputs: [floatInput('a', ['batch', 3]), floatInput('b', [3])],
      outputs: ['y'],
    }),
  );

  it('count, kind, dtype and the declared static dims, naming the input', () => {
    expect(errorOf(() => model(zeros([2, 3])))).toBe(
      "OnnxModel.forward: the model takes 2 inputs ('a', 'b'), got 1",
    );
    expect(errorOf(() => model(zeros([2, 3]), [1, 2, 3] as never))).toBe(
      "OnnxModel.forward: input 'b' must be a Tensor, got object",
    );
    expect(errorOf(() => model(zeros([2, 3]), tensor([1, 2, 3], { dtype: 'int32' })))).toBe(
      "OnnxModel.forward: input 'b' must be float32 or float64 (the model declares FLOAT), got int32",
    );
    expect(errorOf(() => model(zeros([2, 4]), zeros([3])))).toBe(
      "OnnxModel.forward: input 'a' has shape [2,4] but the model declares [batch,3]",
    );
    expect(errorOf(() => model.run(zeros([2, 3]), zeros([1, 3])))).toBe(
      "OnnxModel.run: input 'b' has shape [1,3] but the model declares [3]",
    );
    const double = importOnnx(
      modelBytes({
        nodes: [node('Relu', ['x'], ['y'])],
        inputs: [floatInput('x', [3], 11)],
        outputs: ['y'],
      }),
    );
    expect(errorOf(() => double(zeros([3])))).toBe(
      "OnnxModel.forward: input 'x' must be float64 (the model declares DOUBLE), got float32",
    );
    const int8 = importOnnx(
      modelBytes({
        nodes: [node('Relu', ['x'], ['y'])],
        inputs: [floatInput('x', [3], 3)],
        outputs: ['y'],
      }),
    );
    expect(errorOf(() => int8(zeros([3])))).toBe(
      "OnnxModel.forward: input 'x' must be int32 (the model declares INT8), got float32",
    );
    const gone = zeros([3]);
    gone.dispose();
    expect(errorOf(() => model(zeros([2, 3]), gone))).toBe(
      "OnnxModel.forward: input 'b' [3] was disposed",
    );
  });

  it('a bad value met while running names the node', () => {
    const reshape = importOnnx(
      modelBytes({
        nodes: [node('Reshape', ['x', 's'], ['y'], [], { name: 'flat' })],
        inputs: [floatInput('x', ['n', 6])],
        initializers: [int64Init('s', [2], [-1, 5])],
        outputs: ['y'],
      }),
    );
    expect(errorOf(() => reshape(zeros([2, 6])))).toBe(
      "OnnxModel.forward: node #0 'flat' (Reshape): cannot reshape [2,6] to [-1,5]: the input's 12 elements cannot fill it",
    );
    expect(tidy(() => reshape(zeros([5, 6])).shape)).toEqual([6, 5]);
  });

  it('an error of a core op names the node and keeps the core message', () => {
    const gemm = importOnnx(
      modelBytes({
        nodes: [node('Gemm', ['x', 'w'], ['y'], [attribute('transB', 1)], { name: 'fc' })],
        inputs: [floatInput('x', ['n', 'k'])],
        initializers: [floatInit('w', [4, 5], new Array(20).fill(1))],
        outputs: ['y'],
      }),
    );
    const x = zeros([2, 3]);
    const before = memory().numTensors;
    expect(errorOf(() => gemm(x))).toMatch(
      /^OnnxModel\.forward: node #0 'fc' \(Gemm\): linear: input \[2,3\] has 3 features/,
    );
    expect(errorOf(() => gemm.run(x))).toMatch(/^OnnxModel\.run: node #0 'fc' \(Gemm\): linear: /);
    // Nothing the failed runs made is left behind.
    expect(memory().numTensors).toBe(before);
    x.dispose();
    expect(tidy(() => gemm(zeros([2, 5])).shape)).toEqual([2, 4]);
    gemm.dispose();
  });

  it('FLOAT inputs of one op that meet as float32 and float64 when it runs', () => {
    const model = importOnnx(
      modelBytes({
        nodes: [node('Add', ['a', 'w'], ['h']), node('Sub', ['h', 'b'], ['y'], [], { name: 's' })],
        inputs: [floatInput('a', [2]), floatInput('b', [2])],
        initializers: [floatInit('w', [2], [1, 2])],
        outputs: ['y'],
      }),
    );
    const f32 = tensor([1, 1], { dtype: 'float32' });
    const f64 = tensor([1, 1], { dtype: 'float64' });
    // A float64 tensor meeting the model's float32 weights.
    expect(errorOf(() => model(f64, f32))).toBe(
      "OnnxModel.forward: node #0 (Add): input 0 'a' is float64 but input 1 'w' is float32; ONNX's Add needs both of one element type",
    );
    expect(errorOf(() => model(f32, f64))).toBe(
      "OnnxModel.forward: node #1 's' (Sub): input 0 'h' is float32 but input 1 'b' is float64; ONNX's Sub needs both of one element type",
    );
    expect(Array.from(tidy(() => model(f32, f32).dataSync()))).toEqual([1, 2]);
    f32.dispose();
    f64.dispose();
    model.dispose();
  });
});

describe('ops and names the fixtures do not cover', () => {
  it('Gelu (opset 20), exact and tanh', async () => {
    const gelu = (approximate: string) =>
      importOnnx(oneNode(node('Gelu', ['x'], ['y'], [attribute('approximate', approximate)]), 20));
    const x = tensor([[-1, 0, 1]], { dtype: 'float32' });
    expect((await gelu('none')(x).array()) as number[][]).toEqual([
      [expect.closeTo(-0.158655, 5), 0, expect.closeTo(0.841345, 5)],
    ]);
    expect((await gelu('tanh')(x).array()) as number[][]).toEqual([
      [expect.closeTo(-0.158808, 5), 0, expect.closeTo(0.841192, 5)],
    ]);
  });

  it('initializer names that are not property paths are state-dict keys as they are', () => {
    const names = ['training', 'forward.weight', '.lead', 'a..b', 'onnx::Mul_7', 'block.0.w'];
    const model = importOnnx(
      modelBytes({
        nodes: names.map((n, i) => node('Mul', [i === 0 ? 'x' : `h${i - 1}`, n], [`h${i}`])),
        inputs: [floatInput('x', [3])],
        initializers: names.map((n, i) => floatInit(n, [3], [i + 1, i + 1, i + 1])),
        outputs: [`h${names.length - 1}`],
      }),
    );
    const state = tidy(() => model.stateDict());
    expect(new Set(Object.keys(state))).toEqual(new Set(names));
    expect(model.training).toBe(false);
    const before = memory().numTensors;
    const y = model(tensor([1, 1, 1], { dtype: 'float32' }));
    expect(y.dataSync()[0]).toBe(720);
    // Gradients reach every parameter, whatever its name.
    tidy(() => {
      y.sum().backward();
    });
    for (const [name, p] of model.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
    }
    y.dispose();
    model.zeroGrad();
    expect(memory().numTensors).toBeLessThanOrEqual(before + 1);
    for (const t of Object.values(state) as Tensor[]) t.dispose();
    model.dispose();
  });

  it('puts parameters on the device option and refuses an unknown one', () => {
    expect(errorOf(() => importOnnx(oneNode(), { device: 'tpu' }))).toMatch(/tpu/);
    const m = importOnnx(
      modelBytes({
        nodes: [node('Mul', ['x', 'w'], ['y'])],
        inputs: [floatInput('x', [1])],
        initializers: [floatInit('w', [1], [2])],
        outputs: ['y'],
      }),
      { device: 'cpu' },
    );
    expect(m.parameters()[0]?.device).toBe('cpu');
    expect(tidy(() => m(randn([1])).shape)).toEqual([1]);
    m.dispose();
  });
});
