import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, inject, test } from 'vitest';
import { installExample, runAsync } from './consumer.js';

// examples/node-ts: a strict TypeScript project on Node (nodenext resolution, no DOM, no
// skipLibCheck) that imports every package. It is type-checked with both TypeScript majors a
// user may have; the project installs 6.x as `typescript` and 5.9 under an npm alias.
let example: ReturnType<typeof installExample>;
beforeAll(() => {
  example = installExample('node-ts', inject('packsDir'));
});
afterAll(() => example?.dispose());

/**
 * The errors type-errors/wrong-arguments.ts must produce: the call on the line, the error code
 * and the Stride type the message must name (an unresolved type, i.e. `any`, accepts the call).
 */
const EXPECTED = [
  { call: "registerBackend('cpu')", code: 'TS2345', names: "'Backend<unknown> | BackendPlugin'" },
  { call: 'conv2d(tensor(', code: 'TS2345', names: "parameter of type 'Tensor'" },
  { call: "new LeNet5({ variant: 'resnet' })", code: 'TS2322', names: '"modern" | "classic"' },
  { call: 'new SGD(new LeNet5()', code: 'TS2345', names: "'Params<SGDHyper>'" },
  { call: "cpu({ kernels: 'cuda' })", code: 'TS2322', names: '"auto" | "wasm" | "js"' },
];

const COMPILERS = [
  { version: /^Version 6\./, tsc: 'node_modules/typescript/bin/tsc' },
  { version: /^Version 5\.9\./, tsc: 'node_modules/typescript-5.9/bin/tsc' },
];

// Concurrent: the two compilers run side by side, each on its own core.
test.concurrent.for(COMPILERS)(
  'node-ts: every package type-checks strictly, and wrong calls are rejected ($tsc)',
  async ({ version, tsc }, { expect }) => {
    const v = await runAsync('node', [tsc, '--version'], example.dir);
    expect(v.output.trim()).toMatch(version);

    // One run covers both halves: tsconfig.errors.json is the project (src/) plus type-errors/.
    // Any diagnostic other than the expected ones (in src/, or in a package's .d.ts such as a
    // missing `GPUDevice`) fails the test, so src/ and the packages' types are clean.
    const r = await runAsync('node', [tsc, '-p', 'tsconfig.errors.json'], example.dir);
    const diagnostics = [...r.output.matchAll(/^(\S+)\((\d+),\d+\): error (TS\d+): (.*)$/gm)];
    const lines = readFileSync(join(example.dir, 'type-errors/wrong-arguments.ts'), 'utf8').split(
      '\n',
    );
    const expected = EXPECTED.map(({ call, code }) => {
      const line = lines.findIndex((l) => l.includes(call)) + 1;
      expect(line, call).toBeGreaterThan(0);
      return `type-errors/wrong-arguments.ts:${line} ${code}`;
    });
    expect(
      diagnostics.map(([, file, line, code]) => `${file}:${line} ${code}`),
      r.output,
    ).toEqual(expected);
    for (const [i, { names }] of EXPECTED.entries()) expect(diagnostics[i]?.[4]).toContain(names);
    expect(r.status).toBe(2); // errors reported, nothing else went wrong
  },
);
