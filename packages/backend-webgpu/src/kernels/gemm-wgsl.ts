/**
 * The tiled float32 GEMM that matmul and all three convolution kernels are built on:
 * C(m, n) = Σ_k A(m, k) · B(k, n) for every `z` (a batch item or a convolution group).
 *
 * A kernel supplies only its operands' addressing, as WGSL functions (see `GemmSpec`): how to
 * read four elements of A or B, and where C(m, n) lives. So a convolution is an implicit GEMM:
 * its B loader gathers the im2col matrix straight from the input, and nothing is materialised.
 *
 * Each workgroup computes a `tile.m × tile.n` block of C (on a CPU adapter most GEMMs use the
 * `direct` mode instead, see `GemmMode`). It walks K in steps of `tile.k`: all
 * invocations cooperatively copy the A and B slabs of the step into workgroup memory (one vec4
 * per load slot, so a vectorised operand moves 16 bytes per load), then each invocation
 * multiplies `rm × 4` outputs held in registers, reading both slabs as vec4. Sums are float32.
 *
 * Workgroup memory layout: As[k][m / 4] holds A(m..m+3, k) and Bs[k][n / 4] holds B(k, n..n+3),
 * so the inner loop reads one vec4 of each per step. Loaders come in two orientations: a vec4
 * along the tile's own axis (m for A, n for B; stored as is) or along k (stored component by
 * component), so that whichever axis is contiguous in memory can be read with one vec4 load.
 *
 * Split-K: when the grid of output tiles is too small to fill a GPU but K is long (the filter
 * gradient of a convolution sums over every batch item and position), K is cut into `splits`
 * chunks, each chunk's partial C goes to its own slice of a scratch buffer, and a second kernel
 * sums the slices in a fixed order, so the result is deterministic (no float atomics).
 *
 * Every shape travels in uniform words (`GEMM_WORDS` of them, then the kernel's own), so one
 * pipeline per code variant serves every shape.
 */
import type { GpuContext } from '../context.js';
import type { Word } from '../dispatch.js';
import { GPU_ELEMENT_BYTES, type GpuStorage } from '../storage.js';
import { bindings, main, uniforms } from '../wgsl.js';
import { cachedCode } from './code-cache.js';

/** A workgroup's tile: `m × n` outputs, `k` deep; `tx × ty` invocations, each `rm × 4`. */
export interface Tile {
  readonly name: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly tx: number;
  readonly ty: number;
  readonly rm: number;
}

function tile(name: string, m: number, n: number, k: number, rm: number): Tile {
  return { name, m, n, k, tx: n / 4, ty: m / rm, rm };
}

/**
 * 256 invocations of 8×4 outputs: twice the arithmetic per workgroup-memory read of TILE_64,
 * for products large enough to fill a GPU with these bigger tiles.
 */
export const TILE_128 = tile('128x64', 128, 64, 16, 8);
/** 256 invocations of 4×4 outputs: the main tile for matrices of 64 or more on both sides. */
export const TILE_64 = tile('64x64', 64, 64, 16, 4);
/** 64 invocations of 4×4 outputs, for smaller products (less padding waste per tile). */
export const TILE_32 = tile('32x32', 32, 32, 16, 4);
/** For at most 16 rows (a convolution with few output channels): wide along n instead. */
export const TILE_16 = tile('16x64', 16, 64, 16, 4);
/** For at most 8 rows (LeNet's 6 channels): 64 invocations of 4×4, two rows of them. */
export const TILE_8 = tile('8x128', 8, 128, 16, 4);

/** Workgroups that keep a large GPU busy (an H100 has 132 multiprocessors). */
const FULL_GRID = 128;

/**
 * Picks the tile for an m × n product repeated z times: the least padding waste that still has
 * enough rows and columns, and the biggest tile only while the grid stays full.
 */
