import { EventEmitter } from 'node:events';
import { createContext, runInContext } from 'node:vm';
import * as workerThreads from 'node:worker_threads';
import { StrideError } from '@stride/core';
import { describe, expect, it, vi } from 'vitest';
import { cpu } from '../src/index.js';
import { relaxedPrivate, relaxedShared } from '../src/wasm/binaries.generated.js';
import { CONTROL, FAILED } from '../src/wasm/layout.js';
import { collectWarnings, randomTensor } from './helpers.js';

// Each cause is simulated the way the runtime shows it: WebAssembly.validate saying no, the
// embedder refusing to compile, no SharedArrayBuffer, a worker that cannot start. The backend must
// warn once per cause, with the fix, and report what runs.

const warnings = collectWarnings();

const keys = () => warnings.map((w) => w.key);

const realValidate = WebAssembly.validate;
const relaxedBinaries = [relaxedShared, relaxedPrivate].map((b) => Buffer.from(b, 'base64'));

/** WebAssembly.validate as a runtime without relaxed SIMD (or without any SIMD) answers it. */
function validateWithout(feature: 'relaxed-simd' | 'simd'): void {
  vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => {
    if (feature === 'simd') return false;
    const b = Buffer.from(bytes as Uint8Array);
    return !relaxedBinaries.some((r) => r.equals(b)) && realValidate(bytes);
  });
}

/** Replaces the WebAssembly namespace with one whose `Module` constructor is `Module`. */
function stubModuleConstructor(Module: unknown): void {
  vi.stubGlobal(
    'WebAssembly',
    Object.create(WebAssembly, { Module: { value: Module, configurable: true } }),
  );
}

/** Node's worker_threads as the backend finds it, with `Worker` replaced. */
function stubWorker(Worker: unknown): void {
  const real = process.getBuiltinModule.bind(process);
  vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) =>
    id === 'node:worker_threads' ? { ...workerThreads, Worker } : real(id)) as never);
}

