import { fail, warnOnce } from '@stride/core';

/**
 * Why the CPU backend runs slower than its options asked for:
 * - `'no-webassembly'`: the runtime has no WebAssembly at all (TypeScript kernels);
 * - `'no-simd'`: it has no WebAssembly SIMD (TypeScript kernels);
 * - `'wasm-blocked'`: it refused to compile WebAssembly, e.g. a Content-Security-Policy without
 *   `'wasm-unsafe-eval'` (TypeScript kernels);
 * - `'no-relaxed-simd'`: relaxed SIMD is not validated, e.g. Node 20 without its flag (plain SIMD);
 * - `'no-shared-memory'`: no SharedArrayBuffer, e.g. a page that is not cross-origin isolated
 *   (one thread);
 * - `'no-workers'`: the runtime cannot start threads at all (one thread);
 * - `'worker-failed'`: a worker thread failed to start, or failed during a kernel (fewer threads).
 */
export type CpuFallback =
  | 'no-webassembly'
  | 'no-simd'
  | 'wasm-blocked'
  | 'no-relaxed-simd'
  | 'no-shared-memory'
  | 'no-workers'
  | 'worker-failed';

/** What `cpu()` was asked for, which each warning compares with what it got. */
export interface Wanted {
  /** Threads in all, the calling thread included. */
  readonly threads: number;
  /** `kernels: 'wasm'`: a missing WebAssembly path is an error, not a warning. */
  readonly strict: boolean;
}

const JS_KERNELS =
  'so the CPU backend runs its TypeScript kernels (matmul and convolutions about 10× slower)';

function oneThread(threads: number): string {
  return `so the CPU backend runs on 1 thread instead of ${threads}`;
}

function isNode(): boolean {
  return (
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
      ?.node === 'string'
  );
}

/**
 * Whether plain SIMD instead of relaxed SIMD is worth a warning. It costs about 1.5× on GEMM,
 * and the fix is in the user's hands only in Node: a flag on Node 20, nothing on Node 22+ (and
 * Node 20 is past its end of life). In a browser the visitor's browser decides (Safari and
 * Firefox lack relaxed SIMD), and neither the page's author nor the visitor can change it, so a
 * warning there would be noise on every page load; `fallbacks` still reports it. Node users who
 * want plain SIMD say `cpu({ relaxedSimd: false })` and see nothing; the training CLI and the
 * benchmark set the flag before the kernels compile, so they see nothing either.
 */
function relaxedSimdWarning(): string | null {
  if (!isNode()) return null;
  return (
    'this Node validates WebAssembly relaxed SIMD only behind a flag, so the CPU backend runs ' +
    'plain SIMD (matmul and convolutions about 1.5× slower). Run node with ' +
    "--experimental-wasm-relaxed-simd (or call v8.setFlagsFromString('--experimental-wasm-relaxed-simd') " +
    'before cpu()), or use Node 22 or later, where it is on; cpu({ relaxedSimd: false }) asks for ' +
    'plain SIMD without this warning.'
  );
}

/** The warning for `reason` (the cause, then the fix), or null where none is given. */
function message(reason: CpuFallback, wanted: Wanted, detail: string): string | null {
  switch (reason) {
    case 'no-webassembly':
      return (
        `this runtime has no WebAssembly, ${JS_KERNELS}. Run it where WebAssembly is enabled ` +
        '(Node without --jitless, a browser whose WebAssembly is not turned off).'
      );
    case 'no-simd':
      return (
        `this runtime has no WebAssembly SIMD, ${JS_KERNELS}. Use a runtime that has it: ` +
        'Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+.'
      );
    case 'wasm-blocked':
      return (
        `WebAssembly compilation is refused here (${detail}), ${JS_KERNELS}. In a page, allow it ` +
        "with the Content-Security-Policy source 'wasm-unsafe-eval' in script-src (e.g. " +
        "script-src 'self' 'wasm-unsafe-eval'); in a Node vm context, with " +
        'codeGeneration: { wasm: true }.'
      );
    case 'no-relaxed-simd':
      return relaxedSimdWarning();
    case 'no-shared-memory':
      return (
        `SharedArrayBuffer is unavailable (in a browser: the page is not cross-origin isolated), ` +
        `${oneThread(wanted.threads)}. Serve the page with the headers ` +
        'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp; ' +
        'cpu({ threads: 1 }) asks for one thread without this warning.'
      );
    case 'no-workers':
      return (
        `this runtime cannot start worker threads (it has neither Web Workers nor ` +
        `node:worker_threads), ${oneThread(wanted.threads)}. ` +
        'cpu({ threads: 1 }) asks for one thread without this warning.'
      );
    case 'worker-failed':
      return (
        `a worker thread of the CPU backend failed to start (${detail}), so it runs on fewer ` +
        `threads than the ${wanted.threads} asked for (its threads property says how many). ` +
        // A Content-Security-Policy is the usual cause in a page; Node has none.
        (isNode()
          ? 'cpu({ threads: 1 }) asks for one thread without this warning.'
          : 'In a page with a Content-Security-Policy, allow its workers, which run from a ' +
            'blob: URL, with worker-src blob: (or blob: in script-src where there is no worker-src).')
      );
  }
}

/**
 * The text of a thrown value, for a warning that quotes the runtime's own words. Duck-typed, since
 * an error from another realm (a vm context, an iframe) is no `instanceof Error` here.
 */
export function describeError(e: unknown): string {
  if (typeof e !== 'object' || e === null || !('message' in e)) return String(e);
  const name = 'name' in e && typeof e.name === 'string' ? `${e.name}: ` : '';
  return `${name}${String(e.message)}`;
}

/**
 * The fallbacks of one backend: each is recorded for its `fallbacks` property and warned about
 * once per process (key `cpu:<reason>`, through core's `warnOnce`).
 */
export class Fallbacks {
  readonly list: CpuFallback[] = [];

  constructor(private readonly wanted: Wanted) {}

  /**
   * Records `reason` and warns; `detail` is the runtime's error, quoted in the warning. Under
   * `kernels: 'wasm'`, a reason that leaves only the TypeScript kernels throws instead.
   */
  add(reason: CpuFallback, detail = ''): void {
    const text = message(reason, this.wanted, detail);
    const kernelsLost =
      reason === 'no-webassembly' || reason === 'no-simd' || reason === 'wasm-blocked';
    if (this.wanted.strict && kernelsLost) {
      fail('cpu', `kernels: 'wasm' is unavailable: ${text}`);
    }
    this.record(reason);
    if (text) warnOnce(`cpu:${reason}`, text);
  }

  /** Records `reason` without a warning, for a failure that already threw a `StrideError`. */
  record(reason: CpuFallback): void {
    if (!this.list.includes(reason)) this.list.push(reason);
  }
}
