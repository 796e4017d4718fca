/**
 * Python literals and names for the generated source: numbers as Python reads them back
 * exactly, tuples, strings, and which names can be attributes of a `torch.nn.Module`.
 */

/** An int literal. */
export function pyInt(v: number): string {
  return String(v);
}

/**
 * A float literal that Python parses to the same double: JavaScript's shortest round-trip form
 * (`0.1`, `1e-7`), with `.0` on whole numbers so that the value stays a float in Python.
 */
export function pyFloat(v: number): string {
  const s = String(v);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/** `True` or `False`. */
export function pyBool(v: boolean): string {
  return v ? 'True' : 'False';
}

/** A double-quoted string literal (JSON's escapes are Python's). */
export function pyStr(v: string): string {
  return JSON.stringify(v);
}

/** A tuple literal: `(1, 2)`, and `(1,)` for one entry. */
export function pyTuple(items: readonly string[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** One int when every axis has the same value (as PyTorch's layers accept), else a tuple. */
export function pyInts(values: readonly number[]): string {
  const first = values[0] as number;
  return values.every((v) => v === first) ? pyInt(first) : pyTuple(values.map(pyInt));
}

const KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield'
  ).split(' '),
);

/** A name Python accepts as an identifier (ASCII only, to keep the generated file portable). */
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name);
}

/**
 * Attributes of `torch.nn.Module` (PyTorch 1.13 to 2.x) that a child of the same name would not
 * replace when read as `self.name` (a method is found on the class before `__getattr__` looks in
 * `_modules`), so such children are added with `add_module` and read as `self._modules[...]`.
 */
const MODULE_ATTRIBUTES = new Set(
  (
    'T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda ' +
    'double dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter ' +
    'get_submodule half ipu load_state_dict modules mtia named_buffers named_children ' +
    'named_modules named_parameters parameters register_backward_hook register_buffer ' +
    'register_forward_hook register_forward_pre_hook register_full_backward_hook ' +
    'register_full_backward_pre_hook register_load_state_dict_post_hook register_module ' +
    'register_parameter register_state_dict_pre_hook requires_grad_ set_extra_state ' +
    'set_submodule share_memory state_dict to to_empty train training type xpu zero_grad'
  ).split(' '),
);

/** Whether `self.<name> = ...` and `self.<name>` work for a child, parameter or buffer. */
export function isPlainAttribute(name: string): boolean {
  return isIdentifier(name) && !name.startsWith('_') && !MODULE_ATTRIBUTES.has(name);
}

/** `self.name`, or `self._modules["name"]` where the plain form would not reach the child. */
export function childRef(name: string): string {
  return isPlainAttribute(name) ? `self.${name}` : `self._modules[${pyStr(name)}]`;
}

/** Indents every non-empty line of `text` by `spaces`. */
export function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : pad + line))
    .join('\n');
}

/** `text` without the indentation its non-empty lines share, and without blank edges. */
export function dedent(text: string): string {
  const lines = text.replace(/\t/g, '    ').split('\n');
  while (lines.length > 0 && (lines[0] as string).trim() === '') lines.shift();
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  const margins = lines
    .filter((l) => l.trim() !== '')
    .map((l) => (l.match(/^ */) as RegExpMatchArray)[0].length);
  const cut = margins.length > 0 ? Math.min(...margins) : 0;
  return lines.map((l) => l.slice(cut).trimEnd()).join('\n');
}
