import { messageOf } from '../backends.js';
import { mnistSplit } from '../mnist.js';
import type { DemoState } from '../state.js';
import { ink } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { paintHeatmap } from '../ui/heatmap.js';
import { MNIST_SIZE, toMnistImage } from './preprocess.js';
import { createSketchpad, PAD_SIZE } from './sketchpad.js';

/**
 * Panel 1: draw a digit, and LeNet-5 reads it live. The pad's ink goes through MNIST's own
 * preprocessing (shown as "what the network sees") before the model gets it.
 */
export function drawPanel(state: DemoState): HTMLElement {
  const pad = createSketchpad(() => state.setImage(toMnistImage(pad.ink(), PAD_SIZE, PAD_SIZE)));

  const seen = h('canvas', {
    id: 'draw-input',
    class: 'map seen',
    role: 'img',
    'aria-label': 'The drawing as the network sees it: 28 by 28 pixels',
  });
  paintHeatmap(seen, new Float32Array(MNIST_SIZE * MNIST_SIZE), MNIST_SIZE, MNIST_SIZE, {
    colour: ink,
    scale: (v) => v,
  });

  const digit = h(
    'output',
    { id: 'prediction', class: 'prediction', 'aria-live': 'polite', for: 'draw-canvas' },
    '?',
  );
  const confidence = h(
    'p',
    { class: 'confidence', id: 'prediction-confidence' },
    'Draw a digit from 0 to 9.',
  );
  const bars = h('ol', {
    class: 'bars',
    id: 'prediction-bars',
    'aria-label': 'Probability of each digit',
  });
  const rows = Array.from({ length: 10 }, (_, d) => {
    const fill = h('span', { class: 'bar-fill' });
    const value = h('span', { class: 'bar-value' }, '0%');
    const row = h(
      'li',
      { class: 'bar', 'data-digit': d },
      h('span', { class: 'bar-label' }, String(d)),
      h('span', { class: 'bar-track' }, fill),
      value,
    );
    bars.append(row);
    return { row, fill, value };
  });

  const modelPicker = h('select', { id: 'draw-model' });
  const modelInfo = h('p', { class: 'hint', id: 'draw-model-info' });
  modelPicker.addEventListener('change', () => {
    const chosen = state.available[Number(modelPicker.value)];
    if (chosen) state.useModel(chosen);
  });

  const clear = h('button', { type: 'button', id: 'draw-clear', class: 'secondary' }, 'Clear');
  clear.addEventListener('click', () => pad.clear());
  // A global shortcut would fight with the other panels' inputs; Delete works on the pad itself.

  // A real test digit, to compare with your own drawing (and with what the network expects).
  const sample = h(
    'button',
    { type: 'button', id: 'draw-sample', class: 'secondary' },
    'Show an MNIST digit',
  );
  const sampleInfo = h('small', { class: 'hint', id: 'draw-sample-info', 'aria-live': 'polite' });
  sample.addEventListener('click', async () => {
    sample.disabled = true;
    sampleInfo.textContent = 'Loading the MNIST test images…';
    try {
      const test = await mnistSplit('test');
      const i = Math.floor(Math.random() * test.length);
      const { x, y } = test.getBatch([i]);
      pad.showImage(x, 28, 28);
      sampleInfo.textContent = `Test image #${i}, labelled ${y[0]}.`;
    } catch (error) {
      sampleInfo.textContent = `Could not load MNIST: ${messageOf(error)}`;
    } finally {
      sample.disabled = false;
    }
  });

  // The reading next to the pad too, for small screens where the bars are out of sight.
  const mini = h('span', { class: 'mini-prediction', 'aria-hidden': 'true' });

  state.addEventListener('model', () => {
    modelPicker.replaceChildren(
      ...state.available.map((m, i) =>
        h('option', { value: i, selected: m === state.active }, m.source),
      ),
    );
    const acc = state.active?.testAccuracy;
    modelInfo.textContent =
      acc == null
        ? ''
        : `Test accuracy ${(acc * 100).toFixed(2)}% on the 10,000 MNIST test images.`;
  });

  state.addEventListener('inference', () => {
    const result = state.inference;
    paintHeatmap(
      seen,
      state.image ?? new Float32Array(MNIST_SIZE * MNIST_SIZE),
      MNIST_SIZE,
      MNIST_SIZE,
      {
        colour: ink,
        scale: (v) => v,
      },
    );
    if (!result) {
      digit.textContent = '?';
      digit.removeAttribute('data-digit');
      mini.textContent = '';
      confidence.textContent = 'Draw a digit from 0 to 9.';
      for (const r of rows) {
        r.fill.style.width = '0%';
        r.value.textContent = '0%';
        r.row.classList.remove('top');
      }
      return;
    }
    const p = result.probabilities;
    let best = 0;
    for (let d = 1; d < 10; d++) if ((p[d] as number) > (p[best] as number)) best = d;
    digit.textContent = String(best);
    digit.dataset.digit = String(best);
    confidence.textContent = `${((p[best] as number) * 100).toFixed(1)}% sure`;
    mini.textContent = `${best} · ${((p[best] as number) * 100).toFixed(0)}%`;
    rows.forEach((r, d) => {
      const percent = (p[d] as number) * 100;
      r.fill.style.width = `${percent.toFixed(1)}%`;
      r.value.textContent = `${percent < 10 ? percent.toFixed(1) : percent.toFixed(0)}%`;
      r.row.classList.toggle('top', d === best);
      r.row.setAttribute('aria-label', `${d}: ${percent.toFixed(1)} percent`);
    });
  });

  return h(
    'section',
    { class: 'panel', id: 'draw', 'aria-labelledby': 'draw-title' },
    h('h2', { id: 'draw-title' }, h('span', { class: 'step' }, '1'), 'Draw a digit'),
    h(
      'p',
      { class: 'lead' },
      'LeNet-5 (61,706 parameters, two convolutions and three dense layers) reads your drawing as you draw. ',
      'Your strokes are cropped, scaled into 20×20 and centred by their centre of mass, the way MNIST was made.',
    ),
    h(
      'div',
      { class: 'draw-grid' },
      h(
        'div',
        { class: 'draw-pad' },
        pad.element,
        h('div', { class: 'row' }, clear, sample, mini),
        sampleInfo,
        h(
          'small',
          { class: 'hint' },
          'Keyboard: focus the pad, arrows move, Space draws, Delete clears.',
        ),
      ),
      h(
        'div',
        { class: 'draw-result' },
        h(
          'div',
          { class: 'prediction-box' },
          h('div', {}, h('span', { class: 'eyebrow' }, 'Prediction'), digit, confidence),
          h('figure', { class: 'seen-figure' }, seen, h('figcaption', {}, 'what the network sees')),
        ),
        bars,
        h('div', { class: 'field' }, h('label', { for: 'draw-model' }, 'Weights'), modelPicker),
        modelInfo,
      ),
    ),
  );
}
