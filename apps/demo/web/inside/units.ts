import type { LeNet5 } from '@stride/layers';
import { MNIST_SIZE } from '../draw/preprocess.js';
import type { DemoState } from '../state.js';
import { ink } from '../ui/colormap.js';
import { h } from '../ui/dom.js';
import { paintHeatmap } from '../ui/heatmap.js';
import { valuesAttribute } from '../ui/overlay.js';
import { GradientAscent } from './feature-vis.js';
import { largestGain } from './unit-choice.js';

const SIZE = MNIST_SIZE;
const CHANNELS = 16;
/** Work between two yields to the event loop: short enough for input and painting to keep up. */
const SLICE_MS = 12;

interface Cell {
  button: HTMLButtonElement;
  canvas: HTMLCanvasElement;
  ascent: GradientAscent | null;
  start: number;
}

/**
 * "What does a unit want to see?": for each of conv2's 16 channels, the image that gradient
 * ascent finds to excite it most (see `GradientAscent`), as a grid, and the chosen channel
 * larger. All 16 are computed a few steps at a time, the chosen one first, yielding to the event
 * loop between slices so that the page stays responsive. It starts when the view scrolls into
 * sight, and again for a new model or on "New start".
 */
export function unitsView(state: DemoState): HTMLElement {
  const slider = h('input', {
    id: 'unit-channel',
    type: 'range',
    min: 0,
    max: CHANNELS - 1,
    step: 1,
    value: 0,
    'aria-describedby': 'unit-channel-hint',
  });
  const chosenLabel = h('output', { id: 'unit-channel-value', for: 'unit-channel' }, '0');
  const large = h('canvas', {
    id: 'unit-large',
    class: 'map unit-large',
    role: 'img',
    'aria-label': 'What conv2 channel 0 responds to most',
  });
  const largeCaption = h('figcaption', { id: 'unit-large-caption' });
  const status = h('p', { class: 'hint', id: 'unit-status', 'aria-live': 'polite' });
  const again = h(
    'button',
    { type: 'button', id: 'unit-restart', class: 'secondary' },
    'New start',
  );
  const grid = h('div', {
    class: 'unit-grid',
    id: 'unit-grid',
    role: 'group',
    'aria-label': 'conv2 channels',
  });
  const cells: Cell[] = Array.from({ length: CHANNELS }, (_, c) => {
    const canvas = h('canvas', { class: 'map unit-map', 'aria-hidden': 'true' });
    const button = h(
      'button',
      {
        type: 'button',
        class: 'unit-cell',
        'data-channel': c,
        'aria-pressed': c === 0 ? 'true' : 'false',
        'aria-label': `Channel ${c}`,
        // The slider is the keyboard's way to pick a channel: one Tab stop, not seventeen.
        tabindex: -1,
      },
      canvas,
      h('span', { class: 'unit-number', 'aria-hidden': 'true' }, String(c)),
    );
    button.addEventListener('click', () => {
      picked = true;
      choose(c);
    });
    grid.append(button);
    return { button, canvas, ascent: null, start: 0 };
  });

  let chosen = 0;
  /** Whether the reader has picked a channel: then the view stays on it when the ascents end. */
  let picked = false;
  let generation = 0;
  let seed = 1;
  let started = false;

  const paintLarge = () => {
    const cell = cells[chosen] as Cell;
    const image = cell.ascent?.image ?? new Float32Array(SIZE * SIZE);
    paintHeatmap(large, image, SIZE, SIZE, { colour: ink, scale: (v) => v });
    large.dataset.channel = String(chosen);
    large.setAttribute('aria-label', `What conv2 channel ${chosen} responds to most`);
    largeCaption.textContent = describe(cell, chosen);
  };

  const choose = (c: number) => {
    chosen = c;
    slider.value = String(c);
    chosenLabel.textContent = String(c);
    cells.forEach((cell, i) => {
      cell.button.setAttribute('aria-pressed', i === c ? 'true' : 'false');
    });
    paintLarge();
  };
  slider.addEventListener('input', () => {
    picked = true;
    choose(Number(slider.value));
  });

  const paintCell = (c: number) => {
    const cell = cells[c] as Cell;
    const a = cell.ascent;
    if (!a) return;
    paintHeatmap(cell.canvas, a.image, SIZE, SIZE, { colour: ink, scale: (v) => v });
    cell.button.dataset.steps = String(a.stepsTaken);
    cell.button.dataset.start = String(cell.start);
    if (a.done) {
      cell.button.dataset.end = String(a.activation());
      cell.canvas.dataset.values = valuesAttribute(a.image);
    }
    if (c === chosen) paintLarge();
  };

  const run = async (model: LeNet5) => {
    const mine = ++generation;
    grid.dataset.done = '0';
    for (const [c, cell] of cells.entries()) {
      cell.ascent = new GradientAscent(model, c, { seed: seed * 100 + c });
      cell.start = cell.ascent.activation();
      for (const key of ['steps', 'start', 'end']) delete cell.button.dataset[key];
      delete cell.canvas.dataset.values;
      paintCell(c);
    }
    let done = 0;
    while (done < CHANNELS) {
      // The chosen channel first, then the others in order.
      const next = (cells[chosen] as Cell).ascent?.done
        ? cells.findIndex((cell) => !cell.ascent?.done)
        : chosen;
      const ascent = (cells[next] as Cell).ascent as GradientAscent;
      const until = performance.now() + SLICE_MS;
      while (!ascent.done && performance.now() < until) ascent.step();
      paintCell(next);
      if (ascent.done) {
        done++;
        grid.dataset.done = String(done);
      }
      status.textContent =
        done < CHANNELS
          ? `Ascending: ${done} of ${CHANNELS} channels done (channel ${next}, step ${ascent.stepsTaken} of ${ascent.steps}).`
          : `All ${CHANNELS} channels done, ${ascent.steps} steps each.`;
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (mine !== generation) return;
    }
    const best = largestGain(
      cells.map((cell) => cell.start),
      cells.map((cell) => Number(cell.button.dataset.end)),
    );
    grid.dataset.clearest = String(best);
    if (!picked) choose(best);
  };

  const start = () => {
    const model = state.active?.model;
    if (!model) return;
    started = true;
    run(model).catch((error: unknown) => {
      status.textContent = `Could not run gradient ascent: ${String(error)}`;
      console.error(error);
    });
  };
  again.addEventListener('click', () => {
    seed++;
    start();
  });
  state.addEventListener('model', () => {
    if (started) start();
  });

  const view = h(
    'div',
    { class: 'units', id: 'units' },
    h('h3', { id: 'units-title' }, 'What does a unit want to see?'),
    h(
      'p',
      { class: 'lead' },
      'Each picture starts as faint noise and is pushed, step by step, along the gradient of one conv2 channel’s mean activation: what that channel is looking for. ',
      'Every step sees the image shifted by a pixel or two, and every few steps it is blurred, so that the result is a shape and not noise.',
    ),
    h(
      'div',
      { class: 'units-layout' },
      h(
        'div',
        { class: 'units-chosen' },
        h('figure', {}, large, largeCaption),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'unit-channel' }, 'conv2 channel ', chosenLabel),
          slider,
          h(
            'small',
            { class: 'hint', id: 'unit-channel-hint' },
            'Arrow keys pick a channel; or click one in the grid.',
          ),
        ),
        h('div', { class: 'row' }, again),
      ),
      grid,
    ),
    status,
  );

  choose(0);
  // Sixteen ascents are a second or two of work: done when somebody comes to look.
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting) || !state.active) return;
    observer.disconnect();
    if (!started) start();
  });
  observer.observe(view);
  state.addEventListener('model', () => {
    if (!started && view.getBoundingClientRect().top < window.innerHeight) start();
  });
  return view;
}

function describe(cell: Cell, channel: number): string {
  const a = cell.ascent;
  if (!a) return `Channel ${channel}: waiting for the model.`;
  if (!a.done) return `Channel ${channel}: step ${a.stepsTaken} of ${a.steps}…`;
  return `Channel ${channel}: mean activation from ${cell.start.toFixed(2)} on the starting noise to ${Number(cell.button.dataset.end).toFixed(2)} after ${a.stepsTaken} steps.`;
}
