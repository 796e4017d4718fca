/**
 * LeNet-5 holding this run's seeded weights: the model Stride's rows time, and the one exported
 * to ONNX for onnxruntime's, so both compute the same numbers.
 */
import { tensor } from '@stride/core';
import { LeNet5 } from '@stride/layers';
import { f32Input, type HostInput } from '../inputs.js';

export function seededLenet(inputs: Map<string, HostInput>): LeNet5 {
  const model = new LeNet5();
  const weights = Object.fromEntries(
    model.namedParameters().map(([name]) => {
      const input = f32Input(inputs, name);
      return [name, tensor(input.data, { shape: input.shape, dtype: input.dtype })];
    }),
  );
  model.loadStateDict(weights);
  for (const t of Object.values(weights)) t.dispose();
  return model;
}
