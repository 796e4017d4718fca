// Compiles the AssemblyScript kernels in assembly/ into one WebAssembly variant: relaxed SIMD or
// plain SIMD, shared memory (worker threads) or private. With `names`, the binary also carries a
// name section; the code itself is the same byte for byte, which wasm-names.mjs relies on.
import { join } from 'node:path';
import asc from 'assemblyscript/asc';
import { sourceDir } from './source-hash.mjs';

// 2 GiB: every address fits in a positive i32, and a shared memory must declare its maximum.
const MAX_PAGES = 32768;

export async function compileVariant({ relaxed, shared, names = false }) {
  const args = [
    join(sourceDir, 'index.ts'),
    '--outFile',
    'kernels.wasm',
    '-O3',
    '--noAssert',
    '--runtime',
    'stub',
    '--enable',
    relaxed ? 'simd,threads,relaxed-simd' : 'simd,threads',
    '--importMemory',
    '--initialMemory',
    '1',
    '--maximumMemory',
    String(MAX_PAGES),
    ...(shared ? ['--sharedMemory'] : []),
    ...(names ? ['--debug'] : []),
  ];
  let binary;
  const { error, stderr } = await asc.main(args, {
    writeFile(name, contents) {
      if (name.endsWith('.wasm')) binary = contents;
    },
  });
  if (error) throw new Error(`asc failed:\n${stderr.toString()}`);
  return Buffer.from(binary);
}