export function pickTile(m: number, n: number, z = 1): Tile {
  if (m <= 8 && n > 64) return TILE_8;
  if (m <= 16 && n > 32) return TILE_16;
  if (m < 64 || n < 64) return TILE_32;
  if (m > 64 && Math.ceil(m / 128) * Math.ceil(n / 64) * z >= FULL_GRID) return TILE_128;
  return TILE_64;
}

/**
 * The GEMM's own uniform words; a kernel's words follow, from index `GEMM_WORDS` on.
 * 0 M, 1 N, 2 K, 3 Z, 4 tiles along m, 5 tiles along n, 6 splits, 7 K per split,
 * 8 elements between split slices of the output, 9 workgroups in all.
 */
export const GEMM_WORDS = 10;

/** WGSL for kernel word `i` (after the GEMM's own). */
export function kw(i: number): string {
  return `word(${GEMM_WORDS + i}u)`;
}

/**
 * What a kernel supplies. `decls` declares the kernel's bindings (inputs, then the output `c`:
 * `array<vec4<f32>>` when `vecOut`, else `array<f32>`) and these WGSL functions, where `dimM()`,
 * `dimN()` and `dimK()` are available:
 * - `fn loadA(z: u32, m: u32, k: u32) -> vec4<f32>`: A(m..m+3, k) when `aAxis` is 'm',
 *   A(m, k..k+3) when it is 'k'; zero for every element outside M × K.
 * - `fn loadB(z: u32, k: u32, n: u32) -> vec4<f32>`: B(k, n..n+3) when `bAxis` is 'n',
 *   B(k..k+3, n) when it is 'k'; zero outside K × N.
 * - `fn outRow(z: u32, m: u32) -> u32` and `fn outCol(z: u32, n: u32) -> u32`: C(m, n) is
 *   element outRow(z, m) + outCol(z, n) of `c` (every layout here separates that way, which
 *   spares the per-element index math).
 * `vecOut` promises that C(m, n..n+3) are consecutive and 16-byte aligned whenever n is a
 * multiple of 4 (which needs N to be a multiple of 4).
 *
 * With `maskB` (and `bAxis` 'n'), `loadB` returns a `MaskedB` instead: the values `v` and `ok`,
 * 1.0 where B(k, n + j) exists and 0.0 where it does not (an implicit convolution's taps that
 * fall outside the operand). A missing entry contributes nothing, where a zero entry
 * would still make an infinite A entry contribute NaN (∞ · 0).
 */
export interface GemmSpec {
  readonly tile: Tile;
  readonly aAxis: 'm' | 'k';
  readonly bAxis: 'n' | 'k';
  readonly vecOut: boolean;
  /** Number of the kernel's own uniform words. */
  readonly words: number;
  readonly decls: string;
  readonly maskB?: boolean;
  /**
   * Adds `fn rowBias(z: u32, m: u32) -> f32` (declared by the kernel) to every element of row m
   * as it is stored: one rounding after the product's, as a separate `add` would round. Never
   * with split-K, whose slices are summed afterwards.
   */
  readonly rowBias?: boolean;
  /**
   * relu on every element as it is stored, after the bias: `x <= 0 ? 0 : x`, as the `relu` unary
   * computes it (NaN kept, −0 made +0). Never with split-K either.
   */
  readonly relu?: boolean;
}

/**
 * How the GEMM runs. `tiled` stages A and B through workgroup memory (what a GPU wants: each
 * loaded element serves a whole row or column of the tile). `direct` has each invocation read
 * its own 4-deep slices of A and B straight from storage, with no workgroup memory and no
 * barriers. On a CPU implementation of WebGPU (SwiftShader) a barrier switches every invocation
 * of the workgroup out and back in, and costs more than the loads it saves when they are plain
 * reads that the CPU caches share anyway (a 256³ product runs about twice as fast direct there);
 * but an implicit convolution's loaders compute an address per element, and direct mode would
 * repeat that for every invocation sharing the element, so those stay tiled.
 */
