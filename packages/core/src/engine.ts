import type { Backend } from './backend.js';

/**
 * Process-wide state shared by every module of core: the registered backends, the active one,
 * the tidy scopes, whether gradients are being recorded, and live-memory accounting.
 * Kept in one place so that tests can reason about it and nothing else holds hidden globals.
 */
export interface TidyScope {
  readonly tensors: Set<TrackedTensor>;
}

/** The part of a tensor that scopes and accounting need; avoids importing the Tensor class. */
export interface TrackedTensor {
  dispose(): void;
  readonly isDisposed: boolean;
}

export interface BackendUsage {
  numTensors: number;
  numBytes: number;
  numStorages: number;
}

export const engine = {
  backends: new Map<string, Backend>(),
  /** Factories for backends that could not be created yet (created on `setBackend`). */
  active: null as Backend | null,
  scopes: [] as TidyScope[],
  gradEnabled: true,
  usage: new Map<string, BackendUsage>(),
  /** The running `traceOps`, if any (its state is trace.ts's own). */
  trace: null as object | null,
};

export function usageOf(backend: Backend): BackendUsage {
  // Every new storage asks, nearly always for the backend asked about last time.
  if (backend === lastUsage.backend) return lastUsage.usage;
  let u = engine.usage.get(backend.name);
  if (!u) {
    u = { numTensors: 0, numBytes: 0, numStorages: 0 };
    engine.usage.set(backend.name, u);
  }
  lastUsage = { backend, usage: u };
  return u;
}

let lastUsage: { backend: Backend | null; usage: BackendUsage } = {
  backend: null,
  usage: { numTensors: 0, numBytes: 0, numStorages: 0 },
};

/** Records a new tensor in the innermost `tidy` scope, if any. */
export function track(t: TrackedTensor): void {
  const scopes = engine.scopes;
  if (scopes.length > 0) (scopes[scopes.length - 1] as TidyScope).tensors.add(t);
}

/** Removes a tensor from every scope, so that no `tidy` disposes it. */
export function untrack(t: TrackedTensor): void {
  const scopes = engine.scopes;
  for (let i = scopes.length - 1; i >= 0; i--) (scopes[i] as TidyScope).tensors.delete(t);
}
