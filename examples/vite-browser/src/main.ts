/**
 * Stride in a web page: the CPU backend (WebAssembly SIMD kernels on Web Workers, which needs the
 * cross-origin isolation headers set in vite.config.js) and WebGPU where the browser has it. The
 * page runs the same small conv net on each and shows the results; the JSON report at the bottom
 * is what this example's test reads.
 */
import { cpu } from '@stride/backend-cpu';
import { webgpu } from '@stride/backend-webgpu';
import {
  conv2d,
  crossEntropy,
  initBackend,
  linear,
  maxPool2d,
  ones,
  registerBackend,
  relu,
  setBackend,
  type Tensor,
  tensor,
} from '@stride/core';

type Precision = 'float32' | 'float64';

interface Run {
  backend: string;
  dtype: Precision;
  /** conv2d of a 4×4 image of ones with a 3×3 kernel of ones, padding 1. */
  boxFilter: number[];
  loss: number;
  gradW1: number[];
  gradW2: number[];
  ms: number;
}

const cpuBackend = cpu(); // one thread per core (at most 8) when the page is cross-origin isolated
registerBackend(cpuBackend);
registerBackend(webgpu()); // navigator.gpu; initialised only when chosen

/** Fixed inputs, so every backend gets the same numbers. */
function values(n: number, f: (i: number) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => f(i));
}

/** One forward and backward pass of conv → ReLU → max pool → linear → cross-entropy. */
async function convNet(device: string, dtype: Precision): Promise<Run> {
  const started = performance.now();
  const box = conv2d(ones([1, 1, 4, 4], { device, dtype }), ones([1, 1, 3, 3], { device, dtype }), {
    padding: 1,
  });
  const x = tensor(
    values(2 * 3 * 8 * 8, (i) => Math.sin(i * 0.37)),
    { shape: [2, 3, 8, 8], dtype, device },
  );
  const w1 = tensor(
    values(4 * 3 * 3 * 3, (i) => 0.2 * Math.cos(i * 0.11)),
    { shape: [4, 3, 3, 3], dtype, device, requiresGrad: true },
  );
  const w2 = tensor(
    values(3 * 64, (i) => 0.1 * Math.sin(i * 0.05 + 1)),
    { shape: [3, 64], dtype, device, requiresGrad: true },
  );
  const labels = tensor(new Int32Array([0, 2]), { device });
  const h = maxPool2d(relu(conv2d(x, w1, { padding: 1 })), { kernelSize: 2 }); // [2, 4, 4, 4]
  const loss = crossEntropy(linear(h.flatten(1), w2), labels);
  loss.backward();
  const grad = (w: Tensor): Tensor => {
    if (!w.grad) throw new Error('backward left no gradient');
    return w.grad;
  };
  const run: Run = {
    backend: device,
    dtype,
    boxFilter: Array.from(await box.data()),
    loss: await loss.item(),
    gradW1: Array.from(await grad(w1).data()),
    gradW2: Array.from(await grad(w2).data()),
    ms: performance.now() - started,
  };
  for (const t of [box, x, w1, w2, labels, h, loss]) t.dispose();
  return run;
}

/**
 * A convolution big enough to be split over the worker threads, in float32 (WebAssembly) and
 * float64 (the TypeScript kernels): their largest difference, relative to the largest value.
 */
async function threadedConv(): Promise<{ relativeError: number; ms: number }> {
  const make = (dtype: Precision) => {
    const x = tensor(
      values(4 * 16 * 32 * 32, (i) => Math.sin(i * 0.013)),
      { shape: [4, 16, 32, 32], dtype, device: 'cpu' },
    );
    const w = tensor(
      values(32 * 16 * 3 * 3, (i) => Math.cos(i * 0.7)),
      { shape: [32, 16, 3, 3], dtype, device: 'cpu' },
    );
    return { x, w };
  };
  const f32 = make('float32');
  const f64 = make('float64');
  const started = performance.now();
  const y32 = conv2d(f32.x, f32.w, { padding: 1 });
  const a = await y32.data();
  const ms = performance.now() - started;
  const y64 = conv2d(f64.x, f64.w, { padding: 1 });
  const b = await y64.data();
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(Number(a[i]) - Number(b[i])));
    maxAbs = Math.max(maxAbs, Math.abs(Number(b[i])));
  }
  for (const t of [f32.x, f32.w, f64.x, f64.w, y32, y64]) t.dispose();
  return { relativeError: maxDiff / maxAbs, ms };
}

function show(runs: Run[]): void {
  const body = document.querySelector('#results tbody');
  if (!body) return;
  for (const r of runs) {
    const row = document.createElement('tr');
    const details =
      r.backend === 'cpu'
        ? `${r.dtype}, ${r.dtype === 'float32' ? `${cpuBackend.kernels} on ${cpuBackend.threads} threads` : 'TypeScript kernels'}`
        : r.dtype;
    for (const text of [
      r.backend,
      details,
      r.boxFilter.join(' '),
      r.loss.toFixed(6),
      `${r.ms.toFixed(1)} ms`,
    ]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    body.append(row);
  }
  (document.getElementById('results') as HTMLTableElement).hidden = false;
}

async function main(): Promise<void> {
  // 'auto': WebGPU when the browser gives an adapter, else the CPU backend.
  const active = await setBackend('auto');
  let webgpuError: string | null = null;
  if (active.name !== 'webgpu') {
    try {
      await initBackend('webgpu');
    } catch (e) {
      webgpuError = (e as Error).message;
    }
  }
  const runs: Run[] = [];
  if (webgpuError === null) runs.push(await convNet('webgpu', 'float32'));
  runs.push(await convNet('cpu', 'float32'));
  runs.push(await convNet('cpu', 'float64'));
  const conv = await threadedConv();
  show(runs);

  const report = {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    auto: active.name,
    // Read after the work: a worker that failed to start stops counting once its error arrives.
    cpu: {
      kernels: cpuBackend.kernels,
      threads: cpuBackend.threads,
      fallbacks: cpuBackend.fallbacks,
    },
    webgpu: webgpuError === null ? { available: true } : { available: false, error: webgpuError },
    runs,
    threadedConv: conv,
  };
  const status = document.getElementById('status') as HTMLElement;
  status.textContent =
    active.name === 'webgpu'
      ? `WebGPU runs this page; the CPU backend ran ${cpuBackend.kernels} on ${cpuBackend.threads} threads.`
      : `No WebGPU here (${webgpuError}): everything ran on the CPU backend, ${cpuBackend.kernels} on ${cpuBackend.threads} threads.`;
  (document.getElementById('report') as HTMLElement).textContent = JSON.stringify(report, null, 2);
  document.body.dataset.status = 'done';
}

main().catch((error: unknown) => {
  const status = document.getElementById('status') as HTMLElement;
  status.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
  status.className = 'fail';
  document.body.dataset.status = 'failed';
});
