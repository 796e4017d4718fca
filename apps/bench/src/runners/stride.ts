import { setFlagsFromString } from 'node:v8';
/**
 * Stride on one of its backends. Operations go through the public ops; the two convolution
 * gradients, which have no op of their own, call the backend's kernels as core's autograd does.
 */
import { cpu } from '@stride/backend-cpu';
import {
  add,
  type Backend,
  type BackendPlugin,
  type ConvParams,
  conv2d,
  getBackend,
  type KernelTensor,
  matmul,
  maxPool2d,
  noGrad,
  registerBackend,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import { CrossEntropyLoss } from '@stride/layers';
import { SGD } from '@stride/optimizers';
import { ceilingCall } from '../ceiling/call.js';
import { f32Input, type HostInput } from '../inputs.js';
import type { Prepared } from '../measure.js';
import type { Job } from '../protocol.js';
import { convShapes, type Workload } from '../workloads.js';
import { startDawn } from './dawn.js';
import { type Runner, Unavailable } from './runner.js';
import { seededLenet } from './seeded-lenet.js';
import { mnistToAccuracy } from './stride-mnist.js';

const upload = (input: HostInput): Tensor =>
  tensor(input.data, { shape: input.shape, dtype: input.dtype });

async function read(t: Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

/** A call that makes one tensor from fixed inputs; the previous result is freed each time. */
function opCall(make: () => Tensor, inputs: readonly Tensor[], name: string): Prepared {
  let last: Tensor | null = null;
  return {
    step: () => {
      last?.dispose();
      last = make();
    },
    sync: async () => {
      if (last) await last.data();
    },
    outputs: async () => ({ [name]: await read(last as Tensor) }),
    dispose: () => {
      last?.dispose();
      for (const t of inputs) t.dispose();
    },
  };
}

/** A convolution gradient straight from the backend contract (storage in, storage out). */
function convGradCall(
  backend: Backend,
  w: Workload & { kind: 'conv' },
  inputs: Map<string, HostInput>,
): Prepared {
  const s = convShapes(w.conv);
  const params: ConvParams = {
    stride: [w.conv.stride, w.conv.stride],
    padBefore: [w.conv.pad, w.conv.pad],
    padAfter: [w.conv.pad, w.conv.pad],
    dilation: [1, 1],
    groups: 1,
  };
  const kt = (name: string, shape: number[]): KernelTensor => ({
    storage: backend.upload(f32Input(inputs, name).data, 'float32'),
    shape,
    dtype: 'float32',
  });
  const dy = kt('dy', s.y);
  const other = w.pass === 'input-grad' ? kt('w', s.w) : kt('x', s.x);
  const outShape = w.pass === 'input-grad' ? s.x : s.w;
  const outSize = outShape.reduce((a, b) => a * b, 1);
  let last: unknown = null;
  return {
    step: () => {
      if (last !== null) backend.free(last);
      last =
        w.pass === 'input-grad'
          ? backend.convBackwardInput(dy, other, outShape, params)
          : backend.convBackwardFilter(other, dy, outShape, params);
    },
    sync: async () => {
      await backend.read(last, 'float32', outSize);
    },
    outputs: async () => ({
      [w.pass === 'input-grad' ? 'dx' : 'dw']: Float32Array.from(
        await backend.read(last, 'float32', outSize),
      ),
    }),
    dispose: () => {
      if (last !== null) backend.free(last);
      backend.free(dy.storage);
      backend.free(other.storage);
    },
  };
}

function trainStep(
  w: Workload & { kind: 'lenet-train' },
  inputs: Map<string, HostInput>,
): Prepared {
  const model = seededLenet(inputs).train();
  const optimizer = new SGD(model.parameters(), { lr: w.lr });
  const criterion = new CrossEntropyLoss();
  const x = upload(f32Input(inputs, 'x'));
  const y = upload(inputs.get('y') as HostInput);
  let loss = Number.NaN;
  return {
    step: async () => {
      const l = tidy(() => {
        const out = criterion.forward(model.forward(x), y);
        optimizer.zeroGrad();
        out.backward();
        optimizer.step();
        return out.detach();
      });
      // Reading the loss back is part of the step, as in a training loop that logs it.
      loss = await l.item();
      l.dispose();
    },
    sync: async () => undefined,
    outputs: async () => {
      const result: Record<string, Float32Array> = { loss: Float32Array.of(loss) };
      for (const [name, p] of model.namedParameters()) result[name] = await read(p);
      return result;
    },
    dispose: () => {
      optimizer.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

function inference(inputs: Map<string, HostInput>): Prepared {
  const model = seededLenet(inputs).eval();
  const x = upload(f32Input(inputs, 'x'));
  const call = opCall(() => noGrad(() => model.forward(x)), [x], 'logits');
  return {
    ...call,
    dispose: () => {
      call.dispose();
      model.dispose();
    },
  };
}

function adds(count: number, inputs: Map<string, HostInput>): Prepared {
  const a = upload(f32Input(inputs, 'a'));
  const b = upload(f32Input(inputs, 'b'));
  return opCall(
    () => {
      let y = a;
      for (let i = 0; i < count; i++) {
        const next = add(y, b);
        if (y !== a) y.dispose();
        y = next;
      }
      return y;
    },
    [a, b],
    'y',
  );
}

async function prepare(
  w: Workload,
  inputs: Map<string, HostInput>,
  threads: number,
): Promise<Prepared> {
  switch (w.kind) {
    case 'matmul': {
      const a = upload(f32Input(inputs, 'a'));
      const b = upload(f32Input(inputs, 'b'));
      return opCall(() => matmul(a, b), [a, b], 'c');
    }
    case 'conv': {
      if (w.pass !== 'forward') return convGradCall(getBackend(), w, inputs);
      const x = upload(f32Input(inputs, 'x'));
      const wt = upload(f32Input(inputs, 'w'));
      const options = { stride: w.conv.stride, padding: w.conv.pad };
      return opCall(() => conv2d(x, wt, options), [x, wt], 'y');
    }
    case 'max-pool': {
      const x = upload(f32Input(inputs, 'x'));
      return opCall(() => maxPool2d(x, { kernelSize: w.size }), [x], 'y');
    }
    case 'lenet-train':
      return trainStep(w, inputs);
    case 'lenet-infer':
      return inference(inputs);
    case 'adds':
      return adds(w.count, inputs);
    case 'mnist-to-accuracy':
      throw new Error('measured whole, not per call');
    case 'fma-ceiling':
      return ceilingCall(w, threads);
  }
}

/**
 * Stride on its CPU backend, with the backend's own defaults. Node 20 validates relaxed SIMD
 * only behind a V8 flag (Chromium and Node 22+ have it on by default), so the flag is set here,
 * before the kernels compile; `STRIDE_BENCH_PLAIN_SIMD=1` measures the plain-SIMD build instead.
 */
export async function strideCpu(): Promise<Runner> {
  const plainSimd = process.env.STRIDE_BENCH_PLAIN_SIMD === '1';
  if (!plainSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
  // Asked for explicitly, plain SIMD is no fallback: the backend warns about nothing.
  const backend = cpu(plainSimd ? { relaxedSimd: false } : {});
  registerBackend(backend);
  await setBackend('cpu');
  return {
    info: {
      library: '@stride/core (workspace)',
      backend: `cpu, ${backend.kernels}, ${backend.threads} threads${backend.tile ? `, ${backend.tile} GEMM tile` : ''}`,
    },
    unsupported: () => null,
    // The ceiling runs on as many threads as the backend's kernels.
    prepare: (w, inputs) => prepare(w, inputs, backend.threads),
    runWhole: (w, _job, note) => mnistToAccuracy(w, 'stride-cpu', note),
  };
}

/** Stride on WebGPU through Dawn; unavailable without the package or an adapter. */
export async function strideWebgpu(job: Job): Promise<Runner> {
  const dawn = await startDawn(job);
  // Loaded by name, untyped: the harness must run while that package is still incomplete.
  const pkg = (await import('@stride/backend-webgpu' as string).catch((e: unknown) => {
    throw new Unavailable(`@stride/backend-webgpu does not load: ${(e as Error).message}`);
  })) as { webgpu(options: { gpu: GPU }): BackendPlugin };
  registerBackend(pkg.webgpu({ gpu: dawn.gpu }));
  await setBackend('webgpu').catch((e: unknown) => {
    throw new Unavailable(`the webgpu backend does not start: ${(e as Error).message}`);
  });
  return {
    info: { library: '@stride/backend-webgpu (workspace)', backend: 'webgpu', ...dawn.info },
    unsupported: (w) =>
      w.kind === 'fma-ceiling' ? 'the FMA ceiling is a CPU measure (stride-cpu)' : null,
    prepare: (w, inputs) => prepare(w, inputs, 1),
    runWhole: async (w, _job, note) =>
      dawn.emulated
        ? {
            workload: w.id,
            runner: 'stride-webgpu',
            status: 'skipped',
            reason: `the adapter (${dawn.info.adapter}) emulates a GPU on the CPU`,
          }
        : mnistToAccuracy(w, 'stride-webgpu', note),
  };
}
