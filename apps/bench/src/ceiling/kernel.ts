/**
 * The machine's 128-bit floating-point ceiling as WebAssembly can reach it: a module whose one
 * function runs `chains` independent f32x4 multiply-add chains for `n` iterations,
 * `acc[i] = acc[i] * m + c`. Each chain depends on itself only, so enough of them hide the
 * instruction's latency and the loop runs at the FMA units' throughput; the multiplier and the
 * addend are read from memory, so the compiler cannot fold anything away.
 *
 * The bytes are written here, from the WebAssembly binary format, rather than by a compiler: the
 * loop must be exactly this one, with nothing a compiler might add or remove. Two variants:
 * `relaxed` (`f32x4.relaxed_madd`, one fused multiply-add where the CPU has FMA) and `simd128`
 * (`f32x4.mul` then `f32x4.add`, what plain SIMD128 code such as a GEMM without relaxed SIMD
 * does).
 *
 * Memory layout: `m` (one v128) at byte 0, `c` at 16, the chains' results at 32 + 16·i.
 */

export type CeilingVariant = 'relaxed' | 'simd128';

/** Register-resident accumulators: 12 chains plus `m` and `c` fit x86-64's 16 XMM registers. */
export const DEFAULT_CHAINS = 12;

/** Byte offset of chain `i`'s four results. */
export const resultOffset = (i: number): number => 32 + 16 * i;

/** Floating-point operations of one call: 4 lanes × 2 (a multiply-add) per chain and iteration. */
export const flopsPerCall = (n: number, chains: number): number => 8 * n * chains;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

const section = (id: number, content: number[]): number[] => [
  id,
  ...uleb(content.length),
  ...content,
];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];
const f32 = (x: number): number[] => [...new Uint8Array(Float32Array.of(x).buffer)];

// Opcodes (WebAssembly core 2.0 and the relaxed-SIMD proposal).
const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32Sub: 0x6b,
  simd: 0xfd,
} as const;
const V128_LOAD = [OP.simd, ...uleb(0x00)];
const V128_STORE = [OP.simd, ...uleb(0x0b)];
const F32X4_SPLAT = [OP.simd, ...uleb(0x13)];
const F32X4_ADD = [OP.simd, ...uleb(0xe4)];
const F32X4_MUL = [OP.simd, ...uleb(0xe6)];
const F32X4_RELAXED_MADD = [OP.simd, ...uleb(0x105)];
const V128 = 0x7b;
/** memarg: alignment 2^4 = 16 bytes, then the offset. */
const memarg = (offset: number): number[] => [4, ...uleb(offset)];

/**
 * The module's bytes: exports `run(n)` and its `memory` (one page). Chain `i` starts at `i`
 * in every lane, so a test can tell that every chain ran `n` times.
 */
export function ceilingModule(variant: CeilingVariant, chains = DEFAULT_CHAINS): Uint8Array {
  if (!Number.isInteger(chains) || chains < 1 || chains > 64) {
    throw new Error(`ceilingModule: chains must be an integer in 1..64, got ${chains}`);
  }
  const N = 0; // the parameter
  const M = 1;
  const C = 2;
  const acc = (i: number): number => 3 + i;
  const body: number[] = [
    OP.i32Const,
    0,
    ...V128_LOAD,
    ...memarg(0),
    OP.localSet,
    M,
    OP.i32Const,
    0,
    ...V128_LOAD,
    ...memarg(16),
    OP.localSet,
    C,
  ];
  for (let i = 0; i < chains; i++) {
    body.push(OP.f32Const, ...f32(i), ...F32X4_SPLAT, OP.localSet, ...uleb(acc(i)));
  }
  body.push(OP.block, 0x40, OP.localGet, N, OP.i32Eqz, OP.brIf, 0, OP.loop, 0x40);
  for (let i = 0; i < chains; i++) {
    const a = uleb(acc(i));
    if (variant === 'relaxed') {
      body.push(OP.localGet, ...a, OP.localGet, M, OP.localGet, C, ...F32X4_RELAXED_MADD);
    } else {
      body.push(OP.localGet, ...a, OP.localGet, M, ...F32X4_MUL, OP.localGet, C, ...F32X4_ADD);
    }
    body.push(OP.localSet, ...a);
  }
  body.push(
    OP.localGet,
    N,
    OP.i32Const,
    1,
    OP.i32Sub,
    OP.localTee,
    N,
    OP.brIf,
    0, // next iteration
    OP.end, // loop
    OP.end, // block
  );
  for (let i = 0; i < chains; i++) {
    body.push(
      OP.i32Const,
      0,
      OP.localGet,
      ...uleb(acc(i)),
      ...V128_STORE,
      ...memarg(resultOffset(i)),
    );
  }
  body.push(OP.end);
  const locals = [1, ...uleb(chains + 2), V128];
  const func = [...locals, ...body];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 0]), // one type: (i32) -> ()
    ...section(3, [1, 0]), // one function of type 0
    ...section(5, [1, 0x00, 1]), // one memory, at least one page
    ...section(7, [2, ...name('run'), 0x00, 0, ...name('memory'), 0x02, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ];
  return Uint8Array.from(bytes);
}

/** Whether this engine compiles the variant (relaxed SIMD is behind a flag on Node 20). */
export function supported(variant: CeilingVariant): boolean {
  return WebAssembly.validate(ceilingModule(variant, 1) as BufferSource);
}

/** One instance, on this thread: `run(n)` returns every chain's four lanes after `n` steps. */
export function instantiate(
  variant: CeilingVariant,
  chains = DEFAULT_CHAINS,
  m = 0.5,
  c = 1,
): { run(n: number): Float32Array } {
  const module = new WebAssembly.Module(ceilingModule(variant, chains) as BufferSource);
  const exports = new WebAssembly.Instance(module).exports as {
    run(n: number): void;
    memory: WebAssembly.Memory;
  };
  const view = new Float32Array(exports.memory.buffer);
  view.set([m, m, m, m, c, c, c, c]);
  return {
    run: (n) => {
      exports.run(n);
      return view.slice(resultOffset(0) / 4, resultOffset(chains) / 4);
    },
  };
}
