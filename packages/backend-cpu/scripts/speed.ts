/**
 * Kernel speed of the CPU backend, for A/B comparisons while tuning (not a test, not the
 * benchmark: apps/bench compares Stride with its peers). Prints one JSON line per workload with
 * the median time and GFLOP/s of several samples.
 *
 *   node --conditions=source --experimental-wasm-relaxed-simd --import tsx \
 *     packages/backend-cpu/scripts/speed.ts [--only REGEX] [--threads N] [--cpu-time]
 *     [--module PATH] [--tile 4x8|6x8] [--profile [--detail]]
 *
 * `--module` loads `cpu` from another build of this package (a baseline bundle), so two builds
 * can be run alternately by scripts/ab.mjs. `--cpu-time` times one thread by this process's CPU
 * time, which other processes on a shared machine disturb less than wall-clock time.
 * `--profile` times every backend kernel during the LeNet-5 step and inference and prints each
 * kernel's share (`--detail`: per kernel and input shape).
 */
import { setFlagsFromString } from 'node:v8';
import {
  type Backend,
  type ConvParams,
  conv2d,
  crossEntropy,
  type KernelTensor,
  linear,
  maxPool2d,
  noGrad,
  registerBackend,
  relu,
  reshape,
  setBackend,
  sgdStep,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const only = new RegExp(flag('--only') ?? '.');
const profile = argv.includes('--profile');
const detail = argv.includes('--detail');
const modulePath = flag('--module') ?? '../src/index.ts';
const { cpu } = (await import(modulePath)) as typeof import('../src/index.js');

const threads = flag('--threads');
const tile = flag('--tile') as '4x8' | '6x8' | undefined;
const backend = cpu({
  ...(threads ? { threads: Number(threads) } : {}),
  ...(tile ? { tile } : {}),
}) as unknown as Backend & {
  kernels: string;
  threads: number;
};
registerBackend(backend);
await setBackend('cpu');

let seed = 12345;
function random(size: number, scale = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

const kt = (shape: number[], scale = 1): KernelTensor => ({
  storage: backend.upload(
    random(
      shape.reduce((a, b) => a * b, 1),
      scale,
    ),
    'float32',
  ),
  shape,
  dtype: 'float32',
});

/**
 * This process's CPU time in ms (`--cpu-time`, for one thread: time spent descheduled by other
 * processes on a shared machine is left out), else wall-clock time.
 */
const cpuTime = argv.includes('--cpu-time');
const now = (): number => {
  if (!cpuTime) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median seconds per call of `step` over samples of at least `minMs` each. */
function time(step: () => void, samples = 9, minMs = 40): number {
  step();
  let reps = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < reps; i++) step();
    const dt = now() - t0;
    if (dt >= minMs) break;
    reps = Math.max(reps * 2, Math.ceil((reps * minMs) / Math.max(dt, 0.01)));
  }
  const out: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = now();
    for (let i = 0; i < reps; i++) step();
    out.push((now() - t0) / reps / 1000);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(samples / 2)] as number;
}

function report(id: string, seconds: number, flops: number): void {
  console.log(
    JSON.stringify({
      id,
      ms: +(seconds * 1000).toFixed(4),
      gflops: flops > 0 ? +(flops / seconds / 1e9).toFixed(2) : null,
    }),
  );
}

function params2d(stride: number, pad: number): ConvParams {
  return {
    stride: [stride, stride],
    padBefore: [pad, pad],
    padAfter: [pad, pad],
    dilation: [1, 1],
    groups: 1,
  };
}

interface ConvCase {
  id: string;
  n: number;
  c: number;
  h: number;
  o: number;
  k: number;
  stride: number;
  pad: number;
}
const convs: ConvCase[] = [
  { id: 'vgg', n: 8, c: 64, h: 56, o: 64, k: 3, stride: 1, pad: 1 },
  { id: 'strided', n: 8, c: 64, h: 56, o: 128, k: 3, stride: 2, pad: 1 },
  { id: 'alexnet1', n: 8, c: 3, h: 224, o: 64, k: 11, stride: 4, pad: 2 },
  { id: 'lenet1', n: 64, c: 1, h: 28, o: 6, k: 5, stride: 1, pad: 2 },
  { id: 'lenet2', n: 64, c: 6, h: 14, o: 16, k: 5, stride: 1, pad: 0 },
];

