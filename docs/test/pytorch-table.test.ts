import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpu } from '@stride/backend-cpu';
import { registerBackend, setBackend, tensor } from '@stride/core';
import { DataLoader, tensorDataset } from '@stride/datasets';
import { Linear, Sequential } from '@stride/layers';
import { SGD, StepLR } from '@stride/optimizers';
import { beforeAll, describe, expect, it } from 'vitest';

// reference/pytorch.md pairs PyTorch's names with Stride's. Every name in its Stride column must
// be what the Package column says, so that a rename fails here rather than on the page:
// - `name`, `new Name(…)`: a runtime export of the package;
// - `x.member`, `model.member`, `optimizer.member`, `scheduler.member`, `loader.member`: a member
//   of a tensor, a module, an optimizer, a scheduler or a data loader; `model(x)`: a call of one;
// - `space.name`: a member of a namespace the package exports (`init.zeros`);
// - under "Argument names", `name` is declared in the package's sources as an option or a
//   parameter, and `'value'` is written there as a string.
// A row whose Stride column is `—` says Stride has no such thing: the last part of each PyTorch
// name in it (and its camelCase) must then be exported by no package, so that adding one fails
// here until the table says so.

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(docsDir, '..');
const page = readFileSync(join(docsDir, 'reference', 'pytorch.md'), 'utf8');

interface Row {
  readonly section: string;
  readonly pytorch: string;
  readonly stride: string;
  readonly pkg: string;
  readonly line: number;
}

/** The rows of every table of the page, with the `## ` section each is under. */
function rows(text: string): Row[] {
  const out: Row[] = [];
  let section = '';
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (!line.startsWith('|')) return;
    const cells = line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
    if (cells[0] === 'PyTorch' || /^-+$/.test(cells[0] ?? '')) return;
    const [pytorch = '', stride = '', pkg = ''] = cells;
    out.push({ section, pytorch, stride, pkg, line: i + 1 });
  });
  return out;
}

const spans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
const camel = (name: string): string =>
  name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The package's sources: every .ts file under its src/ folder. */
const sources = new Map<string, string>();
function sourceOf(pkg: string): string {
  const dir = join(repoRoot, 'packages', pkg.replace(/^@stride\//, '').replace(/\/.*$/, ''), 'src');
  let text = sources.get(dir);
  if (text === undefined) {
    text = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    sources.set(dir, text);
  }
  return text;
}

const PACKAGES = [
  '@stride/core',
  '@stride/core/node',
  '@stride/layers',
  '@stride/optimizers',
  '@stride/datasets',
] as const;
const modules = new Map<string, Record<string, unknown>>();
const receivers: Record<string, object> = {};

beforeAll(async () => {
  for (const p of PACKAGES) modules.set(p, await import(/* @vite-ignore */ p));
  registerBackend(cpu({ threads: 1 }));
  await setBackend('cpu');
  const model = new Sequential(new Linear(2, 2));
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const x = tensor([[1.5, 2]]);
  receivers.x = x;
  receivers.model = model;
  receivers.optimizer = optimizer;
  receivers.scheduler = new StepLR(optimizer, { stepSize: 1 });
  receivers.loader = new DataLoader(await tensorDataset(x, tensor([0], { dtype: 'int32' })), {
    batchSize: 1,
  });
});

/** Why `span` (in the Stride column of `row`) is not what the row says, or null. */
function problem(row: Row, span: string): string | null {
  const at = `pytorch.md:${row.line}: \`${span}\``;
  const receiver = /^([a-z]+)\.([A-Za-z_$][\w$]*)/.exec(span);
  if (receiver) {
    const [, name = '', member = ''] = receiver;
    // A namespace the package exports (`init.zeros`), or one of the receivers above.
    const namespace = modules.get(row.pkg)?.[name];
    const object = receivers[name] ?? (typeof namespace === 'object' ? namespace : undefined);
    if (!object) return `${at}: no receiver named ${name} (x, model, optimizer, scheduler, loader)`;
    return member in object ? null : `${at}: ${name} has no member ${member}`;
  }
  // A receiver called as a function: `model(x)`.
  const called = /^([a-z]+)\(/.exec(span)?.[1];
  if (called && called in receivers) {
    return typeof receivers[called] === 'function' ? null : `${at}: ${called} cannot be called`;
  }
  const literal = /^'([^']*)'$/.exec(span);
  if (literal) {
    return sourceOf(row.pkg).includes(`'${literal[1]}'`)
      ? null
      : `${at}: '${literal[1]}' is nowhere in ${row.pkg}'s sources`;
  }
  const name = /^(?:new |await )?([A-Za-z_$][\w$]*)/.exec(span)?.[1];
  if (!name) return `${at}: not a name`;
  if (row.section === 'Argument names') {
    const declared = new RegExp(`(?<!(?:const|let|var) )\\b${name}\\??\\s*[:=]`);
    return declared.test(sourceOf(row.pkg))
      ? null
      : `${at}: ${row.pkg} declares no option or parameter ${name}`;
  }
  const exports = modules.get(row.pkg);
  if (!exports) return `${at}: ${row.pkg} is not one of ${PACKAGES.join(', ')}`;
  return name in exports ? null : `${at}: ${row.pkg} exports no ${name}`;
}

/** Whether `name` is exported by a package, or (under Argument names) declared as an option. */
function exists(name: string, section: string): boolean {
  if (section === 'Argument names') {
    const declared = new RegExp(`\\b${name}\\??\\s*:`);
    return PACKAGES.some((p) => declared.test(sourceOf(p)));
  }
  return [...modules.values()].some((m) => name in m);
}

describe('reference/pytorch.md', () => {
  const table = rows(page);

  it('has tables of PyTorch | Stride | Package | Notes', () => {
    const headers = page.split('\n').filter((l) => l.startsWith('| PyTorch'));
    expect(headers.length).toBeGreaterThan(5);
    for (const h of headers) expect(h).toBe('| PyTorch | Stride | Package | Notes |');
    expect(table.length).toBeGreaterThan(100);
  });

  it('names in the Stride column are what the Package column says', () => {
    const problems: string[] = [];
    for (const row of table) {
      if (row.stride === '—') continue;
      const pkg = spans(row.pkg)[0];
      if (!pkg) {
        problems.push(`pytorch.md:${row.line}: no package for ${row.stride}`);
        continue;
      }
      const names = spans(row.stride);
      if (names.length === 0) problems.push(`pytorch.md:${row.line}: no name in ${row.stride}`);
      for (const span of names) {
        const p = problem({ ...row, pkg }, span);
        if (p) problems.push(p);
      }
    }
    expect(problems).toEqual([]);
  });

  it('what it says Stride lacks, no package has', () => {
    const missing = table.filter((r) => r.stride === '—');
    expect(missing.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const row of missing) {
      expect(row.pkg, `pytorch.md:${row.line}`).toBe('—');
      for (const span of spans(row.pytorch)) {
        const last =
          span
            .replace(/[(=[].*$/, '')
            .split('.')
            .at(-1) ?? '';
        for (const name of new Set([last, camel(last)])) {
          if (name && exists(name, row.section)) found.push(`pytorch.md:${row.line}: ${name}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
