/**
 * `toPyTorch(model)`: the Python source of a `torch.nn.Module` equivalent to a Stride model, with
 * the same layers, options and state-dict names, so that a checkpoint Stride saved loads into it
 * with `load_state_dict(..., strict=True)` and one it saves loads back into Stride.
 */
import { checkOptions, fail, option, StrideError } from '@stride/core';
import * as L from '@stride/layers';
import { isClass, type LeafCall, leafCall } from './leaf-layers.js';
import { builtinForward } from './model-forwards.js';
import {
  childRef,
  dedent,
  indent,
  isIdentifier,
  isPlainAttribute,
  pyBool,
  pyFloat,
  pyInt,
  pyStr,
  pyTuple,
} from './python.js';
import { SAFETENSORS_PY } from './safetensors-py.js';
import { VERSION } from './version.js';

/** Options of `toPyTorch`. */
export interface ToPyTorchOptions {
  /** The name of the generated root class (default: the model's `typeName`, e.g. `LeNet5`). */
  className?: string;
  /**
   * The body of `forward(self, x)` for each class of your own (a `Module` subclass with its own
   * `forward`), by its `typeName`: Stride cannot read a JavaScript `forward` and write it in
   * Python. Children are attributes as in Stride (`self.conv`, `self.blocks[0]`). A text that
   * starts with `def forward(self` is taken as the whole method, for other arguments.
   *
   * @example
   * ```ts
   * toPyTorch(model, { forwards: { ResidualBlock: 'return torch.relu(self.conv(x) + x)' } });
   * ```
   */
  forwards?: Record<string, string>;
}

const FN = 'toPyTorch';

/** Names of the generated file that a class of the model must not take. */
const RESERVED = new Set([
  'F',
  'json',
  'nn',
  'struct',
  'torch',
  'load_safetensors',
  'save_safetensors',
  'PaddedConv1d',
  'PaddedConv2d',
  'PaddedConv3d',
]);

const forwardsRule = option.custom<Record<string, string>>(
  'an object of Python forward bodies (strings) by class name',
  (v) =>
    v !== null &&
    typeof v === 'object' &&
    Object.getPrototypeOf(v) === Object.prototype &&
    Object.values(v).every((s) => typeof s === 'string' && s.trim() !== ''),
);

const MAX_LINE = 99;

/** The containers of `@stride/layers` that become their `torch.nn` counterparts. */
export const CONTAINER_CLASSES: readonly string[] = ['Sequential', 'ModuleList', 'ModuleDict'];

/** The generated file, built up while the model is walked. */
class Emitter {
  /** Helper classes by name, in the order first needed. */
  readonly helpers = new Map<string, string>();
  /** Class definitions in dependency order (a class after the classes it builds). */
  readonly classes: string[] = [];
  /** Class name by the text of its body, so that identical modules share one class. */
  readonly #byBody = new Map<string, string>();
  readonly #names = new Set<string>(RESERVED);
  /** Modules with parameters or buffers, by the path they were first emitted at. */
  readonly #stateful = new Map<L.Module, string>();
  /** Custom classes met, by type name. */
  readonly custom = new Set<string>();
  /** Built-in model classes met (their forward is known). */
  readonly builtinModels = new Set<string>();

  constructor(
    readonly forwards: Readonly<Record<string, string>>,
    rootName: string,
  ) {
    this.#names.add(rootName);
  }

