// Generates docs/reference/support.md (not committed) from docs/reference/data/support/*.json,
// one file per backend: what the conformance suite of @stride/backend-test-kit found for it, op
// by op and kernel by kernel. Each backend's conformance tests compare their run with that file
// (`expectSupportFile` of the kit) and fail when it no longer says what they found;
// `pnpm --filter @stride/docs support` (scripts/support-data.mjs) runs them to rewrite it.
// `pnpm docs:build` and `pnpm run docs` run this script before VitePress.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { esc } from './markdown.mjs';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
export const dataDir = join(docsDir, 'reference', 'data', 'support');
export const pagePath = join(docsDir, 'reference', 'support.md');

/** The backends Stride ships, in the order of the table; a data file of another comes after. */
const BACKENDS = [
  { name: 'cpu', title: 'CPU', package: '@stride/backend-cpu' },
  { name: 'webgpu', title: 'WebGPU', package: '@stride/backend-webgpu' },
];

/** The fixture files of the kit, as the groups of the ops table (in this order). */
export const OP_GROUPS = {
  conv: 'Convolution',
  transpose: 'Transposed convolution',
  pool: 'Pooling',
  resample: 'Resampling',
  activation: 'Activations',
  norm: 'Batch normalisation',
  normalization: 'Layer, group and instance normalisation, adaptive max pooling',
  loss: 'Losses',
  reduce: 'Reductions',
  indexing: 'Indexing and sorting',
  matmul: 'Matrix multiplication',
  pad: 'Padding',
};

/** The kernels of the backend contract (`Backend` of @stride/core) by group, in this order. */
export const KERNEL_GROUPS = {
  Storage: ['upload', 'read', 'readSync', 'free', 'storageStats'],
  Creation: ['fill', 'random'],
  'Element-wise': ['unary', 'binary', 'where', 'cast'],
  Reductions: ['reduce', 'softmax'],
  'Matrix multiplication': ['matmul'],
  'Layout and indexing': ['strided', 'stridedWrite', 'concat', 'gather', 'scatterAdd'],
  Convolution: ['conv', 'convBackwardInput', 'convBackwardFilter', 'convBias', 'convBiasRelu'],
  Pooling: ['maxPool', 'maxPoolValues', 'maxPoolBackward', 'avgPool', 'avgPoolBackward'],
  'Fused (optional)': [
    'reluBackward',
    'adamStep',
    'sgdStep',
    'crossEntropy',
    'crossEntropyBackward',
  ],
  'Sorting (optional)': ['sort'],
};

/** Reads every backend's data file: `[{ name, title, package, support }]`, Stride's first. */
export function loadSupport(dir = dataDir) {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));
  const known = BACKENDS.filter((b) => names.includes(b.name));
  const others = names
    .filter((n) => !BACKENDS.some((b) => b.name === n))
    .sort()
    .map((name) => ({ name, title: name, package: null }));
  return [...known, ...others].map((b) => ({
    ...b,
    support: JSON.parse(readFileSync(join(dir, `${b.name}.json`), 'utf8')),
  }));
}

/** Numbers each distinct reason once over the page, for the notes under each table. */
class Notes {
  constructor() {
    this.numbers = new Map();
    this.pending = [];
  }
  /** The note numbers of `reasons`, as one superscript. */
  mark(reasons) {
    const ns = reasons.map((reason) => {
      if (!this.numbers.has(reason)) this.numbers.set(reason, this.numbers.size + 1);
      const n = this.numbers.get(reason);
      if (!this.pending.includes(n)) this.pending.push(n);
      return n;
    });
    return ns.length ? `<sup>${ns.join(', ')}</sup>` : '';
  }
  /** The notes the tables since the last flush referred to, as a list. */
  flush() {
    const byNumber = new Map([...this.numbers].map(([reason, n]) => [n, reason]));
    const lines = this.pending
      .sort((a, b) => a - b)
      .map((n) => `<sup>${n}</sup> ${esc(capitalised(byNumber.get(n)))}.`);
    this.pending = [];
    return lines.length ? `${lines.join('<br>\n')}\n\n` : '';
  }
}

