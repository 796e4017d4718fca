import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.js';

// ./node (writing files) is a separate entry so that the main one stays browser-safe.
export default defineConfig(packageBuild(['src/index.ts', 'src/node/save-onnx.ts']));
