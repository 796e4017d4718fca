import { h, numberInput, select } from '../ui/dom.js';
import { valuesAttribute } from '../ui/overlay.js';
import {
  DEFAULT_DETECTOR,
  type DetectorSettings,
  detectorResponse,
  fromDecibels,
  silentStretches,
  toDecibels,
  type WindowShape,
  windowSpan,
  windowTaps,
} from './detector.js';
import { microphoneUnavailable, recordMicrophone } from './microphone.js';
import { bars, COLOURS, envelope, hline, note, polyline, span, surface } from './plot.js';
import { type Segment, speechLike } from './speech.js';

const SAMPLE_RATE = 8000;
const LENGTH = 16000;
const WINDOW = { min: 8, max: 800, step: 8 };
const STRIDE = { min: 1, max: 64 };
const THRESHOLD_DB = { min: -60, max: -10, value: -35 };
/** The response is drawn in decibels, from this floor (near the noise floor's −50 dB) to 0. */
const DB_FLOOR = -60;
const RECORD_SECONDS = 2;

interface Source {
  samples: Float32Array;
  /** Where the generator put its pauses; null for a recording. */
  segments: Segment[] | null;
  label: string;
}

/**
 * "A silence detector": a speech-like signal (or a recording), the energy filter slid over it
 * with its response drawn underneath, a scrubber that moves the window, and the stretches under
 * the threshold marked silent. Every number the pictures show is on them as `data-*` attributes.
 */