const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

const total = (c) =>
  c.passed +
  (c.failed ?? 0) +
  (c.notRun ?? 0) +
  Object.values(c.skipped ?? {}).reduce((a, b) => a + b, 0);

/**
 * One count as a cell: ✓ when every test passed, — with its reasons when the backend lacks what
 * they need, and the numbers when it is a mix.
 */
export function statusOf(count, notes) {
  if (!count) return '';
  const n = total(count);
  const skipped = Object.entries(count.skipped ?? {});
  const skippedN = skipped.reduce((a, [, k]) => a + k, 0);
  const marks = notes.mark(skipped.map(([reason]) => reason));
  const parts = [];
  if (count.failed) parts.push(`✗ ${count.failed} of ${n} fail`);
  if (count.passed === n) return '✓';
  if (skippedN === n) return `—${marks}`;
  if (count.passed > 0) parts.push(`✓ ${count.passed} of ${n}`);
  if (skippedN > 0) parts.push(`— ${skippedN}${marks}`);
  if (count.notRun) parts.push(`${count.notRun} not run`);
  return parts.join(', ');
}

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The case counts of a row, from the first backend that has it. */
function casesOf(counts, describe) {
  const first = counts.find(Boolean);
  return first ? describe(first) : '';
}

function opsSection(backends, notes) {
  const ops = new Map();
  for (const b of backends) {
    for (const [op, o] of Object.entries(b.support.ops)) {
      if (!ops.has(op)) ops.set(op, o.group);
    }
  }
  const groups = [...new Set([...Object.keys(OP_GROUPS), ...ops.values()])];
  const out = [
    '## Operations',
    '',
    'Every op below is run through the public API on each backend: its values and gradients',
    'against those PyTorch computes for the same inputs (the golden fixtures, float32), and its',
    'gradients against finite differences in float64 (the gradcheck grid) on backends that store',
    'float64. A backend runs an op in every dtype it stores; the table says which dtypes the suite',
    'checks it in.',
    '',
  ];
  for (const group of groups) {
    const names = [...ops].filter(([, g]) => g === group).map(([op]) => op);
    if (names.length === 0) continue;
    out.push(`### ${OP_GROUPS[group] ?? group}`, '');
    const rows = names.map((op) => {
      const per = backends.map((b) => b.support.ops[op]);
      const dtypes = [...new Set(per.flatMap((o) => Object.keys(o?.dtypes ?? {})))];
      const cases = dtypes
        .map((d) => {
          const n = casesOf(
            per.map((o) => o?.dtypes[d]),
            (c) => total(c),
          );
          return d === 'float64' ? plural(n, 'gradcheck') : `${n} against PyTorch`;
        })
        .join(', ');
      const cells = per.map((o) =>
        dtypes
          .map((d) => (o?.dtypes[d] ? `${d}&nbsp;${statusOf(o.dtypes[d], notes)}` : ''))
          .filter(Boolean)
          .join('<br>'),
      );
      return [`\`${op}\``, cases, ...cells];
    });
    out.push(table(['Op', 'Checked by', ...backends.map((b) => b.title)], rows));
    const flushed = notes.flush();
    if (flushed) out.push(flushed);
  }
  return out.join('\n');
}

function kernelsSection(backends, notes) {
  const kernels = [...new Set(backends.flatMap((b) => Object.keys(b.support.kernels)))];
  const grouped = Object.values(KERNEL_GROUPS).flat();
  const groups = { ...KERNEL_GROUPS };
  const others = kernels.filter((k) => !grouped.includes(k));
  if (others.length) groups.Other = others;
  const rows = [];
  for (const [group, names] of Object.entries(groups)) {
    for (const k of names.filter((n) => kernels.includes(n))) {
      const per = backends.map((b) => b.support.kernels[k]);
      const checks = casesOf(per, (c) => plural(total(c), 'check'));
      rows.push([group, `\`${k}\``, checks, ...per.map((c) => statusOf(c, notes))]);
    }
  }
  // The group is named on its first row only.
  for (let i = rows.length - 1; i > 0; i--) if (rows[i][0] === rows[i - 1][0]) rows[i][0] = '';
  return [
    '## Kernels',
    '',
    'The kernels are what a backend implements (the `Backend` interface of `@stride/core`): each',
    'is called directly with small inputs and compared with a plain TypeScript reference. The',
    'optional ones may be left out, except that a backend needs `readSync` or `checkIndices` (how',
    'index values are checked): core computes the same results from the required kernels, so every',
    'op above still runs.',
    '',
    table(['Group', 'Kernel', 'Checked by', ...backends.map((b) => b.title)], rows),
    notes.flush(),
  ].join('\n');
}

