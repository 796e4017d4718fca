/**
 * The builder's second half: train the network as it stands on MNIST (a few hundred Adam steps by
 * default, with a progress bar, Stop, and test accuracy at the end) and download it as
 * safetensors, ONNX or a PyTorch module. The downloads carry the trained weights while the
 * architecture is the one that was trained, and fresh ones (said so) once it has been edited.
 */
import { manualSeed } from '@stride/core';
import type { Sequential } from '@stride/layers';
import { messageOf } from '../backends.js';
import { mnist } from '../mnist.js';
import type { DemoState } from '../state.js';
import type { TrainingSession } from '../train/session.js';
import { trainingBackendSelect, webgpuOption } from '../ui/backend-select.js';
import { field, h, numberInput, select } from '../ui/dom.js';
import { save } from '../ui/save.js';
import { stat } from '../ui/stat.js';
import { type Analysis, buildNetwork } from './analysis.js';
import { FILE_NAMES, onnxBytes, pytorchSource, safetensorsBytes } from './downloads.js';
import { DEFAULT_TRAINING, networkTraining } from './session.js';
import type { NetworkSpec } from './spec.js';

/** Test images scored after training: enough for a percentage, quick even without a GPU. */
const TEST_IMAGES = 500;
/** Batch losses averaged for the loss the page shows: one batch's loss is noisy. */
const RECENT = 10;

interface Trained {
  /** The architecture trained, as JSON, to tell whether the current one is still it. */
  readonly key: string;
  readonly model: Sequential;
  readonly steps: number;
  readonly accuracy: number;
  readonly device: string;
}

export interface TrainerView {
  readonly element: HTMLElement;
  /** The architecture changed: enable or disable training and downloads, say why. */
  update(analysis: Analysis): void;
}