export function detectorView(): HTMLElement {
  let seed = 1;
  let source: Source = synthetic(seed);
  const settings: DetectorSettings = { ...DEFAULT_DETECTOR };
  let thresholdDb = THRESHOLD_DB.value;
  let response = new Float32Array(0);
  // The window starts inside the first burst, where the response is worth reading.
  const burst = source.segments?.find((g) => g.kind !== 'silence');
  let position = burst ? Math.floor((burst.start + burst.end) / 2) : 0;
  let written: Float32Array | null = null;

  // ---- controls ----
  const newSignal = h(
    'button',
    { type: 'button', id: 'signals-new', class: 'secondary' },
    'New signal',
  );
  const record = h(
    'button',
    { type: 'button', id: 'signals-record', class: 'secondary' },
    `Record ${RECORD_SECONDS} s`,
  );
  const micStatus = h('p', { class: 'hint', id: 'signals-mic-status', role: 'status' });
  const unavailable = microphoneUnavailable();
  if (unavailable) {
    record.disabled = true;
    micStatus.textContent = `No microphone here: ${unavailable}. The synthetic signal works the same.`;
  }
  const sourceLabel = h('p', { class: 'hint', id: 'signals-source' });

  const windowInput = numberInput('signals-window', settings.window, WINDOW);
  const windowMs = h('span', { id: 'signals-window-ms', class: 'signals-unit' });
  const shapeSelect = select(
    'signals-shape',
    [
      ['box', 'box (plain average)'],
      ['hann', 'Hann (smooth bell)'],
    ],
    settings.shape,
  );
  const strideInput = numberInput('signals-stride', settings.stride, { ...STRIDE, step: 1 });
  const thresholdInput = h('input', {
    id: 'signals-threshold',
    type: 'range',
    min: THRESHOLD_DB.min,
    max: THRESHOLD_DB.max,
    step: 1,
    value: thresholdDb,
  });
  const thresholdValue = h('output', { id: 'signals-threshold-value', for: 'signals-threshold' });

  // ---- pictures ----
  const taps = h('canvas', { id: 'signals-taps', class: 'signals-taps', role: 'img' });
  const tapsCaption = h('figcaption', { id: 'signals-taps-caption' });
  const wave = h('canvas', {
    id: 'signals-waveform',
    class: 'signals-plot',
    role: 'img',
    'aria-label': 'The signal, with silent stretches shaded green and the window in orange',
  });
  const energy = h('canvas', {
    id: 'signals-response',
    class: 'signals-plot',
    role: 'img',
    'aria-label': 'The detector’s response in decibels, with the threshold as a dashed red line',
  });
  const zoom = h('canvas', {
    id: 'signals-zoom',
    class: 'signals-plot',
    role: 'img',
    'aria-label': 'Close-up of the window: the samples, their squares and the filter’s taps',
  });
  const scrub = h('input', {
    id: 'signals-position',
    type: 'range',
    min: 0,
    max: 0,
    step: 1,
    value: 0,
    'aria-describedby': 'signals-position-hint',
  });
  const play = h(
    'button',
    { type: 'button', id: 'signals-play', class: 'secondary', 'aria-pressed': 'false' },
    'Play',
  );
  const readout = h('p', {
    id: 'signals-readout',
    class: 'signals-readout',
    'aria-live': 'polite',
  });
  const summary = h('p', { id: 'signals-summary', class: 'hint' });

  // ---- behaviour ----
  const compute = () => {
    sourceLabel.textContent = source.label;
    wave.dataset.seed = source.segments ? String(seed) : 'recording';
    response = detectorResponse(source.samples, settings);
    position = Math.min(position, response.length - 1);
    scrub.max = String(response.length - 1);
    scrub.value = String(position);
    energy.dataset.values = valuesAttribute(response);
    energy.dataset.window = String(settings.window);
    energy.dataset.shape = settings.shape;
    energy.dataset.stride = String(settings.stride);
    const t = windowTaps(settings.window, settings.shape);
    taps.dataset.values = valuesAttribute(t);
    windowMs.textContent = `${((settings.window / SAMPLE_RATE) * 1000).toFixed(0)} ms`;
    tapsCaption.textContent =
      settings.shape === 'box'
        ? `The filter: ${settings.window} taps of 1/${settings.window}, an average.`
        : `The filter: a ${settings.window}-tap Hann window, scaled to add up to 1: a weighted average.`;
    taps.setAttribute('aria-label', tapsCaption.textContent);
  };

  const paint = () => {
    const samples = source.samples;
    const n = samples.length;
    const threshold = fromDecibels(thresholdDb);
    const stretches = silentStretches(response, threshold, settings.stride, n);
    const [first, last] = windowSpan(position, settings);
    const value = response[position] as number;
    const centre = position * settings.stride;

    // 16,000 samples make a long attribute: written once per signal, not on every repaint.
    if (written !== samples) {
      wave.dataset.values = valuesAttribute(samples);
      written = samples;
    }
    wave.dataset.stretches = stretches.map((s) => `${s.start}-${s.end}`).join(',');
    if (source.segments) {
      wave.dataset.pauses = source.segments
        .filter((s) => s.kind === 'silence')
        .map((s) => `${s.start}-${s.end}`)
        .join(',');
    } else delete wave.dataset.pauses;
    scrub.dataset.first = String(first);
    scrub.dataset.last = String(last);
    scrub.dataset.value = String(value);
    scrub.setAttribute('aria-valuetext', `window ${position}: samples ${first} to ${last}`);
    energy.dataset.threshold = String(threshold);

    // The filter's taps, all positive.
    const tapValues = windowTaps(settings.window, settings.shape);
    let tapTop = 0;
    for (const v of tapValues) tapTop = Math.max(tapTop, v);
    bars(surface(taps, 48), tapValues, tapTop, COLOURS.windowEdge, 'bottom');

    // The signal, its silent stretches and the window.
    const ws = surface(wave, 120);
    for (const s of stretches) span(ws, s.start, s.end, n, COLOURS.silence);
    span(ws, first, last + 1, n, COLOURS.window);
    let peak = 0;
    for (const v of samples) peak = Math.max(peak, Math.abs(v));
    const scale = Math.max(peak, 1e-3);
    envelope(ws, samples, (v) => ws.height / 2 - (v / scale) * (ws.height / 2 - 4));
    note(ws, 'signal x', 'top');

    // The response in decibels, the threshold, and the output the window gives now.
    const es = surface(energy, 100);
    for (const s of stretches) span(es, s.start, s.end, n, COLOURS.silence);
    const dbY = (db: number) => ((0 - db) / (0 - DB_FLOOR)) * (es.height - 8) + 4;
    const db = Array.from(response, (e) => toDecibels(e, DB_FLOOR));
    envelope(es, db, dbY, { step: settings.stride, count: n });
    hline(es, dbY(thresholdDb), COLOURS.threshold, `threshold ${thresholdDb} dB`);
    const cx = ((centre + 0.5) / n) * es.width;
    es.ctx.fillStyle = COLOURS.windowEdge;
    es.ctx.beginPath();
    es.ctx.arc(cx, dbY(toDecibels(value, DB_FLOOR)), 4, 0, 2 * Math.PI);
    es.ctx.fill();
    note(es, 'average energy (dB)', 'bottom');

    // Close-up: the samples around the window, their squares, and the taps.
    const zs = surface(zoom, 110);
    const k = settings.window;
    const from = first - Math.ceil(k / 2);
    const to = last + Math.ceil(k / 2);
    const count = to - from + 1;
    const xOf = (i: number) => ((i - from + 0.5) / count) * zs.width;
    span(zs, first - from, last - from + 1, count, COLOURS.window);
    const around = Float32Array.from({ length: count }, (_, i) => {
      const t = from + i;
      return t >= 0 && t < n ? (samples[t] as number) : 0;
    });
    let local = 0;
    for (const v of around) local = Math.max(local, Math.abs(v));
    const ls = Math.max(local, 1e-3);
    zs.ctx.fillStyle = COLOURS.fill;
    for (let i = 0; i < count; i++) {
      const e = ((around[i] as number) / ls) ** 2;
      const x0 = (i / count) * zs.width;
      zs.ctx.fillRect(
        x0,
        zs.height - e * (zs.height / 2 - 4),
        Math.max(1, zs.width / count),
        e * (zs.height / 2 - 4),
      );
    }
    polyline(
      zs,
      around,
      (v) => zs.height / 4 - (v / ls) * (zs.height / 4 - 4),
      COLOURS.line,
      (i) => xOf(from + i),
    );
    const t = windowTaps(k, settings.shape);
    let tapMax = 0;
    for (const v of t) tapMax = Math.max(tapMax, v);
    polyline(
      zs,
      t,
      (v) => zs.height - 2 - (v / tapMax) * (zs.height / 2 - 8),
      COLOURS.windowEdge,
      (i) => xOf(first + i),
    );
    note(zs, 'x', 'top');
    note(zs, 'x² and the taps', 'bottom');

    const ms = (i: number) => ((i / SAMPLE_RATE) * 1000).toFixed(1);
    const padded = first < 0 || last >= n;
    const verdict = value < threshold ? 'silent' : 'sound';
    readout.dataset.verdict = verdict;
    readout.textContent =
      `Window ${position} of ${response.length}: samples ${first} to ${last} (${ms(first)}–${ms(last)} ms)` +
      `${padded ? ', partly padding' : ''}. Average energy ${formatEnergy(value)} (${toDecibels(value).toFixed(1)} dB): ${verdict}.`;
    thresholdValue.textContent = `${thresholdDb} dB (energy ${formatEnergy(threshold)})`;
    const seconds = (i: number) => (i / SAMPLE_RATE).toFixed(2);
    summary.textContent = stretches.length
      ? `${stretches.length} silent stretch${stretches.length === 1 ? '' : 'es'}: ${stretches
          .map((s) => `${seconds(s.start)}–${seconds(s.end)} s`)
          .join(', ')}.${
          source.segments
            ? ` The generator put its pauses at ${source.segments
                .filter((s) => s.kind === 'silence')
                .map((s) => `${seconds(s.start)}–${seconds(s.end)} s`)
                .join(', ')}.`
            : ''
        }`
      : 'No silent stretch at this threshold.';
  };

  const update = () => {
    compute();
    paint();
  };

  const readNumber = (input: HTMLInputElement, lo: number, hi: number): number | null => {
    const v = Math.round(Number(input.value));
    const ok = input.value !== '' && Number.isFinite(v) && v >= lo && v <= hi;
    if (ok) input.removeAttribute('aria-invalid');
    else input.setAttribute('aria-invalid', 'true');
    return ok ? v : null;
  };
  windowInput.addEventListener('input', () => {
    const v = readNumber(windowInput, WINDOW.min, WINDOW.max);
    if (v === null) return;
    settings.window = v;
    update();
  });
  strideInput.addEventListener('input', () => {
    const v = readNumber(strideInput, STRIDE.min, STRIDE.max);
    if (v === null) return;
    // Keep the window over the same part of the signal.
    const centre = position * settings.stride;
    settings.stride = v;
    position = Math.round(centre / v);
    update();
  });
  shapeSelect.addEventListener('change', () => {
    settings.shape = shapeSelect.value as WindowShape;
    update();
  });
  thresholdInput.addEventListener('input', () => {
    thresholdDb = Number(thresholdInput.value);
    paint();
  });
  scrub.addEventListener('input', () => {
    position = Number(scrub.value);
    paint();
  });
  newSignal.addEventListener('click', () => {
    seed++;
    source = synthetic(seed);
    update();
  });
  record.addEventListener('click', async () => {
    record.disabled = true;
    micStatus.textContent = `Recording ${RECORD_SECONDS} s: say something, pause, say something else…`;
    try {
      const samples = await recordMicrophone(RECORD_SECONDS, SAMPLE_RATE);
      source = {
        samples,
        segments: null,
        label: `Your recording: ${RECORD_SECONDS} s at ${SAMPLE_RATE / 1000} kHz.`,
      };
      micStatus.textContent = 'Recorded. “New signal” goes back to a synthetic one.';
      update();
    } catch (error) {
      micStatus.textContent = `Could not record: ${error instanceof Error ? error.message : String(error)}. The synthetic signal works the same.`;
    } finally {
      record.disabled = false;
    }
  });

  // Play sweeps the window across the signal in about five seconds.
  let playing = false;
  const tick = () => {
    if (!playing) return;
    const last = response.length - 1;
    position = Math.min(last, position + Math.max(1, Math.round(response.length / 300)));
    scrub.value = String(position);
    paint();
    if (position >= last) setPlaying(false);
    else requestAnimationFrame(tick);
  };
  const setPlaying = (on: boolean) => {
    playing = on;
    play.textContent = on ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', String(on));
    if (on) {
      if (position >= response.length - 1) position = 0;
      requestAnimationFrame(tick);
    }
  };
  play.addEventListener('click', () => setPlaying(!playing));

  const view = h(
    'div',
    { class: 'signals-detector', id: 'signals-detector' },
    h('h3', {}, 'A silence detector: one filter, slid along the sound'),
    h(
      'p',
      { class: 'lead' },
      'Two seconds of speech-like sound at 8 kHz: bursts of buzz (like vowels) and hiss (like “s”) with pauses between. ',
      'One conv1d filter finds the pauses.',
    ),
    h('div', { class: 'row' }, newSignal, record),
    micStatus,
    sourceLabel,
    h(
      'div',
      { class: 'controls signals-controls' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: windowInput.id }, 'Window length (samples) ', windowMs),
        windowInput,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: shapeSelect.id }, 'Window shape'),
        shapeSelect,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: strideInput.id }, 'Stride (samples)'),
        strideInput,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: thresholdInput.id }, 'Threshold ', thresholdValue),
        thresholdInput,
      ),
    ),
    h('figure', { class: 'signals-taps-figure' }, taps, tapsCaption),
    h(
      'figure',
      { class: 'signals-stack' },
      wave,
      energy,
      h(
        'figcaption',
        {},
        'Top: the signal x. Below: the detector’s response, its average energy in decibels (0 dB is full scale). Green: marked silent.',
      ),
    ),
    h(
      'div',
      { class: 'field signals-scrub' },
      h('label', { for: scrub.id }, 'Window position'),
      scrub,
      h(
        'small',
        { class: 'hint', id: 'signals-position-hint' },
        'Arrow keys move the window one output at a time; Page Up and Page Down move it further; Home and End go to the ends.',
      ),
    ),
    h('div', { class: 'row' }, play),
    readout,
    h(
      'figure',
      {},
      zoom,
      h(
        'figcaption',
        {},
        'Close-up of the window (orange): the samples x, their squares x², and the filter’s taps that weigh them.',
      ),
    ),
    summary,
    h(
      'ol',
      { class: 'signals-steps' },
      h(
        'li',
        {},
        h('strong', {}, 'Square. '),
        'Loudness is the size of the samples, not their sign, so the detector works on x², the energy: +0.5 and −0.5 are equally loud.',
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Cross-correlate. '),
        'Output t is Σₐ w[a] · x²[t + a − P]: the filter’s taps laid over the samples and summed, then moved on. That is what conv1d computes (no flip of the filter), and with taps that add up to 1 it is an average.',
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Pad ‘same’. '),
        'P = ⌊(k − 1)/2⌋ zeros before the signal and the rest after keep one output per sample, window t centred on sample t. The zeros count as silence, so the first and last windows are partly padding.',
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Stride. '),
        'A stride S moves the window S samples at a time: ⌈L / S⌉ outputs, frames with a hop of S as audio tools cut them, S times less work, and a coarser answer.',
      ),
      h(
        'li',
        {},
        h('strong', {}, 'Threshold. '),
        'Where the average energy is under the threshold, nobody is talking: the stretch is marked silent. A window shorter than a pitch period (about 5–10 ms) dips at the buzz’s zero crossings and marks silence inside words.',
      ),
    ),
  );

  // The canvases take their width from the layout: draw once it exists, and again when it changes.
  let laidOut = 0;
  new ResizeObserver(() => {
    const w = wave.clientWidth;
    if (w === laidOut) return;
    laidOut = w;
    if (response.length) paint();
  }).observe(wave);
  update();
  return view;
}

function synthetic(seed: number): Source {
  const { samples, segments } = speechLike(seed, { length: LENGTH, sampleRate: SAMPLE_RATE });
  return {
    samples,
    segments,
    label: `Synthetic signal, seed ${seed}: ${LENGTH / SAMPLE_RATE} s at ${SAMPLE_RATE / 1000} kHz.`,
  };
}

function formatEnergy(e: number): string {
  return e === 0 ? '0' : e >= 0.01 ? e.toFixed(3) : e.toExponential(2);
}