function othersSection(backends, notes) {
  const fns = [...new Set(backends.flatMap((b) => Object.keys(b.support.errors)))];
  const same = fns.filter((fn) =>
    backends.every((b) => {
      const c = b.support.errors[fn];
      return c && c.passed === total(c);
    }),
  );
  const differing = fns.filter((fn) => !same.includes(fn));
  const rows = [
    [
      'Bad inputs throw a `StrideError` naming the function and the offending shapes or values',
      casesOf(
        backends.map((b) => b.support.errors),
        (errors) =>
          plural(
            Object.values(errors).reduce((a, c) => a + total(c), 0),
            'case',
          ),
      ),
      ...backends.map((b) => {
        const all = Object.values(b.support.errors);
        return statusOf(
          all.reduce(
            (acc, c) => {
              acc.passed += c.passed;
              if (c.failed) acc.failed = (acc.failed ?? 0) + c.failed;
              if (c.notRun) acc.notRun = (acc.notRun ?? 0) + c.notRun;
              for (const [r, n] of Object.entries(c.skipped ?? {})) {
                acc.skipped ??= {};
                acc.skipped[r] = (acc.skipped[r] ?? 0) + n;
              }
              return acc;
            },
            { passed: 0 },
          ),
          notes,
        );
      }),
    ],
    ...differing.map((fn) => [
      `… of \`${fn}\``,
      casesOf(
        backends.map((b) => b.support.errors[fn]),
        (c) => plural(total(c), 'case'),
      ),
      ...backends.map((b) => statusOf(b.support.errors[fn], notes)),
    ]),
    [
      'Random streams, dtype round trips, data reads, `memory()`',
      casesOf(
        backends.map((b) => b.support.backend),
        (c) => plural(total(c), 'check'),
      ),
      ...backends.map((b) => statusOf(b.support.backend, notes)),
    ],
    [
      '`storageStats()` stays flat over a short training loop',
      casesOf(
        backends.map((b) => b.support.storages),
        (c) => plural(total(c), 'check'),
      ),
      ...backends.map((b) => statusOf(b.support.storages, notes)),
    ],
  ];
  return [
    '## Errors, data and memory',
    '',
    table(['Checks', 'Checked by', ...backends.map((b) => b.title)], rows),
    notes.flush(),
    same.length
      ? `Functions whose bad inputs every backend rejects in every case: ${same.map((f) => `\`${f}\``).join(', ')}.\n`
      : '',
  ].join('\n');
}

/** The page, from `loadSupport()`'s backends. */
export function renderSupport(backends) {
  const notes = new Notes();
  const packages = backends.filter((b) => b.package).map((b) => `\`${b.package}\``);
  return [
    '# Support by backend',
    '',
    '<!-- Generated by docs/scripts/support.mjs from docs/reference/data/support/*.json. -->',
    '',
    `What each backend runs, as the conformance suite of \`@stride/backend-test-kit\` finds it. The`,
    `suite is the same for every backend, and each of ${packages.join(' and ') || 'them'} runs it`,
    'in its own tests, which also check that this page says what they found.',
    '',
    '✓: every check passed. —: not supported; the note under the table says what the backend',
    'lacks. “✓ 3 of 4, — 1” counts the checks that passed and those the backend cannot run.',
    '',
    opsSection(backends, notes),
    kernelsSection(backends, notes),
    othersSection(backends, notes),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const backends = loadSupport();
  writeFileSync(pagePath, renderSupport(backends));
  console.log(`support: reference/support.md from ${backends.map((b) => b.name).join(', ')}`);
}
