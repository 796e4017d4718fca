import { runConformance } from '@stride/backend-test-kit';
import { cpu } from '../src/index.js';

runConformance({ backend: cpu });
