import './equivariance.css';
import { memory } from '@stride/core';
import type { LeNet5 } from '@stride/layers';
import { messageOf } from '../backends.js';
import { MNIST_SIZE } from '../draw/preprocess.js';
import { mnistSplit } from '../mnist.js';
import type { DemoState } from '../state.js';
import { ink } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { paintHeatmap } from '../ui/heatmap.js';
import { valuesAttribute } from '../ui/overlay.js';
import { compareEquivariance } from './compare.js';
import { p4View } from './p4-view.js';
import { plainView } from './plain-view.js';
import { IDENTITY, type PlaneTransform, quarterTurns } from './transform.js';

const SIZE = MNIST_SIZE;
/** Beyond half the frame the digit is gone: nothing is left to compare. */
const MAX_SHIFT = SIZE / 2;
const MNIST_TEST_SIZE = 10_000;

/** T in words, for the line under the controls. */
function transformLine(t: PlaneTransform): string {
  const k = quarterTurns(t.turns);
  return `T: turn ${k * 90}°, then shift dx = ${t.dx}, dy = ${t.dy}`;
}

/** What "undoing T" undoes, for the sentences under the maps. */
function transformWords(t: PlaneTransform): string {
  const k = quarterTurns(t.turns);
  const shift = t.dx !== 0 || t.dy !== 0 ? `the shift (dx = ${t.dx}, dy = ${t.dy})` : '';
  const turn = k !== 0 ? `the ${k * 90}° turn` : '';
  if (shift && turn) return `${turn} and ${shift}`;
  return shift || turn || 'T (nothing moved yet)';
}

/**
 * Panel 7: equivariance. A digit (an MNIST test image, or the drawing of panel 1) is shifted and
 * turned by 90° steps; next to each other, LeNet-5's conv1 maps and those of a p4 lifting
 * convolution built from the same six filters, each for the digit and for its transform, with the
 * difference left once the transform is undone. Shifts: both ~0 away from the edges. Turns: large
 * for conv1, ~0 for p4 once its rotation axis is rolled back. Everything is recomputed (on the CPU
 * backend, where the page's model lives) on each press: two 28×28 images, a fraction of a
 * millisecond of convolutions.
 */