export type GemmMode = 'tiled' | 'direct';

const cpuAdapters = new WeakMap<GpuContext, boolean>();
const forced = new WeakMap<GpuContext, GemmMode>();

/** True when `ctx`'s adapter is WebGPU on the CPU (SwiftShader, llvmpipe). */
export function onCpu(ctx: GpuContext): boolean {
  let cpu = cpuAdapters.get(ctx);
  if (cpu === undefined) {
    const info = ctx.adapter.info;
    cpu = /swiftshader|llvmpipe|lavapipe/i.test(
      `${info?.architecture ?? ''} ${info?.description ?? ''}`,
    );
    cpuAdapters.set(ctx, cpu);
  }
  return cpu;
}

/**
 * The mode of a GEMM on `ctx`'s device: tiled on a GPU; on a CPU adapter, direct unless the
 * loaders `gather` (compute addresses, as an implicit convolution's do). A mode forced with
 * `setGemmMode` wins.
 */
export function gemmMode(ctx: GpuContext, gather = false): GemmMode {
  return forced.get(ctx) ?? (onCpu(ctx) && !gather ? 'direct' : 'tiled');
}

/** Forces a mode on `ctx`, or lets it choose again with `undefined` (tests run both modes). */
export function setGemmMode(ctx: GpuContext, mode: GemmMode | undefined): void {
  if (mode) forced.set(ctx, mode);
  else forced.delete(ctx);
}

const codeCache = new Map<string, string>();

/** The GEMM shader for `spec` in `mode`, cached under `key` (which must identify the spec). */
export function gemmCode(key: string, spec: GemmSpec, mode: GemmMode): string {
  return cachedCode(codeCache, `${key}:${spec.tile.name}:${mode}`, () => generate(spec, mode));
}

function generate(spec: GemmSpec, mode: GemmMode): string {
  const t = spec.tile;
  if (t.rm % 4 !== 0)
    throw new Error(`tile ${t.name}: rows per invocation must be a multiple of 4`);
  if (spec.maskB && spec.bAxis !== 'n') throw new Error('gemm: maskB needs bAxis n');
  const body = mode === 'tiled' ? tiledBody(spec) : directBody(spec);
  const shared =
    mode === 'tiled'
      ? `var<workgroup> As: array<vec4<f32>, ${(t.k * t.m) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(t.k * t.n) / 4}>;${
          spec.maskB
            ? `\nvar<workgroup> Ms: array<vec4<f32>, ${(t.k * t.n) / 4}>;
var<workgroup> nonFinite: atomic<u32>;`
            : ''
        }`
      : '';
  const masked = spec.maskB ? 'struct MaskedB { v: vec4<f32>, ok: vec4<f32> }' : '';
  return `
${uniforms(GEMM_WORDS + spec.words)}
fn dimM() -> u32 { return word(0u); }
fn dimN() -> u32 { return word(1u); }
fn dimK() -> u32 { return word(2u); }
${masked}
${spec.decls}
${shared}

@compute @workgroup_size(${t.tx * t.ty})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // The grid is linear (laid out in 2-D past 65535 workgroups): n fastest, so neighbouring
  // workgroups share A rows in the cache; then m, the K split, and z.
  let wg = wid.y * nwg.x + wid.x;
  if (wg >= word(9u)) { return; }
  let tn = wg % word(5u);
  let rest = wg / word(5u);
  let tm = rest % word(4u);
  let rest2 = rest / word(4u);
  let split = rest2 % word(6u);
  let z = rest2 / word(6u);
  let m0 = tm * ${t.m}u;
  let n0 = tn * ${t.n}u;
  let kBegin = split * word(7u);
  let kEnd = min(dimK(), kBegin + word(7u));
  let tx = lid % ${t.tx}u;
  let ty = lid / ${t.tx}u;
  let n = n0 + tx * 4u;
  ${accDecl(t.rm)}
  ${body}
  if (n >= dimN()) { return; }
  ${storeCode(spec)}
}
`;
}

