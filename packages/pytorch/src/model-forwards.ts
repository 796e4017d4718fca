/**
 * The forward methods of the built-in models of `@stride/layers`, in Python: the same calls in
 * the same order as their TypeScript `forward`, and the same input check where they have one.
 */
import * as L from '@stride/layers';
import { isClass } from './leaf-layers.js';

/** The Python `forward` of a built-in model (exactly that class), or undefined. */
export function builtinForward(m: L.Module): string | undefined {
  if (isClass(m, L.LeNet5)) {
    const { inChannels } = (m as L.LeNet5).conv1;
    return `def forward(self, x):
    if x.dim() != 4 or x.shape[2] != 28 or x.shape[3] != 28:
        raise ValueError(f"LeNet5: expected images [N, ${inChannels}, 28, 28], got input {list(x.shape)}")
    x = self.pool1(self.act1(self.conv1(x)))
    x = self.pool2(self.act2(self.conv2(x)))
    x = self.act3(self.fc1(self.flatten(x)))
    return self.fc3(self.act4(self.fc2(x)))`;
  }
  if (isClass(m, L.AlexNet)) {
    return `def forward(self, x):
    return self.classifier(self.flatten(self.avgpool(self.features(x))))`;
  }
  if (isClass(m, L.SignalNet)) {
    return `def forward(self, x):
    return self.fc(self.flatten(self.pool(self.features(x))))`;
  }
  return undefined;
}

/** The model classes `builtinForward` knows, by type name. */
export const MODEL_CLASSES: readonly string[] = ['LeNet5', 'AlexNet', 'SignalNet'];
