import './live-view.css';
import { memory } from '@stride/core';
import { mnistSplit } from '../mnist.js';
import type { DemoState } from '../state.js';
import { ink } from '../ui/colormap.js';
import { h, select } from '../ui/dom.js';
import { paintHeatmap } from '../ui/heatmap.js';
import { valuesAttribute } from '../ui/overlay.js';
import { filterBank, paintFilterBank } from './filters.js';
import { gradientFlowView } from './gradient-flow.js';
import { type HistogramChart, histogramChart } from './histogram-chart.js';
import { DEFAULT_EVERY, liveFeed, PROBE_INDEX, probeOf } from './live-feed.js';
import { paintStage, SHOWN, type Stage, stageBlock } from './stages.js';
import {
  HISTOGRAM_IMAGES,
  type InsideSnapshot,
  LEARNABLE,
  type LearnableName,
} from './training-snapshot.js';

const SIZE = 28;

/**
 * "Watch it learn": while panel 2 trains, the network being trained, refreshed every few steps
 * from the training step itself (see `recordedStep`): one test digit at every layer, the filters,
 * the gradient reaching each layer (the backward pass) and histograms of weights and activations.
 */
export function liveView(state: DemoState): HTMLElement {
  const feed = liveFeed(state);

  const toggle = h('button', { type: 'button', id: 'live-train' }, 'Train and watch');
  const every = select(
    'live-every',
    [
      ['5', '5 steps'],
      ['10', '10 steps'],
      ['25', '25 steps'],
      ['50', '50 steps'],
    ],
    String(DEFAULT_EVERY),
  );
  every.setAttribute('aria-describedby', 'live-every-hint');
  every.addEventListener('change', () => {
    feed.every = Number(every.value);
  });
  feed.every = Number(every.value);
  const status = h(
    'p',
    { class: 'status', id: 'live-status', role: 'status' },
    'Not training yet. Press “Train and watch” (or Train in panel 2) and this view follows the network as it learns.',
  );
  const tensors = h('p', { class: 'hint memory-note', id: 'live-memory' });

  // The probe digit.
  const probeCanvas = h('canvas', {
    id: 'live-probe-image',
    class: 'map live-probe-image',
    role: 'img',
    'aria-label': `MNIST test image ${PROBE_INDEX}`,
  });
  paintHeatmap(probeCanvas, new Float32Array(SIZE * SIZE), SIZE, SIZE, {
    colour: ink,
    scale: (v) => v,
  });
  const probeCaption = h('figcaption', {}, `MNIST test image ${PROBE_INDEX}`);
  const prediction = h(
    'p',
    { class: 'live-prediction', id: 'live-probe-prediction', 'aria-live': 'off' },
    'Press “Train and watch” to see what a fresh network makes of it.',
  );
  const probeStages = h('div', { class: 'activations live-stages', id: 'live-probe-stages' });
  const stages = new Map<string, Stage>();

  // The filters.
  const conv1 = filterBank(
    'conv1',
    'conv1: 6 filters of 5×5 over the image',
    new Float32Array(150),
    [6, 1, 5, 5],
    'live-filters-conv1',
  );
  const conv2 = filterBank(
    'conv2',
    'conv2: 16 filters (columns), each 5×5 over conv1’s 6 maps (rows)',
    new Float32Array(2400),
    [16, 6, 5, 5],
    'live-filters-conv2',
  );
  const filterScale = h('p', { class: 'hint', id: 'live-filter-scale' });

  const flow = gradientFlowView();

  // The histograms: one row per learnable layer, weights then outputs.
  const charts = new Map<LearnableName, { weights: HistogramChart; outputs: HistogramChart }>();
  const histRows = h(
    'div',
    { class: 'hist-rows', id: 'live-histograms' },
    h(
      'div',
      { class: 'hist-row hist-head', 'aria-hidden': 'true' },
      h('span', {}),
      h('span', {}, 'weights'),
      h('span', {}, 'outputs, before the ReLU'),
    ),
  );
  for (const name of LEARNABLE) {
    const weights = histogramChart(`live-hist-${name}-weights`, `${name} weights`, '#7c3aed');
    const outputs = histogramChart(`live-hist-${name}-outputs`, `${name} outputs`, '#059669');
    charts.set(name, { weights, outputs });
    histRows.append(
      h(
        'div',
        { class: 'hist-row', 'data-layer': name },
        h('span', { class: 'hist-name' }, name),
        weights.element,
        outputs.element,
      ),
    );
  }

  const blocks = h(
    'div',
    { class: 'live-blocks', id: 'live-blocks' },
    h(
      'div',
      { class: 'live-block', id: 'live-probe' },
      h('h4', {}, 'One test digit, layer by layer'),
      h(
        'p',
        { class: 'caption' },
        'The same digit from the test set (never trained on) goes through the network as it is after the latest step: watch the maps sharpen and the answer settle as the weights change.',
      ),
      probeStages,
    ),
    h(
      'div',
      { class: 'live-block', id: 'live-filters' },
      h('h4', {}, 'Filters as they learn'),
      h(
        'p',
        { class: 'caption' },
        'The convolution kernels after the latest step: they start as random noise and turn into stroke and edge detectors (red adds, blue subtracts).',
      ),
      h('div', { class: 'filters' }, conv1.element, conv2.element),
      filterScale,
    ),
    h(
      'div',
      { class: 'live-block' },
      h('h4', {}, 'Gradient flow: the backward pass'),
      h(
        'p',
        { class: 'caption' },
        'Backpropagation starts at the loss and passes the gradient back through every layer, top to bottom here; each bar is how large it is where it arrives, on a log scale, so a gradient that fades on its way to conv1 shows at once.',
      ),
      flow.element,
    ),
    h(
      'div',
      { class: 'live-block', id: 'live-distributions' },
      h('h4', {}, 'Weights and activations'),
      h(
        'p',
        { class: 'caption' },
        `How each layer’s numbers are spread: its weights after the step (purple) and its outputs for ${HISTOGRAM_IMAGES} images of the batch before the ReLU (green), which turns everything left of the 0 line into 0.`,
      ),
      histRows,
    ),
  );
  blocks.hidden = true;

  const view = h(
    'div',
    { class: 'live', id: 'live', 'aria-labelledby': 'live-title', 'data-step': '0' },
    h('h3', { id: 'live-title' }, 'Watch it learn'),
    h(
      'p',
      { class: 'lead' },
      'While panel 2 trains, this view shows the network being trained, refreshed every few steps with numbers taken from the training step itself: no extra passes, so training barely slows down.',
    ),
    h(
      'div',
      { class: 'live-controls' },
      toggle,
      h('div', { class: 'field' }, h('label', { for: 'live-every' }, 'Refresh every'), every),
    ),
    h(
      'p',
      { class: 'hint', id: 'live-every-hint' },
      'Training uses panel 2’s settings. Refreshing more often shows more pictures and slows training a little.',
    ),
    status,
    h(
      'figure',
      { class: 'live-probe-figure' },
      probeCanvas,
      h('div', {}, probeCaption, prediction),
    ),
    blocks,
    tensors,
  );

  let refreshes = 0;
  const showProbe = (image: Float32Array, label: number) => {
    paintHeatmap(probeCanvas, image, SIZE, SIZE, { colour: ink, scale: (v) => v });
    probeCanvas.dataset.values = valuesAttribute(image);
    probeCanvas.dataset.label = String(label);
    probeCaption.textContent = `MNIST test image ${PROBE_INDEX}: a ${label}`;
  };

  const paintProbe = (s: InsideSnapshot) => {
    for (const a of s.probe) {
      let stage = stages.get(a.name);
      if (!stage) {
        stage = stageBlock(a, SHOWN[a.name] ?? a.name, 'data-probe-layer');
        stages.set(a.name, stage);
        probeStages.append(stage.block);
      }
      paintStage(stage.canvases, a);
      if (a.name === 'conv1' || a.name === 'fc3')
        stage.block.dataset.values = valuesAttribute(a.data);
    }
  };
  const paintFilters = (s: InsideSnapshot) => {
    const [l1, l2] = s.layers as [InsideSnapshot['layers'][0], InsideSnapshot['layers'][0]];
    const m1 = paintFilterBank(conv1.canvases, l1.weights, [6, 1, 5, 5]);
    const m2 = paintFilterBank(conv2.canvases, l2.weights, [16, 6, 5, 5]);
    const grid1 = conv1.element.querySelector('.filter-grid') as HTMLElement;
    grid1.dataset.values = valuesAttribute(l1.weights);
    grid1.dataset.bias = valuesAttribute(l1.bias);
    filterScale.textContent = `Full colour at |weight| = ${m1.toFixed(3)} for conv1 and ${m2.toFixed(3)} for conv2.`;
  };
  const paintHistograms = (s: InsideSnapshot) => {
    for (const layer of s.layers) {
      const c = charts.get(layer.name);
      c?.weights.update(layer.weightHistogram, layer.weights.length);
      c?.outputs.update(layer.activationHistogram, layer.activationCount);
    }
  };
  // The pictures cost more to paint than the numbers to gather: each block paints only while on
  // screen, and catches up with the latest snapshot when it comes back into view. Its
  // `data-step` says which step it shows.
  const painters = [
    lazily(blocks.querySelector('#live-probe') as HTMLElement, paintProbe),
    lazily(blocks.querySelector('#live-filters') as HTMLElement, paintFilters),
    lazily(blocks.querySelector('#live-distributions') as HTMLElement, paintHistograms),
  ];

  const paint = (s: InsideSnapshot) => {
    refreshes++;
    blocks.hidden = false;
    const p = s.probeProbabilities;
    let best = 0;
    for (let d = 1; d < p.length; d++) if ((p[d] as number) > (p[best] as number)) best = d;
    prediction.textContent = `After step ${s.step} the network reads it as ${best} (${(100 * (p[best] as number)).toFixed(0)}% sure).`;
    prediction.dataset.digit = String(best);
    prediction.dataset.probabilities = valuesAttribute(p);
    // The gradient flow keeps a history of every refresh, so it is always drawn.
    flow.update(s);
    for (const painter of painters) painter(s);

    const run = feed.running;
    status.textContent = `Step ${s.step} (epoch ${s.epoch}), loss ${s.loss.toFixed(3)}: refreshed every ${feed.every} steps while training on ${run?.device === 'webgpu' ? 'WebGPU' : 'the CPU'}.`;
    const m = memory();
    tensors.dataset.tensors = String(m.numTensors);
    tensors.textContent = `memory: ${m.numTensors} tensors (model, optimizer state and probe), the same after every refresh`;
    view.dataset.step = String(s.step);
    view.dataset.refreshes = String(refreshes);
  };

  feed.addEventListener('start', () => {
    refreshes = 0;
    flow.reset();
    toggle.textContent = 'Stop training';
    view.dataset.running = 'true';
    view.dataset.step = '0';
    view.dataset.refreshes = '0';
    if (feed.probe) showProbe(feed.probe.image, feed.probe.label);
    status.textContent = 'Training started: the first picture comes after step 1.';
  });
  feed.addEventListener('snapshot', () => {
    if (feed.latest) paint(feed.latest);
  });
  feed.addEventListener('stop', () => {
    toggle.textContent = 'Train and watch';
    view.dataset.running = 'false';
    const last = feed.latest;
    status.textContent = last
      ? `Stopped after ${feed.stoppedAt} steps. This is the network after step ${last.step}; press “Train and watch” to start a fresh one.`
      : 'Training stopped before the first picture.';
  });
  toggle.addEventListener('click', () => feed.request(feed.running ? 'stop' : 'start'));

  // The probe shows before any training, once the test split (1.6 MB) is worth loading.
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    mnistSplit('test')
      .then((test) => {
        if (!probeCanvas.dataset.values) {
          const p = probeOf(test);
          showProbe(p.image, p.label);
        }
      })
      .catch(() => {
        // Training loads it again and says so if it fails.
      });
  });
  observer.observe(view);
  return view;
}

/**
 * `paint` for `block`, called with every snapshot but run only while the block is on screen;
 * one that came while it was off screen is painted when it comes back.
 */
function lazily(
  block: HTMLElement,
  paint: (s: InsideSnapshot) => void,
): (s: InsideSnapshot) => void {
  let visible = false;
  let waiting: InsideSnapshot | null = null;
  const show = (s: InsideSnapshot) => {
    paint(s);
    block.dataset.step = String(s.step);
    waiting = null;
  };
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible && waiting) show(waiting);
  }).observe(block);
  return (s) => {
    if (visible) show(s);
    else waiting = s;
  };
}
