import { describe, expect, it, vi } from 'vitest';
import { cpu } from '../src/index.js';
import { relaxedShared } from '../src/wasm/binaries.generated.js';
import { collectWarnings } from './helpers.js';

// What a page's Content-Security-Policy does to the CPU backend, in real Chromium. The test page
// is cross-origin isolated and has no policy; each test below adds one with a <meta> element,
// which Chromium enforces from then on. Policies only add up (a page cannot loosen its policy),
// so the tests run in this order: the workers' policy first, then one that also refuses
// WebAssembly.

const warnings = collectWarnings();

function addPolicy(policy: string): void {
  const meta = document.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = policy;
  document.head.append(meta);
}

describe('the CPU backend under a Content-Security-Policy in Chromium', () => {
  it('reports plain SIMD without relaxed SIMD, but gives no warning in a browser', () => {
    const relaxed = Uint8Array.from(atob(relaxedShared), (c) => c.charCodeAt(0));
    const validate = WebAssembly.validate;
    const isRelaxed = (bytes: Uint8Array) =>
      bytes.length === relaxed.length && bytes.every((b, i) => b === relaxed[i]);
    vi.spyOn(WebAssembly, 'validate').mockImplementation(
      (bytes) => !isRelaxed(bytes as Uint8Array) && validate(bytes),
    );
    const backend = cpu({ threads: 2 });
    expect(backend.kernels).toBe('wasm-simd');
    expect(backend.fallbacks).toEqual(['no-relaxed-simd']);
    expect(warnings).toEqual([]);
    backend.destroy();
  });

  it('counts one thread when worker-src refuses blob: workers, and names worker-src blob:', async () => {
    addPolicy("script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'self'");
    const backend = cpu({ threads: 2 });
    expect(backend.kernels).toBe('wasm-relaxed-simd');
    // Chromium refuses the worker's script asynchronously, with an error event.
    await vi.waitFor(() => expect(backend.threads).toBe(1), { timeout: 10_000 });
    expect(backend.fallbacks).toEqual(['worker-failed']);
    expect(warnings.map((w) => w.key)).toEqual(['cpu:worker-failed']);
    expect(warnings[0]?.message).toMatch(
      /^Stride: a worker thread of the CPU backend failed to start \(its blob: script was refused or could not load\), so it runs on fewer threads than the 2 asked for/,
    );
    expect(warnings[0]?.message).toContain('worker-src blob:');
    backend.destroy();
  });

  it("runs the TypeScript kernels when script-src lacks 'wasm-unsafe-eval', and names it", () => {
    addPolicy("script-src 'self' 'unsafe-inline'");
    const backend = cpu({ threads: 2 });
    expect(backend.kernels).toBe('js');
    expect(backend.threads).toBe(1);
    expect(backend.fallbacks).toEqual(['wasm-blocked']);
    expect(warnings.map((w) => w.key)).toEqual(['cpu:wasm-blocked']);
    // Chromium's own words are quoted, then the fix.
    expect(warnings[0]?.message).toMatch(
      /^Stride: WebAssembly compilation is refused here \(CompileError: WebAssembly\.Module\(\): .*'unsafe-eval' is not an allowed source of script.*\), so the CPU backend runs its TypeScript kernels/,
    );
    expect(warnings[0]?.message).toContain(
      "allow it with the Content-Security-Policy source 'wasm-unsafe-eval' in script-src",
    );
  });
});