/**
 * The accumulators, as separate variables: a function-scope array may live in memory on some
 * compilers (SwiftShader's), separate vectors stay in registers.
 */
function accDecl(rm: number): string {
  return Array.from({ length: rm }, (_, r) => `var acc${r} = vec4<f32>(0.0);`).join(' ');
}

/** The K loop through workgroup memory (see the file comment for the layout). */
function tiledBody(spec: GemmSpec): string {
  const { tile: t, aAxis, bAxis } = spec;
  const threads = t.tx * t.ty;
  const tm4 = t.m / 4;
  const tn4 = t.n / 4;
  const tk4 = t.k / 4;
  const rm4 = t.rm / 4;
  // Each load slot is one vec4 of a slab; invocations take slots lid, lid + threads, ... (a
  // partial last round is guarded).
  const slots = (count: number, body: (s: string) => string): string[] => {
    const out: string[] = [];
    for (let at = 0; at < count; at += threads) {
      const s = `lid + ${at}u`;
      out.push(
        at + threads <= count
          ? `{ let s = ${s};\n      ${body('s')} }`
          : `{ let s = ${s};\n      if (s < ${count}u) { ${body('s')} } }`,
      );
    }
    return out;
  };
  // Masked, the slab's A loads flag a non-finite value by raising `nonFinite` to k0 + 1 (k0 only
  // grows, so no reset is needed); only then can a missing B entry matter (a finite A entry times
  // the zero that stands for it adds nothing).
  const flag = spec.maskB
    ? `
      if (any((bitcast<vec4<u32>>(v) & vec4<u32>(0x7f800000u)) == vec4<u32>(0x7f800000u))) { atomicMax(&nonFinite, k0 + 1u); }`
    : '';
  const loads = [
    ...slots((t.m * t.k) / 4, (s) =>
      aAxis === 'm'
        ? `let v = loadA(z, m0 + (${s} % ${tm4}u) * 4u, k0 + ${s} / ${tm4}u);
      As[${s}] = v;${flag}`
        : `let kk = (${s} % ${tk4}u) * 4u; let mm = ${s} / ${tk4}u;
      let v = loadA(z, m0 + mm, k0 + kk);${flag}
      let at = kk * ${tm4}u + mm / 4u; let q = mm % 4u;
      As[at][q] = v.x; As[at + ${tm4}u][q] = v.y;
      As[at + ${2 * tm4}u][q] = v.z; As[at + ${3 * tm4}u][q] = v.w;`,
    ),
    ...slots((t.n * t.k) / 4, (s) =>
      bAxis === 'n'
        ? spec.maskB
          ? `let r = loadB(z, k0 + ${s} / ${tn4}u, n0 + (${s} % ${tn4}u) * 4u);
      Bs[${s}] = r.v; Ms[${s}] = r.ok;`
          : `Bs[${s}] = loadB(z, k0 + ${s} / ${tn4}u, n0 + (${s} % ${tn4}u) * 4u);`
        : `let kk = (${s} % ${tk4}u) * 4u; let nn = ${s} / ${tk4}u;
      let v = loadB(z, k0 + kk, n0 + nn);
      let at = kk * ${tn4}u + nn / 4u; let q = nn % 4u;
      Bs[at][q] = v.x; Bs[at + ${tn4}u][q] = v.y;
      Bs[at + ${2 * tn4}u][q] = v.z; Bs[at + ${3 * tn4}u][q] = v.w;`,
    ),
  ];
  // The inner product (GPU compilers unroll the constant trip count). Masked, in a slab whose A
  // has a non-finite value, a missing B entry selects zero in place of the product (one select
  // per product); every other slab takes the plain loop, so finite weights cost no more.
  const inner = (masked: boolean): string => {
    const term = (x: string) => (masked ? `select(zero, ${x} * b, ok)` : `${x} * b`);
    const fma: string[] = [];
    for (let r4 = 0; r4 < rm4; r4++) {
      fma.push(`a = As[kk * ${tm4}u + ty * ${rm4}u + ${r4}u];`);
      const r = r4 * 4;
      fma.push(
        `acc${r} += ${term('a.x')}; acc${r + 1} += ${term('a.y')}; ` +
          `acc${r + 2} += ${term('a.z')}; acc${r + 3} += ${term('a.w')};`,
      );
    }
    const okLoad = masked ? `\n      let ok = Ms[kk * ${tn4}u + tx] != zero;` : '';
    return `for (var kk = 0u; kk < ${t.k}u; kk++) {
      b = Bs[kk * ${tn4}u + tx];${okLoad}
      ${fma.join('\n      ')}
    }`;
  };
  const product = spec.maskB
    ? `if (atomicLoad(&nonFinite) == k0 + 1u) {
    ${inner(true)}
    } else {
    ${inner(false)}
    }`
    : inner(false);
  return `var a: vec4<f32>;
  var b: vec4<f32>;
  let zero = vec4<f32>(0.0);
  for (var k0 = kBegin; k0 < kEnd; k0 += ${t.k}u) {
    ${loads.join('\n    ')}
    workgroupBarrier();
    ${product}
    workgroupBarrier();
  }`;
}

