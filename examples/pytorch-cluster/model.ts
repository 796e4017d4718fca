/**
 * The model of this example, designed in Stride: a small convolutional network for 28×28 digits
 * with batch normalisation and dropout. `design.ts` turns it into PyTorch source for training on
 * a cluster; `infer.ts` builds it again to load the trained weights.
 */
import {
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from '@stride/layers';

/** The network: [N, 1, 28, 28] images to [N, 10] logits. */
export function buildModel(): Sequential {
  return new Sequential(
    new Conv2d(1, 16, 3, { padding: 1, bias: false }),
    new BatchNorm2d(16),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(16, 32, 3, { padding: 1, bias: false }),
    new BatchNorm2d(32),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Dropout(0.25),
    new Linear(32 * 7 * 7, 10),
  );
}

/** The name of the PyTorch class `design.ts` writes (`model.py`). */
export const CLASS_NAME = 'DigitNet';
