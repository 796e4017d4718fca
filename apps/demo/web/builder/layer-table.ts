/**
 * The builder's table: one row per layer with its options as fields, and the output shape,
 * parameters and receptive field that `summary()` reports for it. A refused layer shows Stride's
 * message in its row, with the option it names outlined; the layers after it show no numbers
 * (their input is unknown), never stale ones. Rows are kept per layer while the user types, so
 * focus and the caret stay where they are; only the numbers and messages change.
 *
 * Every number is also in the row's data attributes (`data-output-shape="1,6,28,28"`,
 * `data-params`, `data-rf`, `data-jump`, `data-type`), which the browser tests read back.
 */
import { h } from '../ui/dom.js';
import type { Analysis, LayerRow } from './analysis.js';
import {
  type AxisValue,
  FIELDS,
  type FieldInfo,
  formatField,
  INPUT_SHAPE,
  KINDS,
  type LayerSpec,
  parseField,
} from './spec.js';

/** A layer of the spec with an identity that survives moves, for its row to follow it. */
export interface Entry {
  readonly id: number;
  layer: LayerSpec;
}

export interface TableEvents {
  /** A field of the layer at `index` was edited. */
  change(index: number, key: string, value: AxisValue | boolean | null): void;
  move(index: number, by: -1 | 1): void;
  remove(index: number): void;
}

interface RowView {
  readonly tr: HTMLTableRowElement;
  readonly num: HTMLElement;
  readonly title: HTMLElement;
  readonly repr: HTMLElement;
  readonly fields: Map<string, HTMLInputElement>;
  readonly error: HTMLElement;
  readonly fix: HTMLButtonElement;
  readonly up: HTMLButtonElement;
  readonly down: HTMLButtonElement;
  readonly remove: HTMLButtonElement;
  readonly shape: HTMLElement;
  readonly params: HTMLElement;
  readonly rf: HTMLElement;
  fixValue: { field: string; value: number } | null;
}

const KIND_NAMES = new Map(KINDS);
/** What a layer is called before Stride has built it (after a refused one). */
const PLAIN: Record<LayerSpec['kind'], string> = {
  conv: 'Conv2d',
  maxpool: 'MaxPool2d',
  avgpool: 'AvgPool2d',
  batchnorm: 'BatchNorm',
  relu: 'ReLU',
  tanh: 'Tanh',
  dropout: 'Dropout',
  flatten: 'Flatten',
  linear: 'Linear',
};

export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;
export const fmtCount = (n: number): string => n.toLocaleString('en');
export const fmtField = (r: readonly number[]): string =>
  r.map((v) => (Number.isNaN(v) ? '?' : Number.isInteger(v) ? String(v) : v.toFixed(2))).join('×');

/** The name a row goes by in labels: "layer 4 (Conv2d)". */
function rowName(index: number, row: LayerRow | undefined, layer: LayerSpec): string {
  return `layer ${index + 1} (${row?.type ?? PLAIN[layer.kind]})`;
}

/**
 * Up and down arrows step a whole-number field by one, as in a number input; the fields are text
 * because they also take pairs (`3,5`), `same`, and whatever else the user types for Stride to
 * judge.
 */