  /** A class name for `typeName` that no other class or name of the file has. */
  freshName(typeName: string): string {
    let base = typeName.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    if (!isIdentifier(base)) base = `${base}_`;
    let name = base;
    for (let i = 2; this.#names.has(name); i++) name = `${base}${i}`;
    this.#names.add(name);
    return name;
  }

  /**
   * Records that `m` appears at `path`; a module with state met a second time fails, except
   * where `alias` can say it (an attribute of the same class).
   */
  visit(m: L.Module, path: string, ancestors: ReadonlySet<L.Module>): void {
    if (ancestors.has(m)) {
      fail(FN, `${displayPath(path)} (${m.typeName}) contains itself; a module tree has no cycles`);
    }
    if (!hasState(m)) return;
    const first = this.#stateful.get(m);
    if (first !== undefined) {
      fail(
        FN,
        `the ${m.typeName} at ${displayPath(path)} is the same module as at ${displayPath(first)}; a module with parameters or buffers shared between places can only be emitted as two attributes of one class`,
      );
    }
    this.#stateful.set(m, path);
  }

  /** A Python expression that builds `m` (which sits at `path`), at nesting `depth`. */
  expr(m: L.Module, path: string, depth: number, ancestors: ReadonlySet<L.Module>): string {
    this.visit(m, path, ancestors);
    const inner = new Set(ancestors).add(m);
    const leaf = leafCall(m);
    if (leaf) return this.leaf(leaf, depth);
    const list = (open: string, close: string, items: string[]): string =>
      items.length === 0
        ? `${open}${close}`
        : `${open}\n${items.map((s) => `${'    '.repeat(depth + 1)}${s},`).join('\n')}\n${'    '.repeat(depth)}${close}`;
    if (isClass(m, L.Sequential)) {
      const items = m
        .namedChildren()
        .map(([name, c]) => this.expr(c, join(path, name), depth + 1, inner));
      return list('nn.Sequential(', ')', items);
    }
    if (isClass(m, L.ModuleList)) {
      const items = m
        .namedChildren()
        .map(([name, c]) => this.expr(c, join(path, name), depth + 1, inner));
      return list('nn.ModuleList([', '])', items);
    }
    if (isClass(m, L.ModuleDict)) {
      const items = m
        .namedChildren()
        .map(([name, c]) => `${pyStr(name)}: ${this.expr(c, join(path, name), depth + 1, inner)}`);
      return list('nn.ModuleDict({', '})', items);
    }
    return `${this.defineClass(m, path, inner)}()`;
  }

  /** A leaf layer's constructor call, on one line when it fits. */
  leaf(c: LeafCall, depth: number): string {
    if (c.helper) this.useHelper(c.ctor, c.helper);
    const one = `${c.ctor}(${c.args.join(', ')})`;
    if ((depth + 1) * 4 + one.length + 1 <= MAX_LINE || c.args.length === 0) return one;
    const pad = '    '.repeat(depth + 1);
    return `${c.ctor}(\n${c.args.map((a) => `${pad}${a},`).join('\n')}\n${'    '.repeat(depth)})`;
  }

  useHelper(name: string, text: string): void {
    if (!this.helpers.has(name)) this.helpers.set(name, text);
  }

  /**
   * Defines the class of a custom module or built-in model `m` (or finds an identical one
   * defined already) and returns its name. `name` forces the name (the root class).
   */
  defineClass(m: L.Module, path: string, ancestors: ReadonlySet<L.Module>, name?: string): string {
    const body = this.classBody(m, path, ancestors);
    if (name === undefined) {
      const known = this.#byBody.get(body);
      if (known !== undefined) return known;
    }
    const className = name ?? this.freshName(m.typeName);
    this.#byBody.set(body, className);
    this.classes.push(`class ${className}(nn.Module):\n${body}`);
    return className;
  }

  /** `__init__` and `forward` of a custom module or built-in model, indented for a class. */
  classBody(m: L.Module, path: string, ancestors: ReadonlySet<L.Module>): string {
    const lines = ['super().__init__()'];
    lines.push(...ownTensors(m));
    const builtin = builtinForward(m);
    if (!builtin) lines.push(...plainFields(m));
    // Children, with an array field (`blocks.0`, `blocks.1`) as one ModuleList.
    const groups = new Map<string, [string, L.Module][]>();
    for (const [name, child] of m.namedChildren()) {
      const dot = name.indexOf('.');
      const field = dot < 0 ? name : name.slice(0, dot);
      const group = groups.get(field) ?? [];
      group.push([name, child]);
      groups.set(field, group);
    }
    const attributes = new Map<L.Module, string>();
    for (const [field, members] of groups) {
      let value: string;
      const [first] = members[0] as [string, L.Module];
      if (members.length === 1 && first === field) {
        const child = (members[0] as [string, L.Module])[1];
        const same = attributes.get(child);
        if (same !== undefined && hasState(child)) {
          value = childRef(same);
        } else {
          value = this.expr(child, join(path, field), 0, ancestors);
          attributes.set(child, field);
        }
      } else {
        const items = members.map(
          ([name, c]) => `    ${this.expr(c, join(path, name), 1, ancestors)},`,
        );
        value = `nn.ModuleList([\n${items.join('\n')}\n])`;
      }
      lines.push(
        isPlainAttribute(field)
          ? `self.${field} = ${value}`
          : `self.add_module(${pyStr(field)}, ${value})`,
      );
    }
    const forward = builtin ?? this.customForward(m);
    return `    def __init__(self):\n${indent(lines.join('\n'), 8)}\n\n${indent(forward, 4)}\n`;
  }

  /** The forward method of a custom class, from the `forwards` option. */
  customForward(m: L.Module): string {
    const type = m.typeName;
    this.custom.add(type);
    const text = Object.hasOwn(this.forwards, type) ? this.forwards[type] : undefined;
    if (text === undefined) {
      fail(
        FN,
        `${type} is a module class of your own, and its JavaScript forward cannot be translated: give the body of its Python forward(self, x) in options.forwards, e.g. { forwards: { ${/^[A-Za-z_$][\w$]*$/.test(type) ? type : pyStr(type)}: 'return self.conv(x)' } }`,
      );
    }
    const code = dedent(text);
    if (/^def\s+forward\s*\(\s*self\b/.test(code)) return code;
    return `def forward(self, x):\n${indent(code, 4)}`;
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function displayPath(path: string): string {
  return path === '' ? 'the root' : `'${path}'`;
}

/** Whether `m` or a descendant has a parameter or buffer. */
function hasState(m: L.Module): boolean {
  return m.namedParameters().length > 0 || m.namedBuffers().length > 0;
}

const TORCH_DTYPE: Record<string, string> = {
  float32: 'torch.float32',
  float64: 'torch.float64',
  int32: 'torch.int32',
  bool: 'torch.bool',
};

/**
 * The parameters and buffers `m` holds itself (not its children's), as `__init__` lines. Their
 * values are placeholders: they come from the checkpoint.
 */
function ownTensors(m: L.Module): string[] {
  const lines: string[] = [];
  const empty = (shape: readonly number[], dtype: string): string =>
    `torch.zeros(${pyTuple(shape.map(pyInt))}, dtype=${TORCH_DTYPE[dtype]})`;
  for (const [name, t] of m.namedParameters()) {
    if (name.includes('.')) continue;
    const value = `nn.Parameter(${empty(t.shape, t.dtype)})`;
    lines.push(
      isPlainAttribute(name)
        ? `self.${name} = ${value}`
        : `self.register_parameter(${pyStr(name)}, ${value})`,
    );
  }
  for (const [name, t] of m.namedBuffers()) {
    if (name.includes('.')) continue;
    lines.push(`self.register_buffer(${pyStr(name)}, ${empty(t.shape, t.dtype)})`);
  }
  return lines;
}

/**
 * The plain settings of a custom module (numbers, strings, booleans, null and arrays of them),
 * as attributes its Python forward can read as in Stride (`self.scale`).
 */
function plainFields(m: L.Module): string[] {
  const lines: string[] = [];
  const value = (v: unknown): string | undefined => {
    if (v === null) return 'None';
    if (typeof v === 'boolean') return pyBool(v);
    if (typeof v === 'string') return pyStr(v);
    if (typeof v === 'number' && Number.isFinite(v)) {
      return Number.isInteger(v) ? pyInt(v) : pyFloat(v);
    }
    if (Array.isArray(v)) {
      const items = v.map(value);
      if (items.every((s): s is string => s !== undefined)) return `[${items.join(', ')}]`;
    }
    return undefined;
  };
  const self = m as unknown as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (key === 'training' || !isPlainAttribute(key)) continue;
    const v = value(self[key]);
    if (v !== undefined) lines.push(`self.${key} = ${v}`);
  }
  return lines;
}

/** The root as a subclass of its `torch.nn` layer or container, built with the same arguments. */
function rootSubclass(e: Emitter, model: L.Module, name: string): string | undefined {
  const leaf = leafCall(model);
  let base: string;
  let args: string;
  if (leaf) {
    if (leaf.helper) e.useHelper(leaf.ctor, leaf.helper);
    base = leaf.ctor;
    args =
      leaf.args.length === 0
        ? ''
        : `\n${leaf.args.map((a) => `            ${a},`).join('\n')}\n        `;
  } else if (
    isClass(model, L.Sequential) ||
    isClass(model, L.ModuleList) ||
    isClass(model, L.ModuleDict)
  ) {
    // The container's own expression, unwrapped: its items are the super().__init__ arguments.
    const text = e.expr(model, '', 2, new Set());
    base = text.slice(0, text.indexOf('('));
    args = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  } else {
    return undefined;
  }
  return `class ${name}(${base}):\n    def __init__(self):\n        super().__init__(${args})\n`;
}

/** `self.to(torch.float64)` for a float64 model; nothing for float32; an error when mixed. */
function dtypeLine(model: L.Module): string | undefined {
  const floats = new Set<string>();
  for (const [, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
    if (t.dtype === 'float32' || t.dtype === 'float64') floats.add(t.dtype);
  }
  if (floats.size > 1) {
    fail(
      FN,
      `${model.typeName} mixes float32 and float64 tensors; convert it with await model.to('float32') or to('float64') first`,
    );
  }
  return floats.has('float64') ? 'self.to(torch.float64)' : undefined;
}

/** The header: what made the file, how to load a checkpoint, and the state-dict names. */
function header(model: L.Module, name: string): string {
  const entries = [...model.namedParameters(), ...model.namedBuffers()];
  const rows = entries.map(([key, t]) => `#   ${key} [${t.shape.join(', ')}] ${t.dtype}`);
  return [
    `# Generated by @stride/pytorch ${VERSION} (toPyTorch) from a Stride ${model.typeName}.`,
    '# A torch.nn.Module with the same layers, options and state-dict names; do not edit it, but',
    '# generate it again when the model changes. A checkpoint Stride saved (saveSafetensors)',
    '# loads with',
    `#     model = ${name}()`,
    '#     model.load_state_dict(load_safetensors("model.safetensors"), strict=True)',
    '# and save_safetensors(model.state_dict(), path) writes one that Stride loads strictly.',
    '#',
    entries.length === 0
      ? '# Its state dict is empty.'
      : `# The ${entries.length} tensors of its state dict (name, shape, Stride dtype):`,
    ...rows,
  ].join('\n');
}

/**
 * The Python source of a `torch.nn.Module` equivalent to `model`: the same layers with the same
 * options, under the same attribute names, so that its `state_dict()` has exactly the keys of
 * Stride's `stateDict()`. The file also defines `load_safetensors(path)` and
 * `save_safetensors(state_dict, path)`, so a checkpoint Stride saved loads with
 * `load_state_dict(..., strict=True)`, and one PyTorch saved loads back into Stride. The same model
 * always gives the same text.
 *
 * Every layer of `@stride/layers` translates, every option included (a convolution's asymmetric
 * zero padding becomes a `PaddedConv2d` helper that pads first), and so do the built-in models
 * (`LeNet5`, `AlexNet`, `SignalNet`) with their forward. A class of your own becomes a class with
 * the same children; its forward must be given in Python (`options.forwards`).
 *
 * @example
 * ```ts
 * const source = toPyTorch(new LeNet5());
 * await writeFile('model.py', source);
 * await saveSafetensors('model.safetensors', model.stateDict());
 * // python: model = LeNet5(); model.load_state_dict(load_safetensors("model.safetensors"))
 * ```
 */
export function toPyTorch(model: L.Module, options?: ToPyTorchOptions): string {
  if (!(model instanceof L.Module)) {
    fail(FN, `model must be a Module of @stride/layers, got ${describe(model)}`);
  }
  const opts = checkOptions(FN, options, { className: option.string, forwards: forwardsRule });
  const forwards = opts.forwards ?? {};
  if (opts.className !== undefined && !isIdentifier(opts.className)) {
    fail(FN, `option 'className' must be a Python identifier, got '${opts.className}'`);
  }
  if (opts.className !== undefined && RESERVED.has(opts.className)) {
    fail(
      FN,
      `option 'className' '${opts.className}' is a name the generated file uses itself; choose another`,
    );
  }
  const sanitized = new Emitter({}, '').freshName(model.typeName);
  const name = opts.className ?? (RESERVED.has(sanitized) ? `${sanitized}Model` : sanitized);
  const e = new Emitter(forwards, name);
  // Walking the tree first makes a hidden module (in a plain object or Map field) this function's
  // error, as for every other walk of the model.
  try {
    model.namedModules();
  } catch (error) {
    if (error instanceof StrideError) fail(FN, error.message.slice(error.fn.length + 2));
    throw error;
  }
  const extra = dtypeLine(model);
  let rootClass = rootSubclass(e, model, name);
  if (rootClass === undefined) {
    e.defineClass(model, '', new Set([model]), name);
    rootClass = e.classes.pop() as string;
  }
  if (extra)
    rootClass = rootClass.replace(/(super\(\)\.__init__\([\s\S]*?\)\n)/, `$1        ${extra}\n`);
  const unused = Object.keys(forwards).filter((k) => !e.custom.has(k));
  if (unused.length > 0) {
    const mine = [...e.custom].sort();
    const theirs =
      mine.length > 0
        ? `its classes of your own are ${mine.join(', ')}`
        : 'it has no classes of your own (every module of @stride/layers translates by itself)';
    fail(
      FN,
      `options.forwards names ${unused.map((k) => `'${k}'`).join(', ')}, which the model has no class of your own of; ${theirs}`,
    );
  }
  const uses = (text: string): boolean => /\bF\./.test(text);
  const parts = [...e.helpers.values(), ...e.classes, rootClass];
  const imports = ['import json', 'import struct', '', 'import torch'];
  if (parts.some(uses)) imports.push('import torch.nn.functional as F');
  imports.push('from torch import nn');
  return `${[
    header(model, name),
    imports.join('\n'),
    ...parts.map((p) => p.trimEnd()),
    SAFETENSORS_PY.trimEnd(),
  ].join('\n\n\n')}\n`;
}

function describe(v: unknown): string {
  if (typeof v === 'function' && v.prototype instanceof L.Module) {
    return `the class ${(v as typeof L.Module).typeName ?? v.name} (construct it with new)`;
  }
  if (v === null || typeof v !== 'object')
    return typeof v === 'function' ? 'a function' : String(v);
  if (Array.isArray(v)) return 'an array';
  const name = (v as object).constructor?.name;
  return !name || name === 'Object' ? 'an object' : `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}