/** The K loop reading 4×4 blocks of A and B straight from storage, 4 deep per step. */
function directBody(spec: GemmSpec): string {
  const { tile: t, aAxis, bAxis } = spec;
  // b0..b3 = B(k0 + j, n..n+3).
  const bLoads =
    bAxis === 'n' && spec.maskB
      ? [0, 1, 2, 3]
          .map(
            (j) => `let r${j} = loadB(z, k0 + ${j}u, n);
    let b${j} = r${j}.v;
    let ok${j} = r${j}.ok != zero;`,
          )
          .join('\n    ')
      : bAxis === 'n'
        ? `let b0 = loadB(z, k0, n);
    let b1 = loadB(z, k0 + 1u, n);
    let b2 = loadB(z, k0 + 2u, n);
    let b3 = loadB(z, k0 + 3u, n);`
        : `let c0 = loadB(z, k0, n);
    let c1 = loadB(z, k0, n + 1u);
    let c2 = loadB(z, k0, n + 2u);
    let c3 = loadB(z, k0, n + 3u);
    let b0 = vec4<f32>(c0.x, c1.x, c2.x, c3.x);
    let b1 = vec4<f32>(c0.y, c1.y, c2.y, c3.y);
    let b2 = vec4<f32>(c0.z, c1.z, c2.z, c3.z);
    let b3 = vec4<f32>(c0.w, c1.w, c2.w, c3.w);`;
  // x · B(k0 + j, n..n+3); masked, a missing entry selects zero in place of the product.
  const term = (x: string, j: number) =>
    spec.maskB ? `select(zero, ${x} * b${j}, ok${j})` : `${x} * b${j}`;
  const sum = (xs: string[]) => xs.map((x, j) => term(x, j)).join(' + ');
  const rows: string[] = [];
  for (let r4 = 0; r4 < t.rm / 4; r4++) {
    const m = `mr + ${r4 * 4}u`;
    if (aAxis === 'k') {
      // a_i = A(m + i, k0..k0+3).
      for (let i = 0; i < 4; i++) {
        const r = r4 * 4 + i;
        rows.push(`{ let a = loadA(z, ${m} + ${i}u, k0);
    acc${r} += ${sum(['a.x', 'a.y', 'a.z', 'a.w'])}; }`);
      }
    } else {
      // d_j = A(m..m+3, k0 + j).
      const upd: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = 'xyzw'[i];
        upd.push(`acc${r4 * 4 + i} += ${sum([0, 1, 2, 3].map((j) => `d${j}.${c}`))};`);
      }
      rows.push(`{ let d0 = loadA(z, ${m}, k0);
    let d1 = loadA(z, ${m}, k0 + 1u);
    let d2 = loadA(z, ${m}, k0 + 2u);
    let d3 = loadA(z, ${m}, k0 + 3u);
    ${upd.join('\n    ')} }`);
    }
  }
  return `let mr = m0 + ty * ${t.rm}u;
  if (mr >= dimM() || n >= dimN()) { return; }
  let zero = vec4<f32>(0.0);
  for (var k0 = kBegin; k0 < kEnd; k0 += 4u) {
    ${bLoads}
    ${rows.join('\n    ')}
  }`;
}

