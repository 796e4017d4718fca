import { memory } from '@stride/core';
import type { DemoState } from '../state.js';
import { h, nextFrame, numberInput, select } from '../ui/dom.js';
import { valuesAttribute } from '../ui/overlay.js';
import { seededRandom } from '../ui/seeded-random.js';
import { stat } from '../ui/stat.js';
import { DEFAULT_CLASSIFIER, HELD_OUT_SEED, NET_OPTIONS, SignalClassifier } from './classifier.js';
import { bars, COLOURS, hline, polyline, surface } from './plot.js';
import { curveScale, formatAccuracy, formatLoss } from './readout.js';
import { WAVE_CLASSES, type WaveClass, waveExample, waveSet } from './waves.js';

/** Training stops here on its own: the held-out accuracy is flat long before. */
const MAX_STEPS = 200;
const EVAL_EVERY = 10;
const HELD_OUT = 200;

const CLASS_TEXT: Record<WaveClass, string> = {
  sine: 'sine',
  square: 'square wave',
  noise: 'noise',
  chirp: 'chirp',
};

/**
 * "A learned classifier": SignalNet trained in the page on sines, square waves, noise and chirps,
 * with its loss and held-out accuracy as it goes, then the first layer's learned filters and what
 * each makes of an example signal. Training runs one step per frame and can be stopped.
 */
