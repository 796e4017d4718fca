// Runs the live examples of a page in the reader's browser. Loaded only when a reader first runs
// one (never during the static build), since it brings the whole library with it.
import * as cpuPackage from '@stride/backend-cpu';
import * as webgpuPackage from '@stride/backend-webgpu';
import * as core from '@stride/core';
import * as datasets from '@stride/datasets';
import * as equivariant from '@stride/equivariant';
import * as layers from '@stride/layers';
import * as onnx from '@stride/onnx';
import * as optimizers from '@stride/optimizers';
import * as pytorch from '@stride/pytorch';
import { formatWithOptions } from 'node-inspect-extracted';
import type { BackendChoice } from './choice.js';
import { type PlotData, plotData } from './plot-data.js';
import { type livePackages, toFunctionBody } from './transform.js';

/** What one run printed and drew, in order, and where it ran. */
export interface RunResult {
  backend: string;
  /** Lines and plots as they came; `error` entries are what the code threw or printed with console.error. */
  output: ({ kind: 'text' | 'error'; text: string } | { kind: 'plot'; plot: PlotData })[];
  ok: boolean;
}

// One backend of each kind for the whole page: an example that calls `cpu()` or `webgpu()` again
// on every run gets the same one, instead of new worker threads or a new GPU device each time.
let cpuBackend: ReturnType<typeof cpuPackage.cpu> | null = null;
let webgpuPlugin: ReturnType<typeof webgpuPackage.webgpu> | null = null;

function sharedCpu(options?: Parameters<typeof cpuPackage.cpu>[0]) {
  if (options && Object.keys(options).length > 0) return cpuPackage.cpu(options);
  cpuBackend ??= cpuPackage.cpu();
  return cpuBackend;
}

function sharedWebgpu(options?: Parameters<typeof webgpuPackage.webgpu>[0]) {
  if (options && Object.keys(options).length > 0) return webgpuPackage.webgpu(options);
  webgpuPlugin ??= webgpuPackage.webgpu();
  return webgpuPlugin;
}

/**
 * Registering the page's own backends again does nothing, so the backend the reader picked stays
 * active; anything else is registered as the example asks.
 */
function registerBackend(backend: Parameters<typeof core.registerBackend>[0]): void {
  if (backend === cpuBackend || backend === webgpuPlugin) return;
  core.registerBackend(backend);
}

const modules: Record<(typeof livePackages)[number], unknown> = {
  '@stride/core': { ...core, registerBackend },
  '@stride/backend-cpu': { ...cpuPackage, cpu: sharedCpu },
  '@stride/backend-webgpu': { ...webgpuPackage, webgpu: sharedWebgpu },
  '@stride/layers': layers,
  '@stride/optimizers': optimizers,
  '@stride/datasets': datasets,
  '@stride/equivariant': equivariant,
  '@stride/onnx': onnx,
  '@stride/pytorch': pytorch,
};

/** Makes `choice` the active backend, registering the page's backends first. */
async function useBackend(choice: BackendChoice): Promise<string> {
  core.registerBackend(sharedCpu());
  core.registerBackend(sharedWebgpu());
  const backend = await core.setBackend(choice);
  return backend.name;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...args: unknown[]) => Promise<void>;

const format = (args: unknown[]) => formatWithOptions({ colors: false }, ...args);

/** Runs the code of a live example on `choice` and returns what it printed and drew. */
export async function runExample(code: string, choice: BackendChoice): Promise<RunResult> {
  const result: RunResult = { backend: choice, output: [], ok: true };
  const text =
    (kind: 'text' | 'error') =>
    (...args: unknown[]) => {
      result.output.push({ kind, text: format(args) });
    };
  const pageConsole = {
    log: text('text'),
    info: text('text'),
    warn: text('error'),
    error: text('error'),
    table: text('text'),
  };
  const plot = async (value: unknown, options?: { title?: string }) => {
    result.output.push({ kind: 'plot', plot: await plotData(value, options) });
  };
  // Stride's warnings (a fallback, say) go to the output too, where the reader looks.
  const previous = core.setWarningHandler((warning) =>
    pageConsole.warn(`warning: ${warning.message}`),
  );
  try {
    result.backend = await useBackend(choice);
    const body = toFunctionBody(code, '__modules');
    const run = new AsyncFunction('__modules', 'console', 'plot', body);
    await run(modules, pageConsole, plot);
  } catch (e) {
    result.ok = false;
    const err = e as Error;
    result.output.push({
      kind: 'error',
      text: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`,
    });
  } finally {
    core.setWarningHandler(previous);
  }
  return result;
}
