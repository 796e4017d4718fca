import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type Command, examplesDir, installExample, run, tarballs } from './consumer.js';

// examples/size-budget: size-limit measures, from the packages as npm installs them, the gzip
// size of a minimal browser bundle (minified by esbuild) and of each package's published
// JavaScript, against the budgets committed in its .size-limit.json.

interface Check {
  name: string;
  passed: boolean;
  size: number;
  sizeLimit: number;
}

let example: ReturnType<typeof installExample>;
let result: Command;
let checks: Check[];
beforeAll(() => {
  example = installExample('size-budget', inject('packsDir'));
  result = run('node', ['node_modules/size-limit/bin.js', '--json'], example.dir);
  try {
    checks = JSON.parse(result.output.slice(result.output.indexOf('[')));
  } catch {
    throw new Error(`size-limit did not report its checks:\n${result.output}`);
  }
  console.log(
    checks
      .map((c) => `${c.name.padEnd(40)} ${kB(c.size).padStart(10)} of ${kB(c.sizeLimit)}`)
      .join('\n'),
  );
});
afterAll(() => example?.dispose());

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(2)} kB`;

test('size-budget: the minimal bundle and every package stay within their gzip budgets', () => {
  // Every published package has a budget, so a new one cannot slip in unmeasured.
  const names = checks.map((c) => c.name);
  for (const pkg of tarballs(inject('packsDir')).keys()) expect(names).toContain(pkg);
  // A glob that matched nothing, or an empty bundle, would pass any budget.
  for (const c of checks) expect(c.size, c.name).toBeGreaterThan(1000);

  const over = checks
    .filter((c) => c.size > c.sizeLimit)
    .map((c) => {
      const excess = c.size - c.sizeLimit;
      const percent = ((100 * excess) / c.sizeLimit).toFixed(1);
      return `${c.name}: ${kB(c.size)}, ${kB(excess)} (${percent}%) over its ${kB(c.sizeLimit)} budget`;
    });
  expect(over, 'raise a limit in examples/size-budget/.size-limit.json only on purpose').toEqual(
    [],
  );
  expect(result.status, result.output).toBe(0);
});

test('size-budget: each budget is at most 15% above its measured size, so growth is noticed', () => {
  const budgets = JSON.parse(
    readFileSync(join(examplesDir, 'size-budget/.size-limit.json'), 'utf8'),
  ) as { name: string }[];
  expect(checks.map((c) => c.name)).toEqual(budgets.map((b) => b.name));
  // A limit far above the size would let a package grow unnoticed: when one shrinks, its budget
  // comes down with it.
  const loose = checks
    .filter((c) => c.sizeLimit > c.size * 1.15)
    .map((c) => `${c.name}: budget ${kB(c.sizeLimit)} for ${kB(c.size)}`);
  expect(loose, 'lower these limits in examples/size-budget/.size-limit.json').toEqual([]);
});
