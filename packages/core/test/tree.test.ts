/**
 * Parameter trees: treeMap and treeLeaves, valueAndGrad and grad over trees (and argnums), and a
 * JAX-style training loop whose memory stays flat.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  grad,
  memory,
  ones,
  randn,
  type Tensor,
  tensor,
  tidy,
  treeLeaves,
  treeMap,
  valueAndGrad,
  zeros,
} from '../src/index.js';
import { errorOf } from './error-of.js';
import { useCpu } from './setup.js';

beforeAll(useCpu);

const f32 = (v: number[]) => tensor(v, { dtype: 'float32' });
const arr = (t: Tensor) => t.arraySync();

describe('treeMap and treeLeaves', () => {
  it('map the tensor leaves of several trees of one structure', () => {
    const params = { conv1: { weight: f32([1, 2]), bias: f32([3]) }, layers: [f32([4])], lr: 0.1 };
    const grads = {
      layers: [f32([10])],
      conv1: { bias: f32([30]), weight: f32([10, 20]) },
      lr: null,
    };
    const next = treeMap((p, g) => p.sub((g as Tensor).mul(0.5)), params, grads);
    expect(Object.keys(next)).toEqual(['conv1', 'layers', 'lr']);
    expect([arr(next.conv1.weight), arr(next.conv1.bias), arr(next.layers[0] as Tensor)]).toEqual([
      [-4, -8],
      [-12],
      [-1],
    ]);
    // Non-tensor leaves of the first tree come through; f never sees them.
    expect(next.lr).toBe(0.1);
    expect(treeLeaves(params).map(arr)).toEqual([[1, 2], [3], [4]]);
    expect(treeLeaves(f32([5])).map(arr)).toEqual([[5]]);
    expect(treeLeaves({ a: [], b: { c: null } })).toEqual([]);
  });

  it('keep keys that are not identifiers, and null-prototype objects', () => {
    const flat = Object.assign(Object.create(null) as Record<string, Tensor>, {
      'conv1.weight': f32([1]),
    });
    const doubled = treeMap((t) => t.mul(2), flat);
    expect(arr(doubled['conv1.weight'] as Tensor)).toEqual([2]);
    expect(errorOf('treeMap', () => treeMap((a) => a, flat, { 'conv1.weight': null }))).toBe(
      "treeMap: rest[0]['conv1.weight'] is null but tree['conv1.weight'] is a tensor [1]",
    );
  });

  it('name the place where the structures differ', () => {
    const t = { conv1: { weight: f32([1]), bias: f32([2]) }, layers: [f32([3]), f32([4])] };
    const call = (other: unknown) => () => treeMap((a) => a, t, other);
    expect(errorOf('treeMap', call({ conv1: { weight: f32([1]) }, layers: [] }))).toBe(
      "treeMap: rest[0].conv1 has no key 'bias', which tree.conv1 has (keys weight, bias)",
    );
    expect(
      errorOf('treeMap', call({ conv1: { weight: f32([1]), bias: f32([2]), b: 1 }, layers: [] })),
    ).toBe("treeMap: rest[0].conv1 has a key 'b', which tree.conv1 lacks (keys weight, bias)");
    expect(
      errorOf('treeMap', call({ conv1: { weight: f32([1]), bias: f32([2]) }, layers: [f32([3])] })),
    ).toBe('treeMap: rest[0].layers has 1 entries but tree.layers has 2');
    expect(errorOf('treeMap', call({ conv1: { weight: 1, bias: f32([2]) }, layers: [] }))).toBe(
      'treeMap: rest[0].conv1.weight is 1 but tree.conv1.weight is a tensor [1]',
    );
    expect(errorOf('treeMap', call({ conv1: [f32([1])], layers: [] }))).toBe(
      'treeMap: rest[0].conv1 is an array of 1 but tree.conv1 is an object',
    );
    expect(
      errorOf('treeMap', () => treeMap((a) => a, { a: f32([1]) }, { a: f32([1]) }, { a: 'x' })),
    ).toBe("treeMap: rest[1].a is 'x' but tree.a is a tensor [1]");
  });

  it('refuse containers that are not plain objects or arrays, cycles, and a non-function', () => {
    expect(errorOf('treeLeaves', () => treeLeaves({ a: new Map([['w', f32([1])]]) }))).toBe(
      'treeLeaves: tree.a is a Map; a tree holds tensors in plain objects and arrays (numbers, strings, booleans and null may sit beside them)',
    );
    const cyclic: { self?: unknown; w: Tensor } = { w: f32([1]) };
    cyclic.self = { back: cyclic };
    expect(errorOf('treeLeaves', () => treeLeaves(cyclic))).toBe(
      'treeLeaves: tree.self.back contains itself; a tree cannot have cycles',
    );
    expect(errorOf('treeMap', () => treeMap(null as never, {}))).toBe(
      'treeMap: f must be a function, got null',
    );
  });
});

describe('valueAndGrad over trees', () => {
  type Params = { w: Tensor; b: Tensor };
  const loss = (p: Params, x: Tensor) => x.mul(p.w).add(p.b).square().sum();

  it('returns gradients of the structure of each argument', () => {
    const x = f32([1, 2]);
    const { value, grads } = valueAndGrad(loss)({ w: ones([2]), b: zeros([2]) }, x);
    // value = (1·1)² + (2·1)² = 5; d/dw = 2·(xw + b)·x, d/db = 2·(xw + b), d/dx = 2·(xw + b)·w
    expect(value.itemSync()).toBe(5);
    expect([arr(grads[0].w), arr(grads[0].b), arr(grads[1])]).toEqual([
      [2, 8],
      [2, 4],
      [2, 4],
    ]);
  });

  it('picks arguments with argnums, in the order given', () => {
    const p = { w: ones([2]), b: zeros([2]) };
    const x = f32([1, 2]);
    const one = valueAndGrad(loss, { argnums: 0 })(p, x).grads;
    expect(one.length).toBe(1);
    expect(arr(one[0].w)).toEqual([2, 8]);
    const [gx, gp] = grad(loss, { argnums: [1, 0] })(p, x);
    expect([arr(gx), arr(gp.b)]).toEqual([
      [2, 4],
      [2, 4],
    ]);
    // The argument left out may be anything, even what a tree may not hold.
    const withModel = valueAndGrad((w: Tensor, _m: Map<string, number>) => w.sum(), {
      argnums: 0,
    });
    expect(arr(withModel(f32([1, 2]), new Map()).grads[0])).toEqual([1, 1]);
  });

  it('gives null for numbers and other non-tensor leaves, and leaves them as they are', () => {
    const f = (p: { w: Tensor; scale: number; tag: string | null }, k: number) =>
      p.w.mul(p.scale * k).sum();
    const { grads } = valueAndGrad(f)({ w: f32([1, 1]), scale: 3, tag: null }, 2);
    expect([arr(grads[0].w), grads[0].scale, grads[0].tag, grads[1]]).toEqual([
      [6, 6],
      null,
      null,
      null,
    ]);
  });

  it('gives a zero gradient to a leaf the value does not depend on', () => {
    const { grads } = valueAndGrad((p: { used: Tensor; unused: Tensor[] }) => p.used.sum())({
      used: f32([1]),
      unused: [f32([1, 2])],
    });
    expect(arr(grads[0].unused[0] as Tensor)).toEqual([0, 0]);
  });

  it('gives one gradient per place for a tensor found at two places, as JAX does', () => {
    const w = f32([2]);
    const { grads } = valueAndGrad((p: { a: Tensor; b: Tensor }) => p.a.mul(p.b).mul(p.a).sum())({
      a: w,
      b: w,
    });
    expect([arr(grads[0].a), arr(grads[0].b)]).toEqual([[8], [4]]);
  });

  it('puts no .grad on the arguments nor on tensors the function closes over', () => {
    const outside = tensor([3], { dtype: 'float32', requiresGrad: true });
    const w = tensor([2], { dtype: 'float32', requiresGrad: true });
    const { grads } = valueAndGrad((p: { w: Tensor }) => p.w.mul(outside).sum())({ w });
    expect(arr(grads[0].w)).toEqual([3]);
    expect([w.grad, outside.grad]).toEqual([null, null]);
  });

  it('leaves a tensor the function closes over and returns alive', () => {
    const constant = tensor(7, { dtype: 'float32' });
    const { value } = valueAndGrad((_w: Tensor) => constant)(f32([1]));
    expect([value.itemSync(), constant.isDisposed]).toEqual([7, false]);
  });

  it('refuses what it cannot differentiate, naming the place, and leaks nothing', () => {
    const before = memory().numTensors;
    const p = { w: f32([1]), step: tensor([1], { dtype: 'int32' }) };
    expect(errorOf('valueAndGrad', () => valueAndGrad((q: typeof p) => q.w.sum())(p))).toBe(
      'valueAndGrad: args[0].step must be a float tensor to be differentiated, got int32',
    );
    expect(
      errorOf('valueAndGrad', () =>
        valueAndGrad((w: Tensor, _y: Tensor) => w.sum())(f32([1]), p.step),
      ),
    ).toBe(
      'valueAndGrad: args[1] must be a float tensor to be differentiated, got int32; pick the differentiated arguments with { argnums }',
    );
    expect(
      errorOf('valueAndGrad', () => valueAndGrad((_m: unknown) => f32([1]).sum())(new Map())),
    ).toBe(
      'valueAndGrad: args[0] is a Map; only tensors and trees of them (plain objects and arrays) are differentiated; pick the differentiated arguments with { argnums }',
    );
    expect(
      errorOf('valueAndGrad', () =>
        valueAndGrad((_q: { layers: unknown[] }) => f32([1]).sum())({ layers: [new Set()] }),
      ),
    ).toBe(
      'valueAndGrad: args[0].layers[0] is a Set; a tree holds tensors in plain objects and arrays (numbers, strings, booleans and null may sit beside them)',
    );
    const gone = f32([1]);
    gone.dispose();
    expect(
      errorOf('valueAndGrad', () => valueAndGrad((q: { w: Tensor }) => q.w.sum())({ w: gone })),
    ).toBe('valueAndGrad: args[0].w [1] was disposed and can no longer be used');
    expect(
      errorOf('valueAndGrad', () => valueAndGrad(loss, { argnums: 2 })(p as never, f32([1]))),
    ).toBe('valueAndGrad: argnums names argument 2, but the function was called with 2 arguments');
    // The tensors made here: p.w, p.step and the two f32([1]) arguments; no copy is left.
    expect(memory().numTensors).toBe(before + 4);
  });

  it('checks argnums when the function is made', () => {
    expect(errorOf('valueAndGrad', () => valueAndGrad(loss, { argnums: [0, 0] }))).toBe(
      'valueAndGrad: argnums names argument 0 twice: [0,0]',
    );
    expect(errorOf('valueAndGrad', () => valueAndGrad(loss, { argnums: [] }))).toBe(
      'valueAndGrad: argnums must name at least one argument, got []',
    );
    expect(errorOf('valueAndGrad', () => valueAndGrad(loss, { argnums: -1 }))).toBe(
      "valueAndGrad: option 'argnums' must be an integer ≥ 0 or an array of integers ≥ 0, got -1",
    );
    expect(errorOf('grad', () => grad(loss, { argnum: 0 } as never))).toBe(
      "grad: unknown option 'argnum' (did you mean 'argnums'?); the options are argnums",
    );
  });
});

describe('a JAX-style training loop over a parameter tree', () => {
  it('learns, and its memory stays flat', () => {
    const x = randn([16, 3], { seed: 1 });
    const y = randn([16, 2], { seed: 2 });
    type Layer = { w: Tensor; b: Tensor };
    let params: { layers: Layer[]; slope: number } = {
      layers: [
        { w: randn([3, 8], { seed: 3 }).mul(0.5), b: zeros([8]) },
        { w: randn([8, 2], { seed: 4 }).mul(0.5), b: zeros([2]) },
      ],
      slope: 0.1,
    };
    const loss = (p: typeof params, xs: Tensor, ys: Tensor) => {
      const [l1, l2] = p.layers as [Layer, Layer];
      const h = xs.matmul(l1.w).add(l1.b);
      const act = h.maximum(h.mul(p.slope));
      return act.matmul(l2.w).add(l2.b).sub(ys).square().mean();
    };
    const step = valueAndGrad(loss, { argnums: 0 });
    const losses: number[] = [];
    const live: number[] = [];
    const start = memory();
    for (let i = 0; i < 25; i++) {
      const old = params;
      params = tidy(() => {
        const {
          value,
          grads: [g],
        } = step(old, x, y);
        losses.push(value.itemSync());
        return treeMap((p, gp) => p.sub(gp.mul(0.1)), old, g);
      });
      for (const t of treeLeaves(old)) t.dispose();
      live.push(memory().numTensors);
    }
    expect(new Set(live)).toEqual(new Set([start.numTensors]));
    expect(memory().numBytes).toBe(start.numBytes);
    expect(losses[24]).toBeLessThan((losses[0] as number) * 0.8);
    expect(params.slope).toBe(0.1);
    expect(treeLeaves(params).map((t) => t.shape)).toEqual([[3, 8], [8], [8, 2], [2]]);
  });
});
