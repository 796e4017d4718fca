// Generates the API reference (docs/reference/api/, not committed) from the TSDoc of the seven
// packages' sources with TypeDoc and typedoc-plugin-markdown; `pnpm docs:build` runs it before
// `vitepress build`. Options are in docs/typedoc.json.
//
// It is also the build's check of the doc comments: it prints how many exported symbols (and
// members of exported classes and interfaces) have no doc comment, and exits with status 1,
// naming each, when any has none, or when TypeDoc's validation (a {@link} to nothing, say)
// reports a problem. The pages are generated either way.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Application,
  Comment,
  Converter,
  ReflectionKind,
  TSConfigReader,
  TypeDocReader,
} from 'typedoc';

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
// Broken {@link} targets and the like, as the typedoc CLI checks them: with
// `treatValidationWarningsAsErrors` (typedoc.json) any warning they give fails the build.
const warningsBefore = app.logger.warningCount;
app.validate(project);
const invalid =
  app.logger.hasErrors() ||
  (app.options.getValue('treatValidationWarningsAsErrors') &&
    (app.logger.warningCount !== warningsBefore || app.logger.validationWarningCount !== 0));
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

// The gate: every exported symbol, and every member of an exported class or interface, has a doc
// comment (a summary; tags alone do not count). Members a class inherits from an exported class
// are that class's members; those it inherits from a base the packages do not export (ConvNd's
// `stride` on Conv1d, Conv2d and Conv3d) are counted once, under the first class that shows them.
// TypeDoc's own `validation.notDocumented` is not used: it takes a class whose only comment is
// its base class's for documented, reports an undocumented member once per class that inherits
// it, ignores the properties of inline parameter types, and accepts a comment of tags alone.
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
const summaryOf = (r) => Comment.combineDisplayParts(r.comment?.summary ?? []);
// TypeDoc gives a class or interface without a comment the comment of the one it extends
// (`Dropout` would read "Base class of layers and models..."): that is no doc of its own.
const baseOf = (r) =>
  r.kindOf(ReflectionKind.ClassOrInterface)
    ? (r.extendedTypes ?? []).find(
        (t) => t.reflection?.comment && summaryOf(t.reflection) === summaryOf(r),
      )
    : undefined;
const hasDoc = (r) =>
  (Boolean(r.comment?.summary.length) && !baseOf(r)) ||
  Boolean(r.signatures?.some((s) => s.comment?.summary.length)) ||
  Boolean((r.getSignature ?? r.setSignature)?.comment?.summary.length);
const declaredAs = (r) => {
  const id = project.getSymbolIdFromReflection(r);
  return id && `${id.fileName}:${id.qualifiedName}`;
};
const candidates = Object.values(project.reflections).filter(
  (r) => r.kindOf(documentable) && !r.flags.isExternal,
);
const own = candidates.filter((r) => !r.flags.isInherited);
const ownDeclarations = new Set(own.map(declaredAs));
const fromHiddenBase = new Map();
for (const r of candidates) {
  const declaration = declaredAs(r);
  if (!r.flags.isInherited || !declaration || ownDeclarations.has(declaration)) continue;
  if (!fromHiddenBase.has(declaration)) fromHiddenBase.set(declaration, r);
}
const symbols = [...own, ...fromHiddenBase.values()];
const undocumented = symbols.filter((r) => !hasDoc(r));
const topLevel = symbols.filter((r) => r.parent?.kindOf(ReflectionKind.Module));
const topUndocumented = topLevel.filter((r) => !hasDoc(r));
console.log(
  `api: ${topLevel.length} exported symbols, ${topUndocumented.length} without a doc comment; ` +
    `${symbols.length} with class and interface members, ${undocumented.length} without`,
);
const describe = (r) => {
  const base = baseOf(r);
  if (base) return `${r.getFullName()} (its only comment is the one of ${base.name})`;
  if (!r.flags.isInherited) return r.getFullName();
  return `${r.getFullName()} (declared in ${project.getSymbolIdFromReflection(r).qualifiedName})`;
};
if (undocumented.length) {
  console.error(
    `api: every exported symbol and member needs a doc comment in its package's source; ` +
      `${undocumented.length} lack one:`,
  );
  for (const r of undocumented) console.error(`  ${describe(r)}`);
}
if (invalid) console.error('api: TypeDoc found problems in the doc comments (above)');
if (undocumented.length || invalid) process.exit(1);
