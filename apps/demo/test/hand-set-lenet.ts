import { type Tensor, tensor } from '@stride/core';
import { LeNet5 } from '@stride/layers';

/**
 * A LeNet-5 whose class evidence is known in advance: conv1's channel 0 and conv2's channel 0
 * copy their input (a 1 at the kernel's centre), fc1's unit 0 sums pool2's channel 0, fc2's unit
 * 0 passes it on and fc3 gives it to class 3 only. Every other weight and every bias is 0. So
 * logit 3 is the sum of pool2's channel 0, all other logits are 0, and only channel 0 of conv2
 * carries evidence: Grad-CAM for class 3 is a copy of that channel.
 */
export function handSetWeights(): Record<string, { shape: number[]; data: Float32Array }> {
  const w = (shape: number[], set: (data: Float32Array) => void) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    set(data);
    return { shape, data };
  };
  return {
    'conv1.weight': w([6, 1, 5, 5], (d) => {
      d[2 * 5 + 2] = 1;
    }),
    'conv1.bias': w([6], () => {}),
    'conv2.weight': w([16, 6, 5, 5], (d) => {
      d[2 * 5 + 2] = 1;
    }),
    'conv2.bias': w([16], () => {}),
    // Flattening [16, 5, 5] puts channel 0 first: inputs 0..24 of fc1.
    'fc1.weight': w([120, 400], (d) => d.fill(1, 0, 25)),
    'fc1.bias': w([120], () => {}),
    'fc2.weight': w([84, 120], (d) => {
      d[0] = 1;
    }),
    'fc2.bias': w([84], () => {}),
    'fc3.weight': w([10, 84], (d) => {
      d[3 * 84] = 1;
    }),
    'fc3.bias': w([10], () => {}),
  };
}

/** The hand-set weights as tensors on the CPU (a state dict). */
export function handSetState(dtype: 'float32' | 'float64' = 'float32'): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, { shape, data }] of Object.entries(handSetWeights())) {
    out[name] = tensor(dtype === 'float32' ? data : Float64Array.from(data), {
      shape,
      dtype,
      device: 'cpu',
    });
  }
  return out;
}

/** A LeNet-5 on the CPU with the hand-set weights, in eval mode. */
export function handSetLenet(dtype: 'float32' | 'float64' = 'float32'): LeNet5 {
  const model = new LeNet5({ device: 'cpu', dtype });
  const state = handSetState(dtype);
  model.loadStateDict(state);
  for (const t of Object.values(state)) t.dispose();
  model.eval();
  return model;
}
