import './builder.css';
import { memory } from '@stride/core';
import type { DemoState } from '../state.js';
import { field, h, select } from '../ui/dom.js';
import { type Analysis, analyse } from './analysis.js';
import { type Entry, fmtCount, fmtField, fmtShape, LayerTable } from './layer-table.js';
import { DEFAULT_PRESET, PRESETS, type PresetName, preset } from './presets.js';
import { defaultLayer, INPUT_SHAPE, KINDS, type LayerKind, type NetworkSpec } from './spec.js';
import { trainerView } from './trainer-view.js';

/** Kinds that work on feature maps: added before the Flatten by default. */
const SPATIAL: ReadonlySet<LayerKind> = new Set(['conv', 'maxpool', 'avgpool']);

/**
 * Panel 5: build your own network. Edit the layers (add, remove, move, every option of each),
 * see output shapes, parameters and receptive fields from `summary()` update as you type, with
 * Stride's own error at the layer that makes a shape impossible; then train the network on MNIST
 * and download it.
 */
export function builderPanel(state: DemoState): HTMLElement {
  let nextId = 0;
  const entriesOf = (spec: NetworkSpec): Entry[] => spec.map((layer) => ({ id: nextId++, layer }));
  let entries: Entry[] = entriesOf(preset(DEFAULT_PRESET));
  let analysis: Analysis;

  const summaryLine = h('p', { class: 'b-summary', id: 'builder-summary', 'aria-live': 'polite' });
  const problem = h('p', { class: 'b-problem', id: 'builder-problem', hidden: true });

  const table = new LayerTable({
    change(index, key, value) {
      const e = entries[index];
      if (!e) return;
      e.layer = { ...e.layer, [key]: value } as Entry['layer'];
      refresh();
    },
    move(index, by) {
      const to = index + by;
      const e = entries[index];
      if (!e || to < 0 || to >= entries.length) return;
      entries.splice(index, 1);
      entries.splice(to, 0, e);
      refresh();
      // The row moved with its buttons; keep focus on the one pressed while it still works.
      const again = table.moveButton(to, by);
      (again && !again.disabled ? again : table.moveButton(to, by < 0 ? 1 : -1))?.focus();
    },
    remove(index) {
      entries.splice(index, 1);
      refresh();
      (table.removeButton(Math.min(index, entries.length - 1)) ?? addButton).focus();
    },
  });

  const presetSelect = select(
    'builder-preset',
    PRESETS.map((p) => [p.name, p.label] as [string, string]),
    DEFAULT_PRESET,
  );
  const load = h('button', { type: 'button', id: 'builder-load', class: 'secondary' }, 'Load');
  const presetNote = h('p', { class: 'hint', id: 'builder-preset-note' });
  const describePreset = () => {
    presetNote.textContent = PRESETS.find((p) => p.name === presetSelect.value)?.description ?? '';
  };
  presetSelect.setAttribute('aria-describedby', presetNote.id);
  presetSelect.addEventListener('change', describePreset);
  describePreset();
  load.addEventListener('click', () => {
    entries = entriesOf(preset(presetSelect.value as PresetName));
    refresh();
    table.field(0)?.focus();
  });

  const kindSelect = select(
    'builder-add-kind',
    KINDS.map(([k, label]) => [k, label] as [string, string]),
    'conv',
  );
  const where = h('select', { id: 'builder-add-at' });
  const addButton = h('button', { type: 'button', id: 'builder-add' }, 'Add layer');

  /** Before the first Flatten for a layer on feature maps, else at the end. */
  const defaultPosition = (): number => {
    const flatten = entries.findIndex((e) => e.layer.kind === 'flatten');
    return SPATIAL.has(kindSelect.value as LayerKind) && flatten >= 0 ? flatten : entries.length;
  };
  const fillPositions = (position: number) => {
    where.replaceChildren(
      ...entries.map((e, i) =>
        h(
          'option',
          { value: i },
          `before ${i + 1} (${analysis?.rows[i]?.type ?? KINDS.find(([k]) => k === e.layer.kind)?.[1]})`,
        ),
      ),
      h('option', { value: entries.length }, 'at the end'),
    );
    where.value = String(Math.min(position, entries.length));
  };
  kindSelect.addEventListener('change', () => fillPositions(defaultPosition()));
  addButton.addEventListener('click', () => {
    const kind = kindSelect.value as LayerKind;
    const at = Math.min(Number(where.value), entries.length);
    // A linear layer takes the features that arrive where it goes.
    const input = at === 0 ? INPUT_SHAPE : (analysis.rows[at - 1]?.outputShape ?? null);
    entries.splice(at, 0, { id: nextId++, layer: defaultLayer(kind, input) });
    refresh();
    (table.field(at) ?? table.removeButton(at))?.focus();
  });

  const trainer = trainerView(state);
  const section = h('section', {
    class: 'panel',
    id: 'builder',
    'aria-labelledby': 'builder-title',
  });

  function refresh(): void {
    const before = memory().numTensors;
    analysis = analyse(entries.map((e) => e.layer));
    // analyse() is synchronous: nothing else ran in between, so any difference would be its own.
    table.element.dataset.leaked = String(memory().numTensors - before);
    table.update(entries, analysis);
    section.dataset.spec = JSON.stringify(analysis.spec);
    const e = analysis.error;
    const s = analysis.summary;
    summaryLine.dataset.status = e ? 'error' : analysis.ok ? 'ok' : 'problem';
    summaryLine.textContent = e
      ? `Layer ${e.index + 1} does not work: ${e.message}`
      : `${fmtCount(s.totalParams)} parameters; output ${fmtShape(s.outputShape)}; receptive field ${fmtField(s.receptiveField)}.`;
    problem.hidden = analysis.problem === null;
    problem.textContent = analysis.problem ?? '';
    fillPositions(defaultPosition());
    trainer.update(analysis);
  }
  refresh();

  section.append(
    h('h2', { id: 'builder-title' }, h('span', { class: 'step' }, '5'), 'Build your own network'),
    h(
      'p',
      { class: 'lead' },
      'Change any layer and every shape, parameter count and receptive field below updates as you type: ',
      'they are what Stride’s summary() reports for your layers. A shape that cannot work is caught at the layer that causes it, with Stride’s own message. ',
      'Then train your network on MNIST right here and take it to PyTorch, ONNX or Stride.',
    ),
    h('div', { class: 'row b-presets' }, field('Start from', presetSelect), load),
    presetNote,
    table.element,
    problem,
    summaryLine,
    h(
      'div',
      { class: 'row b-add', role: 'group', 'aria-label': 'Add a layer' },
      field('New layer', kindSelect),
      field('Where', where),
      addButton,
    ),
    h(
      'p',
      { class: 'hint' },
      'Per-axis values take two numbers, as in ',
      h('code', {}, '3,5'),
      ' (height, width); padding also takes ',
      h('code', {}, 'same'),
      ' or ',
      h('code', {}, 'valid'),
      '. Arrow keys step a number. Input channels follow from the layer above.',
    ),
    trainer.element,
  );
  return section;
}
