import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { installExample, run } from './consumer.js';

// examples/backend-plugin as its author works on it: a third-party backend in its own project,
// installed from the tarballs, whose `npm test` runs the conformance kit with its own vitest.
let example: ReturnType<typeof installExample>;
beforeAll(() => {
  example = installExample('backend-plugin', inject('packsDir'));
});
afterAll(() => example?.dispose());

test('backend-plugin: its npm test passes the whole conformance suite', () => {
  // The variables vitest sets for its own workers would mislead the example's vitest (undefined
  // leaves them out); without colours its summary can be read.
  const unset = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('VITEST') || ['TEST', 'NODE_ENV', 'FORCE_COLOR'].includes(k))
      .map((k) => [k, undefined]),
  );
  const r = run('npm', ['test'], example.dir, { ...unset, NO_COLOR: '1' });
  expect(r.status, r.output).toBe(0);
  // The suite really ran: hundreds of conformance tests, none failed or skipped.
  const passed = Number(/Tests\s+(\d+) passed/.exec(r.output)?.[1] ?? 0);
  expect(passed, r.output).toBeGreaterThan(500);
  expect(r.output).not.toMatch(/\d+ (failed|skipped)/);
});
