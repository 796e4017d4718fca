// `pnpm --filter @stride/docs support`: rewrites docs/reference/data/support/<backend>.json from a
// run of the conformance suite on each backend, then the page made from them. The suites are the
// backends' own conformance tests (packages/backend-*/test/conformance.test.ts), each of which ends
// with `expectSupportFile` of @stride/backend-test-kit: a vitest file snapshot of what the suite
// found, which `vitest run -u` rewrites. The WebGPU suite runs on Dawn (SwiftShader without a GPU)
// and takes a few minutes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(docsDir, '..');

const vitest = spawnSync(
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--update',
    '--project',
    '@stride/backend-cpu',
    '--project',
    '@stride/backend-webgpu',
    'test/conformance.test.ts',
  ],
  { cwd: repoRoot, stdio: 'inherit' },
);
if (vitest.status !== 0) {
  console.error(
    'support: tests failed (above); a data file is rewritten only from a run where its ' +
      "backend's conformance suite passes",
  );
  process.exit(vitest.status ?? 1);
}
const page = spawnSync(process.execPath, [join(docsDir, 'scripts', 'support.mjs')], {
  stdio: 'inherit',
});
process.exit(page.status ?? 1);