export function equivariancePanel(state: DemoState): HTMLElement {
  let transform: PlaneTransform = IDENTITY;
  let source: 'mnist' | 'drawing' = 'mnist';
  let mnistImage: Float32Array | null = null;
  let mnistLabel: number | null = null;
  let updates = 0;

  const sourcePicker = h(
    'select',
    { id: 'eq-source' },
    h('option', { value: 'mnist' }, 'an MNIST test digit'),
    h('option', { value: 'drawing', disabled: true }, 'your drawing (panel 1)'),
  );
  const indexInput = h('input', {
    id: 'eq-index',
    type: 'number',
    inputmode: 'numeric',
    min: 0,
    max: MNIST_TEST_SIZE - 1,
    step: 1,
    value: 0,
  });
  const sourceInfo = h('small', { class: 'hint', id: 'eq-source-info', 'aria-live': 'polite' });

  const inputCanvas = h('canvas', {
    id: 'eq-input',
    class: 'map eq-digit',
    role: 'img',
    'aria-label': 'The input x',
  });
  const transformedCanvas = h('canvas', {
    id: 'eq-transformed',
    class: 'map eq-digit',
    role: 'img',
    'aria-label': 'The transformed input T x',
  });
  const stage = h(
    'figure',
    {
      class: 'eq-stage',
      id: 'eq-stage',
      tabindex: 0,
      'aria-label':
        'The transformed input: arrow keys shift it by a pixel, R turns it by 90°, Home resets',
      'aria-describedby': 'eq-keys-hint',
    },
    transformedCanvas,
    h('figcaption', {}, 'T x: turned, then shifted'),
  );
  for (const c of [inputCanvas, transformedCanvas]) blank(c);

  const button = (id: string, text: string, label: string, secondary = true) =>
    h(
      'button',
      { type: 'button', id, class: secondary ? 'secondary' : '', 'aria-label': label },
      text,
    );
  const up = button('eq-up', '↑', 'Shift up one pixel');
  const left = button('eq-left', '←', 'Shift left one pixel');
  const right = button('eq-right', '→', 'Shift right one pixel');
  const down = button('eq-down', '↓', 'Shift down one pixel');
  const turnLeft = button('eq-turn-left', '↺ 90°', 'Turn 90° counter-clockwise', false);
  const turnRight = button('eq-turn-right', '↻ 90°', 'Turn 90° clockwise', false);
  const reset = button('eq-reset', 'Reset', 'Reset: no shift, no turn');
  const transformValue = h('output', { id: 'eq-transform-value', 'aria-live': 'polite' });

  const empty = h('p', { class: 'hint', id: 'eq-empty' }, 'Loading a digit and the model…');
  const plain = plainView(6);
  const p4 = p4View(6);
  const tensors = h('p', { class: 'hint memory-note', id: 'eq-memory' });
  const results = h('div', { class: 'eq-results', id: 'eq-results' });
  results.hidden = true;

  const section = h(
    'section',
    { class: 'panel', id: 'equivariance', 'aria-labelledby': 'equivariance-title' },
    h(
      'h2',
      { id: 'equivariance-title' },
      h('span', { class: 'step' }, '7'),
      'Shift it, turn it: equivariance',
    ),
    h(
      'p',
      { class: 'lead' },
      'A convolution is translation-equivariant: shift the input and its feature maps shift with it. ',
      'It is not rotation-equivariant, which is why a CNN sees a digit on its side as something new; a p4 group convolution adds the quarter turns. ',
      'The Equivariance page of Stride’s documentation (under Learn) derives both; here you can watch them on a digit.',
    ),
    h(
      'div',
      { class: 'eq-top' },
      h(
        'figure',
        { class: 'eq-figure' },
        inputCanvas,
        h('figcaption', { id: 'eq-input-caption' }, 'x'),
      ),
      stage,
      h(
        'div',
        { class: 'eq-controls' },
        h(
          'div',
          { class: 'eq-source' },
          h('div', { class: 'field' }, h('label', { for: 'eq-source' }, 'Input'), sourcePicker),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'eq-index' }, 'MNIST test image #'),
            indexInput,
          ),
        ),
        sourceInfo,
        h(
          'div',
          { class: 'eq-buttons', role: 'group', 'aria-label': 'Shift and turn the input' },
          h('div', { class: 'eq-pad' }, up, left, reset, right, down),
          h('div', { class: 'eq-turns' }, turnLeft, turnRight),
        ),
        transformValue,
        h(
          'small',
          { class: 'hint', id: 'eq-keys-hint' },
          'Or focus T x and use the arrow keys to shift (pixels that leave the frame are gone; zeros come in), R to turn (Shift+R the other way), Home to reset.',
        ),
      ),
    ),
    empty,
    results,
  );

  results.append(
    h(
      'div',
      { class: 'eq-side', 'aria-labelledby': 'eq-plain-title', role: 'group' },
      h('h3', { id: 'eq-plain-title' }, '(a) A plain convolution: conv1 of LeNet-5'),
      h(
        'p',
        { class: 'lead eq-explain' },
        'Shift the digit and every conv1 map moves with it: the same 5×5 filter runs at every position. ',
        'Shifting the maps back leaves no difference, except in a grey band of 2 pixels along the edges, where the filter saw ink that left the frame or zeros that came in. ',
        'Turn the digit instead and the maps change: conv1’s filters are oriented stroke and edge detectors, a turned vertical stroke is a horizontal one, and turning the maps back does not undo that.',
      ),
      plain.el,
    ),
    h(
      'div',
      { class: 'eq-side', 'aria-labelledby': 'eq-p4-title', role: 'group' },
      h('h3', { id: 'eq-p4-title' }, '(b) A p4 lifting convolution with the same six filters'),
      h(
        'p',
        { class: 'lead eq-explain' },
        'p4LiftConv2d from @stride/equivariant applies each conv1 filter in its four quarter turns, so every channel has four rotation planes (plane 0 is conv1’s own map). ',
        'Turn the input by 90° and each plane turns by 90° and moves one step along the rotation axis, plane r to plane r + 1 (follow the coloured frames): the turned filter on the turned digit sees what the unturned filter saw. ',
        'Undo the turn and roll the axis back, and the difference is 0 up to float rounding: this layer is equivariant to turns as well as shifts.',
      ),
      p4.el,
    ),
    tensors,
  );

  /** The image the panel reads now, or why there is none. */
  const currentImage = (): Float32Array | null => (source === 'drawing' ? state.image : mnistImage);

  const update = () => {
    const model: LeNet5 | undefined = state.active?.model;
    const image = currentImage();
    if (!model || !image) {
      results.hidden = true;
      empty.hidden = false;
      return;
    }
    const conv = model.conv1;
    const r = compareEquivariance(conv.weight, conv.bias, image, SIZE, transform);
    paintHeatmap(inputCanvas, r.input, SIZE, SIZE, { colour: ink, scale: (v) => v });
    paintHeatmap(transformedCanvas, r.transformedInput, SIZE, SIZE, {
      colour: ink,
      scale: (v) => v,
    });
    inputCanvas.dataset.values = valuesAttribute(r.input);
    transformedCanvas.dataset.values = valuesAttribute(r.transformedInput);
    const words = transformWords(transform);
    plain.show(r, words);
    const weights = conv.weight.dataSync() as Float32Array;
    p4.show(r, weights, conv.kernelSize[0] as number, transform, words);
    empty.hidden = true;
    results.hidden = false;
    updates++;
    section.dataset.updates = String(updates);
    const m = memory();
    tensors.dataset.tensors = String(m.numTensors);
    tensors.textContent = `memory: ${m.numTensors} tensors (${(m.numBytes / 1024).toFixed(0)} kB), the same after every update`;
  };

  const setTransform = (t: PlaneTransform) => {
    const clamp = (v: number) => Math.max(-MAX_SHIFT, Math.min(MAX_SHIFT, v));
    transform = { dx: clamp(t.dx), dy: clamp(t.dy), turns: quarterTurns(t.turns) };
    section.dataset.dx = String(transform.dx);
    section.dataset.dy = String(transform.dy);
    section.dataset.turns = String(transform.turns);
    transformValue.textContent = transformLine(transform);
    update();
  };
  const move = (dx: number, dy: number) =>
    setTransform({ ...transform, dx: transform.dx + dx, dy: transform.dy + dy });
  const turn = (k: number) => setTransform({ ...transform, turns: transform.turns + k });

  up.addEventListener('click', () => move(0, -1));
  down.addEventListener('click', () => move(0, 1));
  left.addEventListener('click', () => move(-1, 0));
  right.addEventListener('click', () => move(1, 0));
  turnLeft.addEventListener('click', () => turn(1));
  turnRight.addEventListener('click', () => turn(-1));
  reset.addEventListener('click', () => setTransform(IDENTITY));
  stage.addEventListener('keydown', (event) => {
    const moves: Record<string, () => void> = {
      ArrowUp: () => move(0, -1),
      ArrowDown: () => move(0, 1),
      ArrowLeft: () => move(-1, 0),
      ArrowRight: () => move(1, 0),
      r: () => turn(1),
      R: () => turn(-1),
      Home: () => setTransform(IDENTITY),
    };
    const action = moves[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    // The arrows would scroll the page otherwise.
    event.preventDefault();
    action();
  });

  let loadingIndex = -1;
  const loadDigit = async () => {
    const raw = Number(indexInput.value);
    const i = Number.isInteger(raw) ? Math.max(0, Math.min(MNIST_TEST_SIZE - 1, raw)) : 0;
    loadingIndex = i;
    if (!mnistImage) sourceInfo.textContent = 'Loading the MNIST test images…';
    try {
      const test = await mnistSplit('test');
      if (loadingIndex !== i) return;
      const { x, y } = test.getBatch([i]);
      mnistImage = Float32Array.from(x);
      mnistLabel = y[0] as number;
      section.dataset.index = String(i);
      describeSource();
      if (source === 'mnist') update();
    } catch (error) {
      sourceInfo.textContent = `Could not load MNIST: ${messageOf(error)}`;
    }
  };

  const describeSource = () => {
    indexInput.disabled = source !== 'mnist';
    sourceInfo.textContent =
      source === 'drawing'
        ? 'Your drawing from panel 1, as the network sees it.'
        : mnistImage
          ? `Test image #${section.dataset.index}, labelled ${mnistLabel}.`
          : sourceInfo.textContent;
  };

  sourcePicker.addEventListener('change', () => {
    source = sourcePicker.value === 'drawing' ? 'drawing' : 'mnist';
    describeSource();
    if (source === 'mnist' && !mnistImage) void loadDigit();
    update();
  });
  indexInput.addEventListener('change', () => void loadDigit());
  state.addEventListener('model', update);
  state.addEventListener('inference', () => {
    const option = sourcePicker.querySelector('option[value="drawing"]') as HTMLOptionElement;
    option.disabled = state.image === null;
    if (source === 'drawing') {
      if (!state.image) {
        // The drawing was cleared: back to the MNIST digit.
        sourcePicker.value = 'mnist';
        source = 'mnist';
        describeSource();
        if (!mnistImage) void loadDigit();
      }
      update();
    }
  });

  section.dataset.updates = '0';
  setTransform(IDENTITY);
  // The MNIST test split is 1.6 MB: fetched when somebody comes to look.
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    if (!mnistImage) void loadDigit();
  });
  observer.observe(section);
  return section;
}

function blank(canvas: HTMLCanvasElement): void {
  paintHeatmap(canvas, new Float32Array(SIZE * SIZE), SIZE, SIZE, {
    colour: ink,
    scale: (v) => v,
  });
}
