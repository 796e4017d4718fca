// Prints, as JSON, the names of the shipped kernels' functions by index, for reading CPU
// profiles, where V8 shows a function of a binary without names as `wasm-function[index]`:
// { "relaxedShared": { "12": "assembly/gemm/multiplyPanels", ... }, "simdShared": { ... } }.
// The shipped binaries carry no names (they would cost bytes), so each variant is compiled once
// more with a name section, and its code must equal the shipped code byte for byte (else the
// binaries are stale: run build-wasm.mjs).
//
//   node packages/backend-cpu/scripts/wasm-names.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileVariant } from './compile-wasm.mjs';
import { sourceDir } from './source-hash.mjs';

const CODE = 10;
const CUSTOM = 0;

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/** The module's sections in order, as { id, body }. */
function sections(bytes) {
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    out.push({ id, body: bytes.subarray(body, body + size) });
    at = body + size;
  }
  return out;
}

/** Function names from the `name` custom section's function subsection (id 1). */
function functionNames(bytes) {
  const names = {};
  for (const { id, body } of sections(bytes)) {
    if (id !== CUSTOM) continue;
    let [length, at] = leb(body, 0);
    if (new TextDecoder().decode(body.subarray(at, at + length)) !== 'name') continue;
    at += length;
    while (at < body.length) {
      const sub = body[at];
      const [size, start] = leb(body, at + 1);
      if (sub === 1) {
        let [count, p] = leb(body, start);
        for (let i = 0; i < count; i++) {
          const [index, q] = leb(body, p);
          const [len, r] = leb(body, q);
          names[index] = new TextDecoder().decode(body.subarray(r, r + len));
          p = r + len;
        }
      }
      at = start + size;
    }
  }
  return names;
}

const code = (bytes) => sections(bytes).find((s) => s.id === CODE)?.body;
const generated = readFileSync(join(sourceDir, '..', 'src/wasm/binaries.generated.ts'), 'utf8');
const result = {};
for (const relaxed of [true, false]) {
  const variant = `${relaxed ? 'relaxed' : 'simd'}Shared`;
  const shipped = new RegExp(`export const ${variant}: string = '([^']*)'`).exec(generated)?.[1];
  if (!shipped) throw new Error(`no ${variant} in binaries.generated.ts`);
  const named = await compileVariant({ relaxed, shared: true, names: true });
  if (Buffer.compare(code(Buffer.from(shipped, 'base64')), code(named)) !== 0) {
    throw new Error(`the shipped ${variant} is stale: run scripts/build-wasm.mjs`);
  }
  result[variant] = functionNames(named);
}
console.log(JSON.stringify(result));
