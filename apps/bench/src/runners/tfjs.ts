/**
 * TensorFlow.js 4.22 on its CPU, WASM or WebGPU backend. It computes in its native layouts
 * (NHWC, HWIO filters, `[in, out]` dense kernels): inputs are converted when a workload is
 * prepared and results converted back for the check, outside the timed calls. Ops are the public
 * ones (fused where tfjs has them); the two convolution gradients call tfjs's kernels, which have
 * no public op of their own, as tfjs's autograd does.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { f32Input, type HostInput } from '../inputs.js';
import type { Prepared } from '../measure.js';
import type { Job } from '../protocol.js';
import { convShapes, LENET_PARAMS, type Workload } from '../workloads.js';
import { startDawn } from './dawn.js';
import {
  chwLinearToHwcKernel,
  hwcKernelToChwLinear,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  transpose,
} from './nhwc.js';
import { type Runner, Unavailable } from './runner.js';

type Tf = typeof TF;
export type TfjsBackend = 'cpu' | 'wasm' | 'webgpu';

/** The tfjs kernels each workload needs beyond the forward ones every backend has. */
function kernelsFor(w: Workload): string[] {
  if (w.kind === 'conv' && w.pass === 'input-grad') return ['Conv2DBackpropInput'];
  if (w.kind === 'conv' && w.pass === 'filter-grad') return ['Conv2DBackpropFilter'];
  if (w.kind === 'lenet-train') return ['Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  return [];
}

const KERNEL_MEANING: Record<string, string> = {
  Conv2DBackpropInput: 'the convolution input gradient',
  Conv2DBackpropFilter: 'the convolution filter gradient',
};

/** LeNet-5's parameters in tfjs layouts, from PyTorch-layout inputs. */
function lenetToTf(name: string, data: Float32Array, shape: readonly number[]): Float32Array {
  if (name.endsWith('.bias')) return data;
  if (name.startsWith('conv')) return oihwToHwio(data, shape);
  if (name === 'fc1.weight') return chwLinearToHwcKernel(data, shape[0] as number, [16, 5, 5]);
  return transpose(data, shape[0] as number, shape[1] as number);
}

function lenetFromTf(name: string, data: Float32Array, shape: readonly number[]): Float32Array {
  if (name.endsWith('.bias')) return data;
  if (name.startsWith('conv')) return hwioToOihw(data, shape);
  if (name === 'fc1.weight') return hwcKernelToChwLinear(data, shape[0] as number, [16, 5, 5]);
  return transpose(data, shape[1] as number, shape[0] as number);
}

function tfShape(name: string, shape: readonly number[]): number[] {
  if (name.endsWith('.bias')) return [...shape];
  if (name.startsWith('conv')) {
    const [o, i, h, w] = shape as [number, number, number, number];
    return [h, w, i, o];
  }
  return [shape[1] as number, shape[0] as number];
}

function lenetForward(tf: Tf, x: TF.Tensor4D, p: Record<string, TF.Tensor>): TF.Tensor2D {
  const t = <R extends TF.Rank>(name: string) => p[name] as TF.Tensor<R>;
  let y: TF.Tensor4D = tf.fused.conv2d({
    x,
    filter: t<TF.Rank.R4>('conv1.weight'),
    strides: 1,
    pad: 2,
    bias: t('conv1.bias'),
    activation: 'relu',
  });
  y = tf.maxPool(y, 2, 2, 'valid');
  y = tf.fused.conv2d({
    x: y,
    filter: t<TF.Rank.R4>('conv2.weight'),
    strides: 1,
    pad: 'valid',
    bias: t('conv2.bias'),
    activation: 'relu',
  });
  y = tf.maxPool(y, 2, 2, 'valid');
  let z = tf.reshape(y, [x.shape[0], 400]) as TF.Tensor2D;
  for (const layer of ['fc1', 'fc2']) {
    z = tf.fused.matMul({
      a: z,
      b: t<TF.Rank.R2>(`${layer}.weight`),
      bias: t(`${layer}.bias`),
      activation: 'relu',
    }) as TF.Tensor2D;
  }
  return tf.fused.matMul({
    a: z,
    b: t<TF.Rank.R2>('fc3.weight'),
    bias: t('fc3.bias'),
  }) as TF.Tensor2D;
}

function makePrepare(tf: Tf) {
  const nhwc = (input: HostInput & { data: Float32Array }): TF.Tensor4D =>
    tf.tensor4d(nchwToNhwc(input.data, input.shape), [
      input.shape[0] as number,
      input.shape[2] as number,
      input.shape[3] as number,
      input.shape[1] as number,
    ]);
  const hwio = (input: HostInput & { data: Float32Array }): TF.Tensor4D => {
    const [o, i, h, w] = input.shape as [number, number, number, number];
    return tf.tensor4d(oihwToHwio(input.data, input.shape), [h, w, i, o]);
  };

  /** A call that makes one tensor from fixed inputs; `convert` brings it back to Stride's layout. */
  const opCall = (
    make: () => TF.Tensor,
    inputs: TF.Tensor[],
    name: string,
    convert: (a: Float32Array) => Float32Array = (a) => a,
  ): Prepared => {
    let last: TF.Tensor | null = null;
    return {
      step: () => {
        last?.dispose();
        last = tf.tidy(make);
      },
      sync: async () => {
        await last?.data();
      },
      outputs: async () => ({
        [name]: convert(Float32Array.from((await (last as TF.Tensor).data()) as Float32Array)),
      }),
      dispose: () => {
        last?.dispose();
        for (const t of inputs) t.dispose();
      },
    };
  };

  const lenetParams = (inputs: Map<string, HostInput>): Record<string, TF.Tensor> =>
    Object.fromEntries(
      LENET_PARAMS.map(({ name, shape }) => [
        name,
        tf.tensor(lenetToTf(name, f32Input(inputs, name).data, shape), tfShape(name, shape)),
      ]),
    );

  return async (w: Workload, inputs: Map<string, HostInput>): Promise<Prepared> => {
    switch (w.kind) {
      case 'matmul': {
        const a = tf.tensor2d(f32Input(inputs, 'a').data, [w.m, w.k]);
        const b = tf.tensor2d(f32Input(inputs, 'b').data, [w.k, w.n]);
        return opCall(() => tf.matMul(a, b), [a, b], 'c');
      }
      case 'conv': {
        const c = w.conv;
        const s = convShapes(c);
        const strides: [number, number] = [c.stride, c.stride];
        // Output sizes are floored, as in PyTorch and Stride.
        const conv = { strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: 'floor' };
        if (w.pass === 'forward') {
          const x = nhwc(f32Input(inputs, 'x'));
          const f = hwio(f32Input(inputs, 'w'));
          return opCall(
            () => tf.conv2d(x, f, strides, c.pad, 'NHWC', 1, 'floor'),
            [x, f],
            'y',
            (a) => nhwcToNchw(a, s.y),
          );
        }
        const dy = nhwc(f32Input(inputs, 'dy'));
        if (w.pass === 'input-grad') {
          const f = hwio(f32Input(inputs, 'w'));
          const inputShape = [c.n, c.h, c.w, c.c];
          return opCall(
            () =>
              tf
                .engine()
                .runKernel(
                  'Conv2DBackpropInput',
                  { dy, filter: f },
                  { ...conv, inputShape },
                ) as TF.Tensor,
            [dy, f],
            'dx',
            (a) => nhwcToNchw(a, s.x),
          );
        }
        const x = nhwc(f32Input(inputs, 'x'));
        const filterShape = [c.k, c.k, c.c, c.o];
        return opCall(
          () =>
            tf
              .engine()
              .runKernel('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape }) as TF.Tensor,
          [x, dy],
          'dw',
          (a) => hwioToOihw(a, s.w),
        );
      }
      case 'max-pool': {
        const x = nhwc(f32Input(inputs, 'x'));
        const [n, ch, h, wd] = w.x;
        const yShape = [n, ch, h / w.size, wd / w.size];
        return opCall(
          () => tf.maxPool(x, w.size, w.size, 'valid'),
          [x],
          'y',
          (a) => nhwcToNchw(a, yShape),
        );
      }
      case 'lenet-infer': {
        const x = nhwc(f32Input(inputs, 'x'));
        const params = lenetParams(inputs);
        return opCall(() => lenetForward(tf, x, params), [x, ...Object.values(params)], 'logits');
      }
      case 'lenet-train': {
        const x = nhwc(f32Input(inputs, 'x'));
        const labels = tf.tensor1d(inputs.get('y')?.data as Int32Array, 'int32');
        const onehot = tf.tidy(() => tf.cast(tf.oneHot(labels, 10), 'float32'));
        const vars = Object.fromEntries(
          Object.entries(lenetParams(inputs)).map(([name, t]) => [name, tf.variable(t)]),
        );
        const optimizer = tf.train.sgd(w.lr);
        let loss = Number.NaN;
        return {
          step: async () => {
            const cost = optimizer.minimize(
              () => tf.losses.softmaxCrossEntropy(onehot, lenetForward(tf, x, vars)) as TF.Scalar,
              true,
              Object.values(vars),
            ) as TF.Scalar;
            loss = (await cost.data())[0] as number;
            cost.dispose();
          },
          sync: async () => undefined,
          outputs: async () => {
            const result: Record<string, Float32Array> = { loss: Float32Array.of(loss) };
            for (const { name, shape } of LENET_PARAMS) {
              const data = Float32Array.from((await vars[name]?.data()) as Float32Array);
              result[name] = lenetFromTf(name, data, shape);
            }
            return result;
          },
          dispose: () => {
            optimizer.dispose();
            for (const t of [x, labels, onehot, ...Object.values(vars)]) t.dispose();
          },
        };
      }
      case 'adds': {
        const a = tf.tensor2d(f32Input(inputs, 'a').data, [1, 1]);
        const b = tf.tensor2d(f32Input(inputs, 'b').data, [1, 1]);
        let last: TF.Tensor | null = null;
        return {
          step: () => {
            last?.dispose();
            let y: TF.Tensor = a;
            for (let i = 0; i < w.count; i++) {
              const next = tf.add(y, b);
              if (y !== a) y.dispose();
              y = next;
            }
            last = y;
          },
          sync: async () => {
            await last?.data();
          },
          outputs: async () => ({
            y: Float32Array.from((await (last as TF.Tensor).data()) as Float32Array),
          }),
          dispose: () => {
            for (const t of [a, b, last]) t?.dispose();
          },
        };
      }
      case 'mnist-to-accuracy':
        throw new Error('time to accuracy is measured for Stride and PyTorch only');
      case 'fma-ceiling':
        throw new Error('the FMA ceiling is measured by stride-cpu');
    }
  };
}

/**
 * Loads tfjs-core with one backend; WebGPU needs a Dawn adapter behind `navigator.gpu`. tfjs-core
 * alone registers no gradients: the union package `@tensorflow/tfjs` does, as a tfjs user who
 * trains would have it, so it is loaded when the job trains.
 */
export async function tfjs(backend: TfjsBackend, job: Job): Promise<Runner> {
  const tf = await import('@tensorflow/tfjs-core');
  if (job.workloads.some((w) => w.kind === 'lenet-train')) await import('@tensorflow/tfjs');
  let info: Record<string, string | number | boolean> = {};
  if (backend === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (backend === 'webgpu') {
    const dawn = await startDawn(job);
    // tfjs-backend-webgpu registers itself on import only if navigator.gpu exists.
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: dawn.gpu },
      configurable: true,
      writable: true,
    });
    await import('@tensorflow/tfjs-backend-webgpu');
    info = { ...dawn.info, cpuForward: tf.env().getBool('WEBGPU_CPU_FORWARD') };
  }
  if (!(await tf.setBackend(backend))) {
    throw new Unavailable(`tfjs could not initialise its '${backend}' backend`);
  }
  await tf.ready();
  if (backend === 'wasm') {
    info = {
      simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean,
      threads: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean,
    };
  }
  const name = {
    cpu: 'tfjs-backend-cpu',
    wasm: 'tfjs-backend-wasm',
    webgpu: 'tfjs-backend-webgpu',
  }[backend];
  return {
    info: { library: `@tensorflow/${name} ${tf.version_core}`, backend, ...info },
    unsupported: (w) => {
      if (w.kind === 'mnist-to-accuracy')
        return 'time to accuracy is measured for Stride and PyTorch only';
      const missing = kernelsFor(w).find((k) => !tf.getKernel(k, backend));
      return missing ? `${name} registers no ${missing} kernel (${KERNEL_MEANING[missing]})` : null;
    },
    prepare: makePrepare(tf),
  };
}
