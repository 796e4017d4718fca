import { noGrad, softmax, type Tensor, tensor, tidy } from '@stride/core';
import type { LeNet5 } from '@stride/layers';
import { MNIST_SIZE } from './preprocess.js';

export interface Activation {
  /** The layer's name in the model (`conv1`, `pool2`, ...). */
  name: string;
  /** Shape without the batch dimension: [C, H, W] for maps, [F] for features. */
  shape: number[];
  data: Float32Array;
}

export interface Inference {
  /** Softmax probabilities of the ten digits. */
  probabilities: Float32Array;
  /** The output of every layer, in order, for the "look inside" panel. */
  activations: Activation[];
}

/**
 * Runs one 28×28 image through the model's layers one by one (LeNet-5's children, in the order
 * its `forward` applies them) and keeps each layer's output: the same computation as
 * `model.forward`, with the intermediate results made visible.
 */
export function inspect(model: LeNet5, image: Float32Array): Inference {
  return noGrad(() =>
    tidy(() => {
      const activations: Activation[] = [];
      let x: Tensor = tensor(image, {
        shape: [1, 1, MNIST_SIZE, MNIST_SIZE],
        dtype: 'float32',
        device: model.conv1.weight.device,
      });
      for (const [name, layer] of model.namedChildren()) {
        x = layer.forward(x);
        activations.push({
          name,
          shape: x.shape.slice(1),
          data: (x.dataSync() as Float32Array).slice(),
        });
      }
      const probabilities = (softmax(x, 1).dataSync() as Float32Array).slice();
      return { probabilities, activations };
    }),
  );
}