function kernels(): void {
  if (only.test('matmul-1024')) {
    const a = kt([1, 1024, 1024]);
    const b = kt([1, 1024, 1024]);
    report(
      'matmul-1024',
      time(() => backend.free(backend.matmul(a, b, false, false))),
      2 * 1024 ** 3,
    );
  }
  for (const c of convs) {
    const oh = Math.floor((c.h + 2 * c.pad - c.k) / c.stride) + 1;
    const flops = 2 * c.n * c.o * oh * oh * c.c * c.k * c.k;
    const x = kt([c.n, c.c, c.h, c.h]);
    const w = kt([c.o, c.c, c.k, c.k], 0.1);
    const dy = kt([c.n, c.o, oh, oh]);
    const p = params2d(c.stride, c.pad);
    if (only.test(`conv-${c.id}-fwd`)) {
      report(
        `conv-${c.id}-fwd`,
        time(() => backend.free(backend.conv(x, w, p))),
        flops,
      );
    }
    if (only.test(`conv-${c.id}-dx`)) {
      report(
        `conv-${c.id}-dx`,
        time(() => backend.free(backend.convBackwardInput(dy, w, x.shape, p))),
        flops,
      );
    }
    if (only.test(`conv-${c.id}-dw`)) {
      report(
        `conv-${c.id}-dw`,
        time(() => backend.free(backend.convBackwardFilter(x, dy, w.shape, p))),
        flops,
      );
    }
  }
  // LeNet-5's fully connected layers at batch 64: y = x·Wᵀ, dx = dy·W, dW = dyᵀ·x.
  for (const [id, inF, outF] of [
    ['fc1', 400, 120],
    ['fc2', 120, 84],
    ['fc3', 84, 10],
  ] as const) {
    if (!only.test(`lenet-${id}`)) continue;
    const x = kt([1, 64, inF]);
    const w = kt([1, outF, inF], 0.1);
    const dy = kt([1, 64, outF]);
    const flops = 2 * 64 * inF * outF;
    const t = time(() => {
      backend.free(backend.matmul(x, w, false, true));
      backend.free(backend.matmul(dy, w, false, false));
      backend.free(backend.matmul(dy, x, true, false));
    });
    report(`lenet-${id}-b64-fwd+bwd`, t, 3 * flops);
  }
}

/** LeNet-5 on core's functional ops: the same layers as @stride/layers' LeNet5. */
function lenet() {
  const param = (shape: number[], fanIn: number): Tensor => {
    const t = tensor(
      random(
        shape.reduce((a, b) => a * b, 1),
        1 / Math.sqrt(fanIn),
      ),
      { shape },
    );
    t.requiresGrad = true;
    return t;
  };
  const ps = {
    c1w: param([6, 1, 5, 5], 25),
    c1b: param([6], 25),
    c2w: param([16, 6, 5, 5], 150),
    c2b: param([16], 150),
    f1w: param([120, 400], 400),
    f1b: param([120], 400),
    f2w: param([84, 120], 120),
    f2b: param([84], 120),
    f3w: param([10, 84], 84),
    f3b: param([10], 84),
  };
  const forward = (x: Tensor): Tensor => {
    // As LeNet5 runs them: each convolution with its relu (one kernel where the backend fuses them).
    const activation = 'relu';
    let h = maxPool2d(conv2d(x, ps.c1w, { bias: ps.c1b, padding: 2, activation }), 2);
    h = maxPool2d(conv2d(h, ps.c2w, { bias: ps.c2b, activation }), 2);
    h = reshape(h, [h.shape[0] as number, 400]);
    h = relu(linear(h, ps.f1w, ps.f1b));
    h = relu(linear(h, ps.f2w, ps.f2b));
    return linear(h, ps.f3w, ps.f3b);
  };
  // FLOPs of one forward pass per image (multiply-add = 2).
  const perImage = 2 * (6 * 784 * 25 + 16 * 100 * 150 + 400 * 120 + 120 * 84 + 84 * 10);
  return { ps, forward, perImage };
}

