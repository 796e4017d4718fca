type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

/**
 * Creates an element: attributes (`class`, `id`, `aria-*`, `for`, ...) and children in one call,
 * which keeps the panels' markup readable without a framework.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

/** A labelled control: the label names the input for screen readers and is clickable. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h('small', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

export function select(
  id: string,
  options: readonly [string, string][],
  value: string,
): HTMLSelectElement {
  const el = h('select', { id });
  for (const [v, text] of options)
    el.append(h('option', { value: v, selected: v === value }, text));
  el.value = value;
  return el;
}

export function numberInput(
  id: string,
  value: number,
  opts: { min?: number; max?: number; step?: number | 'any' } = {},
): HTMLInputElement {
  return h('input', {
    id,
    type: 'number',
    inputmode: 'decimal',
    value,
    min: opts.min,
    max: opts.max,
    step: opts.step,
  });
}

/** Yields to the browser so it can paint and handle input between chunks of work. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    // requestAnimationFrame does not fire in a hidden tab; the timeout keeps training going there.
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    requestAnimationFrame(finish);
    setTimeout(finish, 50);
  });
}