describe('no WebAssembly SIMD', () => {
  it('runs the TypeScript kernels and says why, once', () => {
    validateWithout('simd');
    const a = cpu();
    const b = cpu({ threads: 3 });
    for (const backend of [a, b]) {
      expect(backend.kernels).toBe('js');
      expect(backend.threads).toBe(1);
      expect(backend.fallbacks).toEqual(['no-simd']);
    }
    expect(keys()).toEqual(['cpu:no-simd']);
    expect(warnings[0]?.message).toBe(
      'Stride: this runtime has no WebAssembly SIMD, so the CPU backend runs its TypeScript ' +
        'kernels (matmul and convolutions about 10× slower). Use a runtime that has it: ' +
        'Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+.',
    );
  });

  it("throws instead under kernels: 'wasm', naming the cause", () => {
    validateWithout('simd');
    expect(() => cpu({ kernels: 'wasm' })).toThrow(StrideError);
    expect(() => cpu({ kernels: 'wasm' })).toThrow(
      "cpu: kernels: 'wasm' is unavailable: this runtime has no WebAssembly SIMD",
    );
    expect(warnings).toEqual([]);
  });

  it("says nothing under kernels: 'js', which asked for the TypeScript kernels", () => {
    validateWithout('simd');
    const backend = cpu({ kernels: 'js' });
    expect(backend.kernels).toBe('js');
    expect(backend.fallbacks).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('names a runtime without WebAssembly at all', () => {
    vi.stubGlobal('WebAssembly', undefined);
    const backend = cpu({ threads: 2 });
    expect(backend.kernels).toBe('js');
    expect(backend.fallbacks).toEqual(['no-webassembly']);
    expect(keys()).toEqual(['cpu:no-webassembly']);
    expect(warnings[0]?.message).toMatch(/^Stride: this runtime has no WebAssembly, so the CPU/);
  });
});

describe('WebAssembly compilation refused', () => {
  // The bytes validate, then the embedder refuses to compile them.
  it("quotes a Content-Security-Policy's refusal and gives the 'wasm-unsafe-eval' fix", () => {
    // Chromium's words (as fallbacks.browser.test.ts sees them) when script-src lacks
    // 'wasm-unsafe-eval' (and 'unsafe-eval').
    const csp =
      'WebAssembly.Module(): Compiling or instantiating WebAssembly module violates the following ' +
      "Content Security policy directive because 'unsafe-eval' is not an allowed source of script " +
      `in the following Content Security Policy directive: "script-src 'self' 'unsafe-inline'".`;
    stubModuleConstructor(
      class {
        constructor() {
          throw new WebAssembly.CompileError(csp);
        }
      },
    );
    const a = cpu({ threads: 2 });
    const b = cpu({ threads: 2 });
    for (const backend of [a, b]) {
      expect(backend.kernels).toBe('js');
      expect(backend.threads).toBe(1);
      expect(backend.fallbacks).toEqual(['wasm-blocked']);
    }
    expect(keys()).toEqual(['cpu:wasm-blocked']);
    expect(warnings[0]?.message).toBe(
      `Stride: WebAssembly compilation is refused here (CompileError: ${csp}), so the CPU backend ` +
        'runs its TypeScript kernels (matmul and convolutions about 10× slower). In a page, allow ' +
        "it with the Content-Security-Policy source 'wasm-unsafe-eval' in script-src (e.g. " +
        "script-src 'self' 'wasm-unsafe-eval'); in a Node vm context, with " +
        'codeGeneration: { wasm: true }.',
    );
  });

  it("reports V8's own refusal (a vm context without WebAssembly code generation)", () => {
    const context = createContext({}, { codeGeneration: { wasm: false } });
    stubModuleConstructor(function Module(bytes: Uint8Array) {
      return runInContext('(bytes) => new WebAssembly.Module(bytes)', context)(bytes);
    });
    const backend = cpu({ threads: 2 });
    expect(backend.kernels).toBe('js');
    expect(backend.fallbacks).toEqual(['wasm-blocked']);
    expect(warnings[0]?.message).toContain(
      '(CompileError: WebAssembly.Module(): Wasm code generation disallowed by embedder)',
    );
  });
});

describe('no relaxed SIMD', () => {
  it('runs plain SIMD and, in Node, names the flag and Node 22', () => {
    validateWithout('relaxed-simd');
    const backend = cpu({ threads: 2 });
    expect(backend.kernels).toBe('wasm-simd');
    expect(backend.threads).toBe(2);
    expect(backend.fallbacks).toEqual(['no-relaxed-simd']);
    cpu({ threads: 1 });
    expect(keys()).toEqual(['cpu:no-relaxed-simd']);
    expect(warnings[0]?.message).toBe(
      'Stride: this Node validates WebAssembly relaxed SIMD only behind a flag, so the CPU ' +
        'backend runs plain SIMD (matmul and convolutions about 1.5× slower). Run node with ' +
        "--experimental-wasm-relaxed-simd (or call v8.setFlagsFromString('--experimental-wasm-relaxed-simd') " +
        'before cpu()), or use Node 22 or later, where it is on; cpu({ relaxedSimd: false }) asks ' +
        'for plain SIMD without this warning.',
    );
    backend.destroy();
  });

  it('says nothing under relaxedSimd: false', () => {
    validateWithout('relaxed-simd');
    const backend = cpu({ threads: 1, relaxedSimd: false });
    expect(backend.kernels).toBe('wasm-simd');
    expect(backend.fallbacks).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe('no SharedArrayBuffer', () => {
  it('runs on one thread and names the COOP/COEP headers', () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const backend = cpu({ threads: 4, relaxedSimd: false });
    expect(backend.kernels).toBe('wasm-simd');
    expect(backend.threads).toBe(1);
    expect(backend.fallbacks).toEqual(['no-shared-memory']);
    cpu({ threads: 2, relaxedSimd: false });
    expect(keys()).toEqual(['cpu:no-shared-memory']);
    expect(warnings[0]?.message).toBe(
      'Stride: SharedArrayBuffer is unavailable (in a browser: the page is not cross-origin ' +
        'isolated), so the CPU backend runs on 1 thread instead of 4. Serve the page with the ' +
        'headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: ' +
        'require-corp; cpu({ threads: 1 }) asks for one thread without this warning.',
    );
    // Still correct on the private memory.
    const x = randomTensor([3, 40], 'float32', 1);
    const w = randomTensor([40, 5], 'float32', 2);
    const want = cpu({ kernels: 'js' }).matmul(x, w, false, false);
    const got = backend.matmul(x, w, false, false);
    for (let i = 0; i < want.length; i++) {
      expect(got[i]).toBeCloseTo(want[i] as number, 5);
    }
  });

  it('says nothing under threads: 1', () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    expect(cpu({ threads: 1, relaxedSimd: false }).fallbacks).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe('worker threads that cannot start', () => {
  it('counts one thread when the Worker constructor throws, and says so once', () => {
    let constructed = 0;
    stubWorker(
      class {
        constructor() {
          constructed++;
          throw Object.assign(new Error('Worker initialization failure: 11'), {
            code: 'ERR_WORKER_INIT_FAILED',
          });
        }
      },
    );
    const backend = cpu({ threads: 3, relaxedSimd: false });
    // The first failure ends the starting: the next would fail the same way.
    expect(constructed).toBe(1);
    expect(backend.kernels).toBe('wasm-simd');
    expect(backend.threads).toBe(1);
    expect(backend.fallbacks).toEqual(['worker-failed']);
    // A copy: changing it changes nothing in the backend.
    (backend.fallbacks as string[]).push('no-simd');
    expect(backend.fallbacks).toEqual(['worker-failed']);
    cpu({ threads: 2, relaxedSimd: false });
    expect(keys()).toEqual(['cpu:worker-failed']);
    expect(warnings[0]?.message).toBe(
      'Stride: a worker thread of the CPU backend failed to start (Error: Worker initialization ' +
        'failure: 11), so it runs on fewer threads than the 3 asked for (its threads property ' +
        'says how many). cpu({ threads: 1 }) asks for one thread without this warning.',
    );
  });

  it('stops counting workers whose script fails after they started', async () => {
    // Real worker threads whose script throws before the worker loop runs.
    const Real = workerThreads.Worker;
    stubWorker(
      class extends Real {
        constructor() {
          super('throw new Error("no kernels here")', { eval: true });
        }
      },
    );
    const backend = cpu({ threads: 3, relaxedSimd: false });
    expect(backend.threads).toBe(3);
    await vi.waitFor(() => expect(backend.threads).toBe(1), { timeout: 10_000 });
    expect(backend.fallbacks).toEqual(['worker-failed']);
    expect(keys()).toEqual(['cpu:worker-failed']);
    expect(warnings[0]?.message).toContain('failed to start (Error: no kernels here)');
    // The kernels go on, on the calling thread.
    const x = randomTensor([64, 256], 'float32', 3);
    const w = randomTensor([256, 64], 'float32', 4);
    expect(backend.matmul(x, w, false, false)).toEqual(
      cpu({ threads: 1, relaxedSimd: false }).matmul(x, w, false, false),
    );
  });

  it('names a runtime that has no way to start threads', () => {
    vi.spyOn(process, 'getBuiltinModule').mockImplementation((() => undefined) as never);
    const backend = cpu({ threads: 2, relaxedSimd: false });
    expect(backend.threads).toBe(1);
    expect(backend.fallbacks).toEqual(['no-workers']);
    expect(warnings[0]?.message).toMatch(
      /^Stride: this runtime cannot start worker threads .*so the CPU backend runs on 1 thread instead of 2/,
    );
  });

  it('says nothing under threads: 1, which starts no worker', () => {
    stubWorker(
      class {
        constructor() {
          throw new Error('never called');
        }
      },
    );
    expect(cpu({ threads: 1, relaxedSimd: false }).threads).toBe(1);
    expect(warnings).toEqual([]);
  });
});

describe('a worker that fails during a kernel', () => {
  it('throws once, then reports one thread and the cause', () => {
    // A started worker whose kernel trapped: it flags the failure in the control block, as the
    // worker loop does, and claims nothing.
    stubWorker(
      class extends EventEmitter {
        constructor(_source: string, options: { workerData: { memory: WebAssembly.Memory } }) {
          super();
          Atomics.store(new Int32Array(options.workerData.memory.buffer, CONTROL, 8), FAILED, 1);
        }
        unref(): void {}
        terminate(): void {}
      },
    );
    const backend = cpu({ threads: 2, relaxedSimd: false });
    expect(backend.threads).toBe(2);
    const x = randomTensor([64, 256], 'float32', 5);
    const w = randomTensor([256, 64], 'float32', 6);
    expect(() => backend.matmul(x, w, false, false)).toThrow(
      'cpu: a WebAssembly worker thread failed; the backend goes on with one thread',
    );
    expect(backend.threads).toBe(1);
    expect(backend.fallbacks).toEqual(['worker-failed']);
    // The StrideError said it; no warning repeats it.
    expect(warnings).toEqual([]);
    expect(backend.matmul(x, w, false, false)).toEqual(
      cpu({ threads: 1, relaxedSimd: false }).matmul(x, w, false, false),
    );
  });
});
