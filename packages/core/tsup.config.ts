import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

// ./node (checkpoint files) is a separate entry so that the main one stays browser-safe; code
// both share goes to a common chunk, so there is one Tensor class.
export default defineConfig(packageBuild(['src/index.ts', 'src/node/checkpoint.ts']));
