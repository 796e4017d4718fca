import { describe, expect, it } from 'vitest';
import { jsBlocks, normalizeOutput } from './code-blocks.js';

const page = [
  '# A page', // 1
  '', // 2
  '```js', // 3
  "console.log('a');", // 4
  '```', // 5
  '', // 6
  '```text', // 7
  'a', // 8
  '```', // 9
  '```js no-run', // 10
  'fetch(url);', // 11
  '```', // 12
  'Some prose.', // 13
  '```text', // 14
  'not an output', // 15
  '```', // 16
  '```ts', // 17
  'const x: number = 1;', // 18
  '```', // 19
  '````js live', // 20
  '```', // 21
  '````', // 22
].join('\n');

describe('jsBlocks', () => {
  it('finds ```js blocks, their no-run and live marks and the ```text block right after them', () => {
    expect(jsBlocks(page, 'p.md')).toEqual([
      { where: 'p.md:3', code: "console.log('a');", skip: false, live: false, expected: 'a' },
      { where: 'p.md:10', code: 'fetch(url);', skip: true, live: false, expected: null },
      { where: 'p.md:20', code: '```', skip: false, live: true, expected: null },
    ]);
  });

  it('compares output without trailing spaces or trailing blank lines', () => {
    expect(normalizeOutput('a  \nb\t\n\n')).toBe('a\nb');
  });
});
