/**
 * Calls that must be rejected by the compiler. The test that type-checks this project with
 * tsconfig.errors.json expects exactly these errors, at these lines: were a package's types
 * unresolved (`any`), they would compile.
 */
import { cpu } from '@stride/backend-cpu';
import { conv2d, registerBackend, tensor } from '@stride/core';
import { LeNet5 } from '@stride/layers';
import { SGD } from '@stride/optimizers';

// TS2345: a backend's name is not a backend.
registerBackend('cpu');
// TS2345: the weight must be a Tensor, not nested arrays.
conv2d(tensor([[[[1]]]]), [[[[1]]]]);
// TS2322: LeNet5's variant is 'modern' or 'classic'.
new LeNet5({ variant: 'resnet' });
// TS2345: an optimizer takes the model's parameters, not the model.
new SGD(new LeNet5(), { lr: 0.1 });
// TS2322: the CPU backend's kernels option is 'auto', 'wasm' or 'js'.
cpu({ kernels: 'cuda' });
