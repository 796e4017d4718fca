import { keep, memory, type Tensor, tensor, tidy, zeros } from '@stride/core';
import { describe, expect, it } from 'vitest';
// The layers package is not a dependency of this one; its sources are what users combine it with.
import { Linear } from '../../layers/src/index.js';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  type AnyOptimizer,
  CosineAnnealingLR,
  clipGradNorm,
  LinearLR,
  NAdam,
  type OptimizerStateDict,
  RAdam,
  RMSprop,
  SequentialLR,
  SGD,
} from '../src/index.js';
import {
  errorOf,
  fromFixture,
  makeOptimizer,
  OPTIMIZER_CASES,
  type OptimizerCase,
  rejectionOf,
} from './helpers.js';

function fixture(name: string): OptimizerCase {
  const c = OPTIMIZER_CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture ${name}`);
  return c;
}

/** Sets the fixture's gradients of `step` and steps. */
function stepWith(opt: AnyOptimizer, params: Tensor[], c: OptimizerCase, step: number): void {
  opt.zeroGrad();
  const row = c.grads?.[step] ?? [];
  params.forEach((p, i) => {
    const g = row[i];
    p.grad = g ? keep(fromFixture(g, 'float64')) : null;
  });
  opt.step();
}

/** A float32 tensor (integer literals would make int32 ones). */
function f(values: number[], requiresGrad = false): Tensor {
  return tensor(values, { dtype: 'float32', requiresGrad });
}

function disposeAll(opt: AnyOptimizer, params: Tensor[]): void {
  opt.zeroGrad();
  opt.dispose();
  for (const p of params) p.dispose();
}

function disposeState(sd: OptimizerStateDict): void {
  for (const t of Object.values(sd.state)) t.dispose();
}

describe('stateDict round trip', () => {
  const cases = [
    'SGD momentum',
    'SGD nesterov weight decay maximize',
    'SGD param groups',
    'Adam amsgrad weight decay maximize',
    'Adam param groups',
    'AdamW amsgrad',
    'RMSprop centered momentum weight decay',
    'RMSprop param groups',
    'Adagrad lr decay',
    'Adagrad param groups',
    'Adadelta param groups',
    'Adadelta maximize',
    'NAdam param groups',
    'NAdam weight decay',
    'RAdam param groups',
    'Adamax param groups',
    'Adamax weight decay maximize',
  ];
  for (const name of cases) {
    it(`${name}: 5 steps, save, load into a fresh optimizer, 5 more = 10 straight steps`, async () => {
      const c = fixture(name);
      const before = memory().numTensors;
      const straightParams = c.params.map((p) => fromFixture(p, 'float64', true));
      const straight = makeOptimizer(c.optimizer, straightParams, c.options, c.groups);
      for (let s = 0; s < 10; s++) stepWith(straight, straightParams, c, s);

      const firstParams = c.params.map((p) => fromFixture(p, 'float64', true));
      const first = makeOptimizer(c.optimizer, firstParams, c.options, c.groups);
      for (let s = 0; s < 5; s++) stepWith(first, firstParams, c, s);
      const saved = first.stateDict();
      // Through JSON, as a checkpoint's metadata would carry the groups.
      const sd: OptimizerStateDict = {
        state: saved.state,
        paramGroups: JSON.parse(JSON.stringify(saved.paramGroups)),
      };

      // Different hyper-parameters on purpose: loading must restore the saved ones.
      const resumedParams = firstParams.map((p) => keep(p.detach()));
      for (const p of resumedParams) p.requiresGrad = true;
      const resumed = makeOptimizer(
        c.optimizer,
        resumedParams,
        { ...c.options, lr: 0.5 },
        c.groups,
      );
      await resumed.loadStateDict(sd);
      // The optimizer made its own copies: the caller's tensors may go.
      disposeState(saved);
      for (let s = 5; s < 10; s++) stepWith(resumed, resumedParams, c, s);

      resumedParams.forEach((p, i) => {
        expect(Array.from(p.dataSync()), `param ${i}`).toEqual(
          Array.from(straightParams[i]?.dataSync() ?? []),
        );
      });
      const a = resumed.stateDict();
      const b = straight.stateDict();
      expect(a.paramGroups).toEqual(b.paramGroups);
      expect(Object.keys(a.state).sort()).toEqual(Object.keys(b.state).sort());
      for (const [key, t] of Object.entries(a.state)) {
        expect(Array.from(t.dataSync()), key).toEqual(Array.from(b.state[key]?.dataSync() ?? []));
      }
      disposeState(a);
      disposeState(b);
      disposeAll(straight, straightParams);
      disposeAll(first, firstParams);
      disposeAll(resumed, resumedParams);
      expect(memory().numTensors).toBe(before);
    });
  }

  it('a state dict is a snapshot: later steps do not change it, disposing it does not break the optimizer', () => {
    const p = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const opt = new Adam([p], { lr: 0.1 });
    p.grad = tensor([0.5, -0.5], { dtype: 'float64' });
    opt.step();
    const sd = opt.stateDict();
    const expAvg = Array.from(sd.state['state.0.exp_avg']?.dataSync() ?? []);
    expect(sd.state['state.0.step']?.itemSync()).toBe(1);
    opt.step();
    expect(Array.from(sd.state['state.0.exp_avg']?.dataSync() ?? [])).toEqual(expAvg);
    disposeState(sd);
    opt.step();
    expect(opt.stateDict().state['state.0.step']?.itemSync()).toBe(3);
    disposeAll(opt, [p]);
  });

  it("NAdam keeps mu_product as a float32 number, PyTorch's float32 scalar tensor", async () => {
    const p = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
    const opt = new NAdam([p], { lr: 0.1 });
    p.grad = tensor([0.5, -0.5], { dtype: 'float64' });
    opt.step();
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state).sort()).toEqual([
      'state.0.exp_avg',
      'state.0.exp_avg_sq',
      'state.0.mu_product',
      'state.0.step',
    ]);
    const mu = sd.state['state.0.mu_product'] as Tensor;
    expect(mu.shape).toEqual([]);
    expect(mu.dtype).toBe('float32');
    // μₜ = 0.9·(1 − ½·0.96^(0.004t)), each product rounded to float32 as PyTorch's tensor is.
    const f = Math.fround;
    const m = (t: number) => f(0.9 * (1 - 0.5 * 0.96 ** (t * 4e-3)));
    expect(mu.itemSync()).toBe(f(f(1 * m(1)) * m(2)));
    // Loaded back, the product goes on from the saved value.
    const q = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
    const resumed = new NAdam([q], { lr: 0.1 });
    await resumed.loadStateDict(sd);
    const again = resumed.stateDict();
    expect(again.state['state.0.mu_product']?.itemSync()).toBe(mu.itemSync());
    disposeState(sd);
    disposeState(again);
    disposeAll(opt, [p]);
    disposeAll(resumed, [q]);
  });

  it('Adagrad has state before the first step, as in PyTorch', () => {
    const p = zeros([3], { requiresGrad: true });
    const opt = new Adagrad([p], { initialAccumulatorValue: 0.25 });
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['state.0.step', 'state.0.sum']);
    expect(Array.from(sd.state['state.0.sum']?.dataSync() ?? [])).toEqual([0.25, 0.25, 0.25]);
    disposeState(sd);
    disposeAll(opt, [p]);
  });

  it('maps group options to PyTorch names', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new Adagrad([p], { lrDecay: 0.1, initialAccumulatorValue: 0.2 });
    new CosineAnnealingLR(opt, { tMax: 10 });
    const sd = opt.stateDict();
    expect(sd.paramGroups).toEqual([
      {
        params: [0],
        lr: 0.01,
        lr_decay: 0.1,
        weight_decay: 0,
        initial_accumulator_value: 0.2,
        eps: 1e-10,
        maximize: false,
        initial_lr: 0.01,
      },
    ]);
    disposeState(sd);
    disposeAll(opt, [p]);
  });
});

describe('loadStateDict rejects what does not fit', () => {
  function adamWithState(): { opt: Adam; params: Tensor[]; sd: OptimizerStateDict } {
    const params = [zeros([2, 3], { requiresGrad: true }), zeros([4], { requiresGrad: true })];
    const opt = new Adam(params);
    for (const p of params) p.grad = zeros(p.shape).add(1);
    opt.step();
    return { opt, params, sd: opt.stateDict() };
  }

  const L = 'Adam.loadStateDict: ';
  const cases: [string, (sd: OptimizerStateDict) => OptimizerStateDict, string][] = [
    ['not a state dict', () => 5 as never, `${L}expected { state, paramGroups }, got 5`],
    [
      'a checkpoint file',
      () => ({ tensors: {}, metadata: {} }) as never,
      `${L}expected { state, paramGroups }, got an object (a checkpoint file: pass unpackOptimizerState(file))`,
    ],
    [
      'another number of groups',
      (sd) => ({
        ...sd,
        paramGroups: [...sd.paramGroups, { ...sd.paramGroups[0], params: [2] } as never],
      }),
      `${L}the state dict has 2 parameter groups but the optimizer has 1`,
    ],
    [
      'another number of parameters',
      (sd) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], params: [0, 1, 2] } as never] }),
      `${L}paramGroups[0] has 3 parameters in the state dict but 2 in the optimizer`,
    ],
    [
      'a shape mismatch',
      (sd) => ({ ...sd, state: { ...sd.state, 'state.1.exp_avg': zeros([5]) } }),
      `${L}'state.1.exp_avg' is [5] but must be [4] like the parameter`,
    ],
    [
      'a state name of another optimizer',
      (sd) => ({ ...sd, state: { ...sd.state, 'state.0.momentum_buffer': zeros([2, 3]) } }),
      `${L}'state.0.momentum_buffer': Adam keeps no 'momentum_buffer' (its state is step, exp_avg, exp_avg_sq, max_exp_avg_sq)`,
    ],
    [
      'a badly formed name',
      (sd) => ({ ...sd, state: { ...sd.state, 'exp_avg.0': zeros([1]) } }),
      `${L}state name 'exp_avg.0' is not of the form 'state.<i>.<key>'`,
    ],
    [
      'a parameter number no group lists',
      (sd) => ({ ...sd, state: { ...sd.state, 'state.7.exp_avg': zeros([1]) } }),
      `${L}'state.7.exp_avg' is for parameter 7, which no group lists`,
    ],
    [
      'a step that is not one number',
      (sd) => ({ ...sd, state: { ...sd.state, 'state.0.step': zeros([2]) } }),
      `${L}'state.0.step' is [2] but must be a single number`,
    ],
    [
      'a group option of another optimizer',
      (sd) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], momentum: 0.9 } as never] }),
      `${L}paramGroups[0] has 'momentum', which this optimizer does not use (is it the state of another optimizer?); it knows lr, betas, eps, weight_decay, amsgrad, maximize, initial_lr, max_lr, min_lr, max_momentum, base_momentum`,
    ],
    [
      'an invalid saved option',
      (sd) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], betas: [0.9, 1] } as never] }),
      `${L}paramGroups[0].betas must be an array of 2 numbers ≥ 0 and < 1, got [0.9, 1]`,
    ],
    [
      'a NaN learning rate (null once through JSON)',
      (sd) => ({ ...sd, paramGroups: [{ ...sd.paramGroups[0], lr: null } as never] }),
      `${L}paramGroups[0].lr must be a number ≥ 0, got null`,
    ],
    [
      'a non-tensor',
      (sd) => ({ ...sd, state: { ...sd.state, 'state.0.exp_avg': [1, 2] as never } }),
      `${L}'state.0.exp_avg' must be a Tensor, got [1, 2]`,
    ],
  ];
  for (const [name, corrupt, message] of cases) {
    it(`${name}, and changes nothing`, async () => {
      const { opt, params, sd } = adamWithState();
      const bad = corrupt(sd);
      expect(await rejectionOf(opt.loadStateDict(bad))).toBe(message);
      const after = opt.stateDict();
      expect(Object.keys(after.state)).toEqual(Object.keys(sd.state));
      expect(after.paramGroups).toEqual(sd.paramGroups);
      for (const t of Object.values(bad.state ?? {}))
        if (typeof t?.dispose === 'function') t.dispose();
      disposeState(sd);
      disposeState(after);
      disposeAll(opt, params);
    });
  }

  it('casts state to the parameter dtype, as PyTorch does', async () => {
    const p = zeros([2], { dtype: 'float64', requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    const buf = tensor([1, 2]);
    await opt.loadStateDict({
      state: { 'state.0.momentum_buffer': buf },
      paramGroups: [
        {
          params: [0],
          lr: 0.1,
          momentum: 0.9,
          dampening: 0,
          weight_decay: 0,
          nesterov: false,
          maximize: false,
        },
      ],
    });
    const sd = opt.stateDict();
    expect(sd.state['state.0.momentum_buffer']?.dtype).toBe('float64');
    buf.dispose();
    disposeState(sd);
    disposeAll(opt, [p]);
  });

  it('refuses to step, save or load again while a load is still reading its tensors', async () => {
    const p = zeros([2], { requiresGrad: true });
    const opt = new Adam([p], { lr: 0.1 });
    p.grad = tensor([1, 1], { dtype: 'float32' });
    opt.step();
    const sd = opt.stateDict();
    // PyTorch's load_state_dict is synchronous, so a missing await is an easy slip: the steps
    // taken meanwhile would use the old state and then be overwritten.
    const pending = opt.loadStateDict(sd);
    const message = (method: string) =>
      `Adam.${method}: loadStateDict has not finished; await optimizer.loadStateDict(...) before using the optimizer`;
    expect(errorOf(() => opt.step())).toBe(message('step'));
    expect(errorOf(() => opt.zeroGrad())).toBe(message('zeroGrad'));
    expect(errorOf(() => opt.stateDict())).toBe(message('stateDict'));
    expect(await rejectionOf(opt.loadStateDict(sd))).toBe(message('loadStateDict'));
    await pending;
    opt.step(); // usable again once the load has finished
    disposeState(sd);
    disposeAll(opt, [p]);
  });

  it("NAdam's mu_product must be one finite number", async () => {
    const p = zeros([3], { requiresGrad: true });
    const opt = new NAdam([p]);
    p.grad = zeros([3]).add(1);
    opt.step();
    const sd = opt.stateDict();
    const wide = zeros([3]);
    const nan = tensor(Number.NaN);
    expect(
      await rejectionOf(
        opt.loadStateDict({ ...sd, state: { ...sd.state, 'state.0.mu_product': wide } }),
      ),
    ).toBe("NAdam.loadStateDict: 'state.0.mu_product' is [3] but must be a single number");
    expect(
      await rejectionOf(
        opt.loadStateDict({ ...sd, state: { ...sd.state, 'state.0.mu_product': nan } }),
      ),
    ).toBe("NAdam.loadStateDict: 'state.0.mu_product' must be a finite number, got NaN");
    const after = opt.stateDict();
    expect(after.state['state.0.mu_product']?.itemSync()).toBe(
      sd.state['state.0.mu_product']?.itemSync(),
    );
    for (const t of [wide, nan]) t.dispose();
    disposeState(sd);
    disposeState(after);
    disposeAll(opt, [p]);
  });

  it('accepts PyTorch-only group keys', async () => {
    const { opt, params, sd } = adamWithState();
    const torchGroup = {
      ...sd.paramGroups[0],
      foreach: null,
      capturable: false,
      differentiable: false,
      fused: false,
    };
    await opt.loadStateDict({ state: sd.state, paramGroups: [torchGroup as never] });
    disposeState(sd);
    disposeAll(opt, params);
  });
});

describe('hyper-parameters are checked like PyTorch checks them', () => {
  const p = () => [zeros([1], { requiresGrad: true })];
  const cases: [string, () => unknown, string][] = [
    [
      'SGD without lr',
      () => new SGD(p(), {} as never),
      "SGD: option 'lr' is required (SGD has no default lr)",
    ],
    [
      'SGD without options',
      () => new SGD(p(), undefined as never),
      "SGD: option 'lr' is required (SGD has no default lr)",
    ],
    [
      'SGD with a positional lr',
      () => new SGD(p(), 0.1 as never),
      'SGD: options must be an object such as { lr: 0.1 }, got 0.1',
    ],
    [
      'SGD negative lr',
      () => new SGD(p(), { lr: -0.1 }),
      "SGD: option 'lr' must be a number ≥ 0, got -0.1",
    ],
    [
      'SGD NaN lr',
      () => new SGD(p(), { lr: Number.NaN }),
      "SGD: option 'lr' must be a number ≥ 0, got NaN",
    ],
    [
      'SGD infinite lr',
      () => new SGD(p(), { lr: Infinity }),
      "SGD: option 'lr' must be a number ≥ 0, got Infinity",
    ],
    [
      'SGD negative momentum',
      () => new SGD(p(), { lr: 0.1, momentum: -1 }),
      "SGD: option 'momentum' must be a number ≥ 0, got -1",
    ],
    [
      'SGD negative weight decay',
      () => new SGD(p(), { lr: 0.1, weightDecay: -1 }),
      "SGD: option 'weightDecay' must be a number ≥ 0, got -1",
    ],
    [
      'SGD nesterov without momentum',
      () => new SGD(p(), { lr: 0.1, nesterov: true }),
      'SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0',
    ],
    [
      'SGD nesterov with dampening',
      () => new SGD(p(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      'SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0.9 and dampening 0.1',
    ],
    [
      'Adam beta1 = 1',
      () => new Adam(p(), { betas: [1, 0.999] }),
      "Adam: option 'betas' must be an array of 2 numbers ≥ 0 and < 1, got [1,0.999]",
    ],
    [
      'Adam beta2 < 0',
      () => new Adam(p(), { betas: [0.9, -0.1] }),
      "Adam: option 'betas' must be an array of 2 numbers ≥ 0 and < 1, got [0.9,-0.1]",
    ],
    [
      'Adam negative eps',
      () => new Adam(p(), { eps: -1e-8 }),
      "Adam: option 'eps' must be a number ≥ 0, got -1e-8",
    ],
    [
      'Adam negative lr',
      () => new Adam(p(), { lr: -1 }),
      "Adam: option 'lr' must be a number ≥ 0, got -1",
    ],
    [
      'AdamW negative weight decay',
      () => new AdamW(p(), { weightDecay: -0.01 }),
      "AdamW: option 'weightDecay' must be a number ≥ 0, got -0.01",
    ],
    [
      'AdamW betas not a pair',
      () => new AdamW(p(), { betas: [0.9] as never }),
      "AdamW: option 'betas' must be an array of 2 numbers ≥ 0 and < 1, got [0.9]",
    ],
    [
      'RMSprop negative alpha',
      () => new RMSprop(p(), { alpha: -0.5 }),
      "RMSprop: option 'alpha' must be a number ≥ 0, got -0.5",
    ],
    [
      'RMSprop negative momentum',
      () => new RMSprop(p(), { momentum: -0.5 }),
      "RMSprop: option 'momentum' must be a number ≥ 0, got -0.5",
    ],
    [
      'RMSprop centered not boolean',
      () => new RMSprop(p(), { centered: 1 as never }),
      "RMSprop: option 'centered' must be a boolean, got 1",
    ],
    [
      'Adagrad negative lrDecay',
      () => new Adagrad(p(), { lrDecay: -1 }),
      "Adagrad: option 'lrDecay' must be a number ≥ 0, got -1",
    ],
    [
      'Adagrad negative initial accumulator',
      () => new Adagrad(p(), { initialAccumulatorValue: -1 }),
      "Adagrad: option 'initialAccumulatorValue' must be a number ≥ 0, got -1",
    ],
    [
      'Adadelta rho above 1',
      () => new Adadelta(p(), { rho: 1.5 }),
      "Adadelta: option 'rho' must be a number ≥ 0 and ≤ 1, got 1.5",
    ],
    [
      'Adadelta negative eps',
      () => new Adadelta(p(), { eps: -1e-6 }),
      "Adadelta: option 'eps' must be a number ≥ 0, got -0.000001",
    ],
    [
      "Adadelta's weight_decay",
      () => new Adadelta(p(), { weight_decay: 1e-4 } as never),
      "Adadelta: unknown option 'weight_decay' (did you mean 'weightDecay'?); the options are lr, rho, eps, weightDecay, maximize",
    ],
    [
      'NAdam negative momentumDecay',
      () => new NAdam(p(), { momentumDecay: -0.004 }),
      "NAdam: option 'momentumDecay' must be a number ≥ 0, got -0.004",
    ],
    [
      "NAdam's momentum_decay",
      () => new NAdam(p(), { momentum_decay: 0.004 } as never),
      "NAdam: unknown option 'momentum_decay' (did you mean 'momentumDecay'?); the options are lr, betas, eps, weightDecay, momentumDecay",
    ],
    [
      'NAdam maximize, which PyTorch 1.13 does not have',
      () => new NAdam(p(), { maximize: true } as never),
      "NAdam: unknown option 'maximize'; the options are lr, betas, eps, weightDecay, momentumDecay",
    ],
    [
      'RAdam beta2 = 1',
      () => new RAdam(p(), { betas: [0.9, 1] }),
      "RAdam: option 'betas' must be an array of 2 numbers ≥ 0 and < 1, got [0.9,1]",
    ],
    [
      'RAdam negative weight decay in a group',
      () => new RAdam([{ params: p() }, { params: p(), weightDecay: -1 }]),
      "RAdam: paramGroups[1]: option 'weightDecay' must be a number ≥ 0, got -1",
    ],
    [
      'Adamax betas not a pair',
      () => new Adamax(p(), { betas: [0.9, 0.99, 0.999] as never }),
      "Adamax: option 'betas' must be an array of 2 numbers ≥ 0 and < 1, got [0.9,0.99,0.999]",
    ],
    [
      'Adamax negative lr',
      () => new Adamax(p(), { lr: -2e-3 }),
      "Adamax: option 'lr' must be a number ≥ 0, got -0.002",
    ],
    [
      'a misspelled option',
      () => new SGD(p(), { lr: 0.1, momentun: 0.9 } as never),
      "SGD: unknown option 'momentun' (did you mean 'momentum'?); the options are lr, momentum, dampening, weightDecay, nesterov, maximize",
    ],
    [
      "PyTorch's spelling of an option",
      () => new SGD(p(), { lr: 0.1, weight_decay: 1e-4 } as never),
      "SGD: unknown option 'weight_decay' (did you mean 'weightDecay'?); the options are lr, momentum, dampening, weightDecay, nesterov, maximize",
    ],
    [
      "Adam's weight_decay",
      () => new Adam(p(), { weight_decay: 1e-4 } as never),
      "Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?); the options are lr, betas, eps, weightDecay, amsgrad, maximize",
    ],
    [
      'beta1 for betas',
      () => new Adam(p(), { beta1: 0.8 } as never),
      "Adam: unknown option 'beta1' (did you mean 'betas'?); the options are lr, betas, eps, weightDecay, amsgrad, maximize",
    ],
    [
      'a bad option in a group',
      () => new Adam([{ params: p() }, { params: p(), lr: -3 }]),
      "Adam: paramGroups[1]: option 'lr' must be a number ≥ 0, got -3",
    ],
    [
      'an unknown group option',
      () => new Adam([{ params: p(), momentum: 0.9 } as never]),
      "Adam: paramGroups[0]: unknown option 'momentum'; the options are params, lr, betas, eps, weightDecay, amsgrad, maximize",
    ],
    [
      'a misspelled group option',
      () => new SGD([{ params: p() }, { params: p(), momentun: 0.9 } as never], { lr: 0.1 }),
      "SGD: paramGroups[1]: unknown option 'momentun' (did you mean 'momentum'?); the options are params, lr, momentum, dampening, weightDecay, nesterov, maximize",
    ],
    [
      'a group that is not an object',
      () => new Adam([{ params: p() }, 3 as never]),
      'Adam: paramGroups[1] must be an object such as { params, lr, betas, eps, weightDecay, amsgrad, maximize }, got 3',
    ],
    [
      'a group without params',
      () => new Adam([{ lr: 0.1 } as never]),
      'Adam: paramGroups[0] has no params',
    ],
    [
      'group params that are not tensors',
      () => new Adam([{ params: 3 as never }]),
      "Adam: paramGroups[0]: option 'params' must be a tensor or an array of tensors, got 3",
    ],
    ['an empty parameter list', () => new Adam([]), 'Adam: got an empty parameter list'],
    [
      'a single tensor',
      () => new Adam(zeros([1]) as never),
      'Adam: params must be an array of tensors or of parameter groups, got a tensor [1]',
    ],
    [
      'a model instead of its parameters',
      () => new Adam({ parameters: () => p() } as never),
      'Adam: params must be an array of tensors or of parameter groups, got an object (pass model.parameters())',
    ],
    [
      'a callable model instead of its parameters',
      () => new Adam(new Linear(2, 1) as never),
      'Adam: params must be an array of tensors or of parameter groups, got a Linear (pass model.parameters())',
    ],
    [
      'a non-tensor parameter',
      () => new Adam([{ params: [3 as never] }]),
      'Adam: paramGroups[0].params[0] must be a Tensor, got 3',
    ],
    [
      'an integer parameter',
      () => new Adam([zeros([1], { dtype: 'int32' })]),
      'Adam: paramGroups[0].params[0] must be a float tensor, got int32',
    ],
    [
      'a disposed parameter',
      () => {
        const [x] = p() as [Tensor];
        x.dispose();
        return new Adam([x]);
      },
      'Adam: paramGroups[0].params[0] [1] was disposed',
    ],
    [
      'a parameter twice',
      () => {
        const [x] = p();
        return new SGD([{ params: [x as Tensor] }, { params: [x as Tensor] }], { lr: 1 });
      },
      'SGD: paramGroups[1].params[0] [1] appears more than once among the parameters',
    ],
    [
      'a non-leaf parameter',
      () => {
        const [x] = p();
        return new SGD([(x as Tensor).mul(2)], { lr: 1 });
      },
      'SGD: paramGroups[0].params[0] is not a leaf tensor; optimize the tensor it was computed from',
    ],
  ];
  for (const [name, make, message] of cases) {
    it(`rejects ${name}`, () => {
      tidy(() => expect(errorOf(make)).toBe(message));
    });
  }
});

describe('step and zeroGrad', () => {
  it('zeroGrad disposes the gradients and sets them to null; a parameter without one is skipped', () => {
    const a = f([1, 2], true);
    const b = f([3], true);
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = f([1, 1]);
    const g = a.grad;
    opt.step();
    expect(opt.stateDict().state['state.1.step']).toBeUndefined();
    expect(Array.from(b.dataSync())).toEqual([3]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    const before = Array.from(a.dataSync());
    opt.step();
    expect(Array.from(a.dataSync())).toEqual(before);
    disposeAll(opt, [a, b]);
  });

  it('zeroGrad(false) keeps zero gradients, which optimizers do step on', () => {
    const a = f([1, 2], true);
    const opt = new Adam([a], { lr: 0.1, weightDecay: 0.5 });
    a.grad = f([1, 1]);
    const g = a.grad;
    opt.zeroGrad(false);
    expect(a.grad).toBe(g);
    expect(Array.from(g.dataSync())).toEqual([0, 0]);
    const before = Array.from(a.dataSync());
    opt.step();
    expect(Array.from(a.dataSync())).not.toEqual(before);
    disposeAll(opt, [a]);
  });

  it('reads lr from the group at every step', () => {
    const a = f([0], true);
    const opt = new SGD([a], { lr: 1 });
    a.grad = f([1]);
    opt.step();
    (opt.paramGroups[0] as { lr: number }).lr = 0.25;
    opt.step();
    expect(a.dataSync()[0]).toBe(-1.25);
    disposeAll(opt, [a]);
  });

  it('addParamGroup adds parameters with their own options', () => {
    const a = f([0], true);
    const b = f([0], true);
    const opt = new SGD([a], { lr: 1 });
    opt.addParamGroup({ params: [b], lr: 0.5 });
    a.grad = f([1]);
    b.grad = f([1]);
    opt.step();
    expect([a.dataSync()[0], b.dataSync()[0]]).toEqual([-1, -0.5]);
    expect(() => opt.addParamGroup({ params: a })).toThrow(/appears more than once/);
    disposeAll(opt, [a, b]);
  });

  it('step(closure) evaluates the closure and returns its loss', () => {
    const a = f([2], true);
    const opt = new SGD([a], { lr: 0.25 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = tidy(() => a.square().sum());
      l.backward();
      return l;
    });
    expect(loss?.itemSync()).toBe(4);
    expect(a.dataSync()[0]).toBe(1);
    loss?.dispose();
    disposeAll(opt, [a]);
  });

  it('rejects a disposed gradient and a disposed optimizer', () => {
    const a = f([1, 2], true);
    const opt = new SGD([a], { lr: 1 });
    a.grad = f([1, 1]);
    a.grad.dispose();
    expect(errorOf(() => opt.step())).toBe(
      'SGD.step: the gradient of parameter 0 [2] was disposed',
    );
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    opt.dispose();
    expect(errorOf(() => opt.step())).toBe('SGD.step: the optimizer was disposed');
    expect(errorOf(() => opt.stateDict())).toBe('SGD.stateDict: the optimizer was disposed');
    a.dispose();
  });

  it('checks the hyper-parameters at every step, as schedulers and users change them', () => {
    const a = f([1, 2], true);
    const b = f([3], true);
    const opt = new Adam([{ params: [a] }, { params: [b] }]);
    a.grad = f([1, 1]);
    b.grad = f([1]);
    const groups = opt.paramGroups as { lr: number; betas: number[] }[];
    (groups[1] as { lr: number }).lr = Number.NaN;
    expect(errorOf(() => opt.step())).toBe(
      'Adam.step: paramGroups[1].lr must be a number ≥ 0, got NaN',
    );
    (groups[1] as { lr: number }).lr = 0.1;
    (groups[0] as { betas: number[] }).betas = [0.9, 1.5];
    expect(errorOf(() => opt.step())).toBe(
      'Adam.step: paramGroups[0].betas must be an array of 2 numbers ≥ 0 and < 1, got [0.9, 1.5]',
    );
    // Nothing was updated by the refused steps.
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    expect(Array.from(b.dataSync())).toEqual([3]);
    const sgd = new SGD([b], { lr: 0.1, momentum: 0.9, nesterov: true });
    (sgd.paramGroups[0] as { momentum: number }).momentum = 0;
    expect(errorOf(() => sgd.step())).toBe(
      'SGD.step: paramGroups[0].nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0',
    );
    sgd.dispose();
    disposeAll(opt, [a, b]);
  });

  it('checks the arguments of step and zeroGrad', () => {
    const a = f([1, 2], true);
    const opt = new SGD([a], { lr: 1 });
    expect(errorOf(() => opt.step(3 as never))).toBe('SGD.step: closure must be a function, got 3');
    expect(errorOf(() => opt.zeroGrad('no' as never))).toBe(
      "SGD.zeroGrad: setToNone must be a boolean, got 'no'",
    );
    disposeAll(opt, [a]);
  });
});

describe('memory', () => {
  const makers: [string, (params: Tensor[]) => AnyOptimizer][] = [
    ['SGD', (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 })],
    ['Adam', (ps) => new Adam(ps, { amsgrad: true, weightDecay: 1e-4 })],
    ['AdamW', (ps) => new AdamW(ps)],
    ['RMSprop', (ps) => new RMSprop(ps, { centered: true, momentum: 0.5 })],
    ['Adagrad', (ps) => new Adagrad(ps, { lrDecay: 0.01 })],
    ['Adadelta', (ps) => new Adadelta(ps, { weightDecay: 1e-4 })],
    ['NAdam', (ps) => new NAdam(ps, { weightDecay: 1e-4 })],
    ['RAdam', (ps) => new RAdam(ps, { weightDecay: 1e-4 })],
    ['Adamax', (ps) => new Adamax(ps, { weightDecay: 1e-4, maximize: false })],
  ];
  for (const [name, make] of makers) {
    it(`${name}: 200 steps of a training loop leave memory() flat, dispose() frees the state`, () => {
      const baseline = memory();
      const w = tensor(
        [
          [0.5, -0.2, 0.1],
          [0.3, 0.8, -0.4],
        ],
        { requiresGrad: true },
      );
      const b = tensor([0.1, -0.1], { requiresGrad: true });
      const x = tensor([
        [1, 2, 3],
        [0.5, -1, 2],
        [-1, 0, 1],
        [2, 2, -2],
      ]);
      const y = tensor([
        [1, 0],
        [0, 1],
        [1, 1],
        [0, 0],
      ]);
      const opt = make([w, b]);
      const warmup = new LinearLR(opt, { startFactor: 0.5, totalIters: 10 });
      const cosine = new CosineAnnealingLR(opt, { tMax: 190 });
      const schedule = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [10] });
      let afterWarmup = memory();
      for (let step = 0; step < 200; step++) {
        opt.zeroGrad();
        tidy(() => {
          const out = x.matmul(w.transpose()).add(b);
          out.sub(y).square().mean().backward();
        });
        clipGradNorm([w, b], 1).dispose();
        opt.step();
        schedule.step();
        if (step === 9) afterWarmup = memory();
      }
      const end = memory();
      expect(end.numTensors).toBe(afterWarmup.numTensors);
      expect(end.numBytes).toBe(afterWarmup.numBytes);
      opt.zeroGrad();
      opt.dispose();
      for (const t of [w, b, x, y]) t.dispose();
      expect(memory().numTensors).toBe(baseline.numTensors);
      expect(memory().numBytes).toBe(baseline.numBytes);
    });
  }
});