/** Stores the invocation's rm × 4 outputs (n is known to be inside N). */
function storeCode(spec: GemmSpec): string {
  const { tile: t, vecOut } = spec;
  const stores: string[] = [];
  for (let r = 0; r < t.rm; r++) {
    const row = `{ let m = m0 + ty * ${t.rm}u + ${r}u;
    if (m < dimM()) {
      let o = outRow(z, m) + split * word(8u);
      let sum = acc${r}${spec.rowBias ? ' + vec4<f32>(rowBias(z, m))' : ''};
      let acc = ${spec.relu ? 'select(sum, vec4<f32>(0.0), sum <= vec4<f32>(0.0))' : 'sum'};`;
    if (vecOut) {
      stores.push(`${row}
      c[(o + col0) >> 2u] = acc;
    } }`);
    } else {
      stores.push(`${row}
      c[o + col0] = acc.x;
      if (n + 1u < dimN()) { c[o + col1] = acc.y; }
      if (n + 2u < dimN()) { c[o + col2] = acc.z; }
      if (n + 3u < dimN()) { c[o + col3] = acc.w; }
    } }`);
    }
  }
  const cols = vecOut
    ? 'let col0 = outCol(z, n);'
    : `let col0 = outCol(z, n);
  let col1 = outCol(z, min(n + 1u, dimN() - 1u));
  let col2 = outCol(z, min(n + 2u, dimN() - 1u));
  let col3 = outCol(z, min(n + 3u, dimN() - 1u));`;
  return `${cols}
  ${stores.join('\n  ')}`;
}

/**
 * WGSL function `name(base, r, col) -> vec4<f32>` reading elements (r, col..col+3) of a
 * row-major `rows × cols` matrix starting at element `base` of binding `buf`, zero outside it.
 * `vec`: one 16-byte load (`buf` is `array<vec4<f32>>`, and base, cols and col are multiples of
 * 4, so the four elements are in range together); else four guarded scalar loads.
 */
export function rowVecFn(
  name: string,
  buf: string,
  rows: string,
  cols: string,
  vec: boolean,
): string {
  if (vec) {
    return `fn ${name}(base: u32, r: u32, col: u32) -> vec4<f32> {
  if (r >= ${rows} || col >= ${cols}) { return vec4<f32>(0.0); }
  return ${buf}[(base + r * ${cols} + col) >> 2u];
}`;
  }
  return `fn ${name}(base: u32, r: u32, col: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (r >= ${rows}) { return v; }
  let at = base + r * ${cols} + col;
  for (var j = 0u; j < 4u; j++) {
    if (col + j < ${cols}) { v[j] = ${buf}[at + j]; }
  }
  return v;
}`;
}

/** The WGSL element type of a binding read with or without vec4 loads. */
export function elem(vec: boolean): string {
  return vec ? 'vec4<f32>' : 'f32';
}

/** Declares a kernel's inputs and the output `c`, typed for vec4 access where flagged. */
export function gemmBindings(inputs: Readonly<Record<string, boolean>>, vecOut: boolean): string {
  const ins: Record<string, string> = {};
  for (const [name, vec] of Object.entries(inputs)) ins[name] = elem(vec);
  return bindings(ins, { c: elem(vecOut) });
}

