import './style.css';
import { arithmeticPanel } from './arithmetic/panel.js';
import { messageOf, startBackends } from './backends.js';
import { builderPanel } from './builder/panel.js';
import { drawPanel } from './draw/panel.js';
import { equivariancePanel } from './equivariance/panel.js';
import { insidePanel } from './inside/panel.js';
import { loadCheckpoint } from './model.js';
import { signalsPanel } from './signals/panel.js';
import { DemoState } from './state.js';
import { trainPanel } from './train/panel.js';
import { h } from './ui/dom.js';
import { waldoPanel } from './waldo/panel.js';

/** Says which backend runs, and says it plainly when WebGPU is missing. */
function backendNotice(state: DemoState): HTMLElement {
  const b = state.backends;
  const pill = h(
    'span',
    {
      // A software adapter is WebGPU in name only: amber, like no WebGPU at all.
      class: `pill ${b.webgpu && !b.software ? 'ok' : 'warn'}`,
      id: 'backend-pill',
      'data-backend': b.webgpu ? 'webgpu' : 'cpu',
    },
    b.webgpu ? `WebGPU on${b.adapter ? ` ${b.adapter}` : ' this device'}` : 'CPU only',
  );
  const notice = b.webgpu
    ? b.software
      ? h(
          'p',
          { class: 'notice soft', id: 'webgpu-software' },
          'This WebGPU adapter is a software renderer (no GPU was found), so WebGPU runs on the CPU here: it works, slowly. ',
          'Small jobs (drawing, Waldo) use the CPU backend by default.',
        )
      : null
    : h(
        'div',
        { class: 'notice', id: 'webgpu-notice', role: 'alert' },
        h('strong', {}, 'WebGPU is not available, so everything runs on the CPU backend. '),
        `Reason: ${b.reason}. The page works the same; only training is slower than on a GPU. WebGPU is on by default in Chrome and Edge 113+ on Windows, macOS and ChromeOS.`,
      );
  return h('div', { class: 'backend' }, pill, notice);
}

async function main(): Promise<void> {
  const root = document.getElementById('app') as HTMLElement;
  const loading = document.getElementById('loading') as HTMLElement;
  const backends = await startBackends();
  const state = new DemoState(backends);

  const header = document.getElementById('site-header') as HTMLElement;
  header.append(backendNotice(state));

  root.replaceChildren(
    drawPanel(state),
    trainPanel(state),
    insidePanel(state),
    waldoPanel(state),
    builderPanel(state),
    signalsPanel(state),
    equivariancePanel(state),
    arithmeticPanel(),
  );
  const checkpoint = await loadCheckpoint();
  state.useModel(checkpoint);
  loading.remove();
  document.body.dataset.ready = 'true';
}

main().catch((error: unknown) => {
  const loading = document.getElementById('loading');
  if (loading) {
    loading.textContent = `The demo could not start: ${messageOf(error)}`;
    loading.setAttribute('role', 'alert');
  }
  document.body.dataset.ready = 'error';
  console.error(error);
});
