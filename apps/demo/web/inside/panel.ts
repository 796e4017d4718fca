import type { Activation } from '../draw/inference.js';
import type { DemoState } from '../state.js';
import { diverging, sequential } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { heatmap, maxAbs, paintHeatmap } from '../ui/heatmap.js';
import { unitsView } from './units.js';
import { whyView } from './why.js';

/** The layers whose outputs are worth a look, with what to call them. */
const SHOWN: Record<string, string> = {
  conv1: 'conv1',
  act1: 'conv1 → ReLU',
  pool1: 'max pool 2×2',
  conv2: 'conv2',
  act2: 'conv2 → ReLU',
  pool2: 'max pool 2×2',
  act3: 'fc1 → ReLU',
  act4: 'fc2 → ReLU',
  fc3: 'fc3 (logits)',
};

/**
 * Panel 3: the learned filters of both convolutions, what each layer makes of the current
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
      ),
      filterBank(
        'conv2',
        'conv2: 16 filters (columns), each 5×5 over all 6 of conv1’s maps (rows)',
        model.conv2.weight.dataSync() as Float32Array,
        [16, 6, 5, 5],
      ),
    );
  });

  const stages = new Map<string, { canvases: HTMLCanvasElement[]; block: HTMLElement }>();
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

/**
 * One picture per 5×5 kernel slice: conv1's 6 filters in a row; conv2's 16 filters as columns,
 * one row per input channel (each conv2 filter reads all 6 of conv1's maps).
 */
function filterBank(
  name: string,
  caption: string,
  w: Float32Array,
  shape: [number, number, number, number],
): HTMLElement {
  const [out, inC, kh, kw] = shape;
  const m = maxAbs(w) || 1;
  const grid = h('div', {
    class: `filter-grid filter-grid-${name}`,
    id: `filters-${name}`,
    style: `--columns: ${out}`,
  });
  for (let c = 0; c < inC; c++) {
    for (let o = 0; o < out; o++) {
      grid.append(
        heatmap(
          w,
          kw,
          kh,
          {
            colour: diverging,
            scale: (v) => v / m,
            className: 'map filter',
            label: `${name} filter ${o + 1}, input channel ${c + 1}`,
          },
          (o * inC + c) * kh * kw,
        ),
      );
    }
  }
  return h('figure', { class: 'filter-bank' }, grid, h('figcaption', {}, caption));
}

function stageBlock(
  a: Activation,
  title: string,
): { canvases: HTMLCanvasElement[]; block: HTMLElement } {
  const isMap = a.shape.length === 3;
  const count = isMap ? (a.shape[0] as number) : 1;
  const canvases = Array.from({ length: count }, (_, i) => {
    const c = h('canvas', {
      class: `map ${isMap ? 'activation' : 'vector'}`,
      role: 'img',
      'aria-label': isMap ? `${a.name} channel ${i + 1}` : `${a.name}, ${a.shape[0]} values`,
    });
    return c;
  });
  const block = h(
    'figure',
    { class: `stage ${isMap ? '' : 'stage-vector'}`, 'data-layer': a.name },
    h('figcaption', {}, h('strong', {}, title), ` · ${a.shape.join(' × ')}`),
    h('div', { class: 'stage-maps', style: `--columns: ${Math.min(count, 8)}` }, ...canvases),
  );
  return { canvases, block };
}

/** Convolution outputs before ReLU have a sign, shown with the diverging map as for weights. */
const SIGNED = new Set(['conv1', 'conv2']);

function paintStage(canvases: HTMLCanvasElement[], a: Activation): void {
  if (a.shape.length === 3) {
    const [c, hh, ww] = a.shape as [number, number, number];
    const m = maxAbs(a.data) || 1;
    const signed = SIGNED.has(a.name);
    for (let i = 0; i < c; i++) {
      paintHeatmap(
        canvases[i] as HTMLCanvasElement,
        a.data,
        ww,
        hh,
        signed
          ? { colour: diverging, scale: (v) => v / m }
          : { colour: sequential, scale: (v) => v / m },
        i * hh * ww,
      );
    }
    return;
  }
  // Logits can be negative: scale them into [0, 1] by their range, the others by their maximum.
  let lo = 0;
  let hi = 0;
  for (const v of a.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  paintHeatmap(canvases[0] as HTMLCanvasElement, a.data, a.data.length, 1, {
    colour: sequential,
    scale: (v) => (v - lo) / span,
  });
}