export function trainerView(state: DemoState): TrainerView {
  const gpu = state.backends.webgpu;
  // As in the training panel: a software adapter (no GPU) is slower than the CPU backend.
  const backend = trainingBackendSelect('builder-backend', state.backends);
  const webgpu = webgpuOption(backend);
  const steps = numberInput('builder-steps', DEFAULT_TRAINING.steps, {
    min: 1,
    max: 20000,
    step: 1,
  });
  const batch = select(
    'builder-batch',
    [
      ['32', '32'],
      ['64', '64'],
      ['128', '128'],
    ],
    String(DEFAULT_TRAINING.batchSize),
  );
  const lr = numberInput('builder-lr', DEFAULT_TRAINING.lr, { min: 0.00001, max: 1, step: 'any' });
  const start = h('button', { type: 'button', id: 'builder-train' }, 'Train on MNIST');
  const stop = h(
    'button',
    { type: 'button', id: 'builder-stop', class: 'danger', disabled: true },
    'Stop',
  );
  const progress = h('progress', {
    id: 'builder-progress',
    max: DEFAULT_TRAINING.steps,
    value: 0,
    'aria-label': 'Training progress',
  });
  const status = h(
    'p',
    { class: 'status', id: 'builder-train-status', role: 'status' },
    'MNIST (11 MB) loads when you press Train.',
  );
  const sStep = stat('builder-step', 'step');
  const sLoss = stat('builder-loss', 'loss');
  const sTest = stat('builder-test', 'test accuracy');
  const stats = h('dl', { class: 'stats', id: 'builder-stats' }, sStep.el, sLoss.el, sTest.el);

  const dlSafetensors = h(
    'button',
    { type: 'button', id: 'builder-download-safetensors', class: 'secondary' },
    'Weights (.safetensors)',
  );
  const dlOnnx = h(
    'button',
    { type: 'button', id: 'builder-download-onnx', class: 'secondary' },
    'ONNX',
  );
  const dlPytorch = h(
    'button',
    { type: 'button', id: 'builder-download-pytorch', class: 'secondary' },
    'PyTorch module (.py)',
  );
  const downloads = [dlSafetensors, dlOnnx, dlPytorch];
  const weightsNote = h('p', { class: 'hint', id: 'builder-weights', 'aria-live': 'polite' });

  let analysis: Analysis | null = null;
  let session: TrainingSession<Sequential> | null = null;
  let trained: Trained | null = null;
  let running = false;
  /** Stop was pressed before the session existed (while MNIST was loading). */
  let stopAsked = false;

  const specKey = (spec: NetworkSpec) => JSON.stringify(spec);
  const current = () => (analysis && trained?.key === specKey(analysis.spec) ? trained : null);

  const refresh = () => {
    const ok = analysis?.ok === true;
    start.disabled = running || !ok;
    for (const b of downloads) b.disabled = !ok;
    const t = current();
    weightsNote.dataset.weights = t ? 'trained' : 'untrained';
    weightsNote.textContent = !ok
      ? 'Fix the network above to train or download it.'
      : t
        ? `Downloads carry the weights trained here: ${t.steps} steps on ${t.device === 'webgpu' ? 'WebGPU' : 'the CPU'}, ${(t.accuracy * 100).toFixed(1)}% on ${TEST_IMAGES} test images.`
        : trained
          ? 'You changed the network after training it: downloads carry fresh, untrained weights. Train again for learned ones.'
          : 'Downloads carry fresh, untrained weights until you train.';
  };

  const setRunning = (on: boolean) => {
    running = on;
    const active = document.activeElement;
    const hadFocus = active === start || active === stop || active === document.body;
    stop.disabled = !on;
    for (const c of [backend, steps, batch, lr]) c.disabled = on;
    webgpu.disabled = !gpu;
    refresh();
    // Keyboard users keep their place: focus moves to the button that now does something.
    if (hadFocus) (on ? stop : start).focus({ preventScroll: true });
  };

  start.addEventListener('click', async () => {
    if (!analysis?.ok || running) return;
    const n = Number(steps.value);
    const rate = Number(lr.value);
    if (!(Number.isInteger(n) && n >= 1 && n <= 20000)) {
      status.textContent = 'Steps must be a whole number from 1 to 20,000.';
      steps.focus();
      return;
    }
    if (!(rate > 0 && rate <= 1)) {
      status.textContent = 'The learning rate must be a number between 0 and 1.';
      lr.focus();
      return;
    }
    const spec = analysis.spec;
    const device = backend.value;
    stopAsked = false;
    setRunning(true);
    progress.max = n;
    progress.value = 0;
    for (const s of [sStep, sLoss, sTest]) s.value.textContent = '–';
    for (const k of ['firstLoss', 'lastLoss', 'testAccuracy']) delete stats.dataset[k];
    stats.dataset.steps = '0';
    stats.dataset.backend = device;
    try {
      status.textContent = 'Loading MNIST…';
      const data = await mnist();
      session?.dispose();
      session = networkTraining(
        spec,
        { ...DEFAULT_TRAINING, device, steps: n, batchSize: Number(batch.value), lr: rate },
        data.train,
      );
      status.textContent = `Training on ${device === 'webgpu' ? 'WebGPU' : 'the CPU'}…`;
      const recent: number[] = [];
      const run = session;
      if (stopAsked) void run.stop();
      const done = await run.run((r) => {
        if (r.step === 1) stats.dataset.firstLoss = String(r.loss);
        recent.push(r.loss);
        if (recent.length > RECENT) recent.shift();
        const loss = recent.reduce((a, b) => a + b, 0) / recent.length;
        stats.dataset.lastLoss = String(loss);
        stats.dataset.steps = String(r.step);
        progress.value = r.step;
        sStep.value.textContent = `${r.step} / ${n}`;
        sLoss.value.textContent = loss.toFixed(3);
      });
      status.textContent = `Measuring accuracy on ${TEST_IMAGES} test images…`;
      const accuracy = await run.evaluate(data.test, TEST_IMAGES);
      const model = await run.cpuCopy();
      run.dispose();
      if (session === run) session = null;
      trained?.model.dispose();
      trained = { key: specKey(spec), model, steps: done, accuracy, device };
      stats.dataset.testAccuracy = String(accuracy);
      sTest.value.textContent = `${(accuracy * 100).toFixed(1)}%`;
      status.textContent = `Done: ${done} steps, ${(accuracy * 100).toFixed(1)}% on ${TEST_IMAGES} test images.`;
    } catch (error) {
      status.textContent = `Training failed: ${messageOf(error)}`;
    } finally {
      setRunning(false);
    }
  });

  stop.addEventListener('click', async () => {
    stop.disabled = true;
    stopAsked = true;
    status.textContent = 'Stopping after this step…';
    await session?.stop();
  });

  /** Runs `make` with the trained model, or a fresh one of the current architecture. */
  const withModel = async <T>(make: (model: Sequential, spec: NetworkSpec) => Promise<T>) => {
    const a = analysis;
    if (!a?.ok) throw new Error('the network has an error');
    const t = current();
    if (t) return make(t.model, a.spec);
    manualSeed(DEFAULT_TRAINING.seed);
    const fresh = buildNetwork(a.spec, 'cpu');
    fresh.eval();
    try {
      return await make(fresh, a.spec);
    } finally {
      fresh.dispose();
    }
  };

  const offer = (button: HTMLButtonElement, name: string, make: () => Promise<Uint8Array>) => {
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        save(await make(), name);
        status.textContent = `Saved ${name}.`;
      } catch (error) {
        status.textContent = `Could not make ${name}: ${messageOf(error)}`;
      } finally {
        button.disabled = analysis?.ok !== true;
      }
    });
  };
  offer(dlSafetensors, FILE_NAMES.safetensors, () =>
    withModel((model, spec) => {
      const t = current();
      return safetensorsBytes(
        model,
        spec,
        t ? { trained: `${t.steps} steps`, test_accuracy: String(t.accuracy) } : { trained: 'no' },
      );
    }),
  );
  offer(dlOnnx, FILE_NAMES.onnx, () => withModel((model) => onnxBytes(model)));
  offer(dlPytorch, FILE_NAMES.pytorch, () =>
    withModel(async (model) => new TextEncoder().encode(await pytorchSource(model))),
  );

  const element = h(
    'div',
    { class: 'builder-train' },
    h('h3', {}, 'Train it on MNIST'),
    h(
      'div',
      { class: 'controls' },
      field(
        'Backend',
        backend,
        state.backends.software
          ? 'No GPU was found: WebGPU runs in software here, slower than the CPU.'
          : undefined,
      ),
      field('Steps', steps),
      field('Batch size', batch),
      field('Learning rate (Adam)', lr),
    ),
    h('div', { class: 'row' }, start, stop, progress),
    status,
    stats,
    h('h3', {}, 'Download it'),
    h('div', { class: 'row' }, ...downloads),
    weightsNote,
    h(
      'p',
      { class: 'hint builder-python-hint', id: 'builder-python-hint' },
      'The Python file defines ',
      h('code', {}, 'MyNetwork'),
      ', a ',
      h('code', {}, 'torch.nn.Sequential'),
      ' with the same layers and state-dict names, and ',
      h('code', {}, 'load_safetensors'),
      ': ',
      h(
        'code',
        {},
        'model = MyNetwork(); model.load_state_dict(load_safetensors("my-network.safetensors"))',
      ),
      '.',
    ),
  );

  return {
    element,
    update(a: Analysis) {
      analysis = a;
      refresh();
    },
  };
}
