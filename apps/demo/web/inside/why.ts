import { memory } from '@stride/core';
import { MNIST_SIZE } from '../draw/preprocess.js';
import type { DemoState } from '../state.js';
import { ink } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { paintHeatmap } from '../ui/heatmap.js';
import { paintOverlay, valuesAttribute } from '../ui/overlay.js';
import { type Attribution, explain } from './attribution.js';

const SIZE = MNIST_SIZE;

/**
 * "Why this answer?": for the drawing, the saliency map (|∂ logit / ∂ pixel|) and Grad-CAM on
 * conv2, for the predicted digit or one the reader picks. Recomputed whenever the drawing, the
 * model or the picked digit changes; each run frees every tensor it made, which the line under
 * the pictures shows with `memory()`.
 */
export function whyView(state: DemoState): HTMLElement {
  const picker = h('select', { id: 'why-class', 'aria-describedby': 'why-class-hint' });
  picker.append(h('option', { value: 'auto' }, 'the prediction'));
  for (let d = 0; d < 10; d++) picker.append(h('option', { value: String(d) }, `digit ${d}`));

  const figure = (id: string, caption: string, label: string) => {
    const canvas = h('canvas', { id, class: 'map why-map', role: 'img', 'aria-label': label });
    return {
      canvas,
      el: h('figure', { class: 'why-figure' }, canvas, h('figcaption', {}, caption)),
    };
  };
  const input = figure('why-input', 'the drawing (28×28)', 'The drawing the network reads');
  const saliency = figure(
    'why-saliency',
    'saliency: |∂ score / ∂ pixel|',
    'Saliency map: how much each pixel moves the score',
  );
  const gradCam = figure(
    'why-gradcam',
    'Grad-CAM on conv2',
    'Grad-CAM: where conv2 found evidence for the digit',
  );
  for (const f of [input, saliency, gradCam]) blank(f.canvas);

  const summary = h('p', { class: 'hint', id: 'why-summary', 'aria-live': 'polite' });
  const tensors = h('p', { class: 'hint memory-note', id: 'why-memory' });
  const empty = h(
    'p',
    { class: 'hint', id: 'why-empty' },
    'Draw a digit in panel 1 to see which pixels the answer depends on.',
  );
  const maps = h('div', { class: 'why-maps', id: 'why-maps' }, input.el, saliency.el, gradCam.el);
  maps.hidden = true;

  const update = () => {
    const model = state.active?.model;
    const image = state.image;
    empty.hidden = Boolean(model && image);
    maps.hidden = !empty.hidden;
    if (!model || !image) {
      for (const f of [input, saliency, gradCam]) blank(f.canvas);
      summary.textContent = '';
      return;
    }
    const picked = picker.value === 'auto' ? undefined : Number(picker.value);
    const a = explain(model, image, picked);
    show(a, image);
    const m = memory();
    tensors.dataset.tensors = String(m.numTensors);
    tensors.textContent = `memory: ${m.numTensors} tensors (${(m.numBytes / 1024).toFixed(0)} kB), the same after every redraw`;
  };

  const show = (a: Attribution, image: Float32Array) => {
    paintHeatmap(input.canvas, image, SIZE, SIZE, { colour: ink, scale: (v) => v });
    input.canvas.dataset.values = valuesAttribute(image);
    let top = 0;
    for (const v of a.saliency) top = Math.max(top, v);
    paintOverlay(saliency.canvas, image, a.saliency, SIZE, top);
    paintOverlay(gradCam.canvas, image, a.gradCam, SIZE, 1);
    saliency.canvas.dataset.values = valuesAttribute(a.gradient);
    saliency.canvas.dataset.max = String(top);
    gradCam.canvas.dataset.values = valuesAttribute(a.gradCam);
    maps.dataset.class = String(a.classIndex);
    maps.dataset.predicted = String(a.predicted);
    const which = a.classIndex === a.predicted ? `${a.classIndex}, the prediction` : a.classIndex;
    const camTop = Math.max(...a.camRaw);
    summary.textContent =
      `Explaining the score of ${which}. Bright pixels of the saliency map change that score most; ` +
      (camTop > 0
        ? 'Grad-CAM lights up where conv2’s channels that speak for it are active.'
        : 'Grad-CAM is empty: no conv2 channel speaks for this digit here.');
  };

  state.addEventListener('inference', update);
  picker.addEventListener('change', update);

  return h(
    'div',
    { class: 'why', id: 'why' },
    h('h3', { id: 'why-title' }, 'Why this answer?'),
    h(
      'p',
      { class: 'lead' },
      'Stride’s autograd runs the network backwards from one digit’s score. The gradient with respect to the pixels is the saliency map; ',
      'the gradient with respect to conv2’s maps weighs them (Grad-CAM: each map counts by its mean gradient, negative sums are cut at 0).',
    ),
    h(
      'div',
      { class: 'field why-field' },
      h('label', { for: 'why-class' }, 'Explain the score of'),
      picker,
      h(
        'small',
        { class: 'hint', id: 'why-class-hint' },
        'Pick another digit to see what speaks for it.',
      ),
    ),
    empty,
    maps,
    summary,
    tensors,
  );
}

function blank(canvas: HTMLCanvasElement): void {
  paintHeatmap(canvas, new Float32Array(SIZE * SIZE), SIZE, SIZE, {
    colour: ink,
    scale: (v) => v,
  });
  delete canvas.dataset.values;
}
