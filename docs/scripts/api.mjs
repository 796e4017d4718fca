// Generates the API reference (docs/reference/api/, not committed) from the TSDoc of the seven
// packages' sources with TypeDoc and typedoc-plugin-markdown; `pnpm docs:build` runs it before
// `vitepress build`. Options are in docs/typedoc.json.
//
// It is also the build's check of the doc comments: it prints how many exported symbols (and
// members of exported classes and interfaces) have no doc comment, and exits with status 1,
// naming each, when any has none, or when TypeDoc's validation (a {@link} to nothing, say)
// reports a problem. The pages are generated either way.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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

// Members a class or interface inherits are shown on its page only when the reader has nowhere
// else to read them: those declared in a class or interface of the reference (Module's `eval` on
// Conv2d, Backend's kernels on CpuBackend) are left on that declaration's entry, and those declared
// outside the packages (Error's `stackTraceLimit` on StrideError, Node's docs) are not shown. The
// members of a base the packages do not export (ConvNd's `stride` on Conv1d) stay on every class
// that inherits them. Done before TypeDoc groups the members (GroupPlugin, priority -100) and
// resolves the {@link}s (-300), so a link to a hidden member fails the validation below.
const declaredAs = (project, r) => {
  const id = project.getSymbolIdFromReflection(r);
  return id && `${id.fileName}:${id.qualifiedName}`;
};
/** Per class whose base is not exported: the documented classes it inherits members from. */
const documentedAncestors = new Map();
app.converter.on(
  Converter.EVENT_RESOLVE_END,
  (context) => {
    const project = context.project;
    const all = Object.values(project.reflections);
    const declarations = new Map();
    for (const r of all) {
      const declaration = !r.flags.isInherited && declaredAs(project, r);
      if (declaration && r.kindOf(ReflectionKind.SomeMember)) declarations.set(declaration, r);
    }
    for (const r of all) {
      if (!r.flags.isInherited || !r.kindOf(ReflectionKind.SomeMember)) continue;
      const id = project.getSymbolIdFromReflection(r);
      const outside = r.flags.isExternal || !id?.packageName.startsWith('@stride/');
      const documented = id && declarations.get(`${id.fileName}:${id.qualifiedName}`);
      if (!outside && !documented) continue;
      const owner = r.parent;
      const base = owner?.extendedTypes?.[0];
      if (documented && base && !base.reflection && documented.parent !== owner) {
        if (!documentedAncestors.has(owner)) documentedAncestors.set(owner, new Set());
        documentedAncestors.get(owner).add(documented.parent);
      }
      project.removeReflection(r);
    }
  },
  -50,
);

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

// A class whose base is not exported reads "Extends `ConvNd`": name the documented class the
// base extends, whose members (hidden above) apply, with the link the page already uses for it.
const escapeName = (name) => name.replace(/[$]/g, '\\$&');
const ancestorNotes = new Map();
for (const [owner, ancestors] of documentedAncestors) {
  const page = `${owner.parent.name}.md`;
  if (!ancestorNotes.has(page)) ancestorNotes.set(page, []);
  ancestorNotes.get(page).push({
    name: owner.name,
    base: owner.extendedTypes[0].name,
    ancestors: [...ancestors].map((a) => a.name).sort(),
  });
}
const noteAncestors = (text, notes) => {
  for (const { name, base, ancestors } of notes) {
    const heading = new RegExp(`^### (?:\`abstract\` )?${escapeName(name)}$`, 'm').exec(text);
    if (!heading) continue;
    const item = `#### Extends\n\n- \`${base}\`\n`;
    const at = text.indexOf(item, heading.index);
    if (at < 0) continue;
    const links = ancestors.map((a) => {
      const link = new RegExp(`\\[\`${escapeName(a)}\`\\]\\([^)\\s]+\\)`).exec(text);
      return link ? link[0] : `\`${a}\``;
    });
    const line = `- \`${base}\` (not exported), which extends ${links.join(' and ')}\n`;
    text = text.slice(0, at) + item.replace(/- .*\n$/, line) + text.slice(at + item.length);
  }
  return text;
};

// Every page gets the class `api-reference` (the theme's style.css keeps its code blocks inside
// the column on a phone). ```js examples of doc comments are shown, never run: the docs'
// code-block test skips ```js no-run blocks.
for (const entry of readdirSync(staging, { recursive: true })) {
  const file = join(staging, String(entry));
  if (!file.endsWith('.md')) continue;
  let text = readFileSync(file, 'utf8');
  const notes = ancestorNotes.get(String(entry).replaceAll('\\', '/'));
  if (notes) text = noteAncestors(text, notes);
  text = text.replace(/^```js$/gm, '```js no-run');
  writeFileSync(file, `---\npageClass: api-reference\n---\n\n${text}`);
}
// The index lists the packages in the order a reader meets them, each with its package.json
// description (TypeDoc's own lists them alphabetically, under a repeated "API" title).
const packageOrder = [
  'core',
  'backend-cpu',
  'backend-webgpu',
  'layers',
  'optimizers',
  'datasets',
  'equivariant',
  'onnx',
  'pytorch',
  'backend-test-kit',
];
const documented = project.getChildrenByKind(ReflectionKind.Module).map((m) => m.name);
const listed = packageOrder.map((name) => `@stride/${name}`);
const unlisted = documented.filter((name) => !listed.includes(name));
if (unlisted.length || listed.some((name) => !documented.includes(name))) {
  console.error(`api: packageOrder (scripts/api.mjs) does not match the entry points: ${unlisted}`);
  process.exit(1);
}
const index = [
  '# API reference',
  '',
  "Generated from the doc comments of the packages' sources. Each page documents one package's",
  'exports; the guides show how they fit together.',
  '',
  ...packageOrder.map((name) => {
    const { description } = JSON.parse(
      readFileSync(join('..', 'packages', name, 'package.json'), 'utf8'),
    );
    // A package that exports a namespace (`init` of @stride/layers) is a folder with its index.
    const page = existsSync(join(staging, '@stride', `${name}.md`))
      ? `@stride/${name}.md`
      : `@stride/${name}/index.md`;
    return `- [@stride/${name}](${page}): ${description}.`;
  }),
  '',
].join('\n');
writeFileSync(join(staging, 'index.md'), `---\npageClass: api-reference\n---\n\n${index}`);
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
const candidates = Object.values(project.reflections).filter(
  (r) => r.kindOf(documentable) && !r.flags.isExternal,
);
const own = candidates.filter((r) => !r.flags.isInherited);
const ownDeclarations = new Set(own.map((r) => declaredAs(project, r)));
const fromHiddenBase = new Map();
for (const r of candidates) {
  const declaration = declaredAs(project, r);
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