export interface GemmRun {
  readonly name: string;
  readonly code: string;
  readonly tile: Tile;
  readonly inputs: readonly GpuStorage[];
  readonly out: GpuStorage;
  /** Elements of the output (all of `z`), the stride between split-K slices. */
  readonly outSize: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly z: number;
  /** The kernel's own uniform words. */
  readonly words: readonly Word[];
  /** Allow split-K (the kernel's output is fully written by the GEMM). */
  readonly splitK?: boolean;
}

/** Each split keeps at least this much of K, so the extra pass stays cheap. */
const MIN_SPLIT_K = 256;

/** How many K chunks to use, and how long each is (a multiple of the tile depth). */
export function planSplit(tiles: number, k: number, tileK: number): [number, number] {
  const whole = Math.max(tileK, Math.ceil(k / tileK) * tileK);
  if (tiles >= FULL_GRID || k < 2 * MIN_SPLIT_K) return [1, whole];
  const wanted = Math.min(Math.floor(k / MIN_SPLIT_K), Math.ceil(FULL_GRID / tiles));
  const chunk = Math.ceil(Math.ceil(k / wanted) / tileK) * tileK;
  return [Math.ceil(k / chunk), chunk];
}

/** Records the GEMM (and, with split-K, the sum of its slices) into `run.out`. */
export function runGemm(ctx: GpuContext, run: GemmRun): void {
  const t = run.tile;
  const tilesM = Math.ceil(run.m / t.m);
  const tilesN = Math.ceil(run.n / t.n);
  const tiles = tilesM * tilesN * run.z;
  if (tiles === 0) return;
  // Split-K only pays where many cores wait for work, not on a CPU adapter.
  const split = run.splitK === true && !onCpu(ctx);
  let [splits, chunk] = split ? planSplit(tiles, run.k, t.k) : [1, Math.max(run.k, 1)];
  // The slices must fit in one buffer; past that, one pass does all of K.
  if (splits > 1 && splits * run.outSize * GPU_ELEMENT_BYTES > ctx.maxStorageBytes) {
    [splits, chunk] = [1, Math.max(run.k, 1)];
  }
  const total = tiles * splits;
  const maxPerDim = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const gy = Math.ceil(total / maxPerDim);
  const grid: [number, number] = [Math.ceil(total / gy), gy];
  const words = (stride: number): Word[] => [
    run.m,
    run.n,
    run.k,
    run.z,
    tilesM,
    tilesN,
    splits,
    chunk,
    stride,
    total,
    ...run.words,
  ];
  if (splits === 1) {
    ctx.run({
      name: run.name,
      code: run.code,
      inputs: run.inputs,
      outputs: [run.out],
      uniforms: words(0),
      workgroups: grid,
    });
    return;
  }
  const partial = ctx.alloc('float32', splits * run.outSize);
  ctx.run({
    name: run.name,
    code: run.code,
    inputs: run.inputs,
    outputs: [partial],
    uniforms: words(run.outSize),
    workgroups: grid,
  });
  sumSlices(ctx, run.name, partial, run.out, run.outSize, splits);
  ctx.release(partial);
}

/** Records out[i] = Σ_s partial[s · size + i] over `slices` slices of `size` elements. */
export function sumSlices(
  ctx: GpuContext,
  name: string,
  partial: GpuStorage,
  out: GpuStorage,
  size: number,
  slices: number,
): void {
  ctx.run({
    name,
    code: SUM_SLICES,
    inputs: [partial],
    outputs: [out],
    uniforms: [size, slices],
    threads: size,
  });
}

/** out[i] = Σ_s part[s · n + i], in order of s, so split-K results are deterministic. */
const SUM_SLICES = `
${uniforms(2)}
${bindings({ part: 'f32' }, { out: 'f32' })}
${main(`let n = word(0u);
  if (i >= n) { return; }
  var s = 0.0;
  for (var j = 0u; j < word(1u); j++) { s += part[j * n + i]; }
  out[i] = s;`)}
`;
