/**
 * The recording proxy: the backend under test, seen through a stand-in object that notes which
 * kernels each case runs (so that a failing fixture names them) and checks the backend's own
 * `storageStats()` around every call, so that a storage left behind inside a kernel, or a `free`
 * that releases nothing, is reported with the kernel's name rather than as a leak somewhere in
 * a model.
 *
 * Kernels are called on the original object (`this` is the backend, not the proxy), so a kernel
 * that calls another of its own backend's kernels is seen as one call.
 */
import {
  type Backend,
  type DType,
  OPTIONAL_KERNELS,
  REQUIRED_KERNELS,
  type StorageStats,
  TYPED_ARRAY,
} from '@stride/core';

/** One problem the kit found, attributed to the kernel it was found in. */
export interface KernelFinding {
  /** The kernel (a member of `Backend`, e.g. `'matmul'`), or `'backend'` when none is to blame. */
  readonly kernel: string;
  /** Starts with `kernel <name>` (or `backend`), then what went wrong, with the numbers. */
  readonly message: string;
}

/** Kernels that return storage, and how many storages each call returns. */
const OUTPUTS: Readonly<Record<string, number>> = {
  maxPool: 2,
  adamStep: 3,
  sort: 2,
};
// Watched members that return no storage (storageStats itself is read, not watched).
const NOT_MAKERS = new Set(['read', 'readSync', 'checkIndices', 'free']);
const WATCHED = new Set<string>(
  [...REQUIRED_KERNELS, ...OPTIONAL_KERNELS].filter((k) => k !== 'storageStats'),
);

/** The recording proxy of a backend and what it saw (see `recordKernels`). */
export interface Recorder {
  /** The backend to run the checks on: a proxy of the one under test. */
  readonly backend: Backend;
  /** Kernels called since the last `reset`, in the order of their first call. */
  kernelsRun(): string[];
  /** Storage problems seen since the last `reset`, one per kernel and kind. */
  findings(): KernelFinding[];
  /** Starts a new case: forgets the kernels run and the findings. */
  reset(): void;
}

/** A short description of a storage for messages: its type and size where it has them. */
function describe(storage: unknown): string {
  if (ArrayBuffer.isView(storage)) {
    const length = (storage as unknown as { length?: number }).length;
    return `${storage.constructor.name}(${length ?? storage.byteLength})`;
  }
  const bytes = (storage as { byteSize?: unknown } | null)?.byteSize;
  return typeof bytes === 'number' ? `${bytes} bytes` : 'a storage';
}

/** The dtype of a typed-array storage, for a probe of the same kind (float32 otherwise). */
const DTYPE_OF: Readonly<Record<string, DType>> = {
  Float64Array: 'float64',
  Int32Array: 'int32',
  Uint8Array: 'bool',
};

/**
 * Whether `free` releases a fresh upload of the kind of `storage`: tells a `free` that keeps
 * storages apart from a kernel that returned a storage the backend never counted.
 */
function freeReleases(target: Backend, stats: () => StorageStats | null, storage: object): boolean {
  const dtype = DTYPE_OF[storage.constructor?.name ?? ''] ?? 'float32';
  const probe = target.upload(new TYPED_ARRAY[dtype](1), dtype);
  const before = stats();
  target.free(probe);
  const after = stats();
  return before !== null && after !== null && after.count - before.count === -1;
}

function outputsOf(kernel: string, out: unknown): unknown[] {
  return OUTPUTS[kernel] ? Object.values(out as object) : [out];
}

/** Whether `storage` is the storage of one of the call's KernelTensors (`concat`: of its array). */
function isInput(storage: unknown, args: readonly unknown[]): boolean {
  for (const a of args) {
    if (Array.isArray(a)) {
      if (isInput(storage, a)) return true;
    } else if (
      a !== null &&
      typeof a === 'object' &&
      (a as { storage?: unknown }).storage === storage
    ) {
      return true;
    }
  }
  return false;
}

/**
 * A plain object that stands for `target`: each watched kernel is `wrap`ped, every other member
 * reads through to `target` (functions bound to it, so class-based backends keep their `this`).
 * Members on the prototype chain count too (`Object.create(cpu())`). A plain object rather than
 * a `Proxy`, because core reads a backend's members on every op and a proxy's trap made the
 * fixtures twice as slow.
 */
