import type { LeNet5 } from '@stride/layers';
import { messageOf } from '../backends.js';
import { liveFeed, probeOf } from '../inside/live-feed.js';
import { mnist } from '../mnist.js';
import { checkpointBytes, onnxBytes } from '../model.js';
import type { DemoState } from '../state.js';
import { trainingBackendSelect, webgpuOption } from '../ui/backend-select.js';
import { field, h, numberInput, select } from '../ui/dom.js';
import { save } from '../ui/save.js';
import { stat } from '../ui/stat.js';
import { trainingChart } from './chart.js';
import {
  DEFAULT_LR,
  LENET5,
  type OptimizerName,
  type StepReport,
  TrainingSession,
} from './session.js';

/** Steps averaged for the "last loss" the page reports: one batch's loss is noisy. */
const RECENT = 5;
/** Test images scored after training: enough for a percentage, quick even without a GPU. */
const TEST_IMAGES = 500;

/**
 * Panel 2: train LeNet-5 on MNIST in the browser, on WebGPU or the CPU, with live curves, then
 * hand the trained model to the drawing panel.
 */
export function trainPanel(state: DemoState): HTMLElement {
  const gpu = state.backends.webgpu;
  const backend = trainingBackendSelect('train-backend', state.backends);
  const optimizer = select(
    'train-optimizer',
    [
      ['adam', 'Adam'],
      ['adamw', 'AdamW'],
      ['sgd', 'SGD + Nesterov momentum'],
      ['rmsprop', 'RMSprop'],
    ],
    'adam',
  );
  const lr = numberInput('train-lr', DEFAULT_LR.adam, { min: 0.00001, max: 1, step: 'any' });
  optimizer.addEventListener('change', () => {
    lr.value = String(DEFAULT_LR[optimizer.value as OptimizerName]);
  });
  const batch = select(
    'train-batch',
    [
      ['16', '16'],
      ['32', '32'],
      ['64', '64'],
      ['128', '128'],
    ],
    '64',
  );

  const start = h('button', { type: 'button', id: 'train-start' }, 'Train');
  const stop = h(
    'button',
    { type: 'button', id: 'train-stop', class: 'danger', disabled: true },
    'Stop',
  );
  const use = h(
    'button',
    { type: 'button', id: 'train-use', class: 'secondary', disabled: true },
    'Try it in panel 1',
  );
  const download = h(
    'button',
    { type: 'button', id: 'train-download', class: 'secondary', disabled: true },
    'Download weights',
  );
  const downloadOnnx = h(
    'button',
    { type: 'button', id: 'train-download-onnx', class: 'secondary', disabled: true },
    'Download ONNX',
  );

  const sStep = stat('train-step', 'step');
  const sLoss = stat('train-loss', 'loss');
  const sAcc = stat('train-acc', 'batch accuracy');
  const sSpeed = stat('train-speed', 'images/s');
  const sTest = stat('train-test', 'test accuracy');
  const stats = h(
    'dl',
    { class: 'stats', id: 'train-stats' },
    sStep.el,
    sLoss.el,
    sAcc.el,
    sSpeed.el,
    sTest.el,
  );
  const status = h(
    'p',
    { class: 'status', id: 'train-status', role: 'status' },
    'Ready. MNIST (11 MB) loads when you press Train.',
  );
  const runningOn = h('p', { class: 'badge-line', id: 'train-running-on' });
  const chart = trainingChart();

  const feed = liveFeed(state);
  let session: TrainingSession | null = null;
  let trained: { model: LeNet5; label: string } | null = null;
  const controls = [backend, optimizer, lr, batch];

  const setRunning = (running: boolean) => {
    // Keyboard users keep their place: the button that was pressed becomes disabled, so focus
    // moves to the one that now does something.
    // (Stop disables itself when pressed, which leaves focus on the body.)
    const active = document.activeElement;
    const hadFocus = active === start || active === stop || active === document.body;
    start.disabled = running;
    stop.disabled = !running;
    if (hadFocus) (running ? stop : start).focus({ preventScroll: true });
    for (const c of controls) c.disabled = running;
    if (!gpu) webgpuOption(backend).disabled = true;
  };

  start.addEventListener('click', async () => {
    const rate = Number(lr.value);
    if (!(rate > 0 && rate <= 1)) {
      status.textContent = 'The learning rate must be a number between 0 and 1.';
      lr.focus();
      return;
    }
    setRunning(true);
    use.disabled = true;
    download.disabled = true;
    downloadOnnx.disabled = true;
    chart.reset();
    for (const s of [sStep, sLoss, sAcc, sSpeed, sTest]) s.value.textContent = '–';
    stats.removeAttribute('data-first-loss');
    stats.removeAttribute('data-last-loss');
    stats.dataset.steps = '0';
    try {
      status.textContent = 'Loading MNIST…';
      const data = await mnist();
      session?.dispose();
      const device = backend.value;
      session = new TrainingSession(
        {
          device,
          optimizer: optimizer.value as OptimizerName,
          lr: rate,
          batchSize: Number(batch.value),
          seed: 0,
        },
        data.train,
        LENET5,
      );
      stats.dataset.backend = device;
      runningOn.textContent = `Running on ${device === 'webgpu' ? 'WebGPU' : 'the CPU'}`;
      runningOn.dataset.backend = device;
      status.textContent = `Training on ${data.train.length.toLocaleString('en')} images… press Stop when you like.`;
      const recent: number[] = [];
      let smoothed = 0;
      const report = (r: StepReport) => {
        if (r.step === 1) stats.dataset.firstLoss = String(r.loss);
        recent.push(r.loss);
        if (recent.length > RECENT) recent.shift();
        const last = recent.reduce((a, b) => a + b, 0) / recent.length;
        stats.dataset.lastLoss = String(last);
        stats.dataset.steps = String(r.step);
        // An exponential moving average keeps the accuracy curve readable at small batches.
        smoothed = r.step === 1 ? r.accuracy : 0.9 * smoothed + 0.1 * r.accuracy;
        chart.push(r.step, r.loss, smoothed);
        sStep.value.textContent = `${r.step} (epoch ${r.epoch})`;
        sLoss.value.textContent = last.toFixed(3);
        sAcc.value.textContent = `${(smoothed * 100).toFixed(1)}%`;
        sSpeed.value.textContent = Math.round(r.imagesPerSecond).toLocaleString('en');
      };
      const current = session;
      feed.start(
        {
          device,
          batchSize: Number(batch.value),
          optimizer: optimizer.selectedOptions[0]?.textContent ?? optimizer.value,
        },
        probeOf(data.test),
      );
      try {
        // The look-inside panel's live view: a snapshot every few steps, taken on the step.
        await current.run(report, {
          every: () => feed.every,
          probe: feed.probe?.image as Float32Array,
          onSnapshot: (s) => feed.publish(s),
        });
      } finally {
        feed.stop(Number(stats.dataset.steps));
      }
      status.textContent = `Stopped. Measuring accuracy on ${TEST_IMAGES} test images…`;
      const accuracy = await current.evaluate(data.test, TEST_IMAGES);
      sTest.value.textContent = `${(accuracy * 100).toFixed(1)}%`;
      stats.dataset.testAccuracy = String(accuracy);
      const steps = Number(stats.dataset.steps);
      trained = {
        model: await current.cpuCopy(),
        label: `trained here: ${steps} steps of ${optimizer.selectedOptions[0]?.textContent} on ${device === 'webgpu' ? 'WebGPU' : 'CPU'}`,
      };
      status.textContent = `Done: ${steps} steps, ${(accuracy * 100).toFixed(1)}% on ${TEST_IMAGES} test images. Try it in panel 1.`;
      use.disabled = false;
      download.disabled = false;
      downloadOnnx.disabled = false;
    } catch (error) {
      status.textContent = `Training failed: ${messageOf(error)}`;
    } finally {
      setRunning(false);
      // Past tense once it is over, so the line does not read as if training went on.
      runningOn.textContent = `Ran on ${runningOn.dataset.backend === 'webgpu' ? 'WebGPU' : 'the CPU'}`;
    }
  });

  stop.addEventListener('click', async () => {
    stop.disabled = true;
    status.textContent = 'Stopping after this step…';
    await session?.stop();
  });

  // The live view's own button starts and stops runs with this panel's settings.
  feed.addEventListener('request-start', () => start.click());
  feed.addEventListener('request-stop', () => stop.click());

  use.addEventListener('click', () => {
    if (!trained) return;
    state.useModel({
      model: trained.model,
      source: trained.label,
      testAccuracy: null,
    });
    document.getElementById('draw')?.scrollIntoView({ behavior: 'smooth' });
    document.getElementById('draw-canvas')?.focus({ preventScroll: true });
  });

  download.addEventListener('click', async () => {
    if (!trained) return;
    const bytes = await checkpointBytes(trained.model, { model: 'lenet5', dataset: 'mnist' });
    save(bytes, 'lenet5-mnist-browser.safetensors');
  });

  downloadOnnx.addEventListener('click', async () => {
    if (!trained) return;
    try {
      save(await onnxBytes(trained.model), 'stride-lenet5.onnx');
    } catch (error) {
      status.textContent = `The ONNX export failed: ${messageOf(error)}`;
    }
  });

  return h(
    'section',
    { class: 'panel', id: 'train', 'aria-labelledby': 'train-title' },
    h('h2', { id: 'train-title' }, h('span', { class: 'step' }, '2'), 'Train in the browser'),
    h(
      'p',
      { class: 'lead' },
      'Train a fresh LeNet-5 on the 60,000 MNIST training images, right here. ',
      'Loss should fall within a few dozen steps; a few hundred steps reach about 95% accuracy.',
    ),
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
      field('Optimizer', optimizer),
      field('Learning rate', lr),
      field('Batch size', batch),
    ),
    h('div', { class: 'row' }, start, stop, use, download, downloadOnnx),
    runningOn,
    status,
    stats,
    chart.element,
  );
}
