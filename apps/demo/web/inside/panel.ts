import type { DemoState } from '../state.js';
import { h } from '../ui/dom.js';
import { filterBank } from './filters.js';
import { liveView } from './live-view.js';
import { paintStage, SHOWN, type Stage, stageBlock } from './stages.js';
import { unitsView } from './units.js';
import { whyView } from './why.js';

/**
 * Panel 3: the network while panel 2 trains it (see `liveView`), the learned filters of both
 * convolutions, what each layer makes of the current
 * drawing, why the model answers as it does (saliency, Grad-CAM) and what conv2's units respond
 * to (feature visualisation). Filters use a diverging map (sign matters: red adds, blue
 * subtracts); activations a sequential one, scaled per layer.
 */
export function insidePanel(state: DemoState): HTMLElement {
  const filters = h('div', { class: 'filters', id: 'filters' });
  const maps = h('div', { class: 'activations', id: 'activations' });
  const empty = h(
    'p',
    { class: 'hint', id: 'activations-empty' },
    'Draw a digit in panel 1 to see it travel through the network.',
  );

  state.addEventListener('model', () => {
    const model = state.active?.model;
    if (!model) return;
    filters.replaceChildren(
      filterBank(
        'conv1',
        'conv1: 6 filters of 5×5 over the image',
        model.conv1.weight.dataSync() as Float32Array,
        [6, 1, 5, 5],
      ).element,
      filterBank(
        'conv2',
        'conv2: 16 filters (columns), each 5×5 over all 6 of conv1’s maps (rows)',
        model.conv2.weight.dataSync() as Float32Array,
        [16, 6, 5, 5],
      ).element,
    );
  });

  const stages = new Map<string, Stage>();
  state.addEventListener('inference', () => {
    const result = state.inference;
    empty.hidden = result !== null;
    maps.hidden = result === null;
    if (!result) return;
    for (const a of result.activations) {
      const title = SHOWN[a.name];
      if (!title) continue;
      let stage = stages.get(a.name);
      if (!stage) {
        stage = stageBlock(a, title);
        stages.set(a.name, stage);
        maps.append(stage.block);
      }
      paintStage(stage.canvases, a);
    }
  });
  maps.hidden = true;

  return h(
    'section',
    { class: 'panel', id: 'inside', 'aria-labelledby': 'inside-title' },
    h('h2', { id: 'inside-title' }, h('span', { class: 'step' }, '3'), 'Look inside'),
    h(
      'p',
      { class: 'lead' },
      'What do these layers learn? The first convolution learns edge and stroke detectors; the second combines them into parts of digits. ',
      'Below, your drawing at every layer: early maps still look like the digit (before ReLU, red is positive and blue negative), later ones are features only the classifier reads.',
    ),
    liveView(state),
    h('h3', {}, 'Learned filters'),
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'swatch neg' }),
      'negative weight',
      h('span', { class: 'swatch zero' }),
      'zero',
      h('span', { class: 'swatch pos' }),
      'positive weight',
    ),
    filters,
    h('h3', {}, 'Activations of your drawing'),
    empty,
    maps,
    whyView(state),
    unitsView(state),
  );
}
