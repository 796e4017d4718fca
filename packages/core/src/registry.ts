import type { Backend } from './backend.js';
import { checkBackendContract } from './contract-check.js';
import { engine, usageOf } from './engine.js';
import { fail } from './errors.js';
import { showValue } from './options.js';
import { warnOnce } from './warn.js';

/**
 * A backend that needs asynchronous set-up (a GPU adapter, worker threads). `setBackend(name)`
 * runs `init` once and keeps the result. `priority` orders the `'auto'` choice (highest first).
 */
export interface BackendPlugin {
  /** The name `setBackend(name)` and `device` options use. */
  readonly name: string;
  /** Rank for `setBackend('auto')`: higher is tried first. Default 0. */
  readonly priority?: number;
  /**
   * Creates the backend; called once, by the first `setBackend`/`initBackend` that needs it (again
   * after the backend reports it is lost). A throw or rejection makes `'auto'` try the next plugin.
   */
  init(): Backend | Promise<Backend>;
}

const plugins = new Map<string, BackendPlugin>();
const pending = new Map<string, Promise<Backend>>();

function isPlugin(b: Backend | BackendPlugin): b is BackendPlugin {
  return typeof (b as BackendPlugin).init === 'function' && !('upload' in b);
}

/**
 * Makes a backend available by its name. A ready backend becomes active if none is yet. A ready
 * backend is checked against the contract here (its `contractVersion` and every required kernel);
 * a plugin's backend is checked when `setBackend`/`initBackend` initialises it.
 */
export function registerBackend(backend: Backend | BackendPlugin): void {
  if (!backend || typeof backend.name !== 'string' || backend.name.length === 0) {
    fail('registerBackend', 'expected a backend or a backend plugin with a name');
  }
  if (backend.name === 'auto')
    fail('registerBackend', "'auto' is reserved and cannot name a backend");
  if (isPlugin(backend)) {
    plugins.set(backend.name, backend);
    return;
  }
  checkBackendContract('registerBackend', backend);
  engine.backends.set(backend.name, backend);
  usageOf(backend);
  plugins.set(backend.name, { name: backend.name, priority: 0, init: () => backend });
  if (!engine.active) engine.active = backend;
}

/** Names of every registered backend, ready or not. */
export function listBackends(): string[] {
  return [...plugins.keys()];
}

/**
 * Initialises (once) and returns the backend called `name`; `'auto'` picks the registered backend
 * of highest priority whose initialisation succeeds (WebGPU when an adapter exists, else CPU).
 */
export async function initBackend(name: string): Promise<Backend> {
  return startBackend('initBackend', name);
}

/** `initBackend` whose errors name `fn`, the function the user called. */
export async function startBackend(fn: string, name: string): Promise<Backend> {
  if (typeof name !== 'string') {
    fail(
      fn,
      `name must be a backend name such as 'cpu', 'webgpu' or 'auto', got ${showValue(name)}`,
    );
  }
  if (name === 'auto') {
    const order = [...plugins.values()].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
    const errors: string[] = [];
    for (const p of order) {
      let backend: Backend;
      try {
        backend = await startBackend(fn, p.name);
      } catch (e) {
        errors.push(`'${p.name}' could not start (${(e as Error).message})`);
        continue;
      }
      // A fallback is usually much slower (the CPU instead of a GPU): say why, once.
      if (errors.length > 0) {
        warnOnce(
          `auto-fallback:${p.name}`,
          `setBackend('auto') is using '${p.name}': ${errors.join('; ')}. ` +
            `Fix that, or call setBackend('${p.name}') to choose it without this warning.`,
        );
      }
      return backend;
    }
    fail(
      fn,
      errors.length > 0
        ? `no registered backend could start: ${errors.join('; ')}`
        : 'no backend is registered: call registerBackend(cpu()) (from @stride/backend-cpu) first',
    );
  }
  const ready = engine.backends.get(name);
  if (ready && !ready.isLost?.()) return ready;
  if (ready) {
    engine.backends.delete(name);
    if (engine.active === ready) engine.active = null;
  }
  const plugin = plugins.get(name);
  if (!plugin) {
    fail(
      fn,
      `no backend named '${name}' is registered (registered: ${listBackends().join(', ') || 'none'})`,
    );
  }
  let promise = pending.get(name);
  if (!promise) {
    promise = Promise.resolve(plugin.init());
    pending.set(name, promise);
  }
  try {
    const backend = await promise;
    // A plugin's backend is checked once it exists, before anything can use it; one that fails
    // is never used, so what it started (workers, a device) is released.
    try {
      checkBackendContract(fn, backend);
    } catch (e) {
      backend.destroy?.();
      throw e;
    }
    engine.backends.set(name, backend);
    usageOf(backend);
    return backend;
  } finally {
    pending.delete(name);
  }
}

/** Makes `name` (or `'auto'`) the backend that new tensors are created on. */
export async function setBackend(name: string): Promise<Backend> {
  const backend = await startBackend('setBackend', name);
  engine.active = backend;
  return backend;
}

/** The active backend. Throws if none was registered. */
export function getBackend(): Backend {
  if (!engine.active) {
    fail(
      'getBackend',
      'no backend is active: call registerBackend(cpu()) (from @stride/backend-cpu) first',
    );
  }
  return engine.active;
}

/** A ready backend by name, for `device` options; throws if it is unknown or not initialised. */
export function backendByName(fn: string, name: string): Backend {
  const b = engine.backends.get(name);
  if (!b) {
    fail(
      fn,
      `device '${name}' is not ready: register it and await setBackend('${name}') or initBackend('${name}') first`,
    );
  }
  return b;
}