export function classifierView(state: DemoState): HTMLElement {
  const held = waveSet(HELD_OUT, HELD_OUT_SEED);
  let classifier: SignalClassifier | null = null;
  let running = false;
  let stopRequested = false;
  const history: { step: number; loss: number; accuracy?: number }[] = [];
  const tensorCounts: number[] = [];

  // ---- controls ----
  const seedInput = numberInput('signals-seed', DEFAULT_CLASSIFIER.seed, {
    min: 0,
    max: 9999,
    step: 1,
  });
  const devices: [string, string][] = [['cpu', 'CPU']];
  if (state.backends.webgpu) {
    devices.push([
      'webgpu',
      state.backends.software ? 'WebGPU (software adapter: slow)' : 'WebGPU',
    ]);
  }
  const deviceSelect = select('signals-device', devices, 'cpu');
  const train = h('button', { type: 'button', id: 'signals-train' }, 'Train');
  const stop = h(
    'button',
    { type: 'button', id: 'signals-stop', class: 'secondary', disabled: true },
    'Stop',
  );
  const reset = h(
    'button',
    { type: 'button', id: 'signals-reset', class: 'secondary' },
    'New weights',
  );

  // ---- readouts ----
  const stepStat = stat('signals-step', 'step');
  const lossStat = stat('signals-loss', 'loss (batch)');
  const batchStat = stat('signals-batch-accuracy', 'accuracy (batch)');
  const heldStat = stat('signals-accuracy', `accuracy (${HELD_OUT} held out)`);
  const progress = h(
    'dl',
    { class: 'stats', id: 'signals-progress', 'aria-live': 'polite' },
    stepStat.el,
    lossStat.el,
    batchStat.el,
    heldStat.el,
  );
  const status = h('p', { class: 'hint', id: 'signals-train-status', role: 'status' });
  const scale = h('span', { id: 'signals-curve-scale' });
  const curve = h('canvas', {
    id: 'signals-curve',
    class: 'signals-plot',
    role: 'img',
    'aria-label': 'Training loss (blue) and held-out accuracy (green) by step',
  });

  const exampleClass = select(
    'signals-example-class',
    WAVE_CLASSES.map((c) => [c, CLASS_TEXT[c]] as [string, string]),
    'chirp',
  );
  const another = h(
    'button',
    { type: 'button', id: 'signals-example-new', class: 'secondary' },
    'Another example',
  );
  const example = h('canvas', { id: 'signals-example', class: 'signals-plot', role: 'img' });
  const prediction = h('p', {
    id: 'signals-prediction',
    class: 'signals-readout',
    'aria-live': 'polite',
  });
  const filters = h('div', { class: 'signals-filters', id: 'signals-filters' });

  let exampleSeed = 1;
  let signal: Float32Array = new Float32Array(0);
  const makeExample = () => {
    const kind = exampleClass.value as WaveClass;
    signal = waveExample(kind, seededRandom(exampleSeed * 7919 + WAVE_CLASSES.indexOf(kind)));
    example.dataset.values = valuesAttribute(signal);
    example.dataset.class = kind;
    example.setAttribute('aria-label', `An example ${CLASS_TEXT[kind]}, ${signal.length} samples`);
    const s = surface(example, 90);
    hline(s, s.height / 2, COLOURS.axis);
    polyline(s, signal, (v) => s.height / 2 - (v / 2.2) * s.height);
  };

  const showFilters = async (c: SignalClassifier) => {
    const { weights, channels, taps } = await c.firstLayer();
    const { responses, probabilities } = await c.probe(signal);
    if (c !== classifier) return;
    let wMax = 0;
    for (const v of weights) wMax = Math.max(wMax, Math.abs(v));
    let rMax = 0;
    for (const v of responses) rMax = Math.max(rMax, Math.abs(v));
    const L = signal.length;
    const figures: HTMLElement[] = [];
    for (let o = 0; o < channels; o++) {
      const w = weights.subarray(o * taps, (o + 1) * taps);
      const r = responses.subarray(o * L, (o + 1) * L);
      const tapCanvas = h('canvas', {
        class: 'signals-filter',
        role: 'img',
        'data-channel': o,
        'data-values': valuesAttribute(w),
        'aria-label': `Filter ${o + 1}: ${taps} learned taps`,
      });
      const responseCanvas = h('canvas', {
        class: 'signals-filter-response',
        role: 'img',
        'data-channel': o,
        'data-values': valuesAttribute(r),
        'aria-label': `Filter ${o + 1}’s response to the example`,
      });
      figures.push(
        h(
          'figure',
          { class: 'signals-filter-figure' },
          tapCanvas,
          responseCanvas,
          h('figcaption', {}, `filter ${o + 1}`),
        ),
      );
      // Drawn after they are in the page, so that they know their width.
      queueMicrotask(() => {
        const ts = surface(tapCanvas, 44);
        bars(ts, w, wMax, COLOURS.line);
        const rs = surface(responseCanvas, 44);
        hline(rs, rs.height / 2, COLOURS.axis);
        polyline(
          rs,
          r,
          (v) => rs.height / 2 - (v / (rMax || 1)) * (rs.height / 2 - 2),
          COLOURS.windowEdge,
        );
      });
    }
    filters.replaceChildren(...figures);
    filters.dataset.step = String(c.stepCount);
    let best = 0;
    for (let i = 1; i < probabilities.length; i++)
      if ((probabilities[i] as number) > (probabilities[best] as number)) best = i;
    const predicted = WAVE_CLASSES[best] as WaveClass;
    prediction.dataset.predicted = predicted;
    prediction.textContent =
      `The network says ${CLASS_TEXT[predicted]}` +
      (c.stepCount === 0 ? ' (untrained: a guess). ' : ` after ${c.stepCount} steps. `) +
      `Probabilities: ${WAVE_CLASSES.map((k, i) => `${CLASS_TEXT[k]} ${percent(probabilities[i] as number)}`).join(', ')}.`;
  };

  /** Outside the training loop (a new example, a new width): the run may be replaced meanwhile. */
  const redrawFilters = () => {
    const c = classifier;
    if (!c) return;
    showFilters(c).catch((error: unknown) => {
      if (c === classifier) console.error(error);
    });
  };

  const drawCurve = () => {
    const s = surface(curve, 120);
    const n = Math.max(MAX_STEPS, history.length);
    const xOf = (step: number) => (step / n) * s.width;
    const y = (v: number) => s.height - 4 - v * (s.height - 20);
    hline(s, y(1), COLOURS.axis, 'accuracy 100%');
    const trained = history.filter((p) => Number.isFinite(p.loss));
    // Loss on a scale that starts at the untrained network's ~ln 4 = 1.39.
    const top = Math.max(1.5, ...trained.map((p) => p.loss));
    scale.textContent = curveScale(n, top);
    scale.dataset.steps = String(n);
    scale.dataset.lossTop = String(top);
    polyline(
      s,
      trained.map((p) => p.loss / top),
      y,
      COLOURS.line,
      (i) => xOf(trained[i]?.step ?? 0),
    );
    const measured = history.filter((p) => p.accuracy !== undefined);
    polyline(
      s,
      measured.map((p) => p.accuracy as number),
      y,
      COLOURS.silenceEdge,
      (i) => xOf(measured[i]?.step ?? 0),
    );
  };

  const evaluate = async (c: SignalClassifier) => {
    const { accuracy } = await c.evaluate(held);
    if (c !== classifier) return;
    heldStat.value.textContent = formatAccuracy(accuracy);
    progress.dataset.accuracy = String(accuracy);
    progress.dataset.accuracyStep = String(c.stepCount);
    const last = history[history.length - 1];
    if (last && last.step === c.stepCount) last.accuracy = accuracy;
    else history.push({ step: c.stepCount, loss: Number.NaN, accuracy });
    await showFilters(c);
    tensorCounts.push(memory().numTensors);
    progress.dataset.tensors = tensorCounts.join(',');
    drawCurve();
  };

  const start = async () => {
    classifier?.dispose();
    const seed = Math.round(Number(seedInput.value));
    const ok = Number.isSafeInteger(seed) && seed >= 0;
    seedInput.toggleAttribute('aria-invalid', !ok);
    classifier = new SignalClassifier({
      ...DEFAULT_CLASSIFIER,
      seed: ok ? seed : DEFAULT_CLASSIFIER.seed,
      device: deviceSelect.value,
    });
    history.length = 0;
    tensorCounts.length = 0;
    for (const s of [stepStat, lossStat, batchStat]) s.value.textContent = '–';
    progress.dataset.step = '0';
    await evaluate(classifier);
    status.textContent = `Untrained: ${NET_OPTIONS.channels.join(', ')} filters of ${NET_OPTIONS.kernelSize} taps at random. Press Train.`;
  };

  const loop = async () => {
    const c = classifier;
    if (!c || running) return;
    running = true;
    stopRequested = false;
    train.disabled = true;
    reset.disabled = true;
    deviceSelect.disabled = true;
    stop.disabled = false;
    status.textContent = 'Training…';
    try {
      while (!stopRequested && c.stepCount < MAX_STEPS) {
        const r = await c.step();
        history.push({ step: r.step, loss: r.loss });
        stepStat.value.textContent = String(r.step);
        lossStat.value.textContent = formatLoss(r.loss);
        batchStat.value.textContent = formatAccuracy(r.accuracy);
        progress.dataset.step = String(r.step);
        progress.dataset.loss = String(r.loss);
        if (r.step % EVAL_EVERY === 0) await evaluate(c);
        else drawCurve();
        await nextFrame();
      }
      if (c.stepCount % EVAL_EVERY !== 0) await evaluate(c);
      status.textContent =
        c.stepCount >= MAX_STEPS
          ? `Done: ${MAX_STEPS} steps of ${DEFAULT_CLASSIFIER.batchSize} fresh signals each.`
          : `Stopped after ${c.stepCount} steps. Train goes on from here.`;
    } catch (error) {
      status.textContent = `Training failed: ${error instanceof Error ? error.message : String(error)}`;
      console.error(error);
    } finally {
      running = false;
      train.disabled = c.stepCount >= MAX_STEPS;
      reset.disabled = false;
      deviceSelect.disabled = false;
      stop.disabled = true;
    }
  };

  train.addEventListener('click', () => void loop());
  stop.addEventListener('click', () => {
    stopRequested = true;
  });
  const restart = () => {
    if (running) return;
    train.disabled = false;
    start().catch((error: unknown) => {
      status.textContent = `Could not build the network: ${String(error)}`;
    });
  };
  reset.addEventListener('click', restart);
  deviceSelect.addEventListener('change', restart);
  const reprobe = () => {
    makeExample();
    redrawFilters();
  };
  exampleClass.addEventListener('change', reprobe);
  another.addEventListener('click', () => {
    exampleSeed++;
    reprobe();
  });

  const view = h(
    'div',
    { class: 'signals-classifier', id: 'signals-classifier' },
    h('h3', {}, 'A learned classifier: filters nobody wrote'),
    h(
      'p',
      { class: 'lead' },
      `SignalNet from @stride/layers, with three blocks of Conv1d (${NET_OPTIONS.kernelSize} taps, ‘same’ padding) → BatchNorm1d → ReLU → MaxPool1d (÷${NET_OPTIONS.poolSize}), an average over time and a Linear layer, learns to tell a sine from a square wave, noise and a chirp (a sweeping tone) of ${held.length} samples. `,
      'Every step trains on 32 new signals; the accuracy is measured on 200 it never trains on.',
    ),
    h(
      'div',
      { class: 'controls' },
      h('div', { class: 'field' }, h('label', { for: seedInput.id }, 'Seed'), seedInput),
      h('div', { class: 'field' }, h('label', { for: deviceSelect.id }, 'Backend'), deviceSelect),
    ),
    h('div', { class: 'row' }, train, stop, reset),
    status,
    progress,
    h(
      'figure',
      {},
      curve,
      h(
        'figcaption',
        {},
        'Loss of each batch (blue) and held-out accuracy every 10 steps (green), by step. ',
        scale,
      ),
    ),
    h('h4', {}, 'What the first layer learned'),
    h(
      'p',
      { class: 'hint' },
      `Its ${NET_OPTIONS.channels[0]} filters (bars: the ${NET_OPTIONS.kernelSize} taps) and, under each, its response to the example before batch norm and ReLU: the same sliding sum as the detector’s, with taps learned instead of written. `,
      'Here they move only a little from their random start: this task is easy, and most of the learning happens in the layers after them, which read how strongly and how regularly each filter answers. Compare the responses to a sine, a square wave and noise.',
    ),
    h(
      'div',
      { class: 'controls' },
      h('div', { class: 'field' }, h('label', { for: exampleClass.id }, 'Example'), exampleClass),
      h('div', { class: 'field signals-end' }, another),
    ),
    h('figure', {}, example, h('figcaption', {}, 'The example signal.')),
    prediction,
    filters,
  );

  makeExample();
  let laidOut = 0;
  new ResizeObserver(() => {
    const w = example.clientWidth;
    if (w === laidOut) return;
    laidOut = w;
    makeExample();
    drawCurve();
    redrawFilters();
  }).observe(example);
  restart();
  return view;
}

function percent(p: number): string {
  return `${(p * 100).toFixed(0)}%`;
}
