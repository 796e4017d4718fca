import { availableParallelism } from 'node:os';
import { relative, sep } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The Node-side test files that take longest on a 2-core CI machine, with about how many seconds
 * each takes there alone (for the WebGPU ones, mostly SwiftShader compiling shaders on one
 * thread; for the docs site, its build). They start first, longest first, so that the many short
 * files fill the gaps at the end rather than one long file running alone. Only the order matters:
 * a file not listed starts later; list a new file that takes more than a few seconds.
 * (Browser-mode files, `*.browser.test.ts` of the packages, run in their own pool beside these.)
 */
const LONG_FILES: readonly (readonly [string, number])[] = [
  ['docs/test/site.test.ts', 160],
  ['apps/demo/test/browser/page.browser.test.ts', 140],
  ['packages/backend-webgpu/test/conformance.test.ts', 55],
  ['packages/backend-webgpu/test/conformance-on-gpu.test.ts', 50],
  ['apps/demo/test/browser/inside.browser.test.ts', 45],
  ['packages/backend-webgpu/test/conv.test.ts', 44],
  ['examples/test/packaging.test.ts', 37],
  ['apps/demo/test/browser/builder.browser.test.ts', 25],
  ['apps/demo/test/browser/arithmetic.browser.test.ts', 24],
  ['apps/demo/test/webgpu-training.test.ts', 24],
  ['apps/demo/test/browser/inside-live.browser.test.ts', 22],
  ['packages/backend-webgpu/test/matmul.test.ts', 21],
  ['apps/demo/test/inside-live.test.ts', 20],
  ['packages/fuzz/test/webgpu.test.ts', 20],
  ['apps/demo/test/browser/signals.browser.test.ts', 18],
  ['docs/test/code-blocks.test.ts', 17],
  ['examples/test/node-ts.test.ts', 16],
  ['apps/demo/test/browser/equivariance.browser.test.ts', 15],
  ['packages/pytorch/test/cluster.test.ts', 14],
  ['apps/demo/test/builder-train.test.ts', 13],
  ['packages/backend-webgpu/test/reduce.test.ts', 13],
  ['packages/backend-webgpu/test/worker-teardown.test.ts', 13],
  ['apps/demo/test/train.test.ts', 12],
  ['examples/test/vite-browser.test.ts', 10],
  ['packages/backend-webgpu/test/elementwise.test.ts', 10],
  ['apps/demo/test/builder-webgpu.test.ts', 9],
  ['packages/core/test/checkpoint-kill.test.ts', 9],
  ['apps/demo/test/arithmetic-steps.test.ts', 8],
  ['packages/pytorch/test/equivalence.test.ts', 7],
  ['apps/demo/test/arithmetic-calls.test.ts', 6],
  ['packages/onnx/test/round-trip.test.ts', 6],
  ['packages/backend-webgpu/test/memory.test.ts', 6],
  ['examples/test/readmes.test.ts', 6],
  ['packages/backend-cpu/test/wasm.test.ts', 6],
  ['apps/demo/test/arithmetic-torch.test.ts', 5],
  ['packages/onnx/test/export-webgpu.test.ts', 5],
  ['packages/fuzz/test/cpu.test.ts', 4],
];

/**
 * Longest known files first (see LONG_FILES), then vitest's own order. Vitest's default runs
 * projects one after another in name order, so on 2 workers the slowest files (WebGPU, the demo
 * page, the docs site, the examples) would start wherever their project falls.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const weight = (spec: TestSpecification): number => {
      const path = relative(this.ctx.config.root, spec.moduleId).split(sep).join('/');
      return LONG_FILES.find(([file]) => file === path)?.[1] ?? 0;
    };
    // Array.prototype.sort is stable: files of equal weight keep vitest's order.
    return sorted.sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        weight(b) - weight(a),
    );
  }
}

// `pnpm test` runs every package's project (its own vitest.config.ts) in one process and
// always writes the JSON report that .ci/run reads. A folder in `projects` only finds
// `vitest.config.*`, so browser projects are listed by file.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'examples',
      'docs',
      'packages/backend-cpu/vitest.browser.config.ts',
      'packages/backend-webgpu/vitest.browser.config.ts',
      'apps/demo/vitest.browser.config.ts',
    ],
    // Vitest's default is one worker fewer than the cores: one on a 2-core CI machine, which left
    // a core idle for most of the run (the main process only waits on the workers). Two files at
    // a time keep both busy; the browser projects run beside them in Chromium.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: LongestFirst },
    passWithNoTests: true,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/results.json' },
  },
});
