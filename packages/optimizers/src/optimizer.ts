import {
  cast,
  fmtShape,
  isFloat,
  isTensor,
  keep,
  noGrad,
  type OptionRule,
  type Tensor,
  tensor,
  tidy,
  zerosLike,
} from '@stride/core';
import {
  arg,
  checkNested,
  checkOptions,
  disposedParameter,
  fail,
  isRecord,
  movedTo,
  option,
  parametersHint,
  show,
} from './check.js';
import type {
  BaseHyper,
  HyperSpec,
  HyperSpecs,
  ParamGroup,
  ParamGroupInput,
  Params,
} from './param-group.js';
import {
  groupFromJson,
  groupToJson,
  type OptimizerStateDict,
  type ParamGroupState,
  parseStateKey,
  stateKey,
} from './state-dict.js';

/** What a parameter's optimizer state holds: a step count and named tensors (PyTorch's names). */
export interface ParamState {
  /** Steps taken for this parameter, for optimizers that count them. */
  step?: number;
  /** Other single numbers by PyTorch's names (NAdam's `mu_product`): see `scalarKeys`. */
  readonly scalars: Map<string, number>;
  /** The state tensors by PyTorch's names (`exp_avg`, `momentum_buffer`, ...). */
  readonly buffers: Map<string, Tensor>;
}

/** What a concrete optimizer tells the base class about itself. */
export interface OptimizerRules<H extends BaseHyper> {
  /** Public name, the start of every error message (`'Adam'`). */
  readonly name: string;
  /** Each hyper-parameter's PyTorch name and rule, for state dicts and option checks. */
  readonly specs: HyperSpecs<H>;
  /** The state keys it keeps per parameter (with `step` if it counts steps). */
  readonly stateKeys: readonly string[];
  /**
   * The state keys, besides `step`, that hold one number rather than a tensor like the parameter
   * (NAdam's `mu_product`). They are kept as numbers in `ParamState.scalars` and saved as float32
   * scalar tensors, as PyTorch keeps them.
   */
  readonly scalarKeys?: readonly string[];
  /**
   * Checks that involve several hyper-parameters (each one alone is checked by its rule): throws
   * a StrideError for `fn`, naming options by `where` (`nesterov`, `paramGroups[1].nesterov`).
   */
  validate?(h: H, fn: string, where: (option: string) => string): void;
}

