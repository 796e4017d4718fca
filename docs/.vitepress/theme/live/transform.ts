// A live example is written as an ES module, as a reader would write it in a file; the page runs
// it as the body of an async function instead, so that it can run again after an edit and see
// the packages the page has already loaded. This rewrites its `import` statements accordingly.

/** The packages a live example may import. */
export const livePackages = [
  '@stride/core',
  '@stride/backend-cpu',
  '@stride/backend-webgpu',
  '@stride/layers',
  '@stride/optimizers',
  '@stride/datasets',
  '@stride/equivariant',
  '@stride/onnx',
  '@stride/pytorch',
] as const;

const importStatement = /^[ \t]*import\s+([\s\S]*?)\s*from\s*(['"])([^'"]+)\2[ \t]*;?/gm;
const bareImport = /^[ \t]*import\s*(['"])([^'"]+)\1[ \t]*;?/gm;

/** `a, b as c` → `a, b: c` (an import list as a destructuring pattern). */
function destructure(names: string, where: string): string {
  return names
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0)
    .map((n) => {
      const m = /^(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(n);
      if (!m) throw new SyntaxError(`${where}: cannot read the imported name '${n}'`);
      return m[2] ? `${m[1]}: ${m[2]}` : (m[1] as string);
    })
    .join(', ');
}

/**
 * The body of an async function equivalent to the module `code`, whose imports read from a
 * `modules` object (package name → module namespace). Line numbers are kept, so an error's line
 * is the line the reader sees. Imports of anything but {@link livePackages} throw a SyntaxError.
 */
export function toFunctionBody(code: string, modules = 'modules'): string {
  const check = (from: string) => {
    if (!(livePackages as readonly string[]).includes(from)) {
      throw new SyntaxError(
        `import from '${from}': a live example can import only ${livePackages.join(', ')}`,
      );
    }
  };
  const body = code
    .replace(importStatement, (statement, clause: string, _q, from: string) => {
      check(from);
      const lines = '\n'.repeat((statement.match(/\n/g) ?? []).length);
      const target = `${modules}[${JSON.stringify(from)}]`;
      const ns = /^\*\s*as\s+([\w$]+)$/.exec(clause.trim());
      if (ns) return `const ${ns[1]} = ${target};${lines}`;
      const named = /^\{([\s\S]*)\}$/.exec(clause.trim());
      if (!named) {
        throw new SyntaxError(
          `import ${clause.trim()} from '${from}': the packages have no default export; import names in braces`,
        );
      }
      return `const { ${destructure(named[1] as string, `import from '${from}'`)} } = ${target};${lines}`;
    })
    .replace(bareImport, (_s, _q, from: string) => {
      check(from);
      return '';
    });
  return body;
}
