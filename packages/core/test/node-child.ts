import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Core's Node sources for child processes, which the tests start to kill them mid-save or to
 * run them as another user: a plain `node` cannot import TypeScript, so `entry` (a path under
 * packages/core/src) and every relative import it reaches are compiled to JavaScript under
 * `outDir`, keeping the layout. Returns the compiled entry's path.
 */
export async function compileForChild(entry: string, outDir: string): Promise<string> {
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  const done = new Set<string>();
  const pending = [join(src, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const out = join(outDir, relative(src, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, outputText);
    // Type-only imports are gone from the output, so only what runs is followed.
    for (const [, spec] of outputText.matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)\.js'/g)) {
      pending.push(join(dirname(file), `${spec}.ts`));
    }
  }
  return join(outDir, entry.replace(/\.ts$/, '.js'));
}