function stepOnArrows(input: HTMLInputElement, info: FieldInfo): void {
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    const step = info.type === 'prob' ? 0.05 : 1;
    const v = Number(input.value.trim());
    if (input.value.trim() === '' || !Number.isFinite(v)) return;
    e.preventDefault();
    const next = v + (e.key === 'ArrowUp' ? step : -step);
    input.value = String(info.type === 'prob' ? Math.round(next * 100) / 100 : next);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

export class LayerTable {
  readonly element: HTMLElement;
  private readonly body = h('tbody', {});
  private readonly totals = h('td', { colspan: 2, id: 'builder-totals' });
  private readonly totalShape = h('td', { class: 'b-shape', 'data-label': 'Output' });
  private readonly totalParams = h('td', { class: 'b-num', 'data-label': 'Parameters' });
  private readonly totalRf = h('td', { class: 'b-num', 'data-label': 'Receptive field' });
  private readonly table: HTMLTableElement;
  private readonly rows = new Map<number, RowView>();
  private entries: readonly Entry[] = [];

  constructor(private readonly events: TableEvents) {
    const input = h(
      'tr',
      { class: 'b-input', 'data-output-shape': INPUT_SHAPE.join(',') },
      h('td', { class: 'b-index' }, '0'),
      h(
        'td',
        { class: 'b-layer' },
        h('strong', {}, 'Input'),
        h('span', { class: 'b-repr' }, ' one 28×28 grey MNIST image'),
      ),
      h('td', { class: 'b-shape', 'data-label': 'Output' }, fmtShape(INPUT_SHAPE)),
      h('td', { class: 'b-num', 'data-label': 'Parameters' }, '–'),
      h('td', { class: 'b-num', 'data-label': 'Receptive field' }, '1×1'),
    );
    this.table = h(
      'table',
      { class: 'builder-table', id: 'builder-table' },
      h(
        'caption',
        {},
        'Your network, layer by layer. Output shapes, parameters and receptive fields come from Stride’s ',
        h('code', {}, 'summary()'),
        ' of the layers as you have set them.',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'b-index' }, '#'),
          h('th', { scope: 'col' }, 'Layer and options'),
          h('th', { scope: 'col' }, 'Output shape'),
          h('th', { scope: 'col', class: 'b-num' }, 'Parameters'),
          h(
            'th',
            { scope: 'col', class: 'b-num' },
            h(
              'abbr',
              { title: 'input pixels one output value can see, per axis' },
              'Receptive field',
            ),
          ),
        ),
      ),
      this.body,
      h('tfoot', {}, h('tr', {}, this.totals, this.totalShape, this.totalParams, this.totalRf)),
    );
    this.body.append(input);
    this.element = h('div', { class: 'builder-table-wrap' }, this.table);
  }

  /** The field input of the layer at `index`, for the panel to move focus to. */
  field(index: number, key?: string): HTMLInputElement | undefined {
    const id = this.entries[index]?.id;
    const row = id === undefined ? undefined : this.rows.get(id);
    if (!row) return undefined;
    return key ? row.fields.get(key) : row.fields.values().next().value;
  }

  /** The remove button of the layer at `index`. */
  removeButton(index: number): HTMLButtonElement | undefined {
    const id = this.entries[index]?.id;
    return id === undefined ? undefined : this.rows.get(id)?.remove;
  }

  /** The move button of the layer at `index`. */
  moveButton(index: number, by: -1 | 1): HTMLButtonElement | undefined {
    const id = this.entries[index]?.id;
    const row = id === undefined ? undefined : this.rows.get(id);
    return by < 0 ? row?.up : row?.down;
  }

  /** Shows `entries` with the numbers of `analysis` (of the same layers, in the same order). */
  update(entries: readonly Entry[], analysis: Analysis): void {
    this.entries = entries;
    const ids = new Set(entries.map((e) => e.id));
    for (const [id, row] of this.rows) {
      if (!ids.has(id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
    const views = entries.map((e) => {
      let row = this.rows.get(e.id);
      if (!row) {
        row = this.makeRow(e);
        this.rows.set(e.id, row);
      }
      return row;
    });
    // Re-append only when the order changed: moving a row takes focus away from its fields.
    const current = [...this.body.children].slice(1);
    if (current.length !== views.length || views.some((v, i) => current[i] !== v.tr)) {
      for (const v of views) this.body.append(v.tr);
    }
    entries.forEach((e, i) => {
      this.paint(views[i] as RowView, e.layer, i, analysis.rows[i], analysis, entries.length);
    });
    const s = analysis.summary;
    const complete = analysis.error === null;
    this.table.dataset.status = complete ? (analysis.ok ? 'ok' : 'problem') : 'error';
    this.table.dataset.totalParams = complete ? String(s.totalParams) : '';
    this.table.dataset.outputShape = complete ? s.outputShape.join(',') : '';
    this.table.dataset.rf = complete ? s.receptiveField.join(',') : '';
    this.totals.textContent = complete
      ? `Whole network: ${entries.length} layers`
      : `Whole network: fix layer ${(analysis.error?.index ?? 0) + 1} first`;
    this.totalShape.textContent = complete ? fmtShape(s.outputShape) : '–';
    this.totalParams.textContent = complete ? fmtCount(s.totalParams) : '–';
    this.totalRf.textContent = complete ? fmtField(s.receptiveField) : '–';
  }

  private makeRow(entry: Entry): RowView {
    const layer = entry.layer;
    const fields = new Map<string, HTMLInputElement>();
    const fieldEls = FIELDS[layer.kind].map((info) => {
      const value = (layer as unknown as Record<string, AxisValue | boolean | null>)[info.key];
      let input: HTMLInputElement;
      if (info.type === 'bool') {
        input = h('input', { type: 'checkbox', checked: value === true, 'data-field': info.key });
        input.addEventListener('change', () => this.emit(row, info.key, input.checked));
      } else {
        input = h('input', {
          type: 'text',
          value: formatField(value as AxisValue | null),
          inputmode: info.type === 'padding' || info.type === 'axes' ? 'text' : 'decimal',
          autocomplete: 'off',
          spellcheck: 'false',
          placeholder: info.empty,
          'data-field': info.key,
          class: info.type === 'axes' || info.type === 'padding' ? 'b-axes' : 'b-int',
        });
        stepOnArrows(input, info);
        input.addEventListener('input', () =>
          this.emit(row, info.key, parseField(info, input.value)),
        );
      }
      fields.set(info.key, input);
      return h(
        'label',
        { class: `b-field b-field-${info.type}` },
        h('span', {}, info.label),
        input,
      );
    });
    const button = (cls: string, text: string) =>
      h('button', { type: 'button', class: `secondary b-action ${cls}` }, text);
    const up = button('b-up', '↑');
    const down = button('b-down', '↓');
    const remove = button('b-remove', '✕');
    const fix = h('button', { type: 'button', class: 'secondary b-fix', hidden: true });
    const error = h('p', { class: 'b-error', hidden: true, id: `builder-error-${entry.id}` });
    const num = h('td', { class: 'b-index' });
    const title = h('strong', { class: 'b-type' });
    const repr = h('code', { class: 'b-repr' });
    const shape = h('td', { class: 'b-shape', 'data-label': 'Output' });
    const params = h('td', { class: 'b-num', 'data-label': 'Parameters' });
    const rf = h('td', { class: 'b-num', 'data-label': 'Receptive field' });
    const tr = h(
      'tr',
      { class: 'b-row', 'data-kind': layer.kind },
      num,
      h(
        'td',
        { class: 'b-layer' },
        h('div', { class: 'b-head' }, title, h('span', { class: 'b-actions' }, up, down, remove)),
        repr,
        fieldEls.length > 0 ? h('div', { class: 'b-fields' }, ...fieldEls) : null,
        error,
        fix,
      ),
      shape,
      params,
      rf,
    );
    const row: RowView = {
      tr,
      num,
      title,
      repr,
      fields,
      error,
      fix,
      up,
      down,
      remove,
      shape,
      params,
      rf,
      fixValue: null,
    };
    up.addEventListener('click', () => this.events.move(this.indexOf(row), -1));
    down.addEventListener('click', () => this.events.move(this.indexOf(row), 1));
    remove.addEventListener('click', () => this.events.remove(this.indexOf(row)));
    fix.addEventListener('click', () => {
      const f = row.fixValue;
      if (!f) return;
      const input = fields.get(f.field);
      if (input) input.value = String(f.value);
      this.emit(row, f.field, f.value);
      input?.focus();
    });
    return row;
  }

  private indexOf(row: RowView): number {
    return this.entries.findIndex((e) => this.rows.get(e.id) === row);
  }

  private emit(row: RowView, key: string, value: AxisValue | boolean | null): void {
    const i = this.indexOf(row);
    if (i >= 0) this.events.change(i, key, value);
  }

  private paint(
    v: RowView,
    layer: LayerSpec,
    index: number,
    row: LayerRow | undefined,
    analysis: Analysis,
    count: number,
  ): void {
    const name = rowName(index, row, layer);
    v.num.textContent = String(index + 1);
    v.title.textContent = row?.type ?? PLAIN[layer.kind];
    v.title.title = KIND_NAMES.get(layer.kind) ?? '';
    v.up.setAttribute('aria-label', `Move ${name} up`);
    v.down.setAttribute('aria-label', `Move ${name} down`);
    v.remove.setAttribute('aria-label', `Remove ${name}`);
    v.up.disabled = index === 0;
    v.down.disabled = index === count - 1;
    const ok = row?.status === 'ok';
    const status = row?.status ?? 'blocked';
    v.tr.dataset.index = String(index);
    v.tr.dataset.status = status;
    v.tr.dataset.type = row?.type ?? '';
    v.tr.dataset.outputShape = ok ? (row.outputShape ?? []).join(',') : '';
    v.tr.dataset.params = ok ? String(row.params) : '';
    v.tr.dataset.rf = ok ? (row.receptiveField ?? []).join(',') : '';
    v.tr.dataset.jump = ok ? (row.jump ?? []).join(',') : '';
    v.repr.textContent = ok ? (row.repr ?? '') : '';
    // `ReLU()` and `Tanh()` say nothing the title does not.
    v.repr.hidden = !ok || layer.kind === 'relu' || layer.kind === 'tanh';
    v.shape.textContent = ok && row.outputShape ? fmtShape(row.outputShape) : '–';
    v.params.textContent = ok && row.params !== null ? fmtCount(row.params) : '–';
    v.rf.textContent = ok && row.receptiveField ? fmtField(row.receptiveField) : '–';
    v.shape.title = status === 'blocked' ? 'unknown until the layer above works' : '';

    const error = analysis.error?.index === index ? analysis.error : null;
    v.error.hidden = !error;
    v.error.textContent = error?.message ?? '';
    v.tr.dataset.errorField = error?.field ?? '';
    for (const [key, input] of v.fields) {
      const bad = error !== null && error.field === key;
      const label = FIELDS[layer.kind].find((f) => f.key === key)?.label ?? key;
      input.setAttribute('aria-label', `${label} of ${name}`);
      if (bad) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', v.error.id);
      } else {
        input.removeAttribute('aria-invalid');
        input.removeAttribute('aria-describedby');
      }
      // The field being typed in keeps the user's text; others show the spec (after a fix,
      // a move or a preset).
      if (document.activeElement !== input && input.type === 'text') {
        const value = (layer as unknown as Record<string, AxisValue | null>)[key] ?? null;
        const text = formatField(value);
        if (input.value !== text) input.value = text;
      }
    }
    v.fixValue = error?.fix ?? null;
    v.fix.hidden = !error?.fix;
    if (error?.fix) {
      v.fix.textContent = `Set ${FIELDS[layer.kind].find((f) => f.key === error.fix?.field)?.label} to ${error.fix.value}`;
    }
  }
}