async function lenetRows(): Promise<void> {
  const { ps, forward, perImage } = lenet();
  const xTrain = tensor(random(64 * 784), { shape: [64, 1, 28, 28] });
  const labels = tensor(
    Int32Array.from({ length: 64 }, (_, i) => i % 10),
    { shape: [64], dtype: 'int32' },
  );
  const xInfer = tensor(random(256 * 784), { shape: [256, 1, 28, 28] });
  const params = Object.values(ps);
  const trainStep = (): void => {
    tidy(() => {
      const loss = crossEntropy(forward(xTrain), labels);
      loss.backward();
      noGrad(() => {
        for (const p of params) {
          // As @stride/optimizers' SGD updates a parameter: one sgdStep kernel.
          p.assign(sgdStep(p, p.grad as Tensor, 0.01));
          const g = p.grad;
          p.grad = null;
          g?.dispose();
        }
      });
      loss.itemSync();
    });
  };
  const infer = (): void => {
    tidy(() => noGrad(() => forward(xInfer).dataSync()));
  };
  if (profile) {
    const wrapped = wrapKernels();
    for (const [id, fn, reps] of [
      ['lenet-train-b64', trainStep, 200],
      ['lenet-infer-b256', infer, 100],
    ] as const) {
      for (let i = 0; i < 20; i++) fn();
      wrapped.reset();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) fn();
      const total = (performance.now() - t0) / reps;
      wrapped.print(id, total, reps);
    }
    return;
  }
  if (only.test('lenet-train-b64')) report('lenet-train-b64', time(trainStep), 64 * perImage * 3);
  if (only.test('lenet-infer-b256')) report('lenet-infer-b256', time(infer), 256 * perImage);
}

/** Replaces every backend member with a timed wrapper (core looks them up at each call). */
function wrapKernels() {
  const stats = new Map<string, { ms: number; calls: number }>();
  const b = backend as unknown as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    const f = b[key];
    if (typeof f !== 'function' || key === 'read') continue;
    b[key] = (...args: unknown[]) => {
      const t0 = performance.now();
      const r = (f as (...a: unknown[]) => unknown)(...args);
      const first = args.find((a) => (a as KernelTensor)?.shape) as KernelTensor | undefined;
      const op = typeof args[0] === 'string' ? `:${args[0]}` : '';
      const name = detail && first ? `${key}${op}[${first.shape}]` : key;
      const s = stats.get(name) ?? { ms: 0, calls: 0 };
      s.ms += performance.now() - t0;
      s.calls++;
      stats.set(name, s);
      return r;
    };
  }
  return {
    reset: () => stats.clear(),
    print(id: string, totalMs: number, reps: number) {
      let kernelMs = 0;
      const rows = [...stats].map(([k, s]) => {
        kernelMs += s.ms / reps;
        return [k, s.ms / reps, s.calls / reps] as const;
      });
      rows.sort((x, y) => y[1] - x[1]);
      console.log(`${id}: ${totalMs.toFixed(3)} ms per call`);
      for (const [k, ms, calls] of rows) {
        console.log(
          `  ${k.padEnd(36)} ${ms.toFixed(3).padStart(8)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${calls.toFixed(1)} calls`,
        );
      }
      const rest = totalMs - kernelMs;
      console.log(
        `  ${'(outside kernels)'.padEnd(36)} ${rest.toFixed(3).padStart(8)} ms ${((100 * rest) / totalMs).toFixed(1).padStart(5)}%`,
      );
    },
  };
}

console.error(
  `kernels ${backend.kernels}, tile ${(backend as unknown as { tile: string }).tile}, threads ${backend.threads}, loadavg ${(await import('node:os')).loadavg().map((v) => v.toFixed(2))}`,
);
if (!profile) kernels();
await lenetRows();
backend.destroy?.();