function recordingView(
  target: Backend,
  wrap: (name: string, fn: (...args: unknown[]) => unknown) => unknown,
): Backend {
  const view: Record<string, unknown> = {};
  const names = new Set<string>();
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) if (k !== 'constructor') names.add(k);
  }
  const members = target as unknown as Record<string, unknown>;
  for (const name of names) {
    const value = members[name];
    if (typeof value === 'function') {
      view[name] = WATCHED.has(name)
        ? wrap(name, value as (...args: unknown[]) => unknown)
        : (value as (...args: unknown[]) => unknown).bind(target);
    } else {
      // Read through, so that a getter (a backend's thread count) stays live.
      Object.defineProperty(view, name, { get: () => members[name], enumerable: true });
    }
  }
  return view as unknown as Backend;
}

/**
 * Wraps `target` in a recording proxy that notes which kernels run and checks `storageStats()`
 * around every kernel call, so a kernel that leaves a storage behind, or a `free` that releases
 * nothing, is reported by name. Kernels still run on `target` itself.
 */
export function recordKernels(target: Backend): Recorder {
  const run = new Set<string>();
  const problems = new Map<string, KernelFinding>();
  /** Storages whose making raised `storageStats().count` by one each, with the kernel that made them. */
  const counted = new WeakMap<object, string>();
  const stats = (): StorageStats | null =>
    typeof target.storageStats === 'function' ? target.storageStats() : null;
  const report = (kernel: string, kind: string, message: string): void => {
    const key = `${kernel}:${kind}`;
    if (!problems.has(key)) problems.set(key, { kernel, message: `kernel ${kernel}: ${message}` });
  };

  const wrap = (name: string, fn: (...args: unknown[]) => unknown) =>
    function recorded(...args: unknown[]): unknown {
      run.add(name);
      const before = stats();
      const out = fn.apply(target, args);
      if (before === null) return out;
      const after = stats() as StorageStats;
      const added = after.count - before.count;
      if (name === 'free') {
        const storage = args[0] as object;
        const maker = counted.get(storage);
        if (maker !== undefined) {
          counted.delete(storage);
          if (added !== -1 && maker !== 'upload' && freeReleases(target, stats, storage)) {
            // The count rose by one when `maker` returned this storage, yet freeing it releases
            // nothing while `free` works on an upload of its kind: `maker` left a storage of its
            // own behind and returned one the backend does not count.
            report(
              maker,
              'uncounted',
              `a call returned a storage (${describe(storage)}) that free does not release, though ` +
                'free releases an upload of the same kind: it left a storage behind and returned ' +
                'one the backend does not count (make results through the backend, e.g. its upload)',
            );
          } else if (added !== -1) {
            report(
              name,
              'release',
              `freeing a storage made by ${maker} (${describe(storage)}) changed ` +
                `storageStats().count by ${added} (${before.count} → ${after.count}), expected -1: ` +
                'the storage was not released',
            );
          }
        }
        return out;
      }
      if (NOT_MAKERS.has(name)) {
        if (added !== 0) {
          report(name, 'count', `a call changed storageStats().count by ${added}, expected 0`);
        }
        return out;
      }
      const outputs = outputsOf(name, out);
      if (added > outputs.length) {
        report(
          name,
          'leak',
          `a call left ${added - outputs.length} storage(s) behind: storageStats().count rose ` +
            `by ${added} (${before.count} → ${after.count}, ${after.bytes - before.bytes} bytes) ` +
            `but the call returned ${outputs.length}`,
        );
      } else if (added === outputs.length) {
        for (const o of outputs) if (o !== null && typeof o === 'object') counted.set(o, name);
      }
      if (outputs.some((o) => isInput(o, args))) {
        report(
          name,
          'alias',
          "returned one of its inputs' storages; a kernel must return new storage " +
            '(core frees each storage once)',
        );
      }
      return out;
    };

  const backend = recordingView(target, wrap);
  return {
    backend,
    kernelsRun: () => [...run],
    findings: () => [...problems.values()],
    reset: () => {
      run.clear();
      problems.clear();
    },
  };
}
