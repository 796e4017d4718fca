// The smallest useful browser program: tensors, a convolution, and the CPU backend to run it.
import { cpu } from '@stride/backend-cpu';
import { conv2d, registerBackend, tensor } from '@stride/core';

registerBackend(cpu());
const image = tensor([
  [
    [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ],
  ],
]);
const kernel = tensor([
  [
    [
      [0, 1],
      [1, 0],
    ],
  ],
]);
conv2d(image, kernel).data().then(console.log);
