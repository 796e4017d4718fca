// Generates the API reference (docs/reference/api/, not committed) from the TSDoc of the seven
// packages' sources with TypeDoc and typedoc-plugin-markdown; `pnpm docs:build` runs it before
// `vitepress build`. Options are in docs/typedoc.json. It prints how many exported symbols have
// no doc comment (`--list-undocumented` names them).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter, ReflectionKind, TSConfigReader, TypeDocReader } from 'typedoc';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
process.chdir(docsDir);
// Written beside the cache, then swapped in at once: the pages never exist half-written for a
// test (or `vitepress dev`) that reads docs/ meanwhile.
const staging = '.vitepress/cache/api';
rmSync(staging, { recursive: true, force: true });
mkdirSync('.vitepress/cache', { recursive: true });

const app = await Application.bootstrapWithPlugins({ options: 'typedoc.json', out: staging }, [
  new TypeDocReader(),
  new TSConfigReader(),
]);

// Entry points are named after their folder ("core/src"); name each after its package.
app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
  for (const mod of context.project.getChildrenByKind(ReflectionKind.Module)) {
    mod.name = `@stride/${mod.name.replace(/\/src$/, '')}`;
  }
});

const project = await app.convert();
if (!project) {
  console.error('api: TypeDoc could not convert the packages');
  process.exit(1);
}
await app.generateOutputs(project);

// Examples inherited from other declarations (Node's Error.captureStackTrace on StrideError) are
// shown, never run: the docs' code-block test skips ```js no-run blocks.
for (const entry of readdirSync(staging, { recursive: true })) {
  const file = join(staging, String(entry));
  if (!file.endsWith('.md')) continue;
  const text = readFileSync(file, 'utf8');
  if (/^```js$/m.test(text)) writeFileSync(file, text.replace(/^```js$/gm, '```js no-run'));
}
rmSync('reference/api', { recursive: true, force: true });
renameSync(staging, 'reference/api');

// Exported symbols (and the members of exported classes and interfaces) without a doc comment.
const documentable =
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.Function |
  ReflectionKind.Variable |
  ReflectionKind.TypeAlias |
  ReflectionKind.Enum |
  ReflectionKind.Method |
  ReflectionKind.Property |
  ReflectionKind.Accessor;
const hasDoc = (r) =>
  Boolean(r.comment?.summary.length) ||
  Boolean(r.signatures?.some((s) => s.comment?.summary.length)) ||
  Boolean(r.getSignature?.comment?.summary.length);
const symbols = Object.values(project.reflections).filter(
  (r) => r.kindOf(documentable) && !r.flags.isExternal && !r.flags.isInherited,
);
const undocumented = symbols.filter((r) => !hasDoc(r));
const topLevel = symbols.filter((r) => r.parent?.kindOf(ReflectionKind.Module));
const topUndocumented = topLevel.filter((r) => !hasDoc(r));
console.log(
  `api: ${topLevel.length} exported symbols, ${topUndocumented.length} without a doc comment; ` +
    `${symbols.length} with class and interface members, ${undocumented.length} without`,
);
if (process.argv.includes('--list-undocumented')) {
  for (const r of undocumented) console.log(`  ${r.getFullName()}`);
}
