/** functionalCall: a module's forward with given tensors in place of its parameters. */
import { memory, ones, type Tensor, tensor, tidy, valueAndGrad, zeros } from '@stride/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  functionalCall,
  Linear,
  Module,
  MSELoss,
  ReLU,
  Sequential,
} from '../src/index.js';
import { errorOf, useCpu } from './setup.js';

beforeAll(useCpu);

const f32 = (v: number[] | number[][]) => tensor(v, { dtype: 'float32' });
const values = (t: Tensor): number[] => Array.from(t.dataSync());

describe('functionalCall', () => {
  it("runs forward with the given tensors and leaves the module's own in place", () => {
    const model = new Sequential(new Linear(2, 1), new ReLU());
    const own = model.parameters();
    const before = own.map(values);
    tidy(() => {
      const x = f32([
        [1, 2],
        [3, -4],
      ]);
      const params = { '0.weight': f32([[1, 1]]), '0.bias': f32([0.5]) };
      // [1 + 2 + 0.5, relu(3 - 4 + 0.5)]
      expect(values(functionalCall(model, params, x))).toEqual([3.5, 0]);
      // A Map takes names as well.
      expect(values(functionalCall(model, new Map(Object.entries(params)), x))).toEqual([3.5, 0]);
    });
    expect(model.parameters()).toEqual(own);
    expect(model.parameters().map(values)).toEqual(before);
    model.dispose();
  });

  it('differentiates the model with respect to the given tensors (a JAX-style step)', () => {
    const model = new Linear(2, 1);
    const loss = new MSELoss();
    const x = f32([
      [1, 2],
      [3, 4],
    ]);
    const y = f32([[1], [2]]);
    const step = valueAndGrad((weight: Tensor, bias: Tensor) =>
      loss(functionalCall(model, { weight, bias }, x), y),
    );
    tidy(() => {
      const { value, grads } = step(f32([[1, 0]]), f32([0]));
      // Predictions 1 and 3 against 1 and 2: mean((0, 1)²) = 0.5.
      expect(value.itemSync()).toBeCloseTo(0.5, 6);
      // d/dw = mean(2 · (pred - y) · x) = (0 + 2 · 1 · [3, 4]) / 2; d/db = (0 + 2) / 2.
      expect(values(grads[0] as Tensor)).toEqual([3, 4]);
      expect(values(grads[1] as Tensor)).toEqual([1]);
    });
    // The module's own parameters got no gradient.
    expect(model.weight.grad).toBeNull();
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it("uses the module's own tensors for the names not given, as PyTorch does", () => {
    const model = new Linear(2, 1);
    model.weight.assign(f32([[1, 1]]));
    model.bias?.assign(f32([10]));
    const x = f32([[1, 2]]);
    tidy(() => {
      // Only the weight is replaced: 2·1 + 3·2 plus the module's own bias 10.
      expect(values(functionalCall(model, { weight: f32([[2, 3]]) }, x))).toEqual([18]);
      // Only the bias: 1 + 2 + 0.5.
      expect(values(functionalCall(model, { bias: f32([0.5]) }, x))).toEqual([3.5]);
      // Nothing given: the module as it is.
      expect(values(functionalCall(model, {}, x))).toEqual([13]);
      // Gradients with respect to the given tensors only; the module's own get none.
      const grad = valueAndGrad((weight: Tensor) => functionalCall(model, { weight }, x).sum());
      expect(values(grad(f32([[2, 3]])).grads[0] as Tensor)).toEqual([1, 2]);
    });
    expect(model.weight.grad).toBeNull();
    expect(model.bias?.grad ?? null).toBeNull();
    expect(values(model.weight)).toEqual([1, 1]);
    model.dispose();
    x.dispose();
  });

  it('uses given buffers, and the module its own otherwise', () => {
    const bn = new BatchNorm1d(1).eval();
    tidy(() => {
      const x = f32([[4]]);
      const params = { weight: f32([1]), bias: f32([0]) };
      // Running mean 0 and variance 1: (4 - 0) / sqrt(1 + eps).
      expect(values(functionalCall(bn, params, x))[0]).toBeCloseTo(4, 4);
      const withStats = { ...params, running_mean: f32([2]), running_var: f32([4]) };
      expect(values(functionalCall(bn, withStats, x))[0]).toBeCloseTo(1, 4);
    });
    bn.dispose();
  });

  it('replaces a shared parameter everywhere by any one of its names', () => {
    class Scale extends Module {
      readonly w: Tensor;
      constructor(w: Tensor) {
        super();
        this.w = this.param(w);
      }
      forward(x: Tensor): Tensor {
        return x.mul(this.w);
      }
    }
    class Tied extends Module {
      readonly a: Scale;
      readonly b: Scale;
      constructor() {
        super();
        const w = ones([1]);
        this.a = new Scale(w);
        this.b = new Scale(w);
      }
      forward(x: Tensor): Tensor {
        return this.b(this.a(x));
      }
    }
    const tied = new Tied();
    expect(tied.namedParameters().map(([k]) => k)).toEqual(['a.w']);
    tidy(() => {
      const x = f32([2]);
      expect(values(functionalCall(tied, { 'a.w': f32([3]) }, x))).toEqual([18]);
      expect(values(functionalCall(tied, { 'b.w': f32([3]) }, x))).toEqual([18]);
      expect(errorOf(() => functionalCall(tied, { 'a.w': f32([3]), 'b.w': f32([4]) }, x))).toBe(
        'functionalCall: cannot call Tied: a.w and b.w name one shared parameter but are given different tensors',
      );
      expect(values(tied(x))).toEqual([2]);
    });
    tied.dispose();
  });

  it('puts the parameters back when forward throws', () => {
    const model = new Linear(2, 1);
    const weight = model.weight;
    expect(
      errorOf(() => functionalCall(model, { weight: zeros([1, 2]), bias: zeros([1]) }, ones([3]))),
    ).toBe('linear: input [3] has 3 features but weight [1,2] expects 2');
    expect(model.weight).toBe(weight);
    expect(model.parameters()).toEqual([weight, model.bias]);
    model.dispose();
  });

  it('names unknown, missing and mismatched tensors, and changes nothing', () => {
    const model = new Sequential(new Linear(2, 1));
    const x = ones([1, 2]);
    const base = memory().numTensors;
    const w = zeros([1, 2]);
    const check = (params: unknown): string =>
      errorOf(() => functionalCall(model, params as Record<string, Tensor>, x));
    expect(check({ '0.weight': w, '0.bias': zeros([1]), '1.weight': w, bias: w })).toBe(
      'functionalCall: cannot call Sequential: unknown names 1.weight, bias (the names are those of namedParameters() and namedBuffers())',
    );
    expect(check({ '0.weight': w, '0.bias': zeros([1]), bais: w })).toBe(
      'functionalCall: cannot call Sequential: unknown names bais (the names are those of namedParameters() and namedBuffers())',
    );
    expect(check({ '0.weight': zeros([2, 1]), '0.bias': zeros([1], { dtype: 'float64' }) })).toBe(
      'functionalCall: cannot call Sequential: 0.weight has shape [2,1] in params but [1,2] in the model; 0.bias is float64 in params but float32 in the model',
    );
    expect(check({ '0.weight': [[0, 0]], '0.bias': zeros([1]) })).toBe(
      'functionalCall: cannot call Sequential: 0.weight must be a Tensor, got [[0,0]]',
    );
    expect(check([w])).toBe(
      'functionalCall: params must be an object or a Map of tensors by name, got [a tensor [1,2]]',
    );
    expect(errorOf(() => functionalCall({} as Module, {}))).toBe(
      'functionalCall: module must be a Module, got an object',
    );
    expect(model.parameters().every((p) => !p.isDisposed)).toBe(true);
    // Only the tensors this test made are left: the 6 zeros above.
    expect(memory().numTensors).toBe(base + 6);
    model.dispose();
  });
});
