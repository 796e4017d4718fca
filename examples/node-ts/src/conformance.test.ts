/**
 * The conformance suite of @stride/backend-test-kit, as a backend author runs it with vitest
 * (type-checked here, not run).
 */
import { cpu } from '@stride/backend-cpu';
import { type ConformanceOptions, runConformance } from '@stride/backend-test-kit';

const options: ConformanceOptions = {
  name: 'cpu (plain JavaScript kernels)',
  backend: () => cpu({ kernels: 'js', threads: 1 }),
  tolerance: { conv2d: { rtol: 1e-4 } },
  skip: ['gradcheck'],
};
runConformance(options);