/**
 * The base of every optimizer, with PyTorch's `torch.optim.Optimizer` semantics: parameters in
 * groups with per-group options, `step()` updating every parameter that has a gradient (a
 * parameter without one is skipped, state and all), `zeroGrad()`, and a state dict.
 *
 * Parameters change only through `Tensor.assign`, inside `noGrad` and `tidy`: a step leaves
 * nothing behind but the new parameter values and the optimizer's own state tensors, which are
 * kept out of every `tidy` scope and freed as soon as they are replaced, or by `dispose()`.
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** The hyper-parameters a group gets for every option it leaves out (frozen). */
  readonly defaults: Readonly<H>;
  /** Mutable, as in PyTorch: schedulers set `lr` here, and a change applies at the next step. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** The state of each parameter that has one, keyed by the parameter tensor. */
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly rules: OptimizerRules<H>;
  private disposed = false;
  /** True while a `loadStateDict` is reading its tensors: the state is not the loaded one yet. */
  private loading = false;

  /**
   * `options` are the user's (checked here against the rules' `specs`); `defaults` fill in what
   * they leave out, and a hyper-parameter without a default (SGD's `lr`) must be given.
   */
  protected constructor(
    params: Params<H>,
    options: unknown,
    defaults: Partial<H>,
    rules: OptimizerRules<H>,
  ) {
    const name = rules.name;
    this.rules = rules;
    if (typeof options === 'number') {
      // PyTorch takes lr positionally; here it is an option.
      fail(name, `options must be an object such as { lr: ${options} }, got ${options}`);
    }
    const given = checkOptions(name, options, this.optionRules());
    const merged = { ...defaults, ...given } as Record<string, unknown>;
    for (const key of Object.keys(rules.specs)) {
      if (merged[key] === undefined) {
        fail(name, `option '${key}' is required (${name} has no default ${key})`);
      }
      if (Array.isArray(merged[key])) merged[key] = [...(merged[key] as unknown[])];
    }
    rules.validate?.(merged as H, name, (option) => option);
    this.defaults = Object.freeze(merged as H);
    if (
      isTensor(params) ||
      params === null ||
      typeof params !== 'object' ||
      typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function'
    ) {
      fail(
        name,
        `params must be an array of tensors or of parameter groups, got ${show(params)}${parametersHint(params)}`,
      );
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<H>>)];
    if (list.length === 0) fail(name, 'got an empty parameter list');
    const groups = isTensor(list[0])
      ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>]
      : list;
    for (const group of groups) this.addParamGroup(group as ParamGroupInput<H>);
  }

  /** The public name of this optimizer (`'SGD'`, `'Adam'`, ...). */
  get name(): string {
    return this.rules.name;
  }

  /**
   * Adds a group (e.g. layers unfrozen while fine-tuning); options it leaves out take the
   * defaults. A parameter may belong to one group only.
   */
  addParamGroup(input: ParamGroupInput<H>): void {
    const name = this.rules.name;
    const where = `paramGroups[${this.paramGroups.length}]`;
    this.checkReady('addParamGroup');
    const paramsRule = option.custom<Tensor | Iterable<Tensor>>(
      'a tensor or an array of tensors',
      (v) => isTensor(v) || (v !== null && typeof v === 'object' && Symbol.iterator in v),
    );
    const { params: raw, ...options } = checkNested(name, where, input, {
      params: paramsRule,
      ...this.optionRules(),
    });
    if (raw === undefined) fail(name, `${where} has no params`);
    const params = isTensor(raw) ? [raw] : [...raw];
    const seen = new Set(this.paramGroups.flatMap((g) => [...g.params]));
    params.forEach((p, i) => {
      const label = `${where}.params[${i}]`;
      if (!isTensor(p)) fail(name, `${label} must be a Tensor, got ${show(p)}`);
      if (p.isDisposed) fail(name, disposedParameter(label, p));
      if (!isFloat(p.dtype)) fail(name, `${label} must be a float tensor, got ${p.dtype}`);
      if (!p.isLeaf)
        fail(name, `${label} is not a leaf tensor; optimize the tensor it was computed from`);
      if (seen.has(p)) fail(name, `${label} ${fmt(p)} appears more than once among the parameters`);
      seen.add(p);
    });
    const group = { ...this.defaults, ...options, params } as unknown as ParamGroup<H>;
    // Pairs (betas) are copied so that no two groups, nor the defaults, share one array.
    for (const [key, value] of Object.entries(group)) {
      if (key !== 'params' && Array.isArray(value))
        (group as unknown as Record<string, unknown>)[key] = [...value];
    }
    this.rules.validate?.(group, name, (option) => `${where}.${option}`);
    this.paramGroups.push(group);
  }

  /**
   * One optimization step: updates every parameter that has a gradient. `closure`, when given,
   * re-evaluates the model and returns the loss (with gradients computed); its loss is returned.
   */
  step(closure?: () => Tensor): Tensor | undefined {
    this.checkReady('step');
    const fn = `${this.rules.name}.step`;
    if (closure !== undefined) arg(fn, 'closure', closure, option.function);
    const loss = closure ? closure() : undefined;
    // Everything is checked before anything changes, so a bad gradient updates no parameter.
    // The hyper-parameters too: schedulers and users change them between steps.
    for (const [g, group] of this.paramGroups.entries()) {
      this.checkGroup(fn, group, `paramGroups[${g}]`);
    }
    const work: [Tensor, Tensor, ParamGroup<H>][] = [];
    let i = 0;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.isDisposed) {
          const device = movedTo(p);
          fail(
            fn,
            device === undefined
              ? `parameter ${i} ${fmt(p)} was disposed`
              : `parameter ${i} ${fmt(p)} was moved to '${device}' by model.to() after the optimizer was built, which replaced it with a new tensor; build the optimizer after model.to(...), as in PyTorch`,
          );
        }
        const grad = p.grad as unknown;
        if (grad !== null) {
          if (!isTensor(grad)) {
            fail(
              fn,
              `the gradient of parameter ${i} ${fmt(p)} must be a Tensor or null, got ${show(grad)}`,
            );
          }
          if (grad.isDisposed) fail(fn, `the gradient of parameter ${i} ${fmt(p)} was disposed`);
          if (grad.device !== p.device) {
            fail(
              fn,
              `the gradient of parameter ${i} is on '${grad.device}' but the parameter is on '${p.device}'`,
            );
          }
          if (grad.dtype !== p.dtype || !sameShape(grad, p)) {
            fail(
              fn,
              `the gradient of parameter ${i} is ${fmt(grad)} ${grad.dtype} but the parameter is ${fmt(p)} ${p.dtype}`,
            );
          }
          work.push([p, grad, group]);
        }
        i++;
      }
    }
    noGrad(() => {
      for (const [p, grad, group] of work) tidy(() => this.update(p, grad, group, this.stateOf(p)));
    });
    return loss;
  }

  /**
   * Clears every parameter's gradient. By default the gradients are disposed and set to null
   * (`set_to_none=True`, PyTorch's default since 2.0; 1.13 defaulted to zeroing): a parameter
   * without a gradient is skipped by `step()`. With `setToNone = false` they become zeros
   * instead, which optimizers do step on (weight decay and momentum still move the parameter).
   */
  zeroGrad(setToNone = true): void {
    this.checkReady('zeroGrad');
    arg(`${this.rules.name}.zeroGrad`, 'setToNone', setToNone, option.boolean);
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        if (setToNone) {
          p.grad = null;
          // Setting the grad disposes the old one; disposing twice is harmless.
          g.dispose();
        } else if (!g.isDisposed) {
          noGrad(() => tidy(() => g.assign(zerosLike(g))));
        }
      }
    }
  }

  /**
   * The state as named tensors plus JSON (see state-dict.ts for the mapping onto PyTorch).
   * The tensors are a snapshot that later steps do not change; the caller owns them and
   * disposes them (after saving, typically).
   */
  stateDict(): OptimizerStateDict {
    this.checkReady('stateDict');
    const state: Record<string, Tensor> = {};
    const paramGroups: ParamGroupState[] = [];
    let index = 0;
    for (const group of this.paramGroups) {
      const indices: number[] = [];
      for (const p of group.params) {
        const i = index++;
        indices.push(i);
        const s = this.state.get(p);
        if (!s) continue;
        if (s.step !== undefined) {
          state[stateKey(i, 'step')] = tensor(s.step, { dtype: 'float32', device: p.device });
        }
        for (const [key, v] of s.scalars) {
          state[stateKey(i, key)] = tensor(v, { dtype: 'float32', device: p.device });
        }
        // Storage is never written in place, so a new handle on it is a snapshot.
        for (const [key, t] of s.buffers) state[stateKey(i, key)] = t.detach();
      }
      paramGroups.push(groupToJson(group, this.rules.specs, indices));
    }
    return { state, paramGroups };
  }

  /**
   * Restores state saved by `stateDict()` (here or, through the mapping in state-dict.ts, by
   * PyTorch). Checked in full before anything changes: the groups and their sizes must match,
   * every state name must be known to this optimizer and every tensor must have its
   * parameter's shape. Tensors are moved to the parameter's device and cast to its dtype, as
   * PyTorch does; the caller keeps ownership of the tensors it passed. Asynchronous because
   * the step counts are read from their tensors.
   */
  async loadStateDict(stateDict: OptimizerStateDict): Promise<void> {
    const fn = `${this.rules.name}.loadStateDict`;
    this.checkReady('loadStateDict');
    if (
      !isRecord(stateDict) ||
      !isRecord(stateDict.state) ||
      !Array.isArray(stateDict.paramGroups)
    ) {
      const packed = isRecord(stateDict) && 'tensors' in stateDict && 'metadata' in stateDict;
      const hint = packed ? ' (a checkpoint file: pass unpackOptimizerState(file))' : '';
      fail(fn, `expected { state, paramGroups }, got ${show(stateDict)}${hint}`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      fail(
        fn,
        `the state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`,
      );
    }
    // Saved parameter numbers map onto this optimizer's parameters in order, as in PyTorch.
    const byIndex = new Map<number, Tensor>();
    const options = saved.map((json, g) => {
      const where = `paramGroups[${g}]`;
      const group = this.paramGroups[g] as ParamGroup<H>;
      const ids = isRecord(json) ? json.params : undefined;
      if (!Array.isArray(ids) || !ids.every((v) => Number.isInteger(v) && v >= 0)) {
        fail(fn, `${where}.params must be an array of parameter numbers, got ${show(ids)}`);
      }
      if (ids.length !== group.params.length) {
        fail(
          fn,
          `${where} has ${ids.length} parameters in the state dict but ${group.params.length} in the optimizer`,
        );
      }
      ids.forEach((id, k) => {
        if (byIndex.has(id))
          fail(fn, `parameter number ${id} appears in more than one place in paramGroups`);
        byIndex.set(id, group.params[k] as Tensor);
      });
      const parsed = groupFromJson(fn, where, json, this.rules.specs);
      const merged = { ...group, ...parsed };
      this.rules.validate?.(merged, fn, (option) => `${where}.${option}`);
      return parsed;
    });

    const entries: [Tensor, string, Tensor, string][] = [];
    for (const [name, value] of Object.entries(stateDict.state)) {
      const parsed = parseStateKey(name);
      if (!parsed) fail(fn, `state name '${name}' is not of the form 'state.<i>.<key>'`);
      const [id, key] = parsed;
      const p = byIndex.get(id);
      if (!p) fail(fn, `'${name}' is for parameter ${id}, which no group lists`);
      if (!this.rules.stateKeys.includes(key)) {
        fail(
          fn,
          `'${name}': ${this.rules.name} keeps no '${key}' (its state is ${this.rules.stateKeys.join(', ')})`,
        );
      }
      if (!isTensor(value)) fail(fn, `'${name}' must be a Tensor, got ${show(value)}`);
      if (value.isDisposed) fail(fn, `'${name}' was disposed`);
      const scalar = key === 'step' || (this.rules.scalarKeys?.includes(key) ?? false);
      if (scalar ? value.size !== 1 : !sameShape(value, p)) {
        const want = scalar ? 'a single number' : `${fmt(p)} like the parameter`;
        fail(fn, `'${name}' is ${fmt(value)} but must be ${want}`);
      }
      entries.push([p, key, value, name]);
    }

    // Everything checked: read the numbers, move and cast the buffers, then swap the state.
    const fresh = new Map<Tensor, ParamState>();
    const made: Tensor[] = [];
    this.loading = true;
    try {
      for (const [p, key, value, name] of entries) {
        const s: ParamState = fresh.get(p) ?? { scalars: new Map(), buffers: new Map() };
        fresh.set(p, s);
        if (key === 'step') {
          const step = await value.item();
          if (!Number.isInteger(step) || step < 0)
            fail(fn, `'${name}' must be a whole number of steps, got ${step}`);
          s.step = step;
          continue;
        }
        if (this.rules.scalarKeys?.includes(key)) {
          const v = await value.item();
          if (!Number.isFinite(v)) fail(fn, `'${name}' must be a finite number, got ${v}`);
          s.scalars.set(key, v);
          continue;
        }
        const moved = value.device === p.device ? value : await value.to(p.device);
        const own = keep(
          noGrad(() => (moved.dtype === p.dtype ? moved.detach() : cast(moved, p.dtype))),
        );
        if (moved !== value) moved.dispose();
        made.push(own);
        s.buffers.set(key, own);
      }
    } catch (error) {
      for (const t of made) t.dispose();
      throw error;
    } finally {
      this.loading = false;
    }
    if (this.disposed) {
      for (const t of made) t.dispose();
      this.checkAlive('loadStateDict');
    }
    this.disposeState();
    for (const [p, s] of fresh) this.state.set(p, s);
    for (const [g, parsed] of options.entries()) {
      Object.assign(this.paramGroups[g] as ParamGroup<H>, parsed);
    }
  }

  /** Frees the optimizer's state tensors (not the parameters); the optimizer cannot be used after. */
  dispose(): void {
    this.disposeState();
    this.disposed = true;
  }

  /**
   * Whether `dispose()` has been called; `step`, `zeroGrad`, `addParamGroup`, `stateDict` and
   * `loadStateDict` then throw a StrideError.
   */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Updates one parameter from its gradient. Runs inside `noGrad` and `tidy`: intermediate
   * tensors need no care, state goes through `setBuffer`, the result through `p.assign`.
   */
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<H>, state: ParamState): void;

  /** The state of `p`, created empty on first use (PyTorch's `defaultdict(dict)`). */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = { scalars: new Map(), buffers: new Map() };
      this.state.set(p, s);
    }
    return s;
  }

  /** Stores a state tensor under its own handle, outside every tidy scope; frees the old one. */
  protected setBuffer(state: ParamState, key: string, value: Tensor): Tensor {
    const own = keep(value.detach());
    const old = state.buffers.get(key);
    state.buffers.set(key, own);
    old?.dispose();
    return own;
  }

  /** The rules of the options and group options: one per hyper-parameter. */
  private optionRules(): Record<string, OptionRule<unknown>> {
    const out: Record<string, OptionRule<unknown>> = {};
    for (const [key, spec] of Object.entries(this.rules.specs) as [string, HyperSpec][]) {
      out[key] = spec.rule;
    }
    return out;
  }

  /** Checks a group's hyper-parameters as they are now, before a step uses them. */
  private checkGroup(fn: string, group: ParamGroup<H>, where: string): void {
    const values = group as unknown as Record<string, unknown>;
    for (const [key, spec] of Object.entries(this.rules.specs) as [string, HyperSpec][]) {
      if (!spec.rule.test(values[key])) {
        fail(fn, `${where}.${key} must be ${spec.rule.expected}, got ${show(values[key])}`);
      }
    }
    this.rules.validate?.(group, fn, (option) => `${where}.${option}`);
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const t of s.buffers.values()) t.dispose();
    this.state.clear();
  }

  private checkAlive(method: string): void {
    if (this.disposed) fail(`${this.rules.name}.${method}`, 'the optimizer was disposed');
  }

  /**
   * `checkAlive`, and no `loadStateDict` still reading its tensors: PyTorch's is synchronous, so a
   * missing `await` is an easy slip, and a step taken meanwhile would use the old state and then
   * be overwritten by the loaded one.
   */
  private checkReady(method: string): void {
    this.checkAlive(method);
    if (this.loading) {
      fail(
        `${this.rules.name}.${method}`,
        'loadStateDict has not finished; await optimizer.loadStateDict(...) before using the optimizer',
      );
    }
  }
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function fmt(t: Tensor): string {
  return fmtShape(t.shape);
}
